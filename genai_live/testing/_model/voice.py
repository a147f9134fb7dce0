"""A synthetic voice whose waveform spells its text, and the recogniser that reads it back.

Each character is one 60 ms vowel-like segment: a 100 Hz buzz whose harmonics are shaped by two
"formants", a low one at harmonic 2–8 (200–800 Hz) and a high one at harmonic 9–15 (900–1500 Hz).
The pair of formant harmonics names the character, so the recogniser only has to find the two
strongest harmonics of each segment. Words are separated by silence, which lets the recogniser
align on them, and very short words are padded with a silent-letter segment so every word lasts
at least a quarter of a second, like speech. Everything stays below 1.6 kHz, so the encoding
survives resampling to 16, 24 or 48 kHz, 16-bit quantisation and a little noise.
"""

from __future__ import annotations

import array
import math
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from operator import mul

__all__ = ["ALPHABET", "PITCH_HZ", "SEGMENT_SECONDS", "recognize", "speakable_text", "synthesize"]

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789.,?!'"
"""The characters the voice can say; words are separated by silence (the space)."""

PITCH_HZ = 100.0
"""The fundamental frequency of the voice (a low male-like pitch)."""

SEGMENT_SECONDS = 0.06
"""How long one character sounds."""

_FILLER = len(ALPHABET)  # the padding segment of short words: sounds like a vowel, spells nothing
_LOW_FORMANTS = range(2, 9)
_HIGH_FORMANTS = range(9, 16)
_HARMONICS = range(1, 16)
_MIN_WORD_SEGMENTS = 4
_WORD_GAP_SECONDS = 0.08
_CLAUSE_GAP_SECONDS = 0.12  # after a comma
_SENTENCE_GAP_SECONDS = 0.16  # after . ? !
_RAMP_SECONDS = 0.01  # fade in/out of each word: no clicks
_GLIDE_SECONDS = 0.008  # cross-fade between characters, like formant transitions
_GUARD_SECONDS = 0.01  # the recogniser ignores this much at each end of a segment
_EDGE_BIAS_SECONDS = 0.004  # how much shorter than the word its measured loud stretch is
_LENGTH_TOLERANCE_SECONDS = 0.015  # more off than this, the stretch is not a whole word
_LEVEL = 0.22  # RMS, as a fraction of full scale: about -13 dBFS
_TABLE_SIZE = 1024
_SILENCE_FLOOR = 33.0  # about -60 dBFS: quieter audio is silence whatever its shape
_MIN_RATE = 4000  # the highest probe (1500 Hz) must stay well below Nyquist
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def speakable_text(text: str) -> str:
    """The text as the voice says it, and as :func:`recognize` returns it.

    Lower case, accents removed, characters outside :data:`ALPHABET` dropped, words separated by
    one space.

    >>> speakable_text("¿Qué tal?  Don’t PANIC!")
    "que tal? don't panic!"
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    kept = "".join(char for char in decomposed if char in ALPHABET or char.isspace())
    return " ".join(kept.split())


def synthesize(text: str, rate: int = 24000) -> bytes:
    """Speak ``text`` as mono little-endian PCM16 at ``rate`` Hz.

    Each word lasts about 0.25–0.5 s, followed by 80 ms of silence (longer after punctuation).
    The result decodes back with ``recognize(pcm, rate) == speakable_text(text)``.
    """
    _check_rate(rate)
    segment = _samples_per_segment(rate)
    samples = array.array("h")
    phase = 0.0  # position in the pitch period, in table steps; continuous over the utterance
    words = speakable_text(text).split()
    for index, word in enumerate(words):
        symbols = [ALPHABET.index(char) for char in word]
        symbols += [_FILLER] * (_MIN_WORD_SEGMENTS - len(symbols))
        phase = _append_word(samples, symbols, segment, rate, phase)
        if index < len(words) - 1:
            samples.frombytes(bytes(2 * round(_gap_after(word) * rate)))
    return _to_little_endian(samples)


def recognize(pcm: bytes, rate: int) -> str:
    """Read back the text that :func:`synthesize` spoke into ``pcm`` (mono PCM16 at ``rate`` Hz).

    Returns lower-case words separated by single spaces; audio that is not this voice (silence,
    noise, tones) gives ``""``. Words whose segments do not all read clearly are left out rather
    than guessed. Never raises on odd input.
    """
    if rate < _MIN_RATE:
        return ""
    samples = _from_little_endian(pcm)
    words = []
    for start, end in _voiced_regions(samples, rate):
        word = _read_word(samples, start, end, rate)
        if word:
            words.append(word)
    return " ".join(words)


# -- Synthesis -----------------------------------------------------------------------------------


def _check_rate(rate: int) -> None:
    if rate < _MIN_RATE:
        raise ValueError(f"rate must be at least {_MIN_RATE} Hz, got {rate}")


def _samples_per_segment(rate: int) -> int:
    return round(SEGMENT_SECONDS * rate)


def _gap_after(word: str) -> float:
    if word[-1] in ".?!":
        return _SENTENCE_GAP_SECONDS
    if word[-1] == ",":
        return _CLAUSE_GAP_SECONDS
    return _WORD_GAP_SECONDS


def _formants(symbol: int) -> tuple[int, int]:
    """The (low, high) formant harmonics that name a symbol."""
    return _LOW_FORMANTS[symbol % len(_LOW_FORMANTS)], _HIGH_FORMANTS[symbol // len(_LOW_FORMANTS)]


def _harmonic_amplitudes(symbol: int) -> dict[int, float]:
    # A weak spread over all harmonics keeps the buzz voice-like; each formant is a peak with
    # skirts on its neighbours, as in a vowel's spectrum.
    amplitudes = dict.fromkeys(_HARMONICS, 0.06)
    amplitudes[1] = 0.3
    for centre in _formants(symbol):
        for distance, gain in ((0, 1.0), (1, 0.35), (2, 0.12)):
            for harmonic in {centre - distance, centre + distance}:
                if harmonic in amplitudes:
                    amplitudes[harmonic] += gain
    return amplitudes


@cache
def _period_table(symbol: int) -> tuple[float, ...]:
    """One pitch period of a symbol's waveform with unit RMS, plus a wrap-around sample."""
    amplitudes = _harmonic_amplitudes(symbol)
    norm = math.sqrt(sum(a * a for a in amplitudes.values()) / 2)
    count = len(amplitudes)
    # Schroeder phases spread the harmonics' peaks apart, keeping the crest factor low.
    phases = {k: math.pi * k * (k - 1) / count for k in amplitudes}
    table = [
        sum(
            a * math.sin(2 * math.pi * k * step / _TABLE_SIZE + phases[k])
            for k, a in amplitudes.items()
        )
        / norm
        for step in range(_TABLE_SIZE)
    ]
    table.append(table[0])
    return tuple(table)


