"""Screen sharing / video input: stream frames while asking about them (seed example 4).

The screen capture is replaced by small PNG images made in code (a gradient with a moving bar);
half-way through, the "window" is resized, and the model notices. Frames go out from a
background thread, like the original's ``setInterval``: sending from any thread is safe.

The original sends a frame a second for 30 s; against the emulator this port sends one every
0.2 s and stops once it has asked twice.

    python examples/video_frames.py [--live | --base-url URL] [--speed S]
"""

from __future__ import annotations

import base64
import threading

import _common

from genai_live import types

SMALL, LARGE = (64, 48), (160, 120)
RESIZE_AT = 4  # the frame number from which the "window" is larger


def main() -> int:
    """Run the example; returns the exit status."""
    answered = threading.Event()
    resized = threading.Event()
    started = False
    frames_sent = 0

    def onmessage(message: types.LiveServerMessage) -> None:
        nonlocal started
        content = message.server_content
        if content is not None and content.model_turn is not None:
            text = (content.model_turn.parts or [types.Part()])[0].text
            if text:
                print(text if started else f"Analysis: {text}", end="", flush=True)
                started = True
        if content is not None and content.turn_complete:
            print()
            started = False
            answered.set()

    interval = 1.0 if _common.settings().live else 0.2
    with _common.client(speed=0.25) as client:
        # Connect for video processing
        session = client.live.connect(
            model=_common.model(),
            config={"responseModalities": ["TEXT"]},
            callbacks={"onmessage": onmessage},
        )
        with session:
            # Send video frames (e.g., from screen capture)
            def send_video_frame(frame_data: str) -> None:
                session.sendRealtimeInput(
                    {
                        "realtimeInput": {
                            "mediaChunks": [{"mimeType": "image/png", "data": frame_data}]
                        }
                    }
                )

            stop = threading.Event()

            def send_frame() -> None:
                nonlocal frames_sent
                number = frames_sent
                width, height = LARGE if number >= RESIZE_AT else SMALL
                send_video_frame(base64.b64encode(_common.png(width, height, number)).decode())
                frames_sent += 1
                if number == RESIZE_AT:
                    resized.set()

            def keep_sending() -> None:  # the original's setInterval(..., 1000)
                while not stop.wait(interval):
                    send_frame()

            # Share the screen first, so that the question has something to look at
            send_frame()
            print(f"Sharing the screen: a {SMALL[0]}x{SMALL[1]} frame every {interval:g} s")
            frames = threading.Thread(target=keep_sending, name="frames")
            frames.start()
            try:
                # Send initial question
                session.send(
                    {
                        "clientContent": {
                            "turns": [
                                {
                                    "role": "user",
                                    "parts": [{"text": "Analyze what you see on the screen"}],
                                }
                            ],
                            "turnComplete": True,
                        }
                    }
                )
                _common.wait(answered, "the first analysis")
                answered.clear()
                _common.wait(resized, "the resized frame")
                print(f"The window is now {LARGE[0]}x{LARGE[1]}")
                session.send_client_content(turns="What do you see now?")
                _common.wait(answered, "the second analysis")
            finally:
                # Stop sending (the original's clearInterval), then close
                stop.set()
                frames.join()
            print(f"Sent {frames_sent} frames")
    return 0


if __name__ == "__main__":
    _common.run(main)
