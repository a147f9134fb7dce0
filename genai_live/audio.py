"""PCM16 audio for the Live API: WAV files, resampling, chunked streaming and playback buffers."""

from __future__ import annotations

import array
import math
import os
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from operator import mul
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    import numpy
    import numpy.typing
    from IPython.display import Audio

__all__ = [
    "INPUT_MIME",
    "INPUT_RATE",
    "MUSIC_MIME",
    "MUSIC_RATE",
    "OUTPUT_MIME",
    "OUTPUT_RATE",
    "SAMPLE_WIDTH",
    "PlaybackBuffer",
    "RealtimeInputSender",
    "ServerMessageLike",
    "Speaker",
    "chunks",
    "from_numpy",
    "microphone",
    "play",
    "read_wav",
    "resample",
    "speaker",
    "stream_file",
    "to_numpy",
    "wav_bytes",
    "write_wav",
]

INPUT_RATE = 16000
"""Sample rate (Hz) the Live API expects for microphone audio."""
OUTPUT_RATE = 24000
"""Sample rate (Hz) of the audio the Live API speaks back."""
MUSIC_RATE = 48000
"""Sample rate (Hz) of Live Music audio (stereo)."""
INPUT_MIME = "audio/pcm;rate=16000"
"""MIME type of realtime input audio: 16-bit little-endian mono PCM at 16 kHz."""
OUTPUT_MIME = "audio/pcm;rate=24000"
"""MIME type of model audio: 16-bit little-endian mono PCM at 24 kHz."""
MUSIC_MIME = "audio/l16;rate=48000;channels=2"
"""MIME type of Live Music chunks: 16-bit stereo PCM at 48 kHz."""
SAMPLE_WIDTH = 2
"""Bytes per sample of every PCM buffer in this module (signed 16-bit, little-endian)."""

WavSource: TypeAlias = "str | os.PathLike[str] | IO[bytes]"
"""Where a WAV file can be read from or written to: a path or a binary file object."""

_BIG_ENDIAN_HOST = sys.byteorder == "big"
_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_IEEE_FLOAT = 3
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_FLIP_TOP_BIT = bytes(byte ^ 0x80 for byte in range(256))

# Resampler design. The pass band ends at ROLLOFF x the lower Nyquist frequency so the transition
# band finishes near Nyquist; 16 zero crossings per side with a Kaiser window (beta 8.6, about
# 80 dB stop band) keeps aliases far below what a listener or a speech model can notice.
_ROLLOFF = 0.92
_ZERO_CROSSINGS = 16
_KAISER_BETA = 8.6


# -- PCM16 <-> sample arrays ---------------------------------------------------------------------


def _samples(pcm: bytes) -> array.array[int]:
    """Decode little-endian PCM16 into native signed integers."""
    samples = array.array("h")
    samples.frombytes(pcm)
    if _BIG_ENDIAN_HOST:
        samples.byteswap()
    return samples


def _pcm(samples: array.array[int]) -> bytes:
    """Encode native signed integers as little-endian PCM16."""
    if _BIG_ENDIAN_HOST:
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def _check_pcm(pcm: bytes, channels: int) -> None:
    if channels < 1:
        raise ValueError(f"channels must be at least 1, got {channels}")
    frame_size = SAMPLE_WIDTH * channels
    if len(pcm) % frame_size:
        raise ValueError(
            f"PCM16 with {channels} channel(s) comes in {frame_size}-byte frames, "
            f"but got {len(pcm)} bytes"
        )


def _check_rate(rate: int) -> None:
    if not isinstance(rate, int) or rate <= 0:
        raise ValueError(f"sample rates must be positive integers, got {rate!r}")


# -- WAV files -----------------------------------------------------------------------------------


