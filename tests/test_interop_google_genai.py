"""Google's official SDK (google-genai) talks to LiveEmulator over wss, as it would to the service.

The SDK always maps ``base_url`` to ``wss://``, so the emulator runs with ``tls=True``. The SDK
builds its WebSocket TLS context when the ``genai.Client`` is created (not at connect time): either
``SSL_CERT_FILE`` names the emulator's certificate by then, or ``http_options.async_client_args``
passes an ``ssl`` context.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from typing import Any

import pytest

from genai_live.testing import LiveEmulator
from genai_live.testing._model.brain import reply_text, tool_result_text

genai = pytest.importorskip("google.genai")
genai_types = pytest.importorskip("google.genai.types")

pytestmark = pytest.mark.usefixtures("no_thread_leak")

MODEL = "gemini-live-2.5-flash-preview"
WEATHER = {
    "function_declarations": [
        {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}},
        }
    ]
}


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveEmulator]:
    with LiveEmulator(tls=True, speed=0) as emulator:
        assert emulator.cert_path is not None
        monkeypatch.setenv("SSL_CERT_FILE", emulator.cert_path)  # before any genai.Client
        yield emulator


def sdk_client(emu: LiveEmulator, **http_options: Any) -> Any:
    return genai.Client(api_key="sdk-key", http_options={"base_url": emu.url, **http_options})


async def text_turn(emu: LiveEmulator) -> list[Any]:
    client = sdk_client(emu)
    config = {"response_modalities": ["TEXT"]}
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(turns={"role": "user", "parts": [{"text": "Hello"}]})
        return [message async for message in session.receive()]


def test_sdk_completes_a_text_turn(emu: LiveEmulator) -> None:
    messages = asyncio.run(text_turn(emu))
    assert "".join(m.text for m in messages if m.text) == reply_text(
        "Hello", system_instruction=None, history_turns=0, image=None
    )
    assert messages[-2].server_content.generation_complete
    assert messages[-1].server_content.turn_complete
    assert messages[-1].usage_metadata.total_token_count > 0
    path, _, headers = emu.handshakes[0]
    assert path.endswith("GenerativeService.BidiGenerateContent")
    assert headers["x-goog-api-key"] == "sdk-key"
    # The SDK's snake_case top-level keys are recorded in canonical form.
    assert emu.received[1] == {
        "clientContent": {
            "turns": [{"role": "user", "parts": [{"text": "Hello"}]}],
            "turnComplete": True,
        }
    }


async def tool_round_trip(emu: LiveEmulator) -> tuple[Any, str]:
    client = sdk_client(emu)
    config = {"response_modalities": ["TEXT"], "tools": [WEATHER]}
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}
        )
        call = None
        text = []
        async for message in session.receive():
            if message.tool_call is not None:
                call = message.tool_call.function_calls[0]
                response = genai_types.FunctionResponse(
                    id=call.id, name=call.name, response={"temperature": 21}
                )
                await session.send_tool_response(function_responses=[response])
            if message.text:
                text.append(message.text)
        return call, "".join(text)


def test_sdk_completes_a_tool_call_round_trip(emu: LiveEmulator) -> None:
    call, text = asyncio.run(tool_round_trip(emu))
    assert (call.id, call.name, call.args) == ("function-call-1", "get_weather", {"city": "Paris"})
    assert text == tool_result_text("get_weather", {"temperature": 21})


def test_sdk_trusts_the_emulator_through_an_ssl_context_too(
    emu: LiveEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    context = ssl.create_default_context(cafile=emu.cert_path)
    client = sdk_client(emu, async_client_args={"ssl": context})

    async def connect() -> Any:
        async with client.aio.live.connect(
            model=MODEL, config={"response_modalities": ["TEXT"]}
        ) as s:
            return s.setup_complete

    assert asyncio.run(connect()) is not None
