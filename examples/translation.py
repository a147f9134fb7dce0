"""Real-time translation: speak English, hear and read Spanish (seed example 9).

The microphone stream is replaced by recorded English speech (the emulator's synthetic voice at
16 kHz) sent in 100 ms chunks, as a microphone would deliver them, followed by a second of
silence so the server hears the end of the sentence. The translated speech is saved as a WAV
file.

The JavaScript original asks for ``["TEXT", "AUDIO"]``; the Live API answers in one modality per
session, so this port asks for AUDIO plus its transcription, which carries the translated text.

    python examples/translation.py [--live | --base-url URL] [--speed S] [--out spanish.wav]
"""

from __future__ import annotations

import base64
import threading
import time

import _common

from genai_live import audio, types

ENGLISH = "Hello my friend, how are you today?"


def main() -> int:
    """Run the example; returns the exit status."""
    translated: list[str] = []
    spoken = bytearray()
    done = threading.Event()

    def play_audio_chunk(data: bytes) -> None:
        spoken.extend(data)  # a player would queue it; we save it

    def onmessage(message: types.LiveServerMessage) -> None:
        content = message.server_content
        if content is None:
            return
        if content.model_turn is not None:
            parts = content.model_turn.parts or []
            # Output audio translation if available
            audio_part = next(
                (
                    p
                    for p in parts
                    if p.inline_data and (p.inline_data.mime_type or "").startswith("audio/")
                ),
                None,
            )
            if audio_part is not None and audio_part.inline_data and audio_part.inline_data.data:
                play_audio_chunk(audio_part.inline_data.data)
        if content.input_transcription is not None and content.input_transcription.text:
            print("Heard:", content.input_transcription.text)
        if content.output_transcription is not None and content.output_transcription.text:
            translated.append(content.output_transcription.text)
        if content.turn_complete:
            print("Translated:", "".join(translated).strip())
            done.set()

    with _common.client(speed=0.25) as client:
        session = client.live.connect(
            model=_common.model(),
            config={
                "responseModalities": ["AUDIO"],
                "systemInstruction": "Translate speech from English to Spanish in real-time",
                "inputAudioTranscription": {},
                "outputAudioTranscription": {},
            },
            callbacks={"onmessage": onmessage},
        )
        with session:
            # Send audio in chunks as user speaks: 100 ms every 100 ms, like a microphone
            # (scaled by the embedded emulator's speed)
            running = _common.emulator()
            pace = 0.1 * (1.0 if running is None else running.speed)
            microphone = _common.speech(ENGLISH) + _common.silence(1.0)
            print("Speaking:", ENGLISH)
            for audio_chunk in audio.chunks(microphone, audio.INPUT_RATE, ms=100):
                session.sendRealtimeInput(
                    {
                        "realtimeInput": {
                            "mediaChunks": [
                                {
                                    "mimeType": audio.INPUT_MIME,
                                    "data": base64.b64encode(audio_chunk).decode(),
                                }
                            ]
                        }
                    }
                )
                time.sleep(pace)
            _common.wait(done, "the translation")
    path = _common.output_path("translation.wav")
    audio.write_wav(path, bytes(spoken), audio.OUTPUT_RATE)
    print(f"Saved {len(spoken) / (2 * audio.OUTPUT_RATE):.1f} s of Spanish speech to {path}")
    return 0


if __name__ == "__main__":
    _common.run(main)
