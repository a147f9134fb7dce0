"""Automatic function calling inside a session (FakeTransport)."""

from __future__ import annotations

import threading

import pytest

import genai_live
from genai_live.testing import FakeTransport

pytestmark = pytest.mark.usefixtures("no_thread_leak")


def get_weather(location: str, unit: str = "celsius") -> dict[str, object]:
    """Get the current weather.

    Args:
        location: the city.
        unit: celsius or fahrenheit.
    """
    return {"location": location, "temperature": 22, "thread": threading.current_thread().name}


def broken(x: int) -> int:
    """Always fails."""
    raise RuntimeError(f"cannot handle {x}")


def test_callables_become_declarations_and_calls_are_answered(client: genai_live.Client) -> None:
    fake = FakeTransport()
    config = {"responseModalities": ["TEXT"], "tools": [{"googleSearch": {}}, get_weather]}
    with client.live.connect("gemini-x", config=config, transport=fake) as session:
        tools = fake.sent[0]["setup"]["tools"]
        assert tools[0] == {"googleSearch": {}}
        declaration = tools[1]["functionDeclarations"][0]
        assert declaration["name"] == "get_weather"
        assert declaration["parameters"]["required"] == ["location"]
        fake.push(
            {
                "toolCall": {
                    "functionCalls": [
                        {"id": "c1", "name": "get_weather", "args": {"location": "Tokyo"}}
                    ]
                }
            }
        )
        sent = fake.wait_sent(2)
        response = sent[1]["toolResponse"]["functionResponses"][0]
        assert response["id"] == "c1" and response["name"] == "get_weather"
        assert response["response"]["location"] == "Tokyo"
        assert response["response"]["thread"] != "genai-live-reader"  # never the reader thread
        fake.push(
            {
                "serverContent": {
                    "modelTurn": {"parts": [{"text": "It is 22 degrees."}]},
                    "turnComplete": True,
                }
            }
        )
        turn = session.receive_turn(timeout=2)
        assert turn.complete and turn.text == "It is 22 degrees."
        assert [c.name for c in turn.tool_calls] == ["get_weather"]  # still visible


def test_exceptions_become_error_responses(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with client.live.connect("gemini-x", config={"tools": [broken]}, transport=fake):
        fake.push(
            {"toolCall": {"functionCalls": [{"id": "c9", "name": "broken", "args": {"x": 3}}]}}
        )
        sent = fake.wait_sent(2)
    assert sent[1]["toolResponse"]["functionResponses"][0]["response"] == {
        "error": "RuntimeError: cannot handle 3"
    }


def test_automatic_function_calling_can_be_turned_off(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with client.live.connect(
        "gemini-x",
        config={"tools": [get_weather]},
        transport=fake,
        automatic_function_calling=False,
    ) as session:
        fake.push(
            {
                "toolCall": {
                    "functionCalls": [
                        {"id": "c1", "name": "get_weather", "args": {"location": "Oslo"}}
                    ]
                }
            }
        )
        turn = session.receive_turn(timeout=2)
        assert not turn.complete and turn.tool_calls[0].id == "c1"
        assert len(fake.sent) == 1  # nothing answered for the caller


def test_unsupported_annotation_raises_at_connect(client: genai_live.Client) -> None:
    def bad(x: set[int]) -> None:
        """Bad."""

    fake = FakeTransport()
    with pytest.raises(TypeError, match="bad"):
        client.live.connect("gemini-x", config={"tools": [bad]}, transport=fake)
    assert fake.sent == []