def read_wav(source: WavSource, rate: int = INPUT_RATE, channels: int = 1) -> bytes:
    """Read a WAV file as little-endian PCM16 at ``rate`` Hz with ``channels`` channels.

    Integer PCM of 8, 16, 24 or 32 bits (plain or WAVE_FORMAT_EXTENSIBLE) and 32/64-bit IEEE
    float are accepted, at any sample rate and channel count. The audio is resampled with
    :func:`resample`; fewer output channels average the input channels (channel ``j`` averages
    input channels ``j, j + channels, ...``, so any input becomes mono by averaging all of
    them), more output channels repeat the input channels.

    ``source`` is a path or a binary file object. Raises ``ValueError`` for files that are not
    WAV or use a compressed encoding (A-law, mu-law, ADPCM, ...).

    >>> pcm = read_wav("question.wav")          # ready for session.send_realtime_input(audio=pcm)
    """
    _check_rate(rate)
    if channels < 1:
        raise ValueError(f"channels must be at least 1, got {channels}")
    if isinstance(source, (str, os.PathLike)):
        with open(os.fspath(source), "rb") as file:
            data = file.read()
    else:
        data = source.read()
    file_rate, file_channels, pcm = _decode_wav(data)
    if channels < file_channels:  # mix down first: fewer samples to resample
        pcm = _mix_channels(pcm, file_channels, channels)
        return resample(pcm, file_rate, rate, channels)
    pcm = resample(pcm, file_rate, rate, file_channels)
    return _mix_channels(pcm, file_channels, channels)


