"""An energy-based voice activity detector following ``automaticActivityDetection`` settings."""

from __future__ import annotations

import array
import math
import sys
from operator import mul
from typing import Literal

import attrs

__all__ = ["VadEvent", "VoiceActivityDetector"]

_FRAME_SECONDS = 0.01

# Levels are the RMS of a 10 ms frame in dBFS. A HIGH start sensitivity hears quieter speech; a
# HIGH end sensitivity treats more of the quiet between words as silence, so speech ends sooner.
_START_LEVELS_DBFS = {"START_SENSITIVITY_HIGH": -36.0, "START_SENSITIVITY_LOW": -26.0}
_SILENCE_LEVELS_DBFS = {"END_SENSITIVITY_HIGH": -38.0, "END_SENSITIVITY_LOW": -50.0}
_DEFAULT_PREFIX_PADDING_MS = 20
_DEFAULT_SILENCE_DURATION_MS = 500


@attrs.frozen(kw_only=True)
class VadEvent:
    """Speech started or ended, ``offset`` seconds into the audio stream.

    The offset is where the speech (or the silence that ended it) began, not when it was
    detected: a start is only reported once the speech has lasted ``prefix_padding_ms``.
    """

    kind: Literal["start", "end"]
    offset: float


class VoiceActivityDetector:
    """Turns a PCM16 mono audio stream into speech start/end events.

    Speech starts once the level stays above the start threshold for ``prefix_padding_ms`` and ends
    after ``silence_duration_ms`` of continuous silence. Sensitivities take the protocol's enum
    names; ``None`` and the ``*_UNSPECIFIED`` values mean HIGH, the Gemini API default, as do
    ``None`` durations mean the defaults. Events do not depend on how the stream is chunked.

    >>> vad = VoiceActivityDetector(rate=16000, silence_duration_ms=300)
    >>> vad.feed(b"\\x00\\x40" * 1600 + bytes(2 * 8000))  # 100 ms loud, then 500 ms silent
    [VadEvent(kind='start', offset=0.0), VadEvent(kind='end', offset=0.1)]
    """

    def __init__(
        self,
        *,
        rate: int = 16000,
        start_sensitivity: str | None = "START_SENSITIVITY_HIGH",
        end_sensitivity: str | None = "END_SENSITIVITY_HIGH",
        prefix_padding_ms: int | None = _DEFAULT_PREFIX_PADDING_MS,
        silence_duration_ms: int | None = _DEFAULT_SILENCE_DURATION_MS,
    ) -> None:
        if rate < 1 / _FRAME_SECONDS:
            raise ValueError(f"rate must be at least 100 Hz, got {rate}")
        self._rate = rate
        self._frame_bytes = 2 * round(rate * _FRAME_SECONDS)
        start_level = _START_LEVELS_DBFS[_sensitivity(start_sensitivity, "START")]
        silence_level = _SILENCE_LEVELS_DBFS[_sensitivity(end_sensitivity, "END")]
        self._start_rms = _rms_of_dbfs(start_level)
        self._silence_rms = _rms_of_dbfs(silence_level)
        self._prefix_seconds = _milliseconds(prefix_padding_ms, _DEFAULT_PREFIX_PADDING_MS) / 1000
        self._silence_seconds = (
            _milliseconds(silence_duration_ms, _DEFAULT_SILENCE_DURATION_MS) / 1000
        )
        self._pending = bytearray()
        self._position = 0  # samples judged so far
        self._in_speech = False
        self._run_start: int | None = (
            None  # where the current loud (or, in speech, silent) run began
        )

    @property
    def in_speech(self) -> bool:
        """Whether speech has started and not yet ended."""
        return self._in_speech

    def feed(self, pcm: bytes) -> list[VadEvent]:
        """Take the next chunk of the stream (any length); return the events it completes."""
        self._pending += pcm
        usable = len(self._pending) - len(self._pending) % self._frame_bytes
        events: list[VadEvent] = []
        for begin in range(0, usable, self._frame_bytes):
            self._judge_frame(self._pending[begin : begin + self._frame_bytes], events)
        del self._pending[:usable]
        return events

    def flush(self) -> list[VadEvent]:
        """The stream ended (``audioStreamEnd``): judge the last partial frame, end open speech.

        The detector can be fed again afterwards; offsets keep counting from the first audio.
        """
        events: list[VadEvent] = []
        tail = self._pending[: len(self._pending) // 2 * 2]
        self._pending.clear()
        if tail:
            self._judge_frame(tail, events)
        if self._in_speech:
            end = self._position if self._run_start is None else self._run_start
            events.append(VadEvent(kind="end", offset=end / self._rate))
        self._in_speech = False
        self._run_start = None
        return events

    def _judge_frame(self, frame: bytes | bytearray, events: list[VadEvent]) -> None:
        samples = array.array("h")
        samples.frombytes(frame)
        if sys.byteorder == "big":
            samples.byteswap()
        rms = math.sqrt(sum(map(mul, samples, samples)) / len(samples))
        frame_start = self._position
        self._position += len(samples)
        if self._in_speech:
            # Between the two thresholds nothing changes: that hysteresis stops a level hovering
            # near one threshold from toggling speech on and off.
            if rms >= self._silence_rms:
                self._run_start = None
                return
            if self._run_start is None:
                self._run_start = frame_start
            if self._seconds_since(self._run_start) >= self._silence_seconds:
                events.append(VadEvent(kind="end", offset=self._run_start / self._rate))
                self._in_speech = False
                self._run_start = None
        else:
            if rms < self._start_rms:
                self._run_start = None
                return
            if self._run_start is None:
                self._run_start = frame_start
            if self._seconds_since(self._run_start) >= self._prefix_seconds:
                events.append(VadEvent(kind="start", offset=self._run_start / self._rate))
                self._in_speech = True
                self._run_start = None

    def _seconds_since(self, sample: int) -> float:
        # Rounded so that 20 ms of 10 ms frames is 20 ms, not 19.999… after float division.
        return round((self._position - sample) / self._rate, 6)


def _sensitivity(value: str | None, kind: Literal["START", "END"]) -> str:
    high = f"{kind}_SENSITIVITY_HIGH"
    if value is None:
        return high
    name = value.upper()
    if name == f"{kind}_SENSITIVITY_UNSPECIFIED":
        return high
    if name not in (high, f"{kind}_SENSITIVITY_LOW"):
        raise ValueError(f"unknown {kind.lower()} sensitivity {value!r}")
    return name


def _milliseconds(value: int | None, default: int) -> int:
    if value is None:
        return default
    if value < 0:
        raise ValueError(f"durations must not be negative, got {value} ms")
    return value


def _rms_of_dbfs(level: float) -> float:
    return 32768 * 10 ** (level / 20)
