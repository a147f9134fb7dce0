"""Live function calling: the model asks for the weather, we answer its call (seed example 3).

Part 1 ports the JavaScript original: a declared ``getWeather`` tool, and an ``onmessage``
callback that answers ``toolCall`` with ``sendToolResponse`` (sending from a callback is safe).
Part 2 does the same with a plain Python function, which the session calls by itself.

    python examples/function_calling.py [--live | --base-url URL] [--speed S]
"""

from __future__ import annotations

import threading
from typing import Any

import _common

from genai_live import Client, Session, types

weather_tool: dict[str, Any] = {
    "functionDeclarations": [
        {
            "name": "getWeather",
            "description": "Get current weather",
            "parameters": {
                "type": "OBJECT",
                "properties": {"location": {"type": "STRING"}},
                "required": ["location"],
            },
        }
    ]
}


def get_weather(location: str) -> dict[str, Any]:
    """Get the current weather for a city.

    Args:
        location: the city, e.g. Tokyo.
    """
    return {"location": location, "temperature": 22, "condition": "sunny"}


def declared_tool(client: Client) -> None:
    """Part 1: the JavaScript example, line by line."""
    answered = threading.Event()
    pieces: list[str] = []
    session: Session | None = None  # set once connect() returns, before any tool call

    def onmessage(message: types.LiveServerMessage) -> None:
        # Handle regular content
        content = message.server_content
        if content is not None and content.model_turn is not None:
            pieces.append((content.model_turn.parts or [types.Part()])[0].text or "")
        # Handle function calls
        if message.tool_call is not None:
            print("Tool call requested:", message.tool_call)
            # Execute function
            calls = message.tool_call.function_calls or []
            function_call = calls[0] if calls else None
            if function_call is not None and function_call.name == "getWeather":
                location = (function_call.args or {}).get("location")
                print("Looking up the weather in", location)
                weather = {"temperature": 22, "condition": "sunny"}
                # Send response
                assert session is not None
                session.sendToolResponse(
                    {
                        "toolResponse": {
                            "functionResponses": [
                                {"name": "getWeather", "response": weather, "id": function_call.id}
                            ]
                        }
                    }
                )
        if content is not None and content.turn_complete:
            print("Model:", "".join(pieces))
            answered.set()

    session = client.live.connect(
        model=_common.model(),
        config={"responseModalities": ["TEXT"], "tools": [weather_tool]},
        callbacks={"onmessage": onmessage},
    )
    with session:
        # Ask weather question
        session.send(
            {
                "clientContent": {
                    "turns": [
                        {"role": "user", "parts": [{"text": "What is the weather in Tokyo?"}]}
                    ],
                    "turnComplete": True,
                }
            }
        )
        _common.wait(answered, "the answer after the tool response")


def python_function(client: Client) -> None:
    """Part 2: pass the Python function itself; the session declares, calls and answers it."""
    with client.live.connect(
        _common.model(), config={"responseModalities": ["TEXT"], "tools": [get_weather]}
    ) as session:
        session.send_client_content(turns="What is the weather in Paris?")
        turn = session.receive_turn(timeout=_common.TIMEOUT)
        for call in turn.tool_calls:
            print(f"Called automatically: {call.name}({call.args})")
        print("Model:", turn.text)


def main() -> int:
    """Run the example; returns the exit status."""
    with _common.client(speed=0.25) as client:
        print("-- a declared tool, answered in onmessage")
        declared_tool(client)
        print("-- a Python function, called automatically")
        python_function(client)
    return 0


if __name__ == "__main__":
    _common.run(main)