def _decode_wav(data: bytes) -> tuple[int, int, bytes]:
    """Parse a RIFF/WAVE file into (rate, channels, PCM16 payload)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file: it does not start with a RIFF/WAVE header")
    fmt: bytes | None = None
    payload: bytes | None = None
    position = 12
    while position + 8 <= len(data) and payload is None:
        chunk_id, size = struct.unpack_from("<4sI", data, position)
        body_start = position + 8
        if chunk_id == b"data":
            # Writers that stream to a pipe cannot seek back to fill in the size, so they leave a
            # placeholder; the audio then simply runs to the end of the file.
            payload = data[body_start : body_start + size]
        elif chunk_id == b"fmt ":
            fmt = data[body_start : body_start + size]
        position = body_start + size + (size & 1)  # chunks are padded to an even length
    if fmt is None or len(fmt) < 16:
        raise ValueError("not a valid WAV file: the 'fmt ' chunk is missing or too short")
    if payload is None:
        raise ValueError("not a valid WAV file: it has no 'data' chunk")
    encoding, channels, rate, _, block_align, bits = struct.unpack_from("<HHIIHH", fmt)
    if encoding == _WAVE_FORMAT_EXTENSIBLE and len(fmt) >= 26:
        # The real encoding is the first two bytes of the SubFormat GUID.
        (encoding,) = struct.unpack_from("<H", fmt, 24)
    if channels < 1 or rate < 1 or block_align < 1 or block_align % channels:
        raise ValueError(
            f"invalid WAV header: {channels} channel(s) at {rate} Hz in {block_align}-byte frames"
        )
    # The frame size, not the declared bit depth, says how samples are stored: 20- or 24-bit
    # audio may sit in 3- or 4-byte containers, with the significant bits at the top.
    width = block_align // channels
    if encoding == _WAVE_FORMAT_PCM and width in (1, 2, 3, 4):
        pcm = _int_pcm_to_pcm16(payload[: len(payload) - len(payload) % block_align], width)
    elif encoding == _WAVE_FORMAT_IEEE_FLOAT and width in (4, 8):
        pcm = _float_pcm_to_pcm16(payload[: len(payload) - len(payload) % block_align], width)
    else:
        raise ValueError(
            f"unsupported WAV encoding (format tag {encoding:#06x}, {bits}-bit): only integer PCM "
            "(8/16/24/32-bit) and IEEE float WAV can be read; convert the file first, e.g. "
            "`ffmpeg -i in.wav -c:a pcm_s16le out.wav`"
        )
    return rate, channels, pcm


def _int_pcm_to_pcm16(payload: bytes, width: int) -> bytes:
    """Keep the 16 most significant bits of each little-endian integer sample."""
    if width == 2:
        return bytes(payload)
    count = len(payload) // width
    pcm = bytearray(2 * count)
    if width == 1:
        # 8-bit WAV samples are unsigned with 128 as silence; flipping the top bit makes them
        # signed, and they become the high byte of a 16-bit sample.
        pcm[1::2] = payload.translate(_FLIP_TOP_BIT)
    else:
        pcm[0::2] = payload[width - 2 :: width]
        pcm[1::2] = payload[width - 1 :: width]
    return bytes(pcm)


def _float_pcm_to_pcm16(payload: bytes, width: int) -> bytes:
    """Scale float samples in [-1, 1] to PCM16, clipping anything outside."""
    values = array.array("f" if width == 4 else "d")
    values.frombytes(payload)
    if _BIG_ENDIAN_HOST:
        values.byteswap()
    # max() before min() turns NaN into -1.0 instead of failing in round().
    return _pcm(array.array("h", [round(min(1.0, max(-1.0, v)) * 32767) for v in values]))


def _mix_channels(pcm: bytes, from_channels: int, to_channels: int) -> bytes:
    """Average (down-mix) or repeat (up-mix) interleaved channels."""
    if from_channels == to_channels:
        return pcm
    _check_pcm(pcm, from_channels)
    samples = _samples(pcm)
    planes = [samples[channel::from_channels] for channel in range(from_channels)]
    out_planes: list[Sequence[int]] = []
    for channel in range(to_channels):
        if to_channels > from_channels:
            out_planes.append(planes[channel % from_channels])
            continue
        group = planes[channel::to_channels]
        if len(group) == 1:
            out_planes.append(group[0])
        else:
            out_planes.append([sum(values) // len(group) for values in zip(*group, strict=True)])
    frames = len(samples) // from_channels
    mixed = array.array("h", bytes(SAMPLE_WIDTH * frames * to_channels))
    for channel, plane in enumerate(out_planes):
        mixed[channel::to_channels] = array.array("h", plane)
    return _pcm(mixed)


def wav_bytes(pcm: bytes, rate: int, channels: int = 1) -> bytes:
    """Return a complete PCM16 WAV file, in memory, holding ``pcm``.

    >>> wav_bytes(b"\\x00\\x00" * 24000, 24000)[:4]
    b'RIFF'
    """
    _check_rate(rate)
    _check_pcm(pcm, channels)
    if len(pcm) > 0xFFFFFFFF - 36:
        raise ValueError("PCM too long for a WAV file (over 4 GiB)")
    frame_size = SAMPLE_WIDTH * channels
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(pcm),
        b"WAVE",
        b"fmt ",
        16,
        _WAVE_FORMAT_PCM,
        channels,
        rate,
        rate * frame_size,
        frame_size,
        8 * SAMPLE_WIDTH,
        b"data",
        len(pcm),
    )
    return header + bytes(pcm)


def write_wav(target: WavSource, pcm: bytes, rate: int, channels: int = 1) -> None:
    """Write little-endian PCM16 ``pcm`` as a WAV file to a path or a binary file object.

    >>> write_wav("reply.wav", turn.audio, OUTPUT_RATE)
    """
    # The whole file is built first: no seeking back to patch sizes, so pipes work too.
    data = wav_bytes(pcm, rate, channels)
    if isinstance(target, (str, os.PathLike)):
        with open(os.fspath(target), "wb") as file:
            file.write(data)
    else:
        target.write(data)


# -- Resampling ----------------------------------------------------------------------------------


class _Filter:
    """A polyphase windowed-sinc low-pass for one rational rate change.

    Output frame ``n`` lies at input time ``n * down / up``; writing that as ``base + p / up``
    gives the input frames it reads (``base - half + 1 .. base + half``) and the phase ``p``
    whose taps it uses.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        divisor = math.gcd(from_rate, to_rate)
        self.up = to_rate // divisor
        self.down = from_rate // divisor
        # Cut-off in cycles per input sample, just below the lower of the two Nyquist rates.
        self.cutoff = 0.5 * min(1.0, self.up / self.down) * _ROLLOFF
        self.reach = _ZERO_CROSSINGS / (2.0 * self.cutoff)  # window half-width, input samples
        self.half = math.ceil(self.reach)
        self.taps = 2 * self.half

    def output_frames(self, input_frames: int) -> int:
        """Frames made from ``input_frames`` frames (rounded up: a short input stays audible)."""
        return -(-input_frames * self.up // self.down)

    def phase_taps(self, phase: int) -> list[float]:
        """Tap weights for one phase, for input offsets ``1 - half .. half``, summing to 1."""
        frac = phase / self.up
        bessel_beta = _bessel_i0(_KAISER_BETA)
        weights = []
        for offset in range(1 - self.half, self.half + 1):
            t = offset - frac
            if abs(t) >= self.reach:
                weights.append(0.0)
                continue
            x = 2.0 * self.cutoff * t
            sinc = 1.0 if x == 0 else math.sin(math.pi * x) / (math.pi * x)
            window = _bessel_i0(_KAISER_BETA * math.sqrt(1.0 - (t / self.reach) ** 2))
            weights.append(sinc * window / bessel_beta)
        # Unit gain at every phase, so a constant signal stays constant with no phase ripple.
        total = sum(weights)
        return [weight / total for weight in weights]


def _bessel_i0(x: float) -> float:
    """Modified Bessel function of the first kind, order 0 (power series; fine for x < 30)."""
    term = total = 1.0
    k = 0
    quarter_square = x * x / 4.0
    while term > 1e-17 * total:
        k += 1
        term *= quarter_square / (k * k)
        total += term
    return total


def resample(pcm: bytes, from_rate: int, to_rate: int, channels: int = 1) -> bytes:
    """Convert PCM16 from ``from_rate`` to ``to_rate`` Hz with a band-limited resampler.

    A polyphase windowed-sinc (Kaiser) filter removes everything above the lower Nyquist
    frequency, so down-sampling does not alias and up-sampling leaves no images. numpy is used
    when installed; otherwise a pure-Python path gives the same result within one unit of
    rounding. Equal rates return the input unchanged. Each call is independent: to convert a
    live stream, resample chunks of a few hundred milliseconds or more (the filter sees zeros
    beyond each chunk's edges).

    >>> len(resample(b"\\x00\\x00" * 48000, 48000, 16000))  # 1 s at 48 kHz -> 1 s at 16 kHz
    32000
    """
    _check_rate(from_rate)
    _check_rate(to_rate)
    _check_pcm(pcm, channels)
    if from_rate == to_rate or not pcm:
        return bytes(pcm)
    design = _Filter(from_rate, to_rate)
    try:
        import numpy  # noqa: F401  (only probing whether the fast path is available)
    except ImportError:
        return _resample_python(pcm, design, channels)
    return _resample_numpy(pcm, design, channels)


def _resample_python(pcm: bytes, design: _Filter, channels: int) -> bytes:
    samples = _samples(pcm)
    frames = len(samples) // channels
    out_frames = design.output_frames(frames)
    up, down, taps = design.up, design.down, design.taps
    out = array.array("h", bytes(SAMPLE_WIDTH * out_frames * channels))
    # Output frames n, n + up, n + 2*up, ... share one phase and step `down` input frames apart,
    # so each phase is one comprehension over input windows; sum(map(mul, ...)) keeps the
    # multiply-accumulate inside the interpreter's C loops.
    phase_tables: dict[int, list[float]] = {}
    for channel in range(channels):
        padded = [0] * (design.half - 1) + samples[channel::channels].tolist() + [0] * design.half
        plane = [0.0] * out_frames
        for first in range(min(up, out_frames)):
            base, phase = divmod(first * down, up)
            weights = phase_tables.get(phase)
            if weights is None:
                weights = phase_tables[phase] = design.phase_taps(phase)
            count = len(range(first, out_frames, up))
            plane[first::up] = [
                sum(map(mul, weights, padded[start : start + taps]))
                for start in range(base, base + count * down, down)
            ]
        out[channel::channels] = array.array(
            "h", [-32768 if v < -32768 else 32767 if v > 32767 else round(v) for v in plane]
        )
    return _pcm(out)


def _resample_numpy(pcm: bytes, design: _Filter, channels: int) -> bytes:
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).astype(np.float64)
    frames = samples.shape[0]
    out_frames = design.output_frames(frames)
    up, down, taps, half = design.up, design.down, design.taps, design.half
    padded = np.concatenate(
        [np.zeros((half - 1, channels)), samples, np.zeros((half, channels))], axis=0
    )
    # One row of taps per phase in use (output n uses row n % up), computed like phase_taps().
    firsts = np.arange(min(up, out_frames), dtype=np.int64)
    fracs = (firsts * down % up) / up
    t = np.arange(1 - half, half + 1, dtype=np.float64)[None, :] - fracs[:, None]
    inside = np.abs(t) < design.reach
    ratio = np.where(inside, t / design.reach, 0.0)
    window = np.i0(_KAISER_BETA * np.sqrt(1.0 - ratio**2)) / np.i0(_KAISER_BETA)
    table = np.where(inside, np.sinc(2.0 * design.cutoff * t) * window, 0.0)
    table /= table.sum(axis=1, keepdims=True)

    out = np.empty((out_frames, channels))
    offsets = np.arange(taps, dtype=np.int64)
    block = max(1, 2**20 // (taps * channels))  # bounds the gathered windows to ~8 MB
    for start in range(0, out_frames, block):
        n = np.arange(start, min(start + block, out_frames), dtype=np.int64)
        windows = padded[(n * down // up)[:, None] + offsets[None, :]]  # (block, taps, channels)
        out[start : start + len(n)] = np.einsum("btc,bt->bc", windows, table[n % up])
    return bytes(np.clip(np.rint(out), -32768, 32767).astype("<i2").tobytes())


# -- Chunking and streaming ----------------------------------------------------------------------


def chunks(pcm: bytes, rate: int, ms: int = 100, channels: int = 1) -> Iterator[bytes]:
    """Split PCM16 into chunks of ``ms`` milliseconds; the last one may be shorter.

    Chunk boundaries fall on whole frames. When ``rate * ms`` is not a multiple of 1000 the
    chunk sizes differ by at most one frame, so their total duration stays exact.

    >>> [len(c) for c in chunks(b"\\x00\\x00" * 4000, 16000, ms=100)]
    [3200, 3200, 1600]
    """
    _check_rate(rate)
    _check_pcm(pcm, channels)
    if ms <= 0:
        raise ValueError(f"chunk duration must be positive, got {ms} ms")
    frame_size = SAMPLE_WIDTH * channels
    frames = len(pcm) // frame_size
    view = memoryview(pcm)
    index = 0
    start = 0
    while start < frames:
        index += 1
        end = min(frames, index * rate * ms // 1000)
        if end > start:
            yield bytes(view[start * frame_size : end * frame_size])
        start = end


class RealtimeInputSender(Protocol):
    """Anything with ``send_realtime_input(**kwargs)``, such as a Live ``Session``."""

    def send_realtime_input(self, *args: Any, **kwargs: Any) -> object:
        """Send one realtime input (``audio=`` bytes, ``audio_stream_end=True``, ...)."""


def stream_file(
    session: RealtimeInputSender,
    path: WavSource,
    realtime: bool = True,
    chunk_ms: int = 100,
    progress: bool = False,
) -> int:
    """Send a WAV file to a Live session as 16 kHz mono PCM16, then end the audio stream.

    Each ``chunk_ms`` chunk goes out with ``session.send_realtime_input(audio=chunk)``; with
    ``realtime`` they are paced like a microphone would deliver them, and the closing
    ``audio_stream_end=True`` is sent once the audio's full duration has passed. With
    ``progress`` a one-line progress bar is drawn on stderr. Returns the number of PCM bytes
    sent.

    >>> stream_file(session, "question.wav")
    >>> turn = session.receive_turn()
    """
    pcm = read_wav(path, INPUT_RATE, 1)
    total_frames = len(pcm) // SAMPLE_WIDTH
    started = time.monotonic()
    sent_frames = 0
    for chunk in chunks(pcm, INPUT_RATE, chunk_ms):
        if realtime:
            _sleep_until(started + sent_frames / INPUT_RATE)
        session.send_realtime_input(audio=chunk)
        sent_frames += len(chunk) // SAMPLE_WIDTH
        if progress:
            _draw_progress(sent_frames, total_frames)
    if realtime:
        _sleep_until(started + sent_frames / INPUT_RATE)
    session.send_realtime_input(audio_stream_end=True)
    if progress:
        sys.stderr.write("\n")
        sys.stderr.flush()
    return sent_frames * SAMPLE_WIDTH


def _sleep_until(deadline: float) -> None:
    # Deadlines are absolute (start + audio sent so far), so oversleeping once never accumulates.
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _draw_progress(done_frames: int, total_frames: int, width: int = 30) -> None:
    fraction = done_frames / total_frames if total_frames else 1.0
    filled = round(fraction * width)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} "
        f"{done_frames / INPUT_RATE:.1f}/{total_frames / INPUT_RATE:.1f} s"
    )
    sys.stderr.flush()


# -- Collecting model audio ----------------------------------------------------------------------


class _InlineData(Protocol):
    @property
    def data(self) -> bytes | None: ...
    @property
    def mime_type(self) -> str | None: ...


class _Part(Protocol):
    @property
    def inline_data(self) -> _InlineData | None: ...


class _ModelTurn(Protocol):
    @property
    def parts(self) -> Sequence[_Part] | None: ...


class _ServerContent(Protocol):
    @property
    def model_turn(self) -> _ModelTurn | None: ...
    @property
    def interrupted(self) -> bool | None: ...
    @property
    def turn_complete(self) -> bool | None: ...


class ServerMessageLike(Protocol):
    """The part of a server message :class:`PlaybackBuffer` reads (``server_content``)."""

    @property
    def server_content(self) -> _ServerContent | None: ...


class PlaybackBuffer:
    """Collect the model's audio turn by turn, dropping what an interruption cuts off.

    Feed it every server message. Audio parts accumulate in :attr:`current`; when the user
    barges in (``interrupted``) the unplayed audio is discarded, as a player must stop talking,
    and counted in :attr:`dropped_bytes`; on ``turn_complete`` the turn's audio (possibly
    empty) is appended to :attr:`turns` and passed to ``on_turn``.

    >>> buffer = PlaybackBuffer(on_turn=lambda pcm: write_wav("reply.wav", pcm, OUTPUT_RATE))
    >>> for message in session:
    ...     buffer.feed(message)
    """

    def __init__(self, on_turn: Callable[[bytes], object] | None = None) -> None:
        self.turns: list[bytes] = []
        """Audio of each completed turn, oldest first."""
        self.dropped_bytes = 0
        """Bytes of audio discarded because the model was interrupted."""
        self.on_turn = on_turn
        """Called with each completed turn's audio."""
        self._pending = bytearray()

    @property
    def current(self) -> bytes:
        """Audio received so far in the turn that is still in progress."""
        return bytes(self._pending)

    def feed(self, message: ServerMessageLike) -> None:
        """Take one server message; messages without ``server_content`` are ignored."""
        content = message.server_content
        if content is None:
            return
        model_turn = content.model_turn
        for part in (model_turn.parts if model_turn is not None else None) or ():
            blob = part.inline_data
            if blob is not None and blob.data and (blob.mime_type or "").startswith("audio/"):
                self._pending += blob.data
        if content.interrupted:
            self.dropped_bytes += len(self._pending)
            self._pending.clear()
        if content.turn_complete:
            audio = bytes(self._pending)
            self._pending.clear()
            self.turns.append(audio)
            if self.on_turn is not None:
                self.on_turn(audio)

    def clear(self) -> None:
        """Forget all turns, the turn in progress and the dropped-bytes count."""
        self.turns.clear()
        self._pending.clear()
        self.dropped_bytes = 0


# -- Notebooks and numpy -------------------------------------------------------------------------


def play(pcm: bytes, rate: int = OUTPUT_RATE, channels: int = 1) -> Audio:
    """Return an IPython audio player for PCM16 (display it, or make it a cell's value).

    >>> play(turn.audio)
    """
    try:
        from IPython.display import Audio
    except ImportError as error:
        raise ImportError("play() needs IPython: pip install ipython") from error
    make_player: Callable[..., Audio] = Audio  # IPython leaves its __init__ unannotated
    return make_player(data=wav_bytes(pcm, rate, channels), autoplay=False)


def to_numpy(pcm: bytes, channels: int = 1) -> numpy.ndarray[Any, numpy.dtype[numpy.int16]]:
    """Return PCM16 as a new int16 array: shape ``(frames,)`` for mono, else ``(frames, channels)``.

    >>> samples = to_numpy(turn.audio) / 32768.0     # floats in [-1, 1)
    """
    _require_numpy("to_numpy")
    import numpy as np

    _check_pcm(pcm, channels)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
    return samples if channels == 1 else samples.reshape(-1, channels)


def from_numpy(samples: numpy.typing.ArrayLike) -> bytes:
    """Encode an array as little-endian PCM16 bytes.

    int16 arrays are copied as they are; float arrays are taken as [-1, 1] and scaled by 32767,
    with values outside clipped. Multi-channel audio is shaped ``(frames, channels)``.

    >>> from_numpy(numpy.sin(numpy.linspace(0, 2 * numpy.pi * 440, 16000)) * 0.5)
    """
    _require_numpy("from_numpy")
    import numpy as np

    values = np.asarray(samples)
    if values.dtype.kind == "f":
        scaled = np.rint(np.clip(np.nan_to_num(values), -1.0, 1.0) * 32767)
        return bytes(scaled.astype("<i2").tobytes())
    if values.dtype == np.int16:
        return bytes(values.astype("<i2").tobytes())
    raise TypeError(
        f"from_numpy() takes int16 or float arrays, not {values.dtype}; "
        "convert with .astype(numpy.int16) or scale to floats in [-1, 1]"
    )


def _require_numpy(caller: str) -> None:
    try:
        import numpy  # noqa: F401
    except ImportError as error:
        raise ImportError(f"{caller}() needs numpy: pip install numpy") from error


def _sounddevice(caller: str) -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as error:  # OSError: the PortAudio library is missing
        raise ImportError(
            f"{caller}() needs the sounddevice package and PortAudio: pip install sounddevice"
        ) from error
    return sounddevice


def microphone(rate: int = INPUT_RATE, ms: int = 100, channels: int = 1) -> Iterator[bytes]:
    """Yield PCM16 chunks of ``ms`` milliseconds from the default input device, forever.

    Needs the optional ``sounddevice`` package. Stream it to a session::

        for chunk in microphone():
            session.send_realtime_input(audio=chunk)
    """
    _check_rate(rate)
    device = _sounddevice("microphone")
    frames = rate * ms // 1000
    with device.RawInputStream(
        samplerate=rate, channels=channels, dtype="int16", blocksize=frames
    ) as stream:
        while True:
            data, _overflowed = stream.read(frames)
            yield bytes(data)


class Speaker:
    """Plays PCM16 on the default output device as it arrives (``with speaker() as out:``).

    Needs the optional ``sounddevice`` package. ``write(pcm)`` blocks while the device's buffer
    is full, so it paces a stream of model audio; ``stop()`` discards what is queued (call it on
    ``interrupted``).
    """

    def __init__(self, rate: int = OUTPUT_RATE, channels: int = 1) -> None:
        _check_rate(rate)
        device = _sounddevice("speaker")
        self._stream = device.RawOutputStream(samplerate=rate, channels=channels, dtype="int16")
        self._stream.start()

    def write(self, pcm: bytes) -> None:
        """Queue audio for playback."""
        self._stream.write(pcm)

    def stop(self) -> None:
        """Drop queued audio (after ``interrupted``) and keep the device open."""
        self._stream.abort()
        self._stream.start()

    def close(self) -> None:
        """Release the output device."""
        self._stream.close()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def speaker(rate: int = OUTPUT_RATE, channels: int = 1) -> Speaker:
    """An open `Speaker` on the default output device (needs ``sounddevice``)."""
    return Speaker(rate, channels)
