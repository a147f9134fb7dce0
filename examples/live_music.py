"""Live music generation: steer the music with a prompt, record a few seconds (seed example 8).

Differences from the JavaScript original, all required by the service: the model is a Lyria
model (``models/lyria-realtime-exp``); the audio comes in ``serverContent.audioChunks`` (PCM16,
48 kHz, stereo), not in ``modelTurn`` parts; the text prompt becomes a weighted prompt (``send``
accepts the original's ``clientContent.turns`` and converts it); and nothing plays until
``play()``. The original's ``tempo`` and ``mode`` are sent as ``bpm`` and
``musicGenerationMode``.

    python examples/live_music.py [--live | --base-url URL] [--speed S] [--out music.wav]
"""

from __future__ import annotations

import threading

import _common

from genai_live import audio, types
from genai_live.types import MusicGenerationMode, Scale

SECONDS = 3.0
BYTES_PER_SECOND = 4 * audio.MUSIC_RATE  # two channels of 16-bit samples


def main() -> int:
    """Run the example; returns the exit status."""
    recording = bytearray()
    recorded = threading.Event()

    def play_audio_chunk(data: bytes) -> None:
        recording.extend(data)  # a player would queue it; we record it
        if len(recording) >= SECONDS * BYTES_PER_SECOND:
            recorded.set()

    def onmessage(message: types.LiveMusicServerMessage) -> None:
        if message.filtered_prompt is not None:
            print("Prompt filtered:", message.filtered_prompt.filtered_reason)
        if message.server_content is not None:
            for chunk in message.server_content.audio_chunks or []:
                if (chunk.mime_type or "").startswith("audio/") and chunk.data:
                    seconds = len(chunk.data) / BYTES_PER_SECOND
                    total = len(recording) / BYTES_PER_SECOND + seconds
                    print(f"Music chunk received: {seconds:.1f} s (total {total:.1f} s)")
                    # Play or save audio chunk
                    play_audio_chunk(chunk.data)

    with _common.client(speed=0.2) as client:
        music_session = client.live.music.connect(
            model=_common.model(_common.MUSIC_MODEL),
            config={
                "tempo": 120,
                "scale": Scale.C_MAJOR_A_MINOR,
                "mode": MusicGenerationMode.QUALITY,
            },
            callbacks={"onmessage": onmessage},
        )
        with music_session:
            # Request music generation
            music_session.send(
                {
                    "clientContent": {
                        "turns": [
                            {
                                "role": "user",
                                "parts": [{"text": "Generate upbeat electronic music"}],
                            }
                        ],
                        "turnComplete": True,
                    }
                }
            )
            music_session.play()
            _common.wait(recorded, f"{SECONDS:g} s of music")
            music_session.stop()
    path = _common.output_path("live_music.wav")
    pcm = bytes(recording[: int(SECONDS * BYTES_PER_SECOND)])
    audio.write_wav(path, pcm, audio.MUSIC_RATE, channels=2)
    print(f"Saved {SECONDS:g} s of 48 kHz stereo music to {path}")
    return 0


if __name__ == "__main__":
    _common.run(main)
