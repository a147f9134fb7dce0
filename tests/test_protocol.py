"""The sans-IO protocol: setup mapping, model names, input frames, close codes."""

from __future__ import annotations

import json
import warnings

import pytest

from genai_live import ConnectionLost, InvalidArgument, PolicyViolation, ServerError, protocol
from genai_live import types as t
from genai_live.protocol import Backend

GEMINI = Backend()
VERTEX = Backend(vertexai=True, project="p", location="us-central1")
EXPRESS = Backend(vertexai=True)


def frame(message: object) -> dict[str, object]:
    return json.loads(protocol.encode(message))  # type: ignore[no-any-return]


def test_minimal_setup() -> None:
    assert frame(protocol.build_setup("gemini-x", None, GEMINI)) == {
        "setup": {"model": "models/gemini-x"}
    }


def test_flat_config_goes_to_generation_config_and_setup_fields() -> None:
    config = {
        "responseModalities": ["text"],
        "temperature": 0.5,
        "top_k": 9.0,
        "speechConfig": {"voiceConfig": {"prebuilt_voice_config": {"voice_name": "Kore"}}},
        "systemInstruction": "Be terse",
        "realtime_input_config": {"automaticActivityDetection": {"disabled": True}},
        "sessionResumption": {},
        "inputAudioTranscription": {},
        "contextWindowCompression": {
            "triggerTokens": "1000",
            "slidingWindow": {"targetTokens": 500},
        },
        "labels": {"team_name": "a"},
    }
    setup = frame(protocol.build_setup("gemini-x", config, GEMINI))["setup"]
    assert setup == {
        "model": "models/gemini-x",
        "generationConfig": {
            "responseModalities": ["TEXT"],
            "temperature": 0.5,
            "topK": 9,
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
        },
        "systemInstruction": {"role": "user", "parts": [{"text": "Be terse"}]},
        "realtimeInputConfig": {"automaticActivityDetection": {"disabled": True}},
        "sessionResumption": {},
        "contextWindowCompression": {"triggerTokens": 1000, "slidingWindow": {"targetTokens": 500}},
        "inputAudioTranscription": {},
        "labels": {"team_name": "a"},
    }


def test_attrs_config_is_accepted() -> None:
    config = t.LiveConnectConfig(response_modalities=[t.Modality.AUDIO], seed=3)
    setup = frame(protocol.build_setup("gemini-x", config, GEMINI))["setup"]
    assert setup["generationConfig"] == {"responseModalities": ["AUDIO"], "seed": 3}


def test_deprecated_nested_generation_config_is_merged_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="generation_config is deprecated"):
        message = protocol.build_setup(
            "gemini-x", {"generationConfig": {"temperature": 0.2}, "maxOutputTokens": 5}, GEMINI
        )
    assert frame(message)["setup"]["generationConfig"] == {"temperature": 0.2, "maxOutputTokens": 5}


def test_conflicting_nested_and_flat_values_raise() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="temperature is set both"):
            protocol.build_setup(
                "gemini-x", {"generationConfig": {"temperature": 0.2}, "temperature": 0.9}, GEMINI
            )


