"""Rule-based music synthesiser: the Live Music emulator's source of 48 kHz stereo PCM16 audio.

Sans-IO and deterministic: :class:`MusicSynth` turns settings (the fields of
``LiveMusicGenerationConfig``) and weighted prompts into music made by explicit rules, rendered
block by block as 16-bit little-endian PCM, 48 kHz, stereo (interleaved L/R).

Needs numpy (``pip install "genai-live[numpy]"``). The module itself imports without it, so that
:data:`SCALES` stays usable, but constructing a :class:`MusicSynth` then raises ``ImportError``.

The rules, all on a grid of sixteenth notes ("steps", four per beat, four beats per bar):

- **Tempo**: beat ``n`` starts at sample ``n * 48000 * 60 / bpm`` (rounded down, never drifting).
- **Drums** (unless ``mute_drums``): kick on beats 1 and 3, snare on beats 2 and 4, closed hi-hat
  on every eighth note; each hit has a sharp attack (noise bursts, a pitch-swept kick).
- **Harmony**: one chord per bar, cycling through a four-chord progression of the scale's triads
  (which progression depends on the seed).
- **Bass** (unless ``mute_bass``): one note per beat, two octaves below the melody's tonic: the chord
  root on beats 1 and 3, its fifth on beats 2 and 4.
- **Melody** (unless ``only_bass_and_drums``): only notes of the scale. ``density`` sets the number
  of notes per beat, ``2 ** (3 * density - 1)``: 0.5 (one note every two beats) at 0, 1 at 1/3, 2 at
  2/3, 4 (every sixteenth) at 1. Onsets fall on steps. The pitch is a random walk over scale degrees
  whose step size grows with ``temperature`` (near 0: neighbouring notes only; 3: leaps of up to
  an octave are common); on beats 1 and 3 it usually lands on a chord tone.
- **Chords** (unless ``only_bass_and_drums``): the bar's triad as a quiet sustained pad.
- **Timbre**: ``brightness`` sets how many harmonics the pitched instruments have and how slowly
  their amplitudes fall (0: nearly sine-like; 1: sawtooth-like), so brighter means more energy
  above 2 kHz.
- **Seed**: ``None`` means seed 0. All randomness is drawn per beat from ``(seed, beat)``, so the
  same settings and seed give byte-identical audio, and muting an instrument never changes the notes
  of the others.
- **Prompts** steer the mix by keywords (see :data:`PROMPT_KEYWORDS`); unknown words change nothing.
- **Stereo and level**: each instrument has its own pan position; the mix goes through a soft
  limiter, so samples always stay within ±32767.

Settings and prompts changed with :meth:`MusicSynth.configure` / :meth:`MusicSynth.set_prompts`
take effect at the first beat that starts at or after the current :attr:`MusicSynth.position`;
notes already sounding ring on.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

try:
    import numpy as np
except ImportError as error:  # pragma: no cover - only without the numpy extra
    _NUMPY_MISSING: ImportError | None = error
else:
    _NUMPY_MISSING = None

if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy.typing as npt

    _Wave: TypeAlias = npt.NDArray[np.float64]

__all__ = ["PROMPT_KEYWORDS", "SCALES", "MusicSynth", "scale_pitch_classes"]

_MAJOR_STEPS: Final = (0, 2, 4, 5, 7, 9, 11)

_TONICS: Final = {
    "SCALE_UNSPECIFIED": 0,
    "C_MAJOR_A_MINOR": 0,
    "D_FLAT_MAJOR_B_FLAT_MINOR": 1,
    "D_MAJOR_B_MINOR": 2,
    "E_FLAT_MAJOR_C_MINOR": 3,
    "E_MAJOR_D_FLAT_MINOR": 4,
    "F_MAJOR_D_MINOR": 5,
    "G_FLAT_MAJOR_E_FLAT_MINOR": 6,
    "G_MAJOR_E_MINOR": 7,
    "A_FLAT_MAJOR_F_MINOR": 8,
    "A_MAJOR_G_FLAT_MINOR": 9,
    "B_FLAT_MAJOR_G_MINOR": 10,
    "B_MAJOR_A_FLAT_MINOR": 11,
}

SCALES: Final[dict[str, tuple[int, ...]]] = {
    name: tuple((tonic + step) % 12 for step in _MAJOR_STEPS) for name, tonic in _TONICS.items()
}
"""Pitch classes (0 = C … 11 = B) of each ``Scale`` name, in degree order from the major tonic.

