"""Tests for genai_live.audio: WAV I/O, resampling, chunking, streaming and playback buffers."""

from __future__ import annotations

import array
import io
import itertools
import math
import struct
import sys
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from genai_live import audio
from genai_live.audio import (
    PlaybackBuffer,
    chunks,
    from_numpy,
    play,
    read_wav,
    resample,
    stream_file,
    to_numpy,
    wav_bytes,
    write_wav,
)

# -- signals and files ----------------------------------------------------------------------------


def pcm_of(samples: list[int]) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def samples_of(pcm: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(pcm) // 2}h", pcm))


def sine(frequency: float, rate: int, seconds: float, amplitude: float = 0.5) -> list[int]:
    return [
        round(amplitude * 32767 * math.sin(2 * math.pi * frequency * n / rate))
        for n in range(int(rate * seconds))
    ]


def middle(samples: list[int], trim: float = 0.1) -> list[int]:
    """Drop the edges, where the resampler's filter sees the zeros around the signal."""
    cut = int(len(samples) * trim)
    return samples[cut : len(samples) - cut]


def rms(samples: list[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def decibels(ratio: float) -> float:
    return 20 * math.log10(ratio)


def amplitude_at(samples: list[int], frequency: float, rate: int) -> float:
    """Amplitude of one frequency component (a single-bin DFT over whole periods)."""
    periods = int(len(samples) * frequency / rate)
    count = round(periods * rate / frequency)
    omega = 2 * math.pi * frequency / rate
    real = sum(s * math.cos(omega * n) for n, s in enumerate(samples[:count]))
    imag = sum(s * math.sin(omega * n) for n, s in enumerate(samples[:count]))
    return 2 * math.hypot(real, imag) / count


def zero_crossing_frequency(samples: list[int], rate: int) -> float:
    rising = sum(1 for a, b in itertools.pairwise(samples) if a < 0 <= b)
    return rising * rate / len(samples)


def stdlib_wav(samples: list[int], rate: int, channels: int, width: int) -> bytes:
    """A WAV written by the stdlib wave module, from 16-bit samples widened to ``width`` bytes."""
    if width == 1:
        payload = bytes((s >> 8) + 128 for s in samples)
    elif width == 2:
        payload = pcm_of(samples)
    else:
        shift = 8 * (width - 2)
        payload = b"".join((s << shift).to_bytes(width, "little", signed=True) for s in samples)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(payload)
    return buffer.getvalue()


def riff(fmt: bytes, payload: bytes, extra_chunks: bytes = b"") -> bytes:
    """A hand-made RIFF/WAVE file, for formats the stdlib cannot write."""
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(tag: int, channels: int, rate: int, bits: int) -> bytes:
    block = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)


RESAMPLERS: dict[str, Callable[[bytes, int, int, int], bytes]] = {
    "python": lambda pcm, a, b, ch: audio._resample_python(pcm, audio._Filter(a, b), ch),
    "numpy": lambda pcm, a, b, ch: audio._resample_numpy(pcm, audio._Filter(a, b), ch),
}


@pytest.fixture(params=sorted(RESAMPLERS))
def resampler(request: pytest.FixtureRequest) -> Callable[[bytes, int, int, int], bytes]:
    if request.param == "numpy":
        pytest.importorskip("numpy")
    return RESAMPLERS[request.param]


# -- constants -----------------------------------------------------------------------------------


def test_constants_match_the_live_api_formats() -> None:
    assert (audio.INPUT_RATE, audio.OUTPUT_RATE, audio.MUSIC_RATE) == (16000, 24000, 48000)
    assert audio.INPUT_MIME == "audio/pcm;rate=16000"
    assert audio.OUTPUT_MIME == "audio/pcm;rate=24000"
    assert audio.MUSIC_MIME == "audio/l16;rate=48000;channels=2"
    assert audio.SAMPLE_WIDTH == 2


def test_all_names_are_exported_and_documented() -> None:
    for name in audio.__all__:
        value = getattr(audio, name)
        if callable(value):
            assert value.__doc__, name


# -- WAV files -----------------------------------------------------------------------------------


def test_write_then_read_round_trips_through_a_path(tmp_path: Path) -> None:
    pcm = pcm_of(sine(440, 16000, 0.1))
    write_wav(tmp_path / "a.wav", pcm, 16000)
    assert read_wav(tmp_path / "a.wav") == pcm
    assert read_wav(str(tmp_path / "a.wav")) == pcm


def test_write_and_read_accept_binary_file_objects() -> None:
    pcm = pcm_of([1, -2, 3, -4, 32767, -32768])
    buffer = io.BytesIO()
    write_wav(buffer, pcm, 24000, channels=2)
    buffer.seek(0)
    assert read_wav(buffer, rate=24000, channels=2) == pcm


def test_wav_bytes_is_a_standard_wav_the_stdlib_reads() -> None:
    pcm = pcm_of(list(range(-300, 300)))
    with wave.open(io.BytesIO(wav_bytes(pcm, 48000, channels=2))) as reader:
        assert reader.getnchannels() == 2
        assert reader.getsampwidth() == 2
        assert reader.getframerate() == 48000
        assert reader.getnframes() == 300
        assert reader.readframes(300) == pcm


@pytest.mark.parametrize("width", [1, 2, 3, 4])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_read_wav_decodes_every_integer_width(width: int, channels: int, rate: int) -> None:
    samples = [-32768, -12345, -256, -1, 0, 1, 255, 256, 12345, 32767] * channels
    data = stdlib_wav(samples, rate, channels, width)
    expected = [(s >> 8) << 8 for s in samples] if width == 1 else samples
    assert read_wav(io.BytesIO(data), rate=rate, channels=channels) == pcm_of(expected)


def test_read_wav_resamples_to_the_requested_rate() -> None:
    data = stdlib_wav(sine(500, 8000, 0.5), 8000, 1, 2)
    samples = samples_of(read_wav(io.BytesIO(data), rate=16000))
    assert len(samples) == 16000 // 2
    assert zero_crossing_frequency(middle(samples), 16000) == pytest.approx(500, rel=0.02)


def test_read_wav_averages_channels_down_to_mono() -> None:
    data = stdlib_wav([1000, 3000, -1000, -3001] * 4, 16000, 2, 2)
    assert samples_of(read_wav(io.BytesIO(data), rate=16000)) == [2000, -2001] * 4


def test_read_wav_duplicates_mono_up_to_stereo() -> None:
    data = stdlib_wav([5, -7, 9], 16000, 1, 2)
    assert samples_of(read_wav(io.BytesIO(data), rate=16000, channels=2)) == [5, 5, -7, -7, 9, 9]


def test_read_wav_mixes_many_channels_by_groups() -> None:
    # Four channels to two: output channel j averages input channels j and j + 2.
    data = stdlib_wav([100, 200, 300, 400], 16000, 4, 2)
    assert samples_of(read_wav(io.BytesIO(data), rate=16000, channels=2)) == [200, 300]


def test_read_wav_downmixes_and_resamples_stereo_48k() -> None:
    left = sine(1000, 48000, 0.5)
    interleaved = [s for sample in left for s in (sample, sample)]
    data = stdlib_wav(interleaved, 48000, 2, 2)
    samples = samples_of(read_wav(io.BytesIO(data)))
    assert len(samples) == 8000
    assert abs(decibels(rms(middle(samples)) / rms(middle(left)))) < 1


def test_read_wav_reads_extensible_24_bit_files() -> None:
    samples = [-32768, -1, 0, 1, 32767, 1234]
    payload = b"".join((s << 8).to_bytes(3, "little", signed=True) for s in samples)
    pcm_guid = struct.pack("<H", 1) + bytes.fromhex("000000001000800000aa00389b71")
    fmt = fmt_chunk(0xFFFE, 2, 16000, 24) + struct.pack("<HHI", 22, 24, 0x3) + pcm_guid
    data = riff(fmt, payload)
    assert read_wav(io.BytesIO(data), rate=16000, channels=2) == pcm_of(samples)


def test_read_wav_reads_float_files_with_clipping() -> None:
    values = [0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0]
    data = riff(fmt_chunk(3, 1, 16000, 32), struct.pack(f"<{len(values)}f", *values))
    assert samples_of(read_wav(io.BytesIO(data))) == [
        0,
        16384,
        -16384,
        32767,
        -32767,
        32767,
        -32767,
    ]


def test_read_wav_skips_odd_sized_chunks_before_the_data() -> None:
    odd_chunk = b"LIST" + struct.pack("<I", 3) + b"abc" + b"\x00"  # padded to an even size
    data = riff(fmt_chunk(1, 1, 16000, 16), pcm_of([7, 8, 9]), extra_chunks=odd_chunk)
    assert read_wav(io.BytesIO(data)) == pcm_of([7, 8, 9])


def test_read_wav_tolerates_a_streaming_placeholder_data_size() -> None:
    data = bytearray(riff(fmt_chunk(1, 1, 16000, 16), pcm_of([7, 8, 9])))
    data[40:44] = struct.pack("<I", 0xFFFFFFFF)
    assert read_wav(io.BytesIO(bytes(data))) == pcm_of([7, 8, 9])


def test_read_wav_rejects_compressed_encodings() -> None:
    mu_law = riff(fmt_chunk(7, 1, 8000, 8), b"\xff" * 8)
    with pytest.raises(ValueError, match="unsupported WAV encoding"):
        read_wav(io.BytesIO(mu_law))


def test_read_wav_rejects_files_that_are_not_wav() -> None:
    with pytest.raises(ValueError, match="not a WAV file"):
        read_wav(io.BytesIO(b"OggS" + bytes(100)))


def test_read_wav_rejects_a_file_without_data() -> None:
    data = b"RIFF" + struct.pack("<I", 28) + b"WAVEfmt " + struct.pack("<I", 16)
    with pytest.raises(ValueError, match="no 'data' chunk"):
        read_wav(io.BytesIO(data + fmt_chunk(1, 1, 16000, 16)))


def test_write_wav_rejects_a_partial_frame(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="4-byte frames"):
        write_wav(tmp_path / "a.wav", b"\x00" * 6, 16000, channels=2)


# -- resampling ----------------------------------------------------------------------------------


def test_equal_rates_return_the_input_unchanged() -> None:
    pcm = pcm_of([1, 2, 3, -32768])
    assert resample(pcm, 16000, 16000) == pcm


def test_empty_input_resamples_to_empty() -> None:
    assert resample(b"", 48000, 16000) == b""


@pytest.mark.parametrize("from_rate,to_rate", [(16000, 24000), (48000, 16000), (44100, 16000)])
def test_a_1khz_sine_keeps_frequency_and_amplitude(
    resampler: Callable[[bytes, int, int, int], bytes], from_rate: int, to_rate: int
) -> None:
    before = sine(1000, from_rate, 0.5)
    after = samples_of(resampler(pcm_of(before), from_rate, to_rate, 1))
    assert len(after) == to_rate // 2
    assert abs(decibels(rms(middle(after)) / rms(middle(before)))) < 1
    expected_amplitude = 0.5 * 32767
    assert abs(decibels(amplitude_at(middle(after), 1000, to_rate) / expected_amplitude)) < 1
    assert zero_crossing_frequency(middle(after), to_rate) == pytest.approx(1000, rel=0.01)


def test_a_tone_above_the_new_nyquist_is_removed(
    resampler: Callable[[bytes, int, int, int], bytes],
) -> None:
    before = sine(10000, 48000, 0.5)
    after = samples_of(resampler(pcm_of(before), 48000, 16000, 1))
    # Without a low-pass, 10 kHz would fold back to 6 kHz at full strength.
    assert decibels(rms(middle(after)) / rms(middle(before))) < -30


def test_upsampling_leaves_no_images(resampler: Callable[[bytes, int, int, int], bytes]) -> None:
    before = sine(7000, 16000, 0.5)
    after = middle(samples_of(resampler(pcm_of(before), 16000, 48000, 1)))
    total = rms(after) * math.sqrt(2)
    # Zero-order-hold or linear interpolation would leave images at 9 kHz and 23 kHz.
    assert amplitude_at(after, 9000, 48000) < total * 10 ** (-40 / 20)
    assert amplitude_at(after, 23000, 48000) < total * 10 ** (-40 / 20)


def test_stereo_channels_are_resampled_separately(
    resampler: Callable[[bytes, int, int, int], bytes],
) -> None:
    left = sine(1000, 48000, 0.25)
    interleaved = pcm_of([s for sample in left for s in (sample, 0)])
    after = samples_of(resampler(interleaved, 48000, 16000, 2))
    assert len(after) == 2 * 4000
    assert max(abs(s) for s in after[1::2]) == 0
    assert abs(decibels(rms(middle(after[0::2])) / rms(middle(left)))) < 1


def test_output_length_rounds_up() -> None:
    assert len(resample(pcm_of([100]), 16000, 24000)) == 2 * 2
    assert len(resample(pcm_of([100] * 4), 48000, 16000)) == 2 * 2


def test_full_scale_input_is_clipped_not_wrapped() -> None:
    square = ([32767] * 20 + [-32768] * 20) * 40
    after = samples_of(resample(pcm_of(square), 48000, 44100))
    # Band-limiting a square overshoots; the peaks must saturate rather than wrap around.
    assert max(after) == 32767
    assert min(after) == -32768
    for index, sample in enumerate(after[100:-100], start=100):
        phase = (index * 48000 / 44100) % 40
        if 3 < phase < 17:
            assert sample > 16000, index
        elif 23 < phase < 37:
            assert sample < -16000, index


@pytest.mark.parametrize(
    "from_rate,to_rate", [(16000, 24000), (48000, 16000), (44100, 16000), (11025, 24000)]
)
def test_python_and_numpy_paths_agree_within_rounding(from_rate: int, to_rate: int) -> None:
    pytest.importorskip("numpy")
    noise = [(n * 7919 + (n * n) % 6151) % 65536 - 32768 for n in range(3000)]
    pcm = pcm_of(noise)
    fast = samples_of(RESAMPLERS["numpy"](pcm, from_rate, to_rate, 2))
    slow = samples_of(RESAMPLERS["python"](pcm, from_rate, to_rate, 2))
    assert len(fast) == len(slow)
    assert max(abs(a - b) for a, b in zip(fast, slow, strict=True)) <= 1


def test_resample_falls_back_to_pure_python_without_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pcm = pcm_of(sine(1000, 16000, 0.1))
    monkeypatch.setitem(sys.modules, "numpy", None)  # makes `import numpy` raise ImportError
    assert resample(pcm, 16000, 24000) == RESAMPLERS["python"](pcm, 16000, 24000, 1)


@pytest.mark.parametrize(
    "pcm,from_rate,to_rate,channels",
    [(b"\x00\x00\x00", 16000, 24000, 1), (b"\x00" * 6, 16000, 24000, 2), (b"", 0, 16000, 1)],
)
def test_resample_rejects_bad_arguments(
    pcm: bytes, from_rate: int, to_rate: int, channels: int
) -> None:
    with pytest.raises(ValueError):
        resample(pcm, from_rate, to_rate, channels)


# -- chunking ------------------------------------------------------------------------------------


def test_chunks_have_a_fixed_duration_and_a_shorter_last_one() -> None:
    pcm = bytes(range(256)) * 32  # 8192 bytes = 4096 frames at 16 kHz
    parts = list(chunks(pcm, 16000, ms=100))
    assert [len(part) for part in parts] == [3200, 3200, 1792]
    assert b"".join(parts) == pcm


def test_chunks_never_split_a_stereo_frame() -> None:
    pcm = pcm_of(list(range(2 * 441 * 3 + 2)))  # 1324 frames of stereo
    parts = list(chunks(pcm, 44100, ms=10, channels=2))
    assert all(len(part) % 4 == 0 for part in parts)
    assert [len(part) // 4 for part in parts] == [441, 441, 441, 1]
    assert b"".join(parts) == pcm


def test_chunks_keep_exact_total_duration_at_uneven_sizes() -> None:
    # 44.1 kHz x 15 ms = 661.5 frames: sizes alternate so every 2 chunks last exactly 30 ms.
    pcm = bytes(2 * 44100)
    sizes = [len(part) // 2 for part in chunks(pcm, 44100, ms=15)]
    assert set(sizes[:-1]) == {661, 662}
    assert sum(sizes[:66]) == 44100 * 15 * 66 // 1000


def test_chunks_of_nothing_is_nothing() -> None:
    assert list(chunks(b"", 16000)) == []


def test_chunks_reject_partial_frames_and_bad_durations() -> None:
    with pytest.raises(ValueError):
        list(chunks(b"\x00" * 3, 16000))
    with pytest.raises(ValueError):
        list(chunks(b"\x00" * 4, 16000, ms=0))


# -- streaming -----------------------------------------------------------------------------------


class RecordingSession:
    """Stands in for a Live session: remembers each send_realtime_input call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_realtime_input(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_stream_file_sends_16k_mono_chunks_then_stream_end(tmp_path: Path) -> None:
    path = tmp_path / "speech.wav"
    stereo_48k = [s for sample in sine(300, 48000, 0.35) for s in (sample, sample)]
    path.write_bytes(stdlib_wav(stereo_48k, 48000, 2, 2))
    session = RecordingSession()

    sent = stream_file(session, path, realtime=False)

    expected = read_wav(path)
    assert sent == len(expected) == 2 * 5600
    *audio_calls, last = session.calls
    assert last == {"audio_stream_end": True}
    assert all(set(call) == {"audio"} for call in audio_calls)
    assert [len(call["audio"]) for call in audio_calls] == [3200, 3200, 3200, 1600]
    assert b"".join(call["audio"] for call in audio_calls) == expected


def test_stream_file_honours_chunk_ms(tmp_path: Path) -> None:
    path = tmp_path / "speech.wav"
    write_wav(path, bytes(2 * 1600), 16000)
    session = RecordingSession()
    stream_file(session, path, realtime=False, chunk_ms=20)
    assert len(session.calls) == 5 + 1


def test_stream_file_in_real_time_sends_in_order(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    pcm = pcm_of(sine(440, 16000, 0.3))
    write_wav(path, pcm, 16000)
    session = RecordingSession()

    assert stream_file(session, path) == len(pcm)

    assert [list(call) for call in session.calls] == [["audio"]] * 3 + [["audio_stream_end"]]
    assert b"".join(call["audio"] for call in session.calls[:3]) == pcm


def test_stream_file_draws_a_progress_bar_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "speech.wav"
    write_wav(path, bytes(2 * 4000), 16000)
    stream_file(RecordingSession(), path, realtime=False, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\r") == 3
    assert "100%" in captured.err.splitlines()[-1]
    assert captured.err.endswith("\n")


# -- playback buffer -----------------------------------------------------------------------------


@dataclass
class Blob:
    data: bytes | None = None
    mime_type: str | None = None


@dataclass
class Part:
    inline_data: Blob | None = None
    text: str | None = None


@dataclass
class Content:
    parts: list[Part] | None = None


@dataclass
class ServerContent:
    model_turn: Content | None = None
    interrupted: bool | None = None
    turn_complete: bool | None = None


@dataclass
class Message:
    server_content: ServerContent | None = None


def audio_message(*pieces: bytes, mime: str = audio.OUTPUT_MIME) -> Message:
    parts = [Part(inline_data=Blob(piece, mime)) for piece in pieces]
    return Message(ServerContent(model_turn=Content(parts)))


def test_playback_buffer_collects_audio_parts_of_a_turn() -> None:
    buffer = PlaybackBuffer()
    buffer.feed(audio_message(b"ab", b"cd"))
    buffer.feed(audio_message(b"ef"))
    assert buffer.current == b"abcdef"
    assert buffer.turns == []


def test_playback_buffer_ignores_non_audio_parts_and_other_messages() -> None:
    buffer = PlaybackBuffer()
    buffer.feed(Message(None))
    buffer.feed(Message(ServerContent(model_turn=Content([Part(text="hello")]))))
    buffer.feed(Message(ServerContent(model_turn=Content(None))))
    buffer.feed(audio_message(b"\x89PNG", mime="image/png"))
    buffer.feed(Message(ServerContent(model_turn=Content([Part(Blob(b"xx", None))]))))
    buffer.feed(audio_message(b"ok", mime="audio/pcm"))
    assert buffer.current == b"ok"


def test_turn_complete_moves_the_audio_to_turns_and_calls_on_turn() -> None:
    delivered: list[bytes] = []
    buffer = PlaybackBuffer(on_turn=delivered.append)
    buffer.feed(audio_message(b"abcd"))
    buffer.feed(Message(ServerContent(turn_complete=True)))
    buffer.feed(audio_message(b"ef"))
    assert buffer.turns == [b"abcd"]
    assert delivered == [b"abcd"]
    assert buffer.current == b"ef"


def test_audio_and_turn_complete_in_one_message_stay_in_that_turn() -> None:
    buffer = PlaybackBuffer()
    message = audio_message(b"xy")
    assert message.server_content is not None
    message.server_content.turn_complete = True
    buffer.feed(message)
    assert buffer.turns == [b"xy"]
    assert buffer.current == b""


def test_interruption_discards_the_current_turn_and_counts_it() -> None:
    delivered: list[bytes] = []
    buffer = PlaybackBuffer(on_turn=delivered.append)
    buffer.feed(audio_message(b"1234"))
    buffer.feed(audio_message(b"56"))
    buffer.feed(Message(ServerContent(interrupted=True)))
    assert buffer.current == b""
    assert buffer.dropped_bytes == 6

    buffer.feed(Message(ServerContent(turn_complete=True)))
    buffer.feed(audio_message(b"next"))
    buffer.feed(Message(ServerContent(turn_complete=True)))
    assert buffer.turns == [b"", b"next"]
    assert delivered == [b"", b"next"]
    assert buffer.dropped_bytes == 6


def test_playback_buffer_reads_the_library_message_types() -> None:
    types = pytest.importorskip("genai_live.types")
    blob = types.Blob(data=b"pcm!", mime_type=audio.OUTPUT_MIME)
    content = types.Content(parts=[types.Part(inline_data=blob)])
    server_content = types.LiveServerContent(model_turn=content, turn_complete=True)
    buffer = PlaybackBuffer()
    buffer.feed(types.LiveServerMessage(server_content=server_content))
    buffer.feed(types.LiveServerMessage())
    assert buffer.turns == [b"pcm!"]


def test_clear_forgets_everything() -> None:
    buffer = PlaybackBuffer()
    buffer.feed(audio_message(b"ab"))
    buffer.feed(Message(ServerContent(interrupted=True)))
    buffer.feed(audio_message(b"cd"))
    buffer.feed(Message(ServerContent(turn_complete=True)))
    buffer.feed(audio_message(b"ef"))
    buffer.clear()
    assert (buffer.turns, buffer.current, buffer.dropped_bytes) == ([], b"", 0)


# -- notebooks and numpy -------------------------------------------------------------------------


def test_play_returns_an_ipython_audio_holding_the_wav() -> None:
    display = pytest.importorskip("IPython.display")
    pcm = pcm_of(sine(440, 24000, 0.05))
    player = play(pcm)
    assert isinstance(player, display.Audio)
    assert player.autoplay is False
    assert read_wav(io.BytesIO(player.data), rate=24000) == pcm
    with wave.open(io.BytesIO(player.data)) as reader:
        assert (reader.getframerate(), reader.getnchannels()) == (24000, 1)


def test_play_keeps_the_given_rate_and_channels() -> None:
    pytest.importorskip("IPython.display")
    pcm = pcm_of([1, 2, 3, 4])
    with wave.open(io.BytesIO(play(pcm, rate=48000, channels=2).data)) as reader:
        assert (reader.getframerate(), reader.getnchannels()) == (48000, 2)


def test_play_without_ipython_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "IPython", None)
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    with pytest.raises(ImportError, match="pip install ipython"):
        play(b"")


def test_numpy_round_trip_keeps_samples() -> None:
    np = pytest.importorskip("numpy")
    pcm = pcm_of([-32768, -1, 0, 1, 32767, 5])
    mono = to_numpy(pcm)
    assert mono.dtype == np.int16
    assert mono.tolist() == [-32768, -1, 0, 1, 32767, 5]
    stereo = to_numpy(pcm, channels=2)
    assert stereo.shape == (3, 2)
    assert stereo[:, 1].tolist() == [-1, 1, 5]
    assert from_numpy(mono) == pcm
    assert from_numpy(stereo) == pcm


def test_to_numpy_returns_a_writable_copy() -> None:
    pytest.importorskip("numpy")
    samples = to_numpy(pcm_of([1, 2]))
    samples[0] = 9
    assert samples.tolist() == [9, 2]


def test_from_numpy_scales_and_clips_floats() -> None:
    np = pytest.importorskip("numpy")
    values = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -7.0], dtype=np.float32)
    assert samples_of(from_numpy(values)) == [0, 16384, -16384, 32767, -32767, 32767, -32767]


def test_from_numpy_rejects_ambiguous_integer_arrays() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="int16 or float"):
        from_numpy(np.array([1, 2, 3], dtype=np.int64))


def test_numpy_conversions_without_numpy_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match="pip install numpy"):
        to_numpy(b"")
    with pytest.raises(ImportError, match="pip install numpy"):
        from_numpy(array.array("h"))


class _FakeStream:
    """Stands in for sounddevice's raw streams (no audio hardware here)."""

    def __init__(self, **options: object) -> None:
        self.options = options
        self.calls: list[str] = []
        self.written: list[bytes] = []

    def __enter__(self) -> _FakeStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("exit")

    def read(self, frames: int) -> tuple[bytes, bool]:
        return bytes(2 * frames), False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def start(self) -> None:
        self.calls.append("start")

    def abort(self) -> None:
        self.calls.append("abort")

    def close(self) -> None:
        self.calls.append("close")


def test_microphone_and_speaker_use_sounddevice(monkeypatch: pytest.MonkeyPatch) -> None:
    import types as pytypes

    streams: list[_FakeStream] = []

    def make(**options: object) -> _FakeStream:
        streams.append(_FakeStream(**options))
        return streams[-1]

    fake = pytypes.SimpleNamespace(RawInputStream=make, RawOutputStream=make)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    mic = audio.microphone(rate=16000, ms=20)
    assert next(mic) == bytes(640) and next(mic) == bytes(640)
    assert streams[0].options == {
        "samplerate": 16000,
        "channels": 1,
        "dtype": "int16",
        "blocksize": 320,
    }
    with audio.speaker(rate=24000) as out:
        out.write(b"\x01\x00")
        out.stop()
    assert streams[1].written == [b"\x01\x00"]
    assert streams[1].calls == ["start", "abort", "start", "close"]


def test_microphone_without_sounddevice_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(ImportError, match="pip install sounddevice"):
        next(audio.microphone())
    with pytest.raises(ImportError, match="pip install sounddevice"):
        audio.speaker()
