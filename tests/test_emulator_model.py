"""The emulator's fake model: synthetic voice, voice activity detection, image sizes, replies."""

from __future__ import annotations

import array
import math
import random
import struct
import zlib
from collections.abc import Callable, Iterable
from operator import mul

import pytest

from genai_live.testing._model.brain import (
    ToolChoice,
    choose_tool,
    count_tokens,
    reply_text,
    split_chunks,
    tool_result_text,
)
from genai_live.testing._model.images import image_size
from genai_live.testing._model.vad import VadEvent, VoiceActivityDetector
from genai_live.testing._model.voice import ALPHABET, recognize, speakable_text, synthesize

# -- Test audio ----------------------------------------------------------------------------------


def samples_of(pcm: bytes) -> array.array[int]:
    samples = array.array("h")
    samples.frombytes(pcm)
    return samples


def pcm_of(values: Iterable[float]) -> bytes:
    return array.array("h", (max(-32768, min(32767, round(v))) for v in values)).tobytes()


def rms(samples: array.array[int]) -> float:
    return math.sqrt(sum(x * x for x in samples) / len(samples))


def dbfs(level: float) -> float:
    return 32768 * 10 ** (level / 20)


def tone(ms: int, level_dbfs: float = -20.0, rate: int = 16000, hz: float = 440.0) -> bytes:
    amplitude = dbfs(level_dbfs) * math.sqrt(2)  # a sine's peak is √2 × its RMS
    count = rate * ms // 1000
    return pcm_of(amplitude * math.sin(2 * math.pi * hz * n / rate) for n in range(count))


