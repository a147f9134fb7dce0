"""Setup frames reused across connects: only for plain-data configs, never stale, never lax."""

from __future__ import annotations

import json
from typing import Any

import pytest

import genai_live
from genai_live import protocol
from genai_live import types as t
from genai_live.protocol import Backend
from genai_live.setup_frames import SetupFrames
from genai_live.testing import FakeTransport

pytestmark = pytest.mark.usefixtures("no_thread_leak")

GEMINI = Backend()


def setup_sent(config: Any, **kwargs: Any) -> dict[str, Any]:
    fake = FakeTransport()
    client = genai_live.Client(api_key="k")
    with client.live.connect("gemini-x", config=config, transport=fake, **kwargs):
        return fake.sent[0]


def fresh_build(config: Any) -> dict[str, Any]:
    frame = protocol.encode(protocol.build_setup("gemini-x", config, GEMINI))
    return json.loads(frame)  # type: ignore[no-any-return]


def test_plain_configs_have_a_key_and_others_do_not() -> None:
    assert SetupFrames.key("m", None, GEMINI) is not None
    assert SetupFrames.key("m", {"temperature": 0.5, "tools": [{"googleSearch": {}}]}, GEMINI)
    not_plain: list[Any] = [
        t.LiveConnectConfig(temperature=0.5),  # mutable object: its contents can change
        {"tools": [print]},
        {"system_instruction": t.Content(parts=[t.Part(text="hi")])},
        {1: "a"},
        {"generation_config": {"temperature": 0.5}},  # deprecated: warned on every connect
        {"generationConfig": {}},
        [("temperature", 0.5)],
    ]
    for config in not_plain:
        assert SetupFrames.key("m", config, GEMINI) is None, config
    assert SetupFrames.key(None, {}, GEMINI) is None


def test_keys_are_type_exact() -> None:
    keys = {
        SetupFrames.key("m", {"seed": value}, GEMINI)
        for value in (1, 1.0, True, "1", [1], (1,), None)
    }
    assert len(keys) == 7
    assert SetupFrames.key("m", {}, GEMINI) != SetupFrames.key("m", {}, Backend(vertexai=True))
    assert SetupFrames.key("m", {}, GEMINI) != SetupFrames.key("n", {}, GEMINI)


def test_a_repeated_config_sends_the_frame_a_fresh_build_makes() -> None:
    config = {"response_modalities": ["TEXT"], "temperature": 0.25, "system_instruction": "Be b."}
    first, second = setup_sent(config), setup_sent(dict(config))
    assert first == second == fresh_build(config)
    assert first["setup"]["systemInstruction"] == {"parts": [{"text": "Be b."}], "role": "user"}


def test_a_repeated_config_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Any] = []
    real_build_setup = protocol.build_setup

    def build_setup(model: str, config: Any, *args: Any, **kwargs: Any) -> Any:
        builds.append(config)
        return real_build_setup(model, config, *args, **kwargs)

    monkeypatch.setattr(protocol, "build_setup", build_setup)
    monkeypatch.setattr(genai_live.client, "_SETUP_FRAMES", SetupFrames())  # none built yet
    config = {"response_modalities": ["TEXT"], "seed": 1}
    for _ in range(3):
        setup_sent(dict(config))
    assert builds == [config]
    setup_sent(config, resume=True)  # resumption builds its own
    assert len(builds) == 2


def test_a_changed_config_is_never_answered_with_the_old_frame() -> None:
    config: dict[str, Any] = {"response_modalities": ["TEXT"], "speech_config": {}}
    setup_sent(config)
    config["speech_config"]["language_code"] = "de-DE"  # a nested change, same outer dict
    assert setup_sent(config)["setup"]["generationConfig"]["speechConfig"] == {
        "languageCode": "de-DE"
    }
    config["temperature"] = 1
    assert setup_sent(config)["setup"]["generationConfig"]["temperature"] == 1


def test_a_refused_config_is_refused_every_time() -> None:
    config = {"response_modalities": ["TEXT"], "tool_config": {}}
    client = genai_live.Client(api_key="k")
    for _ in range(2):
        fake = FakeTransport()
        with pytest.raises(ValueError, match="tool_config"):
            client.live.connect("gemini-x", config=config, transport=fake)
        assert fake.request is None  # nothing was opened


def test_the_deprecated_generation_config_warns_on_every_connect() -> None:
    config = {"generation_config": {"temperature": 0.5}}
    for _ in range(2):
        with pytest.warns(DeprecationWarning, match="generation_config"):
            assert setup_sent(config)["setup"]["generationConfig"] == {"temperature": 0.5}


def test_resumption_builds_its_own_setup() -> None:
    config = {"response_modalities": ["TEXT"]}
    assert "sessionResumption" not in setup_sent(config)["setup"]
    assert setup_sent(config, resume=True)["setup"]["sessionResumption"] == {}
    assert "sessionResumption" not in setup_sent(config)["setup"]


def test_tools_with_functions_are_registered_on_every_connect() -> None:
    """A config holding functions has no key (above): end to end, each connect registers them."""

    def get_time() -> dict[str, str]:
        """The time."""
        return {"time": "noon"}

    client = genai_live.Client(api_key="k")
    for _ in range(2):
        fake = FakeTransport()
        with client.live.connect("gemini-x", config={"tools": [get_time]}, transport=fake):
            fake.push({"toolCall": {"functionCalls": [{"id": "c1", "name": "get_time"}]}})
            reply = fake.wait_sent(2)[1]
        assert reply["toolResponse"]["functionResponses"][0]["response"] == {"time": "noon"}


def test_the_oldest_frame_goes_first_once_the_limit_is_reached() -> None:
    frames = SetupFrames(limit=2)
    keys = [SetupFrames.key("m", {"seed": seed}, GEMINI) for seed in range(3)]
    for seed, key in enumerate(keys):
        frames.put(key, b"frame %d" % seed)
    assert [frames.get(key) for key in keys] == [None, b"frame 1", b"frame 2"]
    frames.put(None, b"not kept")
    assert frames.get(None) is None


def test_a_large_frame_is_not_kept() -> None:
    frames = SetupFrames(max_bytes=10)
    small, large = (SetupFrames.key("m", {"seed": seed}, GEMINI) for seed in range(2))
    frames.put(small, b"x" * 10)
    frames.put(large, b"x" * 11)
    assert frames.get(small) == b"x" * 10
    assert frames.get(large) is None
