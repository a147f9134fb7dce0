"""Interruption handling: barge in while the model is still talking (seed example 5).

The original interrupts after a 2 s timer; this port interrupts as soon as the model has started
to answer, so it works at any speed. The model's audio goes into a
`genai_live.audio.PlaybackBuffer`, which drops what the interruption cut off, as a player must
stop talking.

The JavaScript original asks for ``["TEXT", "AUDIO"]``; the Live API answers in one modality per
session, so this port asks for AUDIO plus its transcription, which carries the text.

    python examples/interruption.py [--live | --base-url URL] [--speed S]
"""

from __future__ import annotations

import threading

import _common

from genai_live import audio, types


def main() -> int:
    """Run the example; returns the exit status."""
    speaking = threading.Event()
    turns_done = threading.Semaphore(0)
    player = audio.PlaybackBuffer()
    words: list[str] = []

    def onmessage(message: types.LiveServerMessage) -> None:
        content = message.server_content
        if content is None:
            return
        # Check if model was interrupted
        if content.interrupted:
            print("Model response was interrupted")
        if content.model_turn is not None and not content.interrupted:
            speaking.set()
        if content.output_transcription is not None and content.output_transcription.text:
            words.append(content.output_transcription.text)
        player.feed(message)
        if content.turn_complete:
            print("Model:", "".join(words).strip() or "(nothing)")
            words.clear()
            turns_done.release()

    with _common.client(speed=0.15) as client:
        session = client.live.connect(
            model=_common.model(),
            config={"responseModalities": ["AUDIO"], "outputAudioTranscription": {}},
            callbacks={"onmessage": onmessage},
        )
        with session:
            # Send first message
            session.send(
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"text": "Tell me a long story"}]}],
                        "turnComplete": True,
                    }
                }
            )
            # Interrupt with new message, once the model is talking
            _common.wait(speaking, "the model to start talking")
            print("User: Actually, just tell me a joke instead")
            session.send(
                {
                    "clientContent": {
                        "turns": [
                            {
                                "role": "user",
                                "parts": [{"text": "Actually, just tell me a joke instead"}],
                            }
                        ],
                        "turnComplete": True,
                    }
                }
            )
            # Two turns end: the interrupted story, then the joke.
            for what in ("the end of the interrupted turn", "the joke"):
                if not turns_done.acquire(timeout=_common.TIMEOUT):
                    raise SystemExit(f"gave up waiting for {what}")
    story, joke = player.turns[-2:]
    rate = 2 * audio.OUTPUT_RATE
    print(f"Story: {len(story) / rate:.1f} s kept, {player.dropped_bytes / rate:.1f} s dropped")
    print(f"Joke: {len(joke) / rate:.1f} s of audio")
    return 0


if __name__ == "__main__":
    _common.run(main)
