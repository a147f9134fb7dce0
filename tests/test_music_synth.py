"""Tests for genai_live.testing.music_synth, checked by analysing the rendered signal with numpy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from genai_live.testing.music_synth import (
    PROMPT_KEYWORDS,
    SCALES,
    MusicSynth,
    scale_pitch_classes,
)

RATE = MusicSynth.SAMPLE_RATE
Signal = npt.NDArray[np.float64]

# Short-time spectra for onset detection: 10.7 ms windows every 2.7 ms.
WINDOW = 512
HOP = 128


def stereo(pcm: bytes) -> Signal:
    """PCM16 LE interleaved stereo as a (frames, 2) float array in sample units."""
    return np.frombuffer(pcm, dtype="<i2").reshape(-1, 2).astype(np.float64)


def mono(pcm: bytes) -> Signal:
    both: Signal = stereo(pcm).mean(axis=1)
    return both


def render_seconds(synth: MusicSynth, seconds: float) -> Signal:
    return mono(synth.render(int(seconds * RATE)))


def dominant_midi(segment: Signal, lowest_hz: float) -> float:
    """The (fractional) MIDI note of the strongest spectral peak above ``lowest_hz``."""
    padded = 8 * len(segment)  # zero-padding: finer frequency grid for the peak
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), padded))
    frequencies = np.fft.rfftfreq(padded, 1.0 / RATE)
    spectrum[frequencies < lowest_hz] = 0.0
    peak_hz = frequencies[int(spectrum.argmax())]
    return float(69.0 + 12.0 * np.log2(peak_hz / 440.0))


def segment_pitches(signal: Signal, segment_seconds: float, lowest_hz: float = 80.0) -> list[float]:
    """Dominant MIDI note of each audible fixed-length segment (aligned with the beat grid)."""
    size = int(segment_seconds * RATE)
    pitches = []
    for start in range(0, len(signal) - size + 1, size):
        segment = signal[start : start + size]
        if np.sqrt(np.mean(segment**2)) > 100.0:
            pitches.append(dominant_midi(segment, lowest_hz))
    return pitches


def note_pitches(signal: Signal) -> list[float]:
    """Dominant MIDI note of each note segment: from just after an onset to the next (≤ 0.2 s)."""
    flux = spectral_flux(signal)
    starts = (onset_times(flux, threshold=0.2 * flux.max()) * RATE).astype(int)
    pitches = []
    for start, next_start in zip(starts, [*starts[1:], len(signal)], strict=True):
        first = start + RATE // 100  # skip the first 10 ms of the attack
        last = min(next_start, first + RATE // 5)
        if last - first >= RATE // 20:
            pitches.append(dominant_midi(signal[first:last], lowest_hz=80.0))
    return pitches


def spectral_flux(signal: Signal, lowest_hz: float = 0.0) -> Signal:
    """Positive change of the log-magnitude spectrum from one window to the next, per hop.

    Index ``k`` is about the change at ``k * HOP``: windows are centred on the hop they stand for.
    """
    padded = np.concatenate([np.zeros(WINDOW // 2), signal])
    count = (len(padded) - WINDOW) // HOP + 1
    starts = HOP * np.arange(count)
    frames = padded[starts[:, None] + np.arange(WINDOW)[None, :]] * np.hanning(WINDOW)
    spectra = np.abs(np.fft.rfft(frames, axis=1))
    spectra = np.log1p(spectra[:, np.fft.rfftfreq(WINDOW, 1.0 / RATE) >= lowest_hz] / 100.0)
    return np.concatenate([[0.0], np.maximum(0.0, np.diff(spectra, axis=0)).sum(axis=1)])


def energy_rise(signal: Signal, window: int = 1024) -> Signal:
    """Rise of the log energy over one window, per hop: onsets of low notes, too slow for FFTs.

    Peaks lag the onsets by a constant fraction of ``window``; only their spacing is used.
    """
    padded = np.concatenate([np.zeros(window), signal])
    squares = np.concatenate([[0.0], np.cumsum(padded**2)])
    ends = np.arange(window, len(padded) + 1, HOP)
    level = np.log10((squares[ends] - squares[ends - window]) / window + 1e4)  # floor: -50 dBFS
    lag = window // HOP
    return np.concatenate([np.zeros(lag), np.maximum(0.0, level[lag:] - level[:-lag])])


def onset_times(flux: Signal, threshold: float) -> Signal:
    """Seconds of the flux peaks above threshold, at least 50 ms apart."""
    peaks: list[float] = []
    for index in range(1, len(flux) - 1):
        is_peak = flux[index] >= flux[index - 1] and flux[index] > flux[index + 1]
        seconds = index * HOP / RATE
        if is_peak and flux[index] >= threshold and (not peaks or seconds - peaks[-1] > 0.05):
            peaks.append(seconds)
    return np.array(peaks)


def high_frequency_share(signal: Signal, above_hz: float = 2000.0) -> float:
    power = np.abs(np.fft.rfft(signal)) ** 2
    return float(power[np.fft.rfftfreq(len(signal), 1.0 / RATE) > above_hz].sum() / power.sum())


# --- scales ---------------------------------------------------------------------------------------


def test_scales_cover_every_scale_name_with_seven_notes_of_a_major_key() -> None:
    assert len(SCALES) == 13
    for name, pitch_classes in SCALES.items():
        tonic = pitch_classes[0]
        assert [(pc - tonic) % 12 for pc in pitch_classes] == [0, 2, 4, 5, 7, 9, 11], name
    assert SCALES["SCALE_UNSPECIFIED"] == SCALES["C_MAJOR_A_MINOR"]


def test_scale_pitch_classes_pairs_major_keys_with_their_relative_minors() -> None:
    assert scale_pitch_classes("C_MAJOR_A_MINOR") == {0, 2, 4, 5, 7, 9, 11}
    assert scale_pitch_classes("D_MAJOR_B_MINOR") == {2, 4, 6, 7, 9, 11, 1}
    assert scale_pitch_classes("F_MAJOR_D_MINOR") == {5, 7, 9, 10, 0, 2, 4}
    assert scale_pitch_classes("B_MAJOR_A_FLAT_MINOR") == {11, 1, 3, 4, 6, 8, 10}


def test_unknown_scale_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        scale_pitch_classes("H_MAJOR")
    with pytest.raises(ValueError, match="unknown scale"):
        MusicSynth(scale="H_MAJOR")


# --- pitch ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", ["C_MAJOR_A_MINOR", "D_MAJOR_B_MINOR", "A_FLAT_MAJOR_F_MINOR"])
def test_melody_pitches_all_belong_to_the_scale(scale: str) -> None:
    synth = MusicSynth(scale=scale, mute_bass=True, mute_drums=True, density=1 / 3, seed=3)
    pitches = note_pitches(render_seconds(synth, 8.0))
    assert len(pitches) >= 14  # 16 beats of one note each, apart from repeated notes
    # Real notes: each peak sits on an equal-tempered pitch, not between two.
    assert max(abs(p - round(p)) for p in pitches) < 0.15
    found = {round(p) % 12 for p in pitches}
    assert found <= scale_pitch_classes(scale)
    assert len(found) >= 3


def test_d_major_melody_uses_f_sharp_and_c_sharp_never_f_or_c() -> None:
    synth = MusicSynth(scale="D_MAJOR_B_MINOR", mute_bass=True, mute_drums=True, seed=11)
    found = {round(p) % 12 for p in note_pitches(render_seconds(synth, 12.0))}
    assert {6, 1} <= found  # F# and C#: the key really is D major, not C major
    assert not {5, 0} & found


def test_scale_change_mid_stream_moves_the_melody_to_the_new_scale() -> None:
    synth = MusicSynth(mute_bass=True, mute_drums=True, density=1 / 3, seed=5)
    synth.render(4 * RATE)
    synth.configure(scale="E_MAJOR_D_FLAT_MINOR")
    synth.render(RATE)  # the old chord still rings into the first beats
    found = {round(p) % 12 for p in note_pitches(render_seconds(synth, 6.0))}
    assert found <= scale_pitch_classes("E_MAJOR_D_FLAT_MINOR")
    assert len(found) >= 3


def test_higher_temperature_makes_larger_melodic_leaps() -> None:
    def mean_leap(temperature: float) -> float:
        leaps: list[float] = []
        for seed in (1, 2, 3):
            synth = MusicSynth(
                mute_bass=True, mute_drums=True, density=1 / 3, seed=seed, temperature=temperature
            )
            notes = np.round(note_pitches(render_seconds(synth, 8.0)))
            steps = np.abs(np.diff(notes))
            leaps.extend(steps[steps > 0])
        return float(np.mean(leaps))

    assert mean_leap(3.0) > 1.4 * mean_leap(0.05)


def test_bass_plays_low_scale_notes() -> None:
    synth = MusicSynth(scale="G_MAJOR_E_MINOR", only_bass_and_drums=True, mute_drums=True)
    pitches = segment_pitches(render_seconds(synth, 4.0), 0.5, lowest_hz=30.0)  # one per beat
    assert len(pitches) == 8
    assert all(p < 52 for p in pitches)  # below E3, i.e. under 165 Hz
    assert {round(p) % 12 for p in pitches} <= scale_pitch_classes("G_MAJOR_E_MINOR")


# --- rhythm ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bpm", [90, 140])
def test_drum_onsets_fall_on_every_eighth_note_of_the_bpm(bpm: int) -> None:
    synth = MusicSynth(bpm=bpm, only_bass_and_drums=True, mute_bass=True)
    flux = spectral_flux(render_seconds(synth, 4.0), lowest_hz=2000.0)
    onsets = onset_times(flux, threshold=0.15 * flux.max())
    eighth = 30.0 / bpm
    assert len(onsets) >= int(4.0 / eighth) - 1
    hop = HOP / RATE
    assert np.all(np.abs(np.diff(onsets) - eighth) <= 2 * hop)
    assert (onsets[-1] - onsets[0]) / (len(onsets) - 1) == pytest.approx(eighth, abs=hop / 4)


@pytest.mark.parametrize("bpm", [90, 140])
def test_bass_onsets_fall_on_every_beat_of_the_bpm(bpm: int) -> None:
    synth = MusicSynth(bpm=bpm, only_bass_and_drums=True, mute_drums=True)
    rise = energy_rise(render_seconds(synth, 4.0))
    onsets = onset_times(rise, threshold=0.25 * rise.max())
    beat = 60.0 / bpm
    assert len(onsets) >= int(4.0 / beat)
    assert np.all(np.abs(np.diff(onsets) - beat) <= 2 * HOP / RATE)


def test_muting_drums_removes_the_percussive_onsets() -> None:
    drums = spectral_flux(render_seconds(MusicSynth(seed=1), 4.0), lowest_hz=4000.0)
    threshold = 0.15 * drums.max()
    muted = spectral_flux(render_seconds(MusicSynth(seed=1, mute_drums=True), 4.0), 4000.0)
    assert len(onset_times(drums, threshold)) >= 15  # 16 eighth notes at 120 bpm
    assert len(onset_times(muted, threshold)) <= 1


def test_muting_drums_keeps_the_same_notes() -> None:
    plain = MusicSynth(seed=4, mute_drums=True, mute_bass=True)
    with_drums = MusicSynth(seed=4, mute_bass=True)
    without_drums_notes = [round(p) for p in segment_pitches(render_seconds(plain, 4.0), 0.25)]
    with_drums_notes = [round(p) for p in segment_pitches(render_seconds(with_drums, 4.0), 0.25)]
    assert without_drums_notes == with_drums_notes


def test_density_sets_the_number_of_melody_notes_per_beat() -> None:
    def onset_count(density: float) -> int:
        synth = MusicSynth(density=density, mute_bass=True, mute_drums=True)
        flux = spectral_flux(render_seconds(synth, 4.0))  # 8 beats
        return len(onset_times(flux, threshold=0.2 * flux.max()))

    sparse, dense = onset_count(0.0), onset_count(2 / 3)
    assert sparse <= 5  # about one note every two beats
    assert dense >= 12  # about two notes per beat


def test_tempo_change_takes_effect_at_the_next_beat() -> None:
    synth = MusicSynth(bpm=120, only_bass_and_drums=True, mute_drums=True)
    start = render_seconds(synth, 0.25)  # half of the first beat
    synth.configure(bpm=60)
    rise = energy_rise(np.concatenate([start, render_seconds(synth, 4.75)]))
    onsets = onset_times(rise, threshold=0.25 * rise.max())
    # The second beat keeps its 120 bpm place (0.5 s); later beats follow a second apart.
    assert np.diff(onsets) == pytest.approx([0.5, 1.0, 1.0, 1.0, 1.0], abs=2 * HOP / RATE)


# --- determinism and streaming --------------------------------------------------------------------


def test_same_seed_gives_identical_bytes() -> None:
    first = MusicSynth(seed=42, prompts=[("jazz piano", 1.0)]).render(2 * RATE)
    second = MusicSynth(seed=42, prompts=[("jazz piano", 1.0)]).render(2 * RATE)
    assert first == second


def test_different_seeds_give_different_melodies() -> None:
    def notes(seed: int) -> list[int]:
        synth = MusicSynth(seed=seed, mute_bass=True, mute_drums=True, density=1 / 3)
        return [round(p) for p in note_pitches(render_seconds(synth, 4.0))]

    assert MusicSynth(seed=1).render(RATE) != MusicSynth(seed=2).render(RATE)
    assert notes(1) != notes(2)


def test_no_seed_means_a_fixed_default() -> None:
    assert MusicSynth().render(RATE) == MusicSynth().render(RATE)


def test_split_renders_equal_one_render_after_reset() -> None:
    synth = MusicSynth(bpm=137, density=0.8, seed=9, prompts=[("jazz synth", 2.0), ("pad", 1.0)])
    whole = synth.render(3 * RATE + 17)
    synth.reset()
    parts = [synth.render(size) for size in (1, 999, 12_345, 0, 48_000, 3 * RATE + 17 - 61_345)]
    assert b"".join(parts) == whole


def test_reset_replays_the_start_and_position_counts_seconds() -> None:
    synth = MusicSynth(seed=8)
    start = synth.render(RATE // 2)
    synth.render(RATE)
    assert synth.position == pytest.approx(1.5)
    synth.reset()
    assert synth.position == 0.0
    assert synth.render(RATE // 2) == start


# --- timbre, prompts, level -----------------------------------------------------------------------


def test_higher_brightness_puts_more_energy_above_2_khz() -> None:
    def share(brightness: float) -> float:
        synth = MusicSynth(brightness=brightness, mute_drums=True, seed=6)
        return high_frequency_share(render_seconds(synth, 4.0))

    dull, medium, bright = share(0.1), share(0.5), share(0.9)
    assert dull < medium < bright
    assert bright > 3 * dull


def test_synth_prompt_sounds_brighter_than_piano_prompt() -> None:
    def share(prompt: str) -> float:
        synth = MusicSynth(mute_drums=True, mute_bass=True, seed=6, prompts=[(prompt, 1.0)])
        return high_frequency_share(render_seconds(synth, 4.0))

    assert share("retro synth lead") > 1.5 * share("solo piano")


def test_drum_prompt_makes_the_drums_louder_and_unknown_words_change_nothing() -> None:
    def drums(prompts: list[tuple[str, float]]) -> bytes:
        return MusicSynth(only_bass_and_drums=True, mute_bass=True, prompts=prompts).render(RATE)

    default, unknown = drums([]), drums([("quokka", 1.0)])
    louder = drums([("heavy drums", 1.0), ("quokka", 1.0)])
    assert unknown == default
    assert np.std(stereo(louder)) > 1.2 * np.std(stereo(default))


def test_prompt_changes_apply_from_the_next_beat() -> None:
    synth = MusicSynth(only_bass_and_drums=True, mute_bass=True)
    quiet = stereo(synth.render(RATE))  # two beats at 120 bpm
    synth.set_prompts([("drum", 1.0)])
    loud = stereo(synth.render(RATE))
    assert np.std(loud) > 1.2 * np.std(quiet)
    assert set(PROMPT_KEYWORDS) >= {"piano", "synth", "ambient", "drum", "bass", "jazz"}


def test_jazz_prompt_swings_the_off_beat_eighths() -> None:
    synth = MusicSynth(only_bass_and_drums=True, mute_bass=True, prompts=[("jazz", 1.0)])
    flux = spectral_flux(render_seconds(synth, 4.0), lowest_hz=2000.0)
    onsets = onset_times(flux, threshold=0.15 * flux.max())
    gaps = np.diff(onsets)
    # Long-short pairs of 2/3 and 1/3 of a beat (0.333 s and 0.167 s) instead of equal 0.25 s.
    assert np.all(np.isclose(gaps, 1 / 3, atol=0.006) | np.isclose(gaps, 1 / 6, atol=0.006))
    assert np.isclose(gaps, 1 / 3, atol=0.006).sum() >= 6


def test_instruments_are_panned_apart() -> None:
    left, right = stereo(MusicSynth(seed=3).render(2 * RATE)).T
    assert not np.array_equal(left, right)
    assert 0.5 < np.std(left) / np.std(right) < 2.0


@pytest.mark.parametrize("frames", [0, 1, 4801, 48_000])
def test_output_is_exactly_four_bytes_per_frame(frames: int) -> None:
    assert len(MusicSynth().render(frames)) == 4 * frames


def test_loudest_settings_are_limited_without_wrapping_around() -> None:
    def drums(prompt: str) -> Signal:
        synth = MusicSynth(only_bass_and_drums=True, mute_bass=True, prompts=[(prompt, 1.0)])
        return stereo(synth.render(2 * RATE))

    normal, loudest = drums("calm"), drums("techno drum beat percussion")
    assert np.abs(loudest).max() <= 32767
    assert np.abs(loudest).max() > 30000  # the limiter is really being pushed
    # The same music at three times the drum level: louder, but the waveform keeps its sign.
    clear = np.abs(normal) > 1000
    assert np.array_equal(np.sign(loudest[clear]), np.sign(normal[clear]))


def test_invalid_settings_are_rejected() -> None:
    for settings in ({"bpm": 20}, {"density": 1.5}, {"brightness": -0.1}, {"temperature": 4.0}):
        with pytest.raises(ValueError):
            MusicSynth(**settings)
    synth = MusicSynth()
    with pytest.raises(ValueError):
        synth.configure(bpm=500)
    with pytest.raises(ValueError):
        synth.render(-1)
