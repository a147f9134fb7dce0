"""The wire codec: dual-case keys, base64, leniency for peers, strictness for callers."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import attrs
import pytest

from genai_live import DecodeError, codec
from genai_live import types as t


def test_server_message_accepts_camel_and_snake_keys_at_every_level() -> None:
    frame = json.dumps(
        {
            "server_content": {
                "modelTurn": {
                    "parts": [{"inline_data": {"mime_type": "audio/pcm", "data": "AAEC"}}]
                },
                "turn_complete": True,
            }
        }
    )
    message = codec.decode_server_message(frame)
    assert message.server_content is not None
    assert message.server_content.turn_complete is True
    assert message.data == b"\x00\x01\x02"


@pytest.mark.parametrize("encoded", ["-_8=", "+/8=", "-_8", "+/8"])
def test_bytes_accept_standard_and_urlsafe_base64_with_or_without_padding(encoded: str) -> None:
    blob = codec.from_wire({"data": encoded}, t.Blob)
    assert blob.data == b"\xfb\xff"


_BASE64_CASES = [
    "",
    "AA==",
    "AAE=",
    "AAEC",
    "+/8=",
    "-_8=",
    "+/8",
    "-_8",
    "AAEC\n",
    "AA=A",
    "A===",
    "AAE",
    "!!!!",
    "+/-_",
    "é=AA",
]


@pytest.mark.parametrize("encoded", _BASE64_CASES)
def test_standard_base64_fast_paths_agree_with_the_stdlib(encoded: str) -> None:
    """The pybase64 path (when installed) and the stdlib path accept and reject the same input."""
    try:
        expected: bytes | None = base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        expected = None
    assert codec._standard_base64(encoded) == expected
    assert codec._standard_base64_stdlib(encoded) == expected


@pytest.mark.parametrize("size", [0, 1, 2, 3, 3200, 3840])
def test_base64_encoders_agree_with_the_stdlib(size: int) -> None:
    raw = os.urandom(size)
    assert codec.encode_base64(raw) == base64.b64encode(raw).decode()
    assert codec._encode_base64_stdlib(raw) == base64.b64encode(raw).decode()
    assert codec.decode_base64(codec.encode_base64(raw)) == raw


def test_bytes_are_written_as_standard_base64() -> None:
    assert codec.to_wire(t.Blob(data=b"\xfb\xff", mime_type="x/y")) == {
        "data": "+/8=",
        "mimeType": "x/y",
    }


def test_null_means_absent_and_none_fields_are_omitted() -> None:
    message = codec.decode_server_message(
        '{"serverContent": {"turnComplete": null}, "goAway": null}'
    )
    assert message.server_content == t.LiveServerContent()
    assert message.go_away is None
    assert codec.to_wire(message) == {"serverContent": {}}


def test_unknown_fields_are_ignored_and_unknown_kinds_kept_in_extra() -> None:
    message = codec.decode_server_message(
        '{"newThing": {"a": 1}, "goAway": {"timeLeft": "10s", "newField": 3}}'
    )
    assert message.go_away == t.LiveServerGoAway(time_left=10.0)
    assert message.extra == {"newThing": {"a": 1}}


def test_message_of_only_unknown_kind_is_delivered_with_its_raw_json() -> None:
    message = codec.decode_server_message(b'{"warning": {"text": "slow down"}}')
    assert message.extra == {"warning": {"text": "slow down"}}
    assert message.server_content is None


def test_unknown_enum_values_stay_strings_known_ones_become_enums() -> None:
    message = codec.decode_server_message(
        '{"serverContent": {"turnCompleteReason": "SOMETHING_NEW", "interactionStatus": "IDLE"}}'
    )
    assert message.server_content is not None
    assert message.server_content.turn_complete_reason == "SOMETHING_NEW"
    assert message.server_content.interaction_status is t.InteractionStatus.IDLE


def test_int64_strings_bools_as_strings_and_durations() -> None:
    message = codec.decode_server_message(
        '{"sessionResumptionUpdate": {"newHandle": "h", "resumable": "true",'
        ' "lastConsumedClientMessageIndex": "123456789"}}'
    )
    update = message.session_resumption_update
    assert update == t.LiveServerSessionResumptionUpdate(
        new_handle="h", resumable=True, last_consumed_client_message_index=123456789
    )
    assert codec.parse_duration("1.5s") == 1.5
    assert codec.format_duration(50.0) == "50s"


def test_vertex_usage_names_map_to_ours() -> None:
    message = codec.decode_server_message(
        '{"usageMetadata": {"candidatesTokenCount": 5, '
        '"candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 5}]}}'
    )
    usage = message.usage_metadata
    assert usage is not None and usage.response_token_count == 5
    assert usage.response_tokens_details == [t.ModalityTokenCount(modality="AUDIO", token_count=5)]


def test_voice_activity_wire_type_field() -> None:
    message = codec.decode_server_message(
        '{"voiceActivity": {"type": "ACTIVITY_START", "audioOffset": "1.520s"}}'
    )
    assert message.voice_activity == t.VoiceActivity(
        voice_activity_type=t.VoiceActivityType.ACTIVITY_START, audio_offset=1.52
    )
    assert codec.to_wire(message) == {
        "voiceActivity": {"type": "ACTIVITY_START", "audioOffset": "1.52s"}
    }


@pytest.mark.parametrize(
    "frame",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b'{"serverContent": {"turnComplete": [1]}}',
        b'{"serverContent": {"modelTurn": {"parts": {"text": 1}}}}',
        b"\xff\xfe",
    ],
)
def test_bad_frames_raise_decode_error(frame: bytes) -> None:
    with pytest.raises(DecodeError):
        codec.decode_server_message(frame)


def test_empty_frame_is_an_empty_message() -> None:
    assert codec.decode_server_message(b"") == t.LiveServerMessage()


def test_text_and_data_accessors() -> None:
    message = codec.decode_server_message(
        json.dumps(
            {
                "serverContent": {
                    "modelTurn": {
                        "parts": [
                            {"text": "thinking", "thought": True},
                            {"text": "Hello"},
                            {"text": " world"},
                            {"inlineData": {"data": "AAE=", "mimeType": "audio/pcm"}},
                        ]
                    }
                }
            }
        )
    )
    assert message.text == "Hello world"
    assert message.data == b"\x00\x01"
    assert t.LiveServerMessage().text is None


def test_user_input_rejects_unknown_fields_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match="did you mean 'responseModalities'"):
        codec.from_user({"responseModalitis": ["TEXT"]}, t.LiveConnectConfig)


def test_user_input_type_errors_name_the_field() -> None:
    with pytest.raises(TypeError, match=r"LiveConnectConfig\.temperature"):
        codec.from_user({"temperature": "hot"}, t.LiveConnectConfig)


def test_enums_accept_any_case_from_users() -> None:
    cfg = codec.from_user({"mediaResolution": "media_resolution_low"}, t.LiveConnectConfig)
    assert cfg.media_resolution is t.MediaResolution.MEDIA_RESOLUTION_LOW


def test_recursive_schema_round_trips_and_keeps_property_names() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "city_name": {"type": "STRING"},
            "days": {"type": "ARRAY", "items": {"type": "INTEGER"}},
        },
        "required": ["city_name"],
    }
    parsed = codec.from_user(schema, t.Schema)
    assert codec.to_wire(parsed) == schema


def test_integral_floats_are_written_as_integers() -> None:
    assert codec.to_wire(t.GenerationConfig(temperature=1.0, top_p=0.5)) == {
        "temperature": 1,
        "topP": 0.5,
    }


def test_seed_preset_voice_spelling_becomes_prebuilt_voice() -> None:
    voice = codec.from_user({"presetVoice": "Kore"}, t.VoiceConfig)
    assert codec.to_wire(voice) == {"prebuiltVoiceConfig": {"voiceName": "Kore"}}


def test_music_message_decoding() -> None:
    message = codec.decode_music_message(
        '{"serverContent": {"audioChunks": [{"data": "Z2VsYmFuYW5h", "mimeType": '
        '"audio/l16;rate=48000;channels=2", "sourceMetadata": {"musicGenerationConfig": '
        '{"bpm": 140, "scale": "A_FLAT_MAJOR_F_MINOR"}}}]}}'
    )
    chunk = message.audio_chunk
    assert chunk is not None and chunk.data == b"gelbanana"
    assert chunk.source_metadata is not None
    config = chunk.source_metadata.music_generation_config
    assert config is not None and config.scale is t.Scale.A_FLAT_MAJOR_F_MINOR


def test_repr_never_prints_whole_payloads() -> None:
    blob = t.Blob(data=bytes(100000), mime_type="audio/pcm")
    assert "<100000 bytes>" in repr(blob)
    assert len(repr(blob)) < 100


def test_hooks_built_by_many_threads_at_once() -> None:
    """Sessions connecting together build the codec's hooks concurrently on first use."""
    import sys

    from genai_live.codec import _Rules

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        _build_concurrently(_Rules)
    finally:
        sys.setswitchinterval(interval)


