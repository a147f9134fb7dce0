"""Multi-turn conversation with a local copy of the history (seed example 6).

The original saves ``message.serverContent.modelTurn`` when the same message also says
``turnComplete``; the service never sends both in one message (the answer streams in several
``modelTurn`` messages, then ``turnComplete`` comes alone), so this port gathers the answer's
parts and saves them when the turn completes. Its 3 s and 6 s timers become "when the previous
answer is complete".

    python examples/multi_turn.py [--live | --base-url URL] [--speed S]
"""

from __future__ import annotations

import threading

import _common

from genai_live import Session, types


def main() -> int:
    """Run the example; returns the exit status."""
    conversation_history: list[types.Content] = []
    answer_parts: list[types.Part] = []
    answered = threading.Event()

    def onmessage(message: types.LiveServerMessage) -> None:
        content = message.server_content
        if content is not None and content.model_turn is not None:
            answer_parts.extend(content.model_turn.parts or [])
        if content is not None and content.turn_complete:
            # Save to history
            text = "".join(part.text or "" for part in answer_parts)
            conversation_history.append(types.Content(role="model", parts=[types.Part(text=text)]))
            answer_parts.clear()
            print("Assistant:", text)
            answered.set()

    with _common.client(speed=0.25) as client:
        session = client.live.connect(
            model=_common.model(),
            config={
                "responseModalities": ["TEXT"],
                "systemInstruction": "You are a helpful coding assistant",
            },
            callbacks={"onmessage": onmessage},
        )

        # Helper to send message
        def send_message(session: Session, text: str) -> None:
            user_turn = types.Content(role="user", parts=[types.Part(text=text)])
            conversation_history.append(user_turn)
            print("User:", text)
            answered.clear()
            session.send({"clientContent": {"turns": [user_turn], "turnComplete": True}})
            _common.wait(answered, f"the answer to {text!r}")

        with session:
            # Conversation
            send_message(session, "How do I read a file in Python?")
            send_message(session, "Can you show me an example with error handling?")
            send_message(session, "What about reading CSV files?")
    roles = " ".join(content.role or "?" for content in conversation_history)
    print(f"History: {len(conversation_history)} turns ({roles})")
    return 0


if __name__ == "__main__":
    _common.run(main)
