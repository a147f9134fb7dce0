"""The ``genai-live`` command: demo, chat, talk, music and the loopback emulator."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from . import __version__, audio
from .client import Client

__all__ = ["main"]

LIVE_MODEL = "gemini-live-2.5-flash-preview"
MUSIC_MODEL = "models/lyria-realtime-exp"


def get_weather(location: str) -> dict[str, Any]:
    """Get the current weather for a city.

    Args:
        location: the city, e.g. Tokyo.
    """
    return {"location": location, "temperature": 22, "condition": "sunny"}


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Client]:
    """A client for the real service (``--live``), a running server (``--base-url``) or an
    embedded emulator (the default: no key, no network)."""
    if args.live:
        if not (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")):
            raise SystemExit("--live needs GEMINI_API_KEY (or GOOGLE_API_KEY) in the environment.")
        yield Client()
        return
    if args.base_url:
        yield Client(api_key="emulator-key", http_options={"base_url": args.base_url})
        return
    from .testing.emulator import LiveEmulator

    with LiveEmulator(speed=args.speed) as emulator:
        yield emulator.client()


def _say(out: TextIO, text: str) -> None:
    out.write(text)
    out.flush()


# --------------------------------------------------------------------------- commands


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """A short real session: a text turn, a tool call, and an audio reply saved to a WAV file."""
    with _client(args) as client:
        where = "the Live API" if args.live else "the loopback emulator"
        _say(out, f"genai-live {__version__} demo against {where}\n\n")
        config = {"responseModalities": ["TEXT"], "tools": [get_weather]}
        with client.live.connect(args.model, config=config) as session:
            _say(out, "> What is quantum computing?\n")
            session.send_client_content(turns="What is quantum computing?")
            turn = session.receive_turn(timeout=60)
            _say(out, f"< {turn.text}\n\n")
            _say(out, "> What is the weather in Tokyo?\n")
            session.send_client_content(turns="What is the weather in Tokyo?")
            turn = session.receive_turn(timeout=60)
            for message in turn.messages:
                for call in (message.tool_call.function_calls or []) if message.tool_call else []:
                    _say(out, f"  [tool call] {call.name}({call.args}) answered automatically\n")
            _say(out, f"< {turn.text}\n\n")
        audio_config = {"responseModalities": ["AUDIO"], "outputAudioTranscription": {}}
        with client.live.connect(args.model, config=audio_config) as session:
            _say(out, "> Say hello in a friendly voice.\n")
            session.send_client_content(turns="Say hello in a friendly voice.")
            turn = session.receive_turn(timeout=60)
            audio.write_wav(args.out, turn.audio, audio.OUTPUT_RATE)
            seconds = len(turn.audio) / (2 * audio.OUTPUT_RATE)
            _say(out, f"< (audio) {turn.output_transcript}\n")
            _say(out, f"  saved {seconds:.1f} s of 24 kHz audio to {args.out}\n")
    return 0


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    """An interactive text chat; replies stream as they arrive. Empty line or EOF quits."""
    config: dict[str, Any] = {"responseModalities": ["TEXT"]}
    if args.tools:
        config["tools"] = [get_weather]
    if args.system:
        config["systemInstruction"] = args.system
    with _client(args) as client, client.live.connect(args.model, config=config) as session:
        session.receive(timeout=30)  # setupComplete
        _say(out, "Type a message (empty line to quit).\n")
        for line in sys.stdin:
            text = line.strip()
            if not text:
                break
            session.send_client_content(turns=text)
            _say(out, "< ")
            for message in session:
                if message.text:
                    _say(out, message.text)
                if message.tool_call is not None:
                    for call in message.tool_call.function_calls or []:
                        _say(out, f"[tool {call.name}({call.args})] ")
                content = message.server_content
                if content is not None and content.turn_complete:
                    break
            _say(out, "\n")
    return 0


def cmd_talk(args: argparse.Namespace, out: TextIO) -> int:
    """Stream a WAV file as speech; print the transcripts and save the spoken reply."""
    config = {
        "responseModalities": ["AUDIO"],
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
    }
    with _client(args) as client, client.live.connect(args.model, config=config) as session:
        session.receive(timeout=30)
        sent = audio.stream_file(session, args.file, realtime=not args.fast, progress=args.progress)
        _say(out, f"sent {sent / (2 * audio.INPUT_RATE):.1f} s of audio\n")
        turn = session.receive_turn(timeout=120)
        _say(out, f"you said: {turn.input_transcript}\n")
        _say(out, f"model said: {turn.output_transcript}\n")
        audio.write_wav(args.out, turn.audio, audio.OUTPUT_RATE)
        _say(
            out,
            f"saved the reply ({len(turn.audio) / (2 * audio.OUTPUT_RATE):.1f} s) to {args.out}\n",
        )
    return 0


def cmd_music(args: argparse.Namespace, out: TextIO) -> int:
    """Record ``--seconds`` of Live Music to a WAV file."""
    config: dict[str, Any] = {"bpm": args.bpm}
    if args.scale:
        config["scale"] = args.scale
    wanted = int(args.seconds * audio.MUSIC_RATE) * 4
    pcm = bytearray()
    with _client(args) as client:
        with client.live.music.connect(args.model, config=config) as music:
            music.set_weighted_prompts([{"text": p, "weight": 1.0} for p in args.prompt])
            music.play()
            for message in music:
                for chunk in (
                    (message.server_content.audio_chunks or []) if message.server_content else []
                ):
                    pcm += chunk.data or b""
                if message.filtered_prompt is not None:
                    _say(out, f"prompt filtered: {message.filtered_prompt.filtered_reason}\n")
                if args.progress:
                    done = min(1.0, len(pcm) / wanted)
                    sys.stderr.write(f"\r[{'#' * int(done * 30):<30}] {done * args.seconds:5.1f} s")
                    sys.stderr.flush()
                if len(pcm) >= wanted:
                    break
            music.stop()
    if args.progress:
        sys.stderr.write("\n")
    audio.write_wav(args.out, bytes(pcm[:wanted]), audio.MUSIC_RATE, channels=2)
    _say(out, f"wrote {args.seconds:g} s of 48 kHz stereo music to {args.out}\n")
    return 0


def cmd_emulator(args: argparse.Namespace, out: TextIO) -> int:
    """Serve the loopback emulator until interrupted; the first line printed is its base URL."""
    from .testing.emulator import LiveEmulator

    emulator = LiveEmulator(host=args.host, port=args.port, tls=args.tls, speed=args.speed)
    emulator.start()
    _say(out, f"{emulator.url}\n")
    if emulator.cert_path:
        _say(out, f"certificate: {emulator.cert_path}\n")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


# --------------------------------------------------------------------------- parsing


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genai-live",
        description="Gemini Live from the command line (against the embedded emulator by default).",
    )
    parser.add_argument("--version", action="version", version=f"genai-live {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def target(p: argparse.ArgumentParser, model: str) -> None:
        p.add_argument("--live", action="store_true", help="use the real service (GEMINI_API_KEY)")
        p.add_argument("--base-url", help="use a running emulator or proxy at this URL")
        p.add_argument("--model", default=model)
        p.add_argument(
            "--speed", type=float, default=0.0, help="embedded emulator pacing (0: fast)"
        )

    demo = sub.add_parser("demo", help="a short session: text, a tool call, an audio reply")
    target(demo, LIVE_MODEL)
    demo.add_argument("--out", default="demo_reply.wav")
    demo.set_defaults(run=cmd_demo)

    chat = sub.add_parser("chat", help="interactive text chat")
    target(chat, LIVE_MODEL)
    chat.add_argument("--tools", action="store_true", help="offer a get_weather tool")
    chat.add_argument("--system", help="system instruction")
    chat.set_defaults(run=cmd_chat)

    talk = sub.add_parser("talk", help="speak a WAV file to the model")
    target(talk, LIVE_MODEL)
    talk.add_argument("file")
    talk.add_argument("--out", default="reply.wav")
    talk.add_argument("--fast", action="store_true", help="send faster than real time")
    talk.add_argument("--progress", action="store_true")
    talk.set_defaults(run=cmd_talk)

    music = sub.add_parser("music", help="record Live Music to a WAV file")
    target(music, MUSIC_MODEL)
    music.add_argument("--prompt", action="append", required=True)
    music.add_argument("--bpm", type=int, default=120)
    music.add_argument("--scale")
    music.add_argument("--seconds", type=float, default=10.0)
    music.add_argument("--out", default="song.wav")
    music.add_argument("--progress", action="store_true")
    music.set_defaults(run=cmd_music)

    emulator = sub.add_parser("emulator", help="serve the loopback emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument("--tls", action="store_true")
    emulator.add_argument("--speed", type=float, default=1.0)
    emulator.set_defaults(run=cmd_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args, sys.stdout))
    except KeyboardInterrupt:
        return 130