def _append_word(
    samples: array.array[int], symbols: Sequence[int], segment: int, rate: int, phase: float
) -> float:
    """Append one word's waveform to ``samples``; return the pitch phase after it."""
    tables = [_period_table(symbol) for symbol in symbols]
    length = segment * len(symbols)
    ramp = max(1, round(_RAMP_SECONDS * rate))
    half_glide = max(1, round(_GLIDE_SECONDS * rate / 2))
    step = PITCH_HZ / rate * _TABLE_SIZE
    scale = _LEVEL * 32767
    for position in range(length):
        current, offset = divmod(position, segment)
        # Cross-fade linearly into the next character around each segment boundary.
        if offset < half_glide and current > 0:
            other, weight = current - 1, (half_glide - offset) / (2 * half_glide)
        elif segment - offset <= half_glide and current < len(symbols) - 1:
            other, weight = current + 1, (half_glide - (segment - offset)) / (2 * half_glide)
        else:
            other, weight = current, 0.0
        whole = int(phase)
        fraction = phase - whole
        table, blend = tables[current], tables[other]
        value = table[whole] + fraction * (table[whole + 1] - table[whole])
        if weight:
            other_value = blend[whole] + fraction * (blend[whole + 1] - blend[whole])
            value += weight * (other_value - value)
        envelope = _raised_cosine(min(position, length - 1 - position), ramp)
        samples.append(max(-32768, min(32767, round(scale * envelope * value))))
        phase += step
        if phase >= _TABLE_SIZE:
            phase -= _TABLE_SIZE
    return phase


def _raised_cosine(position: int, ramp: int) -> float:
    if position >= ramp:
        return 1.0
    return 0.5 - 0.5 * math.cos(math.pi * (position + 0.5) / ramp)


def _to_little_endian(samples: array.array[int]) -> bytes:
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def _from_little_endian(pcm: bytes) -> array.array[int]:
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


# -- Recognition ---------------------------------------------------------------------------------