@pytest.mark.parametrize(
    "config, match",
    [
        ({"responseModalitis": ["TEXT"]}, "did you mean 'responseModalities'"),
        ({"speechConfig": {"multiSpeakerVoiceConfig": {}}}, "multi_speaker"),
        ({"sessionResumption": {"transparent": True}}, "transparent"),
        ({"explicitVadSignal": True}, "explicit_vad_signal"),
        ({"httpOptions": {"timeout": 1}}, "http_options"),
    ],
)
def test_bad_config_raises_before_anything_is_sent(config: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        protocol.build_setup("gemini-x", config, GEMINI)


def test_vertex_defaults_to_audio_and_rejects_translation() -> None:
    setup = frame(protocol.build_setup("gemini-x", None, VERTEX))["setup"]
    assert setup == {
        "model": "projects/p/locations/us-central1/publishers/google/models/gemini-x",
        "generationConfig": {"responseModalities": ["AUDIO"]},
    }
    with pytest.raises(ValueError, match="translation_config"):
        protocol.build_setup(
            "gemini-x", {"translationConfig": {"targetLanguageCode": "es"}}, VERTEX
        )


@pytest.mark.parametrize(
    "model, gemini, vertex, express",
    [
        (
            "gemini-x",
            "models/gemini-x",
            "projects/p/locations/us-central1/publishers/google/models/gemini-x",
            "publishers/google/models/gemini-x",
        ),
        ("models/gemini-x", "models/gemini-x", "models/gemini-x", "models/gemini-x"),
        (
            "tunedModels/abc",
            "tunedModels/abc",
            "projects/p/locations/us-central1/publishers/tunedModels/models/abc",
            "publishers/tunedModels/models/abc",
        ),
        (
            "foo/bar",
            "models/foo/bar",
            "projects/p/locations/us-central1/publishers/foo/models/bar",
            "publishers/foo/models/bar",
        ),
        ("projects/q/x", "models/projects/q/x", "projects/q/x", "projects/q/x"),
    ],
)
def test_model_name_normalisation(model: str, gemini: str, vertex: str, express: str) -> None:
    assert protocol.normalize_model(model, GEMINI) == gemini
    assert protocol.normalize_model(model, VERTEX) == vertex
    assert protocol.normalize_model(model, EXPRESS) == express


@pytest.mark.parametrize("model", ["", "a/../b", "x?y", "x&y"])
def test_invalid_model_names(model: str) -> None:
    with pytest.raises(ValueError):
        protocol.normalize_model(model, GEMINI)


@pytest.mark.parametrize(
    "turns, expected",
    [
        ("Hi", [{"role": "user", "parts": [{"text": "Hi"}]}]),
        (t.Part(text="Hi"), [{"role": "user", "parts": [{"text": "Hi"}]}]),
        (["a", {"text": "b"}], [{"role": "user", "parts": [{"text": "a"}, {"text": "b"}]}]),
        (
            {"role": "model", "parts": [{"text": "x"}]},
            [{"role": "model", "parts": [{"text": "x"}]}],
        ),
        (
            [t.Content(role="user", parts=[t.Part(text="a")]), {"role": "model", "parts": []}],
            [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": []}],
        ),
    ],
)
def test_client_content_turn_forms(turns: object, expected: list[object]) -> None:
    assert frame(protocol.client_content(turns)) == {
        "clientContent": {"turns": expected, "turnComplete": True}
    }


def test_client_content_without_turns_and_bad_turns() -> None:
    assert frame(protocol.client_content(None, False)) == {"clientContent": {"turnComplete": False}}
    with pytest.raises(TypeError, match="mixes"):
        protocol.coerce_contents(["a", {"role": "user", "parts": []}])
    with pytest.raises(TypeError):
        protocol.coerce_contents([])


def test_realtime_input_forms() -> None:
    assert frame(protocol.realtime_input(audio=b"\x00\x01")) == {
        "realtimeInput": {"audio": {"data": "AAE=", "mimeType": "audio/pcm;rate=16000"}}
    }
    assert frame(protocol.realtime_input(video={"data": "AAE=", "mime_type": "image/jpeg"})) == {
        "realtimeInput": {"video": {"data": "AAE=", "mimeType": "image/jpeg"}}
    }
    assert frame(protocol.realtime_input(activity_start={})) == {
        "realtimeInput": {"activityStart": {}}
    }
    assert frame(protocol.realtime_input(audio_stream_end=False)) == {
        "realtimeInput": {"audioStreamEnd": False}
    }
    assert frame(protocol.realtime_input(text="")) == {"realtimeInput": {"text": ""}}


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({}, ValueError),
        ({"text": "a", "audio": b"x"}, ValueError),
        ({"audio": {"data": b"x", "mime_type": "image/png"}}, ValueError),
        ({"audio": {"data": b"x"}}, ValueError),
        ({"video": {"data": b"x", "mime_type": "audio/pcm"}}, ValueError),
        ({"video": b"raw"}, TypeError),
        ({"text": 3}, TypeError),
    ],
)
def test_realtime_input_rejections(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        protocol.realtime_input(**kwargs)


def test_tool_response_requires_id_on_gemini_only() -> None:
    response = {"name": "f", "response": {"ok": True}}
    with pytest.raises(ValueError, match="must have an `id`"):
        protocol.tool_response([response], require_id=True)
    assert frame(protocol.tool_response(response, require_id=False)) == {
        "toolResponse": {"functionResponses": [{"name": "f", "response": {"ok": True}}]}
    }
    with pytest.raises(ValueError):
        protocol.tool_response([], require_id=True)


def test_tool_response_keeps_user_maps_and_scheduling() -> None:
    message = protocol.tool_response(
        [
            {
                "id": "c1",
                "name": "f",
                "response": {"snake_key": 1},
                "will_continue": True,
                "scheduling": "SILENT",
            }
        ],
        require_id=True,
    )
    assert frame(message) == {
        "toolResponse": {
            "functionResponses": [
                {
                    "id": "c1",
                    "name": "f",
                    "response": {"snake_key": 1},
                    "willContinue": True,
                    "scheduling": "SILENT",
                }
            ]
        }
    }


def test_coerce_client_message_validates_one_kind() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        protocol.coerce_client_message({"clientContent": {}, "realtimeInput": {"text": "x"}})
    with pytest.raises(ValueError, match="exactly one field"):
        protocol.coerce_client_message({"realtimeInput": {"text": "x", "audioStreamEnd": True}})
    message = protocol.coerce_client_message(
        {"realtime_input": {"media_chunks": [{"mimeType": "audio/pcm", "data": "AAE="}]}}
    )
    assert frame(message) == {
        "realtimeInput": {"mediaChunks": [{"data": "AAE=", "mimeType": "audio/pcm"}]}
    }


@pytest.mark.parametrize(
    "code, error_type, retryable",
    [
        (1006, ConnectionLost, True),
        (1007, InvalidArgument, False),
        (1008, PolicyViolation, False),
        (1011, ServerError, True),
    ],
)
def test_close_codes_map_to_typed_errors(code: int, error_type: type, retryable: bool) -> None:
    error = protocol.error_for_close(code, "why")
    assert isinstance(error, error_type)
    assert error.code == code and error.reason == "why" and error.retryable is retryable
    assert error.hint
    assert "why" in str(error)


def test_normal_closes_are_not_errors() -> None:
    assert protocol.error_for_close(1000) is None
    assert protocol.error_for_close(1001) is None
    error = protocol.error_for_close(4321, "custom")
    assert error is not None and error.code == 4321


def test_typed_config_may_hold_dicts_and_callables() -> None:
    def lookup(city: str) -> str:
        """Look a city up."""
        return city

    config = t.LiveConnectConfig(
        speech_config={"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}},  # type: ignore[arg-type]
        system_instruction=t.Part(text="Be kind"),
        tools=[lookup],
    )
    from genai_live.tools import normalize_tools

    setup = frame(
        protocol.build_setup(
            "gemini-x", config, GEMINI, tool_normalizer=lambda ts: normalize_tools(ts)[0]
        )
    )["setup"]
    assert setup["generationConfig"] == {
        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}
    }
    assert setup["systemInstruction"] == {"role": "user", "parts": [{"text": "Be kind"}]}
    assert setup["tools"][0]["functionDeclarations"][0]["name"] == "lookup"


def test_unwrap_takes_the_javascript_wrapper_in_either_spelling() -> None:
    inner = {"functionResponses": []}
    assert protocol.unwrap({"toolResponse": inner}, "toolResponse") is inner
    assert protocol.unwrap({"tool_response": inner}, "toolResponse") is inner
    assert protocol.unwrap(inner, "toolResponse") is inner
    assert protocol.unwrap(["jazz"], "weightedPrompts") == ["jazz"]