def _build_concurrently(rules_class: type) -> None:
    import threading

    for _ in range(20):
        rules = rules_class(strict=True)
        barrier = threading.Barrier(8)
        errors: list[BaseException] = []

        def build(rules: Any = rules, barrier: Any = barrier, errors: Any = errors) -> None:
            barrier.wait()
            try:
                parse = rules.class_structure(t.LiveConnectConfig)
                config = parse(
                    {"speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "K"}}}}
                )
                assert config.speech_config is not None
                write = rules.class_unstructure(t.LiveClientMessage)
                content = t.LiveClientContent(turns=[t.Content(parts=[t.Part(text="x")])])
                assert write(t.LiveClientMessage(client_content=content))["clientContent"]
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=build) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []


def test_a_hook_that_cannot_be_made_leaves_nothing_behind() -> None:
    """A failed build must not leave its recursive stand-in where the next lookup finds it."""
    from genai_live.codec import _Rules

    @attrs.define(kw_only=True)
    class Odd:
        value: complex | None = None  # no wire rule for complex

    rules = _Rules(strict=True)
    for _ in range(2):  # the same error each time, not the stand-in's KeyError
        with pytest.raises(TypeError, match="no wire rule"):
            rules.class_structure(Odd)
    assert rules._stand_ins == {}
    assert rules.class_structure(t.Schema)({"items": {"type": "STRING"}}).items is not None