Each name pairs a major key with its relative minor, which share these seven notes;
``SCALE_UNSPECIFIED`` is C major. Example: ``SCALES["D_MAJOR_B_MINOR"] == (2, 4, 6, 7, 9, 11, 1)``.
"""


def scale_pitch_classes(name: str) -> frozenset[int]:
    """Return the pitch classes (0 = C … 11 = B) of the scale called ``name``.

    ``name`` is a ``Scale`` name (or member): ``scale_pitch_classes("F_MAJOR_D_MINOR")`` contains 10
    (B flat) but not 11 (B). Raises ``ValueError`` for an unknown name.
    """
    return frozenset(_scale_degrees(name))


def _scale_degrees(name: str) -> tuple[int, ...]:
    try:
        return SCALES[str(name)]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; expected one of {sorted(SCALES)}") from None


SAMPLE_RATE: Final = 48000
_STEPS_PER_BEAT: Final = 4
_BEATS_PER_BAR: Final = 4
# Samples per step times bpm: 48000 * 60 / 4, kept integral so onsets never drift.
_STEP_SAMPLES_TIMES_BPM: Final = SAMPLE_RATE * 60 // _STEPS_PER_BEAT

# Progressions as scale degrees of chord roots (0 = I, 3 = IV, 4 = V, 5 = vi, 1 = ii); the
# diminished vii chord is left out because its fifth is not a perfect fifth.
_PROGRESSIONS: Final = ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (1, 4, 0, 5), (0, 3, 4, 3))

# Melody range in scale degrees around the tonic of the fourth octave.
_MELODY_LOWEST: Final = -2
_MELODY_HIGHEST: Final = 11
_MELODY_START: Final = 2
_LEAPS: Final = tuple(range(-7, 8))
_CHORD_TONE_PULL: Final = 0.7

# Onset positions (steps within a beat) for a beat holding 1-4 melody notes; drawn uniformly,
# so repeated entries make a pattern more likely.
_ONSET_PATTERNS: Final[dict[int, tuple[tuple[int, ...], ...]]] = {
    1: ((0,), (0,), (0,), (2,)),
    2: ((0, 2), (0, 2), (0, 3), (0, 1)),
    3: ((0, 2, 3), (0, 1, 2), (0, 1, 3)),
    4: ((0, 1, 2, 3),),
}

# Instrument levels (full scale = 1.0) and pan positions (-1 = left, 1 = right).
_KICK_LEVEL: Final = 0.55
_SNARE_LEVEL: Final = 0.3
_HAT_LEVEL: Final = 0.14
_BASS_LEVEL: Final = 0.35
_LEAD_LEVEL: Final = 0.3
_PAD_LEVEL: Final = 0.045
_SNARE_PAN: Final = -0.15
_HAT_PAN: Final = 0.35
_LEAD_PAN: Final = -0.2
_PAD_SPREAD: Final = 0.5
_MASTER_GAIN: Final = 0.9
_LIMIT_KNEE: Final = 0.7

_WAVETABLE_SIZE: Final = 4096
# Harmonics above this are left out, so nothing folds back below the 24 kHz Nyquist frequency.
_HIGHEST_PARTIAL_HZ: Final = 16000.0
_END_FADE: Final = int(0.005 * SAMPLE_RATE)


@attrs.frozen(kw_only=True)
class _Settings:
    """The generation settings in effect (the fields of ``LiveMusicGenerationConfig``)."""

    bpm: int = 120
    scale: str = "C_MAJOR_A_MINOR"
    density: float = 0.5
    brightness: float = 0.5
    mute_bass: bool = False
    mute_drums: bool = False
    only_bass_and_drums: bool = False
    seed: int | None = None
    temperature: float = 1.1

    def __attrs_post_init__(self) -> None:
        if isinstance(self.bpm, bool) or not isinstance(self.bpm, int) or not 60 <= self.bpm <= 200:
            raise ValueError(f"bpm must be an integer from 60 to 200, got {self.bpm!r}")
        _scale_degrees(self.scale)
        for name, value, highest in (
            ("density", self.density, 1.0),
            ("brightness", self.brightness, 1.0),
            ("temperature", self.temperature, 3.0),
        ):
            if not 0.0 <= value <= highest:
                raise ValueError(f"{name} must be from 0 to {highest}, got {value!r}")
        if self.seed is not None and not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer or None, got {self.seed!r}")

    @property
    def notes_per_beat(self) -> float:
        return math.pow(2.0, 3.0 * self.density - 1.0)

    @property
    def seed_key(self) -> int:
        """The seed as the non-negative integer numpy's seeding wants."""
        return (self.seed or 0) % 2**64


