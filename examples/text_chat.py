"""Text-based live chat: two questions, answers streamed to callbacks (seed example 1).

The JavaScript original sends the follow-up after a 3 s timer and closes after 10 s; here the
follow-up goes out as soon as the first answer is complete, and the session closes once the
second one is.

    python examples/text_chat.py [--live | --base-url URL] [--speed S]
"""

from __future__ import annotations

import threading

import _common

from genai_live import types


def main() -> int:
    """Run the example; returns the exit status."""
    answered = threading.Event()
    started = False  # whether this answer's first piece was printed

    def onopen() -> None:
        print("Connected")

    def onmessage(message: types.LiveServerMessage) -> None:
        nonlocal started
        content = message.server_content
        if content is not None and content.model_turn is not None:
            parts = content.model_turn.parts or []
            text = parts[0].text if parts else None
            if text:
                # The answer streams in pieces: print them on one line as they come.
                print(text if started else f"Model: {text}", end="", flush=True)
                started = True
        if content is not None and content.turn_complete:
            print()
            started = False
            answered.set()

    def onerror(error: Exception) -> None:
        print("Error:", error)

    with _common.client(speed=0.5) as client:
        # Connect with text modality
        session = client.live.connect(
            model=_common.model(),
            config={"responseModalities": ["TEXT"]},
            callbacks={"onopen": onopen, "onmessage": onmessage, "onerror": onerror},
        )
        with session:
            # Send messages
            session.send(
                {
                    "clientContent": {
                        "turns": [
                            {"role": "user", "parts": [{"text": "What is quantum computing?"}]}
                        ],
                        "turnComplete": True,
                    }
                }
            )
            # Continue conversation (once the first answer is complete)
            _common.wait(answered, "the first answer")
            answered.clear()
            session.send(
                {
                    "clientContent": {
                        "turns": [
                            {"role": "user", "parts": [{"text": "Can you explain it more simply?"}]}
                        ],
                        "turnComplete": True,
                    }
                }
            )
            _common.wait(answered, "the second answer")
        # Leaving the with block closed the session (the original's session.close()).
        event = session.close_event
        assert event is not None
        print(f"Closed: code {event.code}, by the client: {event.by_client}")
    return 0


if __name__ == "__main__":
    _common.run(main)
