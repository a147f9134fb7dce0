"""Audio input and output: speak to the model, save its spoken answer to a WAV file (seed example 2).

The microphone is replaced by a recorded question (the emulator's synthetic voice, resampled to
16 kHz) followed by a second of silence, so the server's voice activity detection sees the end
of the question. The reply audio (PCM16, 24 kHz) is saved as a WAV file.

The JavaScript original asks for ``["TEXT", "AUDIO"]``; the Live API answers in one modality per
session, so this port asks for AUDIO plus its transcription, which carries the text.

    python examples/audio_io.py [--live | --base-url URL] [--speed S] [--out reply.wav]
"""

from __future__ import annotations

import base64
import threading

import _common

from genai_live import audio, types


def main() -> int:
    """Run the example; returns the exit status."""
    answered = threading.Event()
    reply = audio.PlaybackBuffer()  # collects the audio, dropping what an interruption cuts off
    chunk_count = 0
    said: list[str] = []

    def onmessage(message: types.LiveServerMessage) -> None:
        nonlocal chunk_count
        content = message.server_content
        if content is None:
            return
        if content.model_turn is not None:
            for part in content.model_turn.parts or []:
                if part.text:
                    print("Text:", part.text)
                if part.inline_data is not None and (part.inline_data.mime_type or "").startswith(
                    "audio/"
                ):
                    chunk_count += 1
                    if chunk_count == 1:
                        print("Received audio chunk (more follow)")
        if content.input_transcription is not None and content.input_transcription.text:
            print("Heard:", content.input_transcription.text)
        if content.output_transcription is not None and content.output_transcription.text:
            said.append(content.output_transcription.text)
        reply.feed(message)  # play or save the audio data
        if content.turn_complete:
            answered.set()

    # Connect with audio modalities
    with _common.client(speed=0.2) as client:
        session = client.live.connect(
            model=_common.model(),
            config={
                "responseModalities": ["AUDIO"],
                "speechConfig": {"voiceConfig": {"presetVoice": "Kore"}},
                "inputAudioTranscription": {},
                "outputAudioTranscription": {},
            },
            callbacks={"onmessage": onmessage},
        )
        with session:
            # Send audio input (from the "microphone"), 100 ms at a time
            capture = _common.speech("What is the weather like today?") + _common.silence(1.0)
            for audio_chunk in audio.chunks(capture, audio.INPUT_RATE, ms=100):
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
            _common.wait(answered, "the spoken answer")
    pcm = reply.turns[-1]
    seconds = len(pcm) / (2 * audio.OUTPUT_RATE)
    print(f"Received {chunk_count} audio chunks: {seconds:.1f} s of speech")
    print("Model said:", "".join(said).strip())
    path = _common.output_path("audio_io_reply.wav")
    audio.write_wav(path, pcm, audio.OUTPUT_RATE)
    print(f"Saved the answer to {path}")
    return 0


if __name__ == "__main__":
    _common.run(main)