@attrs.frozen(kw_only=True)
class _Mix:
    """How prompts shape the arrangement: gains are multipliers, 1.0 being the default mix."""

    synth_lead: float = 0.0  # 0 = piano-like lead, 1 = saw-like synth lead
    lead_gain: float = 1.0
    pad_gain: float = 1.0
    drum_gain: float = 1.0
    bass_gain: float = 1.0
    swing: float = 0.0  # 0 = straight eighths, 1 = triplet swing


PROMPT_KEYWORDS: Final[Mapping[str, Mapping[str, float]]] = {
    "piano": {"synth_lead": -1.0},
    "keys": {"synth_lead": -1.0},
    "synth": {"synth_lead": 1.0},
    "electronic": {"synth_lead": 1.0, "drum_gain": 0.5},
    "techno": {"synth_lead": 1.0, "drum_gain": 1.0},
    "edm": {"synth_lead": 1.0, "drum_gain": 1.0},
    "ambient": {"pad_gain": 4.0, "drum_gain": -0.6, "lead_gain": -0.3},
    "pad": {"pad_gain": 4.0},
    "strings": {"pad_gain": 3.0},
    "drum": {"drum_gain": 1.0},
    "beat": {"drum_gain": 1.0},
    "percussion": {"drum_gain": 1.0},
    "bass": {"bass_gain": 1.0},
    "jazz": {"swing": 1.0},
    "swing": {"swing": 1.0},
    "chill": {"swing": 0.3, "pad_gain": 1.5, "drum_gain": -0.3},
}
"""How prompt words change the mix: keyword → {mix field: change per unit of normalised weight}.

A prompt word matches a keyword when it starts with it ("drums" matches "drum"). Weights are
normalised so their absolute values sum to 1, and a negative weight reverses the change. Mix fields:
``synth_lead`` (0 = soft decaying piano-like lead, 1 = bright sustained saw-like synth lead),
``lead_gain``, ``pad_gain`` (sustained chords), ``drum_gain``, ``bass_gain`` (gains start at 1 and
stay within 0-3) and ``swing`` (0-1: how far off-beat eighths are delayed towards a triplet feel).
Example: ``[("ambient piano", 1.0)]`` gives loud sustained chords, softer drums and a piano lead.
"""

_MIX_LIMITS: Final = {
    "synth_lead": (0.0, 1.0),
    "lead_gain": (0.0, 3.0),
    "pad_gain": (0.0, 3.0),
    "drum_gain": (0.0, 3.0),
    "bass_gain": (0.0, 3.0),
    "swing": (0.0, 1.0),
}


def _mix_for(prompts: Sequence[tuple[str, float]]) -> _Mix:
    total_weight = sum(abs(float(weight)) for _, weight in prompts)
    if total_weight == 0.0:
        return _Mix()
    values = attrs.asdict(_Mix())
    for text, weight in prompts:
        share = float(weight) / total_weight
        for word in re.findall(r"[a-z]+", str(text).lower()):
            for keyword, changes in PROMPT_KEYWORDS.items():
                if word.startswith(keyword):
                    for field, change in changes.items():
                        values[field] += change * share
    for field, (lowest, highest) in _MIX_LIMITS.items():
        values[field] = min(max(values[field], lowest), highest)
    return _Mix(**values)


class _Keep(enum.Enum):
    """Default of :meth:`MusicSynth.configure` keywords: leave this setting as it is."""

    KEEP = "keep"


_KEEP: Final = _Keep.KEEP


