"""Shared set-up of the examples: where to connect, sample audio and images, and bounded waits.

Every example runs against an embedded loopback emulator by default (no key, no network):

    python examples/text_chat.py                       # embedded emulator
    python examples/text_chat.py --base-url URL        # a running `python -m genai_live emulator`
    GEMINI_API_KEY=... python examples/text_chat.py --live   # the real Live API

``--speed`` sets the embedded emulator's pacing (1.0: real time, 0: as fast as possible) and
``--out`` where an example saves its audio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import struct
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NoReturn

import genai_live
from genai_live import audio

if TYPE_CHECKING:
    from genai_live.testing import LiveEmulator

MODEL = "gemini-live-2.5-flash-preview"
"""The Live model the examples talk to (``--model`` changes it)."""
MUSIC_MODEL = "models/lyria-realtime-exp"
"""The Live Music model."""
TIMEOUT = 30.0
"""The longest any example waits for one answer: an example never hangs."""

_settings: argparse.Namespace | None = None
_emulator: LiveEmulator | None = None


def settings() -> argparse.Namespace:
    """The command-line options (parsed once): ``live``, ``base_url``, ``speed``, ``model``,
    ``out``."""
    global _settings
    if _settings is None:
        parser = argparse.ArgumentParser(description="A genai_live example.")
        parser.add_argument(
            "--live", action="store_true", help="use the real Live API (needs GEMINI_API_KEY)"
        )
        parser.add_argument("--base-url", help="use a running emulator (or proxy) at this URL")
        parser.add_argument("--speed", type=float, help="pacing of the embedded emulator")
        parser.add_argument("--model", help="model name")
        parser.add_argument("--out", help="where to save audio (default: a temporary folder)")
        _settings = parser.parse_args()
    return _settings


def model(default: str = MODEL) -> str:
    """``--model`` if given, else ``default``."""
    chosen: str | None = settings().model
    return chosen or default


@contextlib.contextmanager
def client(speed: float = 0.25) -> Iterator[genai_live.Client]:
    """A client for the embedded emulator (paced at ``speed`` unless ``--speed``), for a
    running server (``--base-url``), or for the real service (``--live`` with
    ``GEMINI_API_KEY`` set)."""
    global _emulator
    args = settings()
    if args.live:
        if not os.environ.get("GEMINI_API_KEY"):
            raise SystemExit("--live needs GEMINI_API_KEY in the environment.")
        print("Using the Live API")
        yield genai_live.Client(api_key=os.environ["GEMINI_API_KEY"])
        return
    if args.base_url:
        print(f"Using the server at {args.base_url}")
        yield genai_live.Client(api_key="emulator-key", http_options={"base_url": args.base_url})
        return
    from genai_live.testing import LiveEmulator

    pace = speed if args.speed is None else args.speed
    with LiveEmulator(speed=pace) as running:
        _emulator = running
        print(f"Using an embedded emulator at {running.url} (speed {pace:g})")
        try:
            yield running.client()
        finally:
            _emulator = None


def run(main: Callable[[], int]) -> NoReturn:
    """Run an example's ``main`` and exit with its status; a Live API error or a timeout exits
    with a one-line message instead of a traceback."""
    try:
        status = main()
    except (genai_live.LiveError, TimeoutError) as error:
        raise SystemExit(f"{type(error).__name__}: {error}") from None
    raise SystemExit(status)


def emulator() -> LiveEmulator | None:
    """The embedded emulator `client` started, or None (``--live``, ``--base-url``)."""
    return _emulator


def wait(event: threading.Event, what: str, timeout: float = TIMEOUT) -> None:
    """Wait for ``event``; exit with an error rather than hang when it doesn't come."""
    if not event.wait(timeout):
        raise SystemExit(f"gave up after {timeout:g} s waiting for {what}")


def speech(text: str) -> bytes:
    """``text`` spoken as microphone audio: PCM16 mono at 16 kHz.

    The voice is the emulator's synthetic one (which the emulator transcribes back); it is
    synthesised at the model's 24 kHz and resampled, as audio from a 48 kHz sound card would be.
    The real service hears a buzzing robot: record your own voice for ``--live``.
    """
    from genai_live.testing._model.voice import synthesize

    return audio.resample(synthesize(text, audio.OUTPUT_RATE), audio.OUTPUT_RATE, audio.INPUT_RATE)


def silence(seconds: float) -> bytes:
    """``seconds`` of silence at 16 kHz: what a microphone hears after you stop talking."""
    return bytes(2 * round(seconds * audio.INPUT_RATE))


def png(width: int, height: int, frame: int = 0) -> bytes:
    """A small RGB PNG image, built with the standard library: a gradient with a bar that moves
    with ``frame`` (a stand-in for a screen capture)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bar = (frame * 8) % width
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None" for this scanline
        for x in range(width):
            lit = bar <= x < bar + 4
            rows += bytes((255, 255, 255) if lit else (x * 255 // width, y * 255 // height, 128))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def output_path(name: str) -> str:
    """``--out`` if given, else ``name`` in a temporary folder of the examples."""
    chosen: str | None = settings().out
    if chosen:
        return chosen
    folder = os.path.join(tempfile.gettempdir(), "genai_live_examples")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)