def silence(ms: int, rate: int = 16000) -> bytes:
    return bytes(2 * (rate * ms // 1000))


def with_noise(pcm: bytes, level_dbfs: float, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    sigma = dbfs(level_dbfs)
    return pcm_of(x + rng.gauss(0.0, sigma) for x in samples_of(pcm))


def resample(pcm: bytes, from_rate: int, to_rate: int, half_width: int = 16) -> bytes:
    """A band-limited (Hann-windowed sinc) polyphase resampler, independent of the library's."""
    divisor = math.gcd(from_rate, to_rate)
    up, down = to_rate // divisor, from_rate // divisor
    cutoff = min(1.0, to_rate / from_rate)  # as a fraction of the input's Nyquist frequency

    def tap(distance: float) -> float:
        if abs(distance) >= half_width:
            return 0.0
        window = 0.5 + 0.5 * math.cos(math.pi * distance / half_width)
        argument = math.pi * cutoff * distance
        sinc = 1.0 if argument == 0 else math.sin(argument) / argument
        return cutoff * sinc * window

    # Output sample j sits at input position j*down/up; its phase decides the filter taps.
    phases = [
        [tap(k - phase / up) for k in range(-half_width + 1, half_width + 1)] for phase in range(up)
    ]
    source = [0.0] * half_width + list(samples_of(pcm)) + [0.0] * (half_width + 1)
    output = []
    for j in range(len(source[2 * half_width + 1 :]) * up // down):
        base, phase = divmod(j * down, up)
        window = source[base + 1 : base + 2 * half_width + 1]
        output.append(sum(map(mul, window, phases[phase])))
    return pcm_of(output)


# -- Voice ---------------------------------------------------------------------------------------

SENTENCES = [
    "Hello there, how are you today?",
    "The weather in Paris is 22 degrees and sunny!",
    "I see a 64x48 image. Isn't it lovely?",
    "Zebras quickly jump over 7 foxes, 1 by 1.",
]


def test_synthesize_takes_a_quarter_to_half_a_second_per_word() -> None:
    text = "please tell me what the weather will be like in the city tomorrow"
    seconds = len(synthesize(text, 24000)) / 2 / 24000
    assert 0.25 <= seconds / len(text.split()) <= 0.5


def test_synthesized_voice_is_loud_but_not_clipped() -> None:
    samples = samples_of(synthesize("a loud and clear voice", 24000))
    assert rms(samples) > dbfs(-24)  # far above any VAD threshold
    assert max(abs(x) for x in samples) < 0.9 * 32767


def test_synthesized_voice_is_a_periodic_buzz_not_noise() -> None:
    rate = 24000
    samples = samples_of(synthesize("voiced", rate))
    period = rate // 100  # the 100 Hz pitch
    middle = samples[rate // 10 : rate // 5]
    shifted = samples[rate // 10 + period : rate // 5 + period]
    correlation = sum(map(mul, middle, shifted))
    assert correlation / math.sqrt(sum(x * x for x in middle) * sum(x * x for x in shifted)) > 0.8
    noise = samples_of(with_noise(silence(200, rate), -20))
    noise_correlation = sum(map(mul, noise[:-period], noise[period:]))
    assert abs(noise_correlation / sum(x * x for x in noise)) < 0.2


def test_words_are_separated_by_silence() -> None:
    rate = 24000
    samples = samples_of(synthesize("one two", rate))
    longest = run = 0
    for value in samples:
        run = run + 1 if value == 0 else 0
        longest = max(longest, run)
    assert 0.08 * rate <= longest < 0.1 * rate


@pytest.mark.parametrize("text", SENTENCES)
def test_recognize_reads_back_synthesized_text(text: str) -> None:
    assert recognize(synthesize(text, 24000), 24000) == speakable_text(text)


def test_every_character_of_the_alphabet_round_trips() -> None:
    text = " ".join(ALPHABET[i : i + 7] for i in range(0, len(ALPHABET), 7))
    assert recognize(synthesize(text, 16000), 16000) == text


def test_recognize_lowercases_strips_accents_and_drops_other_characters() -> None:
    text = "  ¿Qué  TAL?\tMeet me @ 5pm — don’t be late;\nOK"
    expected = "que tal? meet me 5pm don't be late ok"
    assert speakable_text(text) == expected
    assert recognize(synthesize(text, 24000), 24000) == expected


@pytest.mark.parametrize(("from_rate", "to_rate"), [(24000, 16000), (24000, 48000), (16000, 24000)])
def test_recognition_survives_resampling(from_rate: int, to_rate: int) -> None:
    text = SENTENCES[1]
    pcm = resample(synthesize(text, from_rate), from_rate, to_rate)
    assert recognize(pcm, to_rate) == speakable_text(text)


def test_recognition_survives_resampling_and_low_noise() -> None:
    text = SENTENCES[2]
    pcm = with_noise(resample(synthesize(text, 24000), 24000, 16000), -40)
    assert recognize(pcm, 16000) == speakable_text(text)


def test_recognition_survives_the_library_resampler() -> None:
    audio = pytest.importorskip("genai_live.audio")
    text = SENTENCES[3]
    pcm = audio.resample(synthesize(text, 24000), 24000, 16000)
    assert recognize(with_noise(pcm, -40), 16000) == speakable_text(text)


def test_recognition_works_for_quiet_speech_and_leading_silence() -> None:
    text = "whisper this"
    quiet = pcm_of(x * 0.05 for x in samples_of(synthesize(text, 24000)))
    assert recognize(silence(300, 24000) + quiet + silence(100, 24000), 24000) == text


@pytest.mark.parametrize(
    "make_audio",
    [
        pytest.param(lambda: b"", id="empty"),
        pytest.param(lambda: b"\x01", id="half a sample"),
        pytest.param(lambda: silence(1000, 24000), id="silence"),
        pytest.param(lambda: with_noise(silence(1000, 24000), -40), id="low noise"),
        pytest.param(lambda: with_noise(silence(1000, 24000), -10), id="loud noise"),
        pytest.param(lambda: tone(1000, -10, 24000, 440), id="sine 440 Hz"),
        pytest.param(lambda: tone(1000, -10, 24000, 800), id="sine on a voice harmonic"),
        pytest.param(
            lambda: pcm_of(8000 if (n // 120) % 2 else -8000 for n in range(24000)),
            id="100 Hz square wave",
        ),
        pytest.param(
            lambda: b"".join(
                with_noise(silence(300, 24000), -15, s) + silence(80, 24000) for s in range(4)
            ),
            id="word-like noise bursts",
        ),
    ],
)
def test_other_audio_recognises_as_nothing(make_audio: Callable[[], bytes]) -> None:
    assert recognize(make_audio(), 24000) == ""


def test_recording_cut_mid_word_loses_letters_but_never_invents_them() -> None:
    rate = 16000
    pcm = synthesize("hello world", rate)
    for cut_ms in range(0, 320, 5):
        start = cut_ms * rate // 1000 * 2
        words = recognize(pcm[start:], rate).split()
        assert words[-1:] == ["world"], cut_ms
        assert len(words) == 1 or "hello".endswith(words[0]), cut_ms


def test_empty_text_synthesizes_no_audio() -> None:
    assert synthesize("", 24000) == b""
    assert synthesize("¿¡ — !?", 24000) != b""  # punctuation alone is still said
    assert synthesize("@#$ —", 24000) == b""


def test_rates_too_low_for_the_voice() -> None:
    with pytest.raises(ValueError, match="rate"):
        synthesize("hi", 2000)
    assert recognize(synthesize("hi", 8000), 3999) == ""


# -- Voice activity detection --------------------------------------------------------------------


def events_of(detector: VoiceActivityDetector, pcm: bytes, chunk: int) -> list[VadEvent]:
    events: list[VadEvent] = []
    for begin in range(0, len(pcm), chunk):
        events += detector.feed(pcm[begin : begin + chunk])
    return events + detector.flush()


def kinds_and_offsets(events: list[VadEvent]) -> list[tuple[str, float]]:
    return [(event.kind, round(event.offset, 3)) for event in events]


def test_tone_between_silences_starts_and_ends_speech() -> None:
    pcm = silence(200) + tone(500) + silence(800)
    events = events_of(VoiceActivityDetector(), pcm, len(pcm))
    assert kinds_and_offsets(events) == [("start", 0.2), ("end", 0.7)]


@pytest.mark.parametrize("chunk", [1, 3, 320, 317, 1001, 10**6])
def test_events_do_not_depend_on_chunking(chunk: int) -> None:
    pcm = silence(105) + tone(333) + silence(250) + tone(47) + silence(600) + tone(95) + b"\x00"
    expected = events_of(VoiceActivityDetector(silence_duration_ms=300), pcm, len(pcm))
    assert kinds_and_offsets(expected) == [
        ("start", 0.1),
        ("end", 0.74),
        ("start", 1.33),
        ("end", 1.43),
    ]
    assert events_of(VoiceActivityDetector(silence_duration_ms=300), pcm, chunk) == expected


def test_speech_must_last_the_prefix_padding_to_start() -> None:
    blip = silence(100) + tone(10) + silence(700)
    assert events_of(VoiceActivityDetector(prefix_padding_ms=20), blip, 320) == []
    events = events_of(VoiceActivityDetector(prefix_padding_ms=0), blip, 320)
    assert kinds_and_offsets(events) == [("start", 0.1), ("end", 0.11)]
    longer = silence(100) + tone(150) + silence(10)
    detector = VoiceActivityDetector(prefix_padding_ms=120)
    assert detector.feed(longer[: 2 * 16 * 210]) == []  # 110 ms of tone so far
    assert kinds_and_offsets(detector.feed(longer[2 * 16 * 210 :])) == [("start", 0.1)]


def test_pause_shorter_than_silence_duration_keeps_speech_going() -> None:
    pcm = tone(300) + silence(300) + tone(300) + silence(600)
    events = events_of(VoiceActivityDetector(silence_duration_ms=500), pcm, 640)
    assert kinds_and_offsets(events) == [("start", 0.0), ("end", 0.9)]


def test_end_is_reported_once_the_silence_has_lasted_long_enough() -> None:
    detector = VoiceActivityDetector(silence_duration_ms=300)
    assert kinds_and_offsets(detector.feed(tone(200))) == [("start", 0.0)]
    assert detector.in_speech
    assert detector.feed(silence(290)) == []
    assert detector.in_speech
    assert kinds_and_offsets(detector.feed(silence(10))) == [("end", 0.2)]
    assert not detector.in_speech


def test_low_start_sensitivity_ignores_quieter_speech() -> None:
    pcm = silence(100) + tone(400, level_dbfs=-31) + silence(600)
    high = events_of(VoiceActivityDetector(start_sensitivity="START_SENSITIVITY_HIGH"), pcm, 999)
    low = events_of(VoiceActivityDetector(start_sensitivity="START_SENSITIVITY_LOW"), pcm, 999)
    assert [e.kind for e in high] == ["start", "end"]
    assert low == []


def test_low_end_sensitivity_needs_deeper_silence_to_end() -> None:
    pcm = tone(300) + tone(1000, level_dbfs=-44)  # a murmur after the speech
    high = VoiceActivityDetector(end_sensitivity="END_SENSITIVITY_HIGH")
    low = VoiceActivityDetector(end_sensitivity="END_SENSITIVITY_LOW")
    assert kinds_and_offsets(high.feed(pcm)) == [("start", 0.0), ("end", 0.3)]
    assert kinds_and_offsets(low.feed(pcm)) == [("start", 0.0)]
    assert kinds_and_offsets(low.flush()) == [("end", 1.3)]


@pytest.mark.parametrize("start", [None, "START_SENSITIVITY_UNSPECIFIED", "start_sensitivity_high"])
@pytest.mark.parametrize("end", [None, "END_SENSITIVITY_UNSPECIFIED"])
def test_unspecified_sensitivities_mean_high(start: str | None, end: str | None) -> None:
    pcm = tone(300, level_dbfs=-31) + tone(700, level_dbfs=-44)
    detector = VoiceActivityDetector(start_sensitivity=start, end_sensitivity=end)
    assert kinds_and_offsets(events_of(detector, pcm, 500)) == [("start", 0.0), ("end", 0.3)]


def test_none_durations_mean_the_defaults() -> None:
    pcm = silence(50) + tone(10) + silence(490) + tone(100) + silence(510)
    unset = VoiceActivityDetector(prefix_padding_ms=None, silence_duration_ms=None)
    assert events_of(unset, pcm, 640) == events_of(VoiceActivityDetector(), pcm, 640)
    assert kinds_and_offsets(events_of(VoiceActivityDetector(), pcm, 640)) == [
        ("start", 0.55),
        ("end", 0.65),
    ]


def test_flush_ends_open_speech_where_the_silence_began() -> None:
    detector = VoiceActivityDetector()
    detector.feed(tone(200) + silence(100))
    assert kinds_and_offsets(detector.flush()) == [("end", 0.2)]
    assert not detector.in_speech
    detector.feed(tone(100) + b"\x10\x27" * 40)  # the stream goes on, then ends mid-frame loud
    (end,) = detector.flush()
    assert end.kind == "end" and end.offset == pytest.approx(0.4025)
    assert detector.flush() == []


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="sensitivity"):
        VoiceActivityDetector(start_sensitivity="END_SENSITIVITY_HIGH")
    with pytest.raises(ValueError, match="sensitivity"):
        VoiceActivityDetector(end_sensitivity="LOUD")
    with pytest.raises(ValueError, match="negative"):
        VoiceActivityDetector(silence_duration_ms=-1)


def test_synthesized_speech_is_one_utterance_despite_gaps_between_words() -> None:
    rate = 16000
    speech = synthesize("Hello there, how are you? Fine.", rate)
    pcm = silence(300, rate) + speech + silence(700, rate)
    events = events_of(VoiceActivityDetector(rate=rate), pcm, 3200)
    assert [e.kind for e in events] == ["start", "end"]
    assert events[0].offset == pytest.approx(0.3, abs=0.02)
    assert events[1].offset == pytest.approx(0.3 + len(speech) / 2 / rate, abs=0.02)


def test_synthesized_words_are_separate_utterances_with_a_short_silence_duration() -> None:
    rate = 24000
    events = events_of(
        VoiceActivityDetector(rate=rate, silence_duration_ms=50),
        synthesize("one two three", rate),
        4800,
    )
    assert [e.kind for e in events] == ["start", "end"] * 3


# -- Image sizes ---------------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = b"".join(b"\x00" + bytes(3 * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width: int, height: int, frame_marker: int = 0xC0, fill: bytes = b"") -> bytes:
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif = b"Exif\x00\x00" + b"\xff\xc0\x00\x11\x08\x00\x01\x00\x01"  # a decoy frame header
    quantisation = b"\x00" + bytes(range(1, 65))
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    huffman = b"\x00" + b"\x01" + bytes(15) + b"\x00"
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + segment(0xE0, jfif)
        + segment(0xE1, exif)
        + segment(0xDB, quantisation)
        + segment(0xC4, huffman)  # DHT sits in the C0–CF range but is no frame header
        + fill
        + segment(frame_marker, frame)
        + segment(0xDA, scan)
        + b"\x12\x34\xff\x00\x56"
        + b"\xff\xd9"
    )


@pytest.mark.parametrize(("width", "height"), [(3, 2), (64, 48), (1920, 1080)])
def test_png_size_comes_from_the_header(width: int, height: int) -> None:
    assert image_size(png(width, height)) == (width, height)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (64, 48), (4032, 3024)])
def test_baseline_jpeg_size_comes_from_the_frame_header(width: int, height: int) -> None:
    assert image_size(jpeg(width, height)) == (width, height)


def test_progressive_jpeg_with_fill_bytes_and_restart_markers() -> None:
    data = jpeg(640, 480, frame_marker=0xC2, fill=b"\xff\xff\xff\xd0")
    assert image_size(data) == (640, 480)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"GIF89a\x40\x00\x30\x00", id="gif"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", id="png cut short"),
        pytest.param(png(4, 4).replace(b"IHDR", b"IHDX"), id="png without IHDR"),
        pytest.param(png(0, 4), id="png zero width"),
        pytest.param(b"\xff\xd8", id="jpeg start only"),
        pytest.param(b"\xff\xd8\x00\x01\x02", id="jpeg garbage after start"),
        pytest.param(
            b"\xff\xd8" + segment(0xDA, b"\x00") + b"\xff\xd9", id="jpeg scan before frame"
        ),
        pytest.param(b"\xff\xd8" + segment(0xE0, b"JFIF") + b"\xff\xd9", id="jpeg no frame"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x01", id="jpeg impossible length"),
        pytest.param(jpeg(64, 0), id="jpeg zero height"),
    ],
)
def test_unknown_or_corrupt_images_have_no_size(data: bytes) -> None:
    assert image_size(data) is None


def test_truncated_and_mangled_images_never_raise() -> None:
    rng = random.Random(3)
    for original in (png(5, 7), jpeg(5, 7), jpeg(5, 7, 0xC2)):
        for cut in range(len(original)):
            assert image_size(original[:cut]) in (None, (5, 7))
        for _ in range(200):
            mangled = bytearray(original)
            mangled[rng.randrange(2, len(mangled))] = rng.randrange(256)
            size = image_size(bytes(mangled))
            assert size is None or (isinstance(size, tuple) and min(size) > 0)


# -- Tool choice ---------------------------------------------------------------------------------

WEATHER = {
    "name": "getWeather",
    "description": "Get the current weather for a city",
    "parameters": {
        "type": "OBJECT",
        "properties": {"location": {"type": "STRING"}},
        "required": ["location"],
    },
}


def declaration(
    name: str, description: str = "", required: tuple[str, ...] = (), **properties: object
) -> dict[str, object]:
    schema = {"type": "OBJECT", "properties": properties, "required": list(required)}
    return {"name": name, "description": description, "parameters": schema}


def chosen(text: str, *tools: dict[str, object]) -> ToolChoice:
    choice = choose_tool(text, tools)
    assert choice is not None, "no tool chosen"
    return choice


def test_description_word_calls_the_tool_with_the_place_after_in() -> None:
    assert choose_tool("What's the weather like in Paris today?", [WEATHER]) == ToolChoice(
        name="getWeather", args={"location": "Paris"}
    )


def test_unrelated_text_calls_no_tool() -> None:
    assert choose_tool("Tell me a joke about cats.", [WEATHER]) is None
    assert choose_tool("anything", []) is None


def test_description_words_shorter_than_four_letters_do_not_count() -> None:
    assert choose_tool("Get the car for me", [WEATHER]) is None  # "get", "the", "for"
    assert choose_tool("Which CITY?", [WEATHER]) is not None  # "city": four letters, any case


def test_function_name_calls_the_tool() -> None:
    tool = declaration("get_time", "Reports the clock")
    assert choose_tool("please run GET_TIME now", [tool]) == ToolChoice(name="get_time", args={})
    assert choose_tool("please run get_timer", [tool]) is None  # whole words only


def test_parameter_name_calls_the_tool() -> None:
    tool = declaration("set_level", "Adjust loudness", volume={"type": "INTEGER"})
    assert choose_tool("Volume up to 7 please", [tool]) == ToolChoice(
        name="set_level", args={"volume": 7}
    )


def test_name_match_beats_description_match_then_declaration_order() -> None:
    weather_words = declaration("forecast", "weather outlook")
    by_name = declaration("weather", "something else")
    assert chosen("weather please", weather_words, by_name).name == "weather"
    twin = declaration("outlook", "weather outlook")
    assert chosen("the weather", weather_words, twin).name == "forecast"


def test_string_argument_takes_the_capitalised_word_after_for_or_at() -> None:
    tool = declaration("book", "Book a table", place={"type": "STRING"})
    assert chosen("book a table for Alice at Noma", tool).args == {"place": "Alice"}
    assert chosen("book a table at Noma in the city", tool).args == {"place": "Noma"}


def test_string_argument_falls_back_to_the_last_capitalised_word() -> None:
    tool = declaration("book", "Book a table", place={"type": "STRING"})
    assert chosen("book in the city near Tokyo or Osaka", tool).args == {"place": "Osaka"}


def test_string_argument_not_found_is_omitted_unless_required() -> None:
    assert choose_tool("weather in the city", [WEATHER]) == ToolChoice(
        name="getWeather", args={"location": ""}
    )
    optional = declaration("book", "Book a table", place={"type": "STRING"})
    assert choose_tool("book a table", [optional]) == ToolChoice(name="book", args={})


def test_number_arguments_take_the_first_number() -> None:
    tool = declaration(
        "timer",
        "Start a timer",
        minutes={"type": "INTEGER"},
        scale={"type": "NUMBER"},
    )
    assert chosen("timer for 12.75 then 3", tool).args == {"minutes": 12, "scale": 12.75}
    assert chosen("timer for -4 minutes", tool).args == {"minutes": -4, "scale": -4}


def test_missing_number_is_zero_when_required_else_omitted() -> None:
    tool = declaration(
        "timer", "", ("minutes",), minutes={"type": "integer"}, seconds={"type": "integer"}
    )
    assert chosen("start the timer", tool).args == {"minutes": 0}


def test_boolean_is_true_when_its_name_appears() -> None:
    tool = declaration(
        "lights", "", ("blink",), dimmed={"type": "BOOLEAN"}, blink={"type": "BOOLEAN"}
    )
    assert chosen("turn the lights on, dimmed", tool).args == {"dimmed": True, "blink": False}


def test_enum_takes_the_value_that_appears_first_in_the_text() -> None:
    unit = {"type": "STRING", "enum": ["CELSIUS", "FAHRENHEIT", "KELVIN"]}
    tool = declaration("temperature", "", unit=unit)
    text = "temperature in kelvin, or Fahrenheit"
    assert chosen(text, tool).args == {"unit": "KELVIN"}
    assert chosen("temperature now", tool).args == {}
    required = declaration("temperature", "", ("unit",), unit=unit)
    assert chosen("temperature now", required).args == {"unit": "CELSIUS"}


def test_json_schema_parameters_with_lower_case_and_nullable_types() -> None:
    tool = {
        "name": "find_hotel",
        "description": "Find hotels",
        "parametersJsonSchema": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "nights": {"type": ["integer", "null"]},
                "budget": {"anyOf": [{"type": "number"}, {"type": "null"}]},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["city", "tags"],
        },
    }
    assert choose_tool("hotels in Rome for 3 nights", [tool]) == ToolChoice(
        name="find_hotel", args={"city": "Rome", "nights": 3, "budget": 3, "tags": []}
    )


# -- Replies -------------------------------------------------------------------------------------


def plain_reply(
    text: str,
    *,
    system_instruction: str | None = None,
    history_turns: int = 0,
    image: tuple[int, int] | None = None,
) -> str:
    return reply_text(
        text, system_instruction=system_instruction, history_turns=history_turns, image=image
    )


def test_reply_echoes_the_question_in_several_sentences() -> None:
    reply = plain_reply("What is the capital of France?")
    assert "What is the capital of France" in reply
    assert "capital" in reply and "France" in reply
    assert reply.count(".") >= 3
    assert reply == plain_reply("What is the capital of France?")
    assert reply != plain_reply("How tall is Mount Everest?")


def test_reply_names_the_image_size() -> None:
    assert "I see a 64x48 image." in plain_reply("what is this?", image=(64, 48))
    assert "I see a 640x480 image." in plain_reply("", image=(640, 480))
    assert "image" not in plain_reply("what is this?")


def test_reply_counts_the_turns_of_the_conversation() -> None:
    assert "turn 3" in plain_reply("and now?", history_turns=2)
    assert plain_reply("hi", history_turns=0) != plain_reply("hi", history_turns=1)


def test_reply_without_words_still_says_something() -> None:
    assert plain_reply("   ").strip()


def test_translation_instruction_gives_a_crude_spanish_reply() -> None:
    instruction = "You are a translator. Translate everything the user says to Spanish."
    assert plain_reply("Hello my friend!", system_instruction=instruction) == "[es] Hola mi amigo!"
    assert plain_reply("good morning", system_instruction="translate into French").startswith(
        "[fr]"
    )
    assert not plain_reply("hello", system_instruction="You are terse.").startswith("[")


def test_tool_result_text_quotes_the_response_values() -> None:
    response = {"temperature": 22, "condition": "sunny"}
    assert (
        tool_result_text("getWeather", response)
        == "getWeather says temperature 22, condition sunny."
    )
    nested = {"result": {"ok": True, "items": ["a", "b"], "note": None}}
    assert tool_result_text("f", nested) == "f says result ok true, items a and b, note none."
    assert tool_result_text("f", {}) == "f says nothing."
    assert tool_result_text("f", {"result": "Done."}) == "f says result Done."


@pytest.mark.parametrize(
    "text",
    [
        "one two three four",
        "  leading and trailing spaces  ",
        "a\nmulti-line\n\nreply with tabs\t!",
    ],
)
def test_split_chunks_rejoins_exactly(text: str) -> None:
    chunks = split_chunks(text)
    assert "".join(chunks) == text
    assert len(chunks) >= 2
    assert all(chunk.strip() for chunk in chunks)


def test_split_chunks_of_a_long_reply_and_explicit_counts() -> None:
    reply = plain_reply("Tell me everything about the weather in Paris", history_turns=4)
    assert len(split_chunks(reply)) >= 3
    assert len(split_chunks(reply, 4)) == 4
    assert split_chunks("two words", 10) == ["two ", "words"]
    assert split_chunks("short reply") == ["short reply"]
    assert split_chunks("") == []


def test_count_tokens_is_about_four_thirds_of_the_words() -> None:
    assert count_tokens("") == 0
    assert count_tokens("hi") == 1
    assert count_tokens("one two three") == 4
    assert count_tokens("one two three four five six") == 8
    assert count_tokens("   ") == 1