class MusicSynth:
    """Deterministic rule-based music: notes from a scale, on a beat, with bass and drums.

    Output is 16-bit little-endian PCM, 48 kHz, stereo; the rules are in the module docstring.
    Not thread-safe: give each stream its own instance (or its own lock).
    Settings are validated like the service's ranges (``ValueError`` otherwise): ``bpm`` 60-200,
    ``density`` and ``brightness`` 0-1, ``temperature`` 0-3, ``scale`` a ``Scale`` name.

    >>> synth = MusicSynth(bpm=100, scale="D_MAJOR_B_MINOR", seed=7, prompts=[("jazz piano", 1.0)])
    >>> chunk = synth.render(4800)  # the first 0.1 s
    >>> len(chunk), synth.position
    (19200, 0.1)
    """

    SAMPLE_RATE: Final = SAMPLE_RATE
    CHANNELS: Final = 2

    _settings: _Settings
    _mix: _Mix
    _rendered: int  # frames since the start
    _sounding: list[tuple[int, _Wave]]  # (onset frame, stereo wave) of notes not yet finished
    _next_beat: int
    _anchor_beat: int
    _anchor_sample: int
    _melody_degree: int
    _note_credit: float
    _progression: tuple[int, ...]

    def __init__(
        self,
        *,
        bpm: int = 120,
        scale: str = "C_MAJOR_A_MINOR",
        density: float = 0.5,
        brightness: float = 0.5,
        mute_bass: bool = False,
        mute_drums: bool = False,
        only_bass_and_drums: bool = False,
        seed: int | None = None,
        temperature: float = 1.1,
        prompts: Sequence[tuple[str, float]] = (),
    ) -> None:
        if _NUMPY_MISSING is not None:  # pragma: no cover - only without the numpy extra
            raise ImportError(
                'MusicSynth needs numpy: pip install "genai-live[numpy]"'
            ) from _NUMPY_MISSING
        self._requested = _Settings(
            bpm=bpm,
            scale=str(scale),
            density=density,
            brightness=brightness,
            mute_bass=mute_bass,
            mute_drums=mute_drums,
            only_bass_and_drums=only_bass_and_drums,
            seed=seed,
            temperature=temperature,
        )
        self._requested_mix = _mix_for(prompts)
        self.reset()

    def configure(
        self,
        *,
        bpm: int | _Keep = _KEEP,
        scale: str | _Keep = _KEEP,
        density: float | _Keep = _KEEP,
        brightness: float | _Keep = _KEEP,
        mute_bass: bool | _Keep = _KEEP,
        mute_drums: bool | _Keep = _KEEP,
        only_bass_and_drums: bool | _Keep = _KEEP,
        seed: int | _Keep | None = _KEEP,
        temperature: float | _Keep = _KEEP,
    ) -> None:
        """Change some settings (same meaning as in the constructor); omitted ones stay.

        Validated at once; they take effect at the first beat starting at or after
        :attr:`position`. ``synth.configure(bpm=90, mute_drums=True)``.
        """
        given = {
            "bpm": bpm,
            "scale": scale if isinstance(scale, _Keep) else str(scale),
            "density": density,
            "brightness": brightness,
            "mute_bass": mute_bass,
            "mute_drums": mute_drums,
            "only_bass_and_drums": only_bass_and_drums,
            "seed": seed,
            "temperature": temperature,
        }
        changes: dict[str, Any] = {
            name: value for name, value in given.items() if value is not _KEEP
        }
        self._requested = attrs.evolve(self._requested, **changes)

    def set_prompts(self, prompts: Sequence[tuple[str, float]]) -> None:
        """Replace the weighted prompts, ``(text, weight)`` pairs steering the mix.

        See :data:`PROMPT_KEYWORDS`; an empty sequence restores the default mix. Takes effect at the
        first beat starting at or after :attr:`position`.
        """
        self._requested_mix = _mix_for(prompts)

    def render(self, frames: int) -> bytes:
        """Return the next ``frames`` stereo frames (``frames * 4`` bytes of PCM16 LE, L then R).

        Consecutive calls continue seamlessly: after :meth:`reset`, ``render(a) + render(b)`` equals
        ``render(a + b)``.
        """
        if frames < 0:
            raise ValueError(f"frames must not be negative, got {frames}")
        start = self._rendered
        end = start + frames
        self._plan_until(end)
        mix = np.zeros((2, frames))
        still_sounding = []
        for onset, wave in self._sounding:
            first = max(onset, start)
            last = min(onset + wave.shape[1], end)
            if first < last:
                mix[:, first - start : last - start] += wave[:, first - onset : last - onset]
            if onset + wave.shape[1] > end:
                still_sounding.append((onset, wave))
        self._sounding = still_sounding
        self._rendered = end
        samples = np.rint(_soft_limit(mix * _MASTER_GAIN) * 32767.0).astype("<i2")
        return bytes(samples.T.tobytes())

    def reset(self) -> None:
        """Go back to the start with the latest settings and prompts: the same audio plays again."""
        self._settings = self._requested
        self._mix = self._requested_mix
        self._rendered = 0
        self._sounding = []
        self._next_beat = 0
        # Beat timing is counted from an anchor that moves when the tempo changes, so earlier
        # beats keep their places.
        self._anchor_beat = 0
        self._anchor_sample = 0
        self._melody_degree = _MELODY_START
        self._note_credit = max(0.0, 1.0 - self._settings.notes_per_beat)
        self._choose_progression()

    @property
    def position(self) -> float:
        """Seconds of audio rendered since construction or the last :meth:`reset`."""
        return self._rendered / SAMPLE_RATE

    def _choose_progression(self) -> None:
        rng = np.random.default_rng([self._settings.seed_key, 2**32])
        self._progression = _PROGRESSIONS[int(rng.integers(len(_PROGRESSIONS)))]

    def _step_onset(self, beat: int, step: int = 0) -> int:
        steps = (beat - self._anchor_beat) * _STEPS_PER_BEAT + step
        return self._anchor_sample + steps * _STEP_SAMPLES_TIMES_BPM // self._settings.bpm

    def _plan_until(self, end: int) -> None:
        """Schedule every beat starting before sample ``end`` (each beat is planned exactly once)."""
        while (onset := self._step_onset(self._next_beat)) < end:
            self._apply_requests(onset)
            self._plan_beat(self._next_beat)
            self._next_beat += 1

    def _apply_requests(self, beat_onset: int) -> None:
        previous, self._settings = self._settings, self._requested
        self._mix = self._requested_mix
        if previous.bpm != self._settings.bpm:
            self._anchor_beat, self._anchor_sample = self._next_beat, beat_onset
        if previous.seed_key != self._settings.seed_key:
            self._choose_progression()

    def _plan_beat(self, beat: int) -> None:
        settings, mix = self._settings, self._mix
        step_length = _STEP_SAMPLES_TIMES_BPM / settings.bpm
        # Full swing moves the off-beat eighth from 1/2 to 2/3 of the beat (a triplet feel) and
        # the last sixteenth proportionally.
        swing_shift = (0.0, 0.0, 2.0 / 3.0, 1.0 / 3.0)
        onsets = [
            self._step_onset(beat, step) + int(mix.swing * swing_shift[step] * step_length)
            for step in range(_STEPS_PER_BEAT)
        ]
        beat_in_bar = beat % _BEATS_PER_BAR
        chord_root = self._progression[beat // _BEATS_PER_BAR % len(self._progression)]
        tonic_midi = _tonic_midi(settings.scale)
        if not settings.mute_drums and mix.drum_gain > 0.0:
            drum_rng = np.random.default_rng([settings.seed_key, beat, 1])
            self._plan_drums(onsets, beat_in_bar, mix.drum_gain, drum_rng)
        if not settings.mute_bass and mix.bass_gain > 0.0:
            degree = chord_root + (0 if beat_in_bar % 2 == 0 else 4)
            midi = _degree_midi(settings.scale, tonic_midi - 24, degree)
            if midi > tonic_midi - 12:
                midi -= 12
            length = int(step_length * _STEPS_PER_BEAT * 0.9)
            wave = _bass_note(_midi_hz(midi), length, settings.brightness)
            self._add(onsets[0], _panned(wave * _BASS_LEVEL * mix.bass_gain, 0.0))
        if settings.only_bass_and_drums:
            return
        if beat_in_bar == 0 and mix.pad_gain > 0.0:
            length = int(step_length * _STEPS_PER_BEAT * _BEATS_PER_BAR)
            for voice, offset in enumerate((0, 2, 4)):
                midi = _degree_midi(settings.scale, tonic_midi - 12, chord_root + offset)
                left, right = _pad_note(_midi_hz(midi), length, settings.brightness)
                level = _PAD_LEVEL * mix.pad_gain
                pan = (voice - 1) * _PAD_SPREAD
                self._add(onsets[0], _panned(left * level, pan - 0.3, right * level, pan + 0.3))
        melody_rng = np.random.default_rng([settings.seed_key, beat, 0])
        self._plan_melody(onsets, beat_in_bar, chord_root, step_length, melody_rng)

    def _plan_drums(
        self, onsets: list[int], beat_in_bar: int, gain: float, rng: np.random.Generator
    ) -> None:
        if beat_in_bar % 2 == 0:
            self._add(onsets[0], _panned(_kick(rng) * _KICK_LEVEL * gain, 0.0))
        else:
            self._add(onsets[0], _panned(_snare(rng) * _SNARE_LEVEL * gain, _SNARE_PAN))
        for step, accent in ((0, 1.0), (2, 0.7)):
            self._add(onsets[step], _panned(_hat(rng) * _HAT_LEVEL * accent * gain, _HAT_PAN))

    def _plan_melody(
        self,
        onsets: list[int],
        beat_in_bar: int,
        chord_root: int,
        step_length: float,
        rng: np.random.Generator,
    ) -> None:
        settings, mix = self._settings, self._mix
        per_beat = settings.notes_per_beat
        # Notes accrue as credit, so fractional rates (0.5 or 1.41 per beat) come out exact on average.
        self._note_credit += per_beat
        count = min(_STEPS_PER_BEAT, int(self._note_credit + 1e-9))
        self._note_credit = max(0.0, self._note_credit - count)
        if count == 0 or mix.lead_gain == 0.0:
            return
        patterns = _ONSET_PATTERNS[count]
        positions = patterns[int(rng.integers(len(patterns)))]
        silent_beats_after = max(0, math.ceil((1.0 - self._note_credit) / per_beat - 1e-9) - 1)
        last_end = _STEPS_PER_BEAT * (1 + min(silent_beats_after, 1))
        ends = (*positions[1:], last_end)
        tonic_midi = _tonic_midi(settings.scale)
        for position, end in zip(positions, ends, strict=True):
            strong = position == 0 and beat_in_bar % 2 == 0
            self._melody_degree = _next_melody_degree(
                self._melody_degree, chord_root, strong, settings.temperature, rng
            )
            midi = _degree_midi(settings.scale, tonic_midi, self._melody_degree)
            velocity = (1.0 if position == 0 else 0.8) * float(rng.uniform(0.85, 1.0))
            gate = int((end - position) * step_length)
            left, right = _lead_note(_midi_hz(midi), gate, settings.brightness, mix.synth_lead)
            level = _LEAD_LEVEL * mix.lead_gain * velocity
            self._add(onsets[position], _panned(left * level, _LEAD_PAN, right * level, _LEAD_PAN))

    def _add(self, onset: int, wave: _Wave) -> None:
        self._sounding.append((onset, wave))


def _tonic_midi(scale: str) -> int:
    """MIDI note of the scale's tonic in the octave keeping melodies around middle C."""
    tonic = _scale_degrees(scale)[0]
    return 60 + tonic if tonic <= 6 else 48 + tonic


def _degree_midi(scale: str, tonic_midi: int, degree: int) -> int:
    pitch_classes = _scale_degrees(scale)
    octave, index = divmod(degree, len(pitch_classes))
    return tonic_midi + 12 * octave + (pitch_classes[index] - pitch_classes[0]) % 12


def _midi_hz(midi: int) -> float:
    return 440.0 * math.pow(2.0, (midi - 69) / 12.0)


def _next_melody_degree(
    degree: int, chord_root: int, strong: bool, temperature: float, rng: np.random.Generator
) -> int:
    """Random-walk step: leaps of k degrees weigh exp(-(|k| - 1) / temperature); repeats are rare."""
    width = max(temperature, 0.05)
    weights = np.array(
        [0.25 if leap == 0 else math.exp(-(abs(leap) - 1) / width) for leap in _LEAPS]
    )
    leap = _LEAPS[int(rng.choice(len(_LEAPS), p=weights / weights.sum()))]
    target = degree + leap
    if not _MELODY_LOWEST <= target <= _MELODY_HIGHEST:
        target = degree - leap  # bounce off the edge of the range
    target = min(max(target, _MELODY_LOWEST), _MELODY_HIGHEST)
    if strong and rng.random() < _CHORD_TONE_PULL:
        # Every degree is at most one step from a chord tone; prefer continuing the motion.
        onward = 1 if leap >= 0 else -1
        for nudge in (0, onward, -onward):
            candidate = target + nudge
            in_range = _MELODY_LOWEST <= candidate <= _MELODY_HIGHEST
            if in_range and (candidate - chord_root) % 7 in (0, 2, 4):
                return candidate
    return target


@functools.lru_cache(maxsize=512)
def _wavetable(rolloff: float, harmonics: int) -> _Wave:
    """One cycle of a tone whose n-th harmonic has amplitude n ** -rolloff, peak-normalised."""
    phase = np.arange(_WAVETABLE_SIZE + 1) * (2.0 * math.pi / _WAVETABLE_SIZE)
    numbers = np.arange(1, harmonics + 1, dtype=np.float64)
    table = (numbers**-rolloff) @ np.sin(np.outer(numbers, phase))
    table /= np.abs(table).max()
    table.flags.writeable = False  # shared by the cache
    return table


def _oscillator(hz: float, length: int, rolloff: float, harmonics: int) -> _Wave:
    """A band-limited periodic tone read from a wavetable with linear interpolation."""
    harmonics = max(1, min(harmonics, int(_HIGHEST_PARTIAL_HZ // hz)))
    table = _wavetable(round(rolloff, 2), harmonics)
    cycles = np.arange(length) * (hz / SAMPLE_RATE)
    position = (cycles - np.floor(cycles)) * _WAVETABLE_SIZE
    index = position.astype(np.intp)
    fraction = position - index
    wave: _Wave = table[index] + (table[index + 1] - table[index]) * fraction
    return wave


def _envelope(
    length: int, *, attack: float, decay: float, sustain: float, gate: int, release: float
) -> _Wave:
    """Linear attack, exponential decay towards ``sustain``, linear release after ``gate``."""
    seconds = np.arange(length) / SAMPLE_RATE
    level = np.minimum(1.0, seconds / attack)
    level *= sustain + (1.0 - sustain) * np.exp(-seconds / decay)
    after_gate = (np.arange(length) - gate) / (release * SAMPLE_RATE)
    return level * np.clip(1.0 - after_gate, 0.0, 1.0)


def _detune(hz: float, cents: float) -> float:
    return hz * math.pow(2.0, cents / 1200.0)


def _lead_note(hz: float, gate: int, brightness: float, synth_amount: float) -> tuple[_Wave, _Wave]:
    """The melody voice: a blend of a piano-like and a saw-like tone (left and right channels)."""
    rolloff = 2.6 - 1.6 * brightness
    left = right = np.zeros(0)
    if synth_amount < 1.0:
        release = 0.08
        length = gate + int(release * SAMPLE_RATE)
        # Lower notes ring longer, as on a piano.
        decay = 0.6 * (262.0 / hz) ** 0.3
        envelope = _envelope(
            length, attack=0.003, decay=decay, sustain=0.0, gate=gate, release=release
        )
        tone = _oscillator(hz, length, rolloff, 3 + round(17 * brightness)) * envelope
        left = right = tone * (1.0 - synth_amount)
    if synth_amount > 0.0:
        release = 0.06
        length = gate + int(release * SAMPLE_RATE)
        envelope = _envelope(
            length, attack=0.008, decay=0.12, sustain=0.7, gate=gate, release=release
        )
        harmonics = 8 + round(32 * brightness)
        saw_rolloff = max(0.9, rolloff - 0.7)
        # Two oscillators a few cents apart, one per channel, make the synth lead wide.
        saw_left = _oscillator(_detune(hz, -5), length, saw_rolloff, harmonics) * envelope
        saw_right = _oscillator(_detune(hz, 5), length, saw_rolloff, harmonics) * envelope
        left = _sum(left, saw_left * synth_amount)
        right = _sum(right, saw_right * synth_amount)
    return left, right


def _pad_note(hz: float, gate: int, brightness: float) -> tuple[_Wave, _Wave]:
    """A chord voice: slow attack, held for the bar, detuned pair for width."""
    release = 0.4
    length = gate + int(release * SAMPLE_RATE)
    envelope = _envelope(length, attack=0.25, decay=1.0, sustain=1.0, gate=gate, release=release)
    harmonics = 3 + round(6 * brightness)
    rolloff = 2.4 - brightness
    left = _oscillator(_detune(hz, -6), length, rolloff, harmonics) * envelope
    right = _oscillator(_detune(hz, 6), length, rolloff, harmonics) * envelope
    return left, right


def _bass_note(hz: float, gate: int, brightness: float) -> _Wave:
    release = 0.05
    length = gate + int(release * SAMPLE_RATE)
    envelope = _envelope(length, attack=0.004, decay=0.35, sustain=0.35, gate=gate, release=release)
    return _oscillator(hz, length, 2.6 - brightness, 3 + round(5 * brightness)) * envelope


def _kick(rng: np.random.Generator) -> _Wave:
    """A sine swept from 150 Hz down to 50 Hz with a short noise click on top."""
    length = int(0.45 * SAMPLE_RATE)
    seconds = np.arange(length) / SAMPLE_RATE
    sweep = 0.03
    phase = 2.0 * math.pi * (50.0 * seconds + 100.0 * sweep * (1.0 - np.exp(-seconds / sweep)))
    body = np.sin(phase) * np.exp(-seconds / 0.11)
    click = rng.standard_normal(length) * np.exp(-seconds / 0.002) * 0.3
    return _fade_end(body + click)


def _snare(rng: np.random.Generator) -> _Wave:
    """High-passed noise for the wires plus a short 185 Hz drum-head tone."""
    length = int(0.25 * SAMPLE_RATE)
    seconds = np.arange(length) / SAMPLE_RATE
    wires = np.diff(rng.standard_normal(length + 1)) * 0.45 * np.exp(-seconds / 0.06)
    head = np.sin(2.0 * math.pi * 185.0 * seconds) * np.exp(-seconds / 0.04) * 0.6
    return _fade_end(wires + head)


def _hat(rng: np.random.Generator) -> _Wave:
    """Twice-differenced (so strongly high-passed) noise with a very short decay."""
    length = int(0.09 * SAMPLE_RATE)
    seconds = np.arange(length) / SAMPLE_RATE
    noise = np.diff(rng.standard_normal(length + 2), n=2) * 0.35
    return _fade_end(noise * np.exp(-seconds / 0.022))


def _fade_end(wave: _Wave) -> _Wave:
    """Ramp the last few milliseconds to zero so a cut-off tail does not click."""
    wave[-_END_FADE:] *= np.linspace(1.0, 0.0, _END_FADE)
    return wave


def _sum(first: _Wave, second: _Wave) -> _Wave:
    if first.size == 0:
        return second
    length = max(first.size, second.size)
    total = np.zeros(length)
    total[: first.size] += first
    total[: second.size] += second
    return total


def _panned(
    left: _Wave, left_pan: float, right: _Wave | None = None, right_pan: float | None = None
) -> _Wave:
    """Place a mono wave (or a left/right pair) in the stereo field with constant-power panning."""
    if right is None or right_pan is None:
        right, right_pan = left, left_pan
    length = max(left.size, right.size)
    stereo = np.zeros((2, length))
    stereo[0, : left.size] = left * math.cos((left_pan + 1.0) * math.pi / 4.0)
    stereo[1, : right.size] = right * math.sin((right_pan + 1.0) * math.pi / 4.0)
    return stereo


def _soft_limit(mix: _Wave) -> _Wave:
    """Pass quiet samples unchanged and bend loud ones smoothly so |sample| stays below 1."""
    magnitude = np.abs(mix)
    headroom = 1.0 - _LIMIT_KNEE
    bent = _LIMIT_KNEE + headroom * np.tanh((magnitude - _LIMIT_KNEE) / headroom)
    return np.where(magnitude > _LIMIT_KNEE, np.sign(mix) * bent, mix)