def _voiced_regions(samples: array.array[int], rate: int) -> Iterator[tuple[int, int]]:
    """(start, end) sample positions of the stretches loud enough to be words."""
    hop = max(1, rate // 1000)  # 1 ms
    window = 10  # hops: one pitch period, so the level does not ripple within a vowel
    energies = [
        sum(map(mul, chunk, chunk))
        for chunk in (samples[i : i + hop] for i in range(0, len(samples) - hop + 1, hop))
    ]
    if len(energies) < window:
        return
    running = sum(energies[:window])
    levels = [running]
    for i in range(window, len(energies)):
        running += energies[i] - energies[i - window]
        levels.append(running)
    rms = [math.sqrt(max(level, 0) / (window * hop)) for level in levels]
    loudest = max(rms)
    if loudest < _SILENCE_FLOOR:
        return
    threshold = max(_SILENCE_FLOOR, 0.2 * loudest)
    min_gap = 20  # hops; words are 80 ms apart, so shorter dips are inside a word
    centre = window * hop // 2
    first = last = -1
    for i, level in enumerate(rms):
        if level < threshold:
            continue
        if first >= 0 and i - last > min_gap:
            yield first * hop + centre, last * hop + centre
            first = -1
        if first < 0:
            first = i
        last = i
    if first >= 0:
        yield first * hop + centre, last * hop + centre


def _read_word(samples: array.array[int], start: int, end: int, rate: int) -> str | None:
    segment = _samples_per_segment(rate)
    length = end - start + _EDGE_BIAS_SECONDS * rate
    count = round(length / segment)
    # A stretch that is not a whole number of segments is not a whole word of this voice (a word
    # cut by the start of the recording, or other sound); reading it would misalign the letters.
    if count == 0 or abs(length - count * segment) > _LENGTH_TOLERANCE_SECONDS * rate:
        return None
    # Threshold crossings shift both ends alike, so the region's centre is where the word's is.
    first = round((start + end) / 2 - count * segment / 2)
    guard = round(_GUARD_SECONDS * rate)
    probes = _probes(rate)
    chars = []
    for index in range(count):
        begin = first + index * segment + guard
        if begin < 0:
            return None
        symbol = _read_segment(samples[begin : begin + segment - 2 * guard], probes)
        if symbol is None:
            return None
        if symbol != _FILLER:
            chars.append(ALPHABET[symbol])
    return "".join(chars) or None


_Probe = tuple[tuple[float, ...], tuple[float, ...]]


@lru_cache(maxsize=8)
def _probes(rate: int) -> tuple[tuple[_Probe, ...], tuple[_Probe, ...]]:
    """Hann-windowed cosine/sine pairs at each harmonic and half-way between harmonics."""
    length = _samples_per_segment(rate) - 2 * round(_GUARD_SECONDS * rate)
    # Periodic Hann: with a 40 ms window its zeros fall every 25 Hz from the probed frequency,
    # so each probe is blind to the other harmonics (100 Hz apart) and to the mid-points.
    hann = [0.5 - 0.5 * math.cos(2 * math.pi * n / length) for n in range(length)]

    def probe(frequency: float) -> _Probe:
        omega = 2 * math.pi * frequency / rate
        return (
            tuple(w * math.cos(omega * n) for n, w in enumerate(hann)),
            tuple(w * math.sin(omega * n) for n, w in enumerate(hann)),
        )

    harmonics = tuple(probe(k * PITCH_HZ) for k in _HARMONICS)
    between = tuple(probe((k + 0.5) * PITCH_HZ) for k in _HARMONICS[:-1])
    return harmonics, between


def _power(chunk: array.array[int], probe: _Probe) -> float:
    cosine, sine = probe
    return float(sum(map(mul, chunk, cosine)) ** 2 + sum(map(mul, chunk, sine)) ** 2)


def _read_segment(
    chunk: array.array[int], probes: tuple[tuple[_Probe, ...], tuple[_Probe, ...]]
) -> int | None:
    """The symbol one segment spells, or None when it does not look like this voice."""
    harmonics, between = probes
    power = dict(zip(_HARMONICS, (_power(chunk, probe) for probe in harmonics), strict=True))
    stray = sum(_power(chunk, probe) for probe in between)
    voiced = sum(power.values())
    # This voice puts nearly all its energy on the pitch harmonics; noise and tones do not.
    if voiced <= 0 or voiced < 0.8 * (voiced + stray):
        return None
    low = _clear_peak(power, _LOW_FORMANTS)
    high = _clear_peak(power, _HIGH_FORMANTS)
    if low is None or high is None or not 1 / 8 <= power[high] / power[low] <= 8:
        return None
    symbol = (high - _HIGH_FORMANTS[0]) * len(_LOW_FORMANTS) + (low - _LOW_FORMANTS[0])
    return symbol if symbol <= _FILLER else None


def _clear_peak(power: dict[int, float], band: range) -> int | None:
    ranked = sorted(band, key=power.__getitem__, reverse=True)
    best, runner_up = ranked[0], ranked[1]
    return best if power[best] >= 1.5 * power[runner_up] else None
