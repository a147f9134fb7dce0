"""Benchmark driver for Google's official SDK (google-genai), the same workloads as ours.py.

    python benchmarks/peer.py --workload recv --url ws://127.0.0.1:PORT [--runs 3]

The SDK is driven as its documentation shows (``client.aio.live.connect``, ``session.receive()``,
``send_client_content``, ``send_realtime_input``) over plain ``ws://``: for API keys the SDK always
builds a ``wss://`` URL, so `make_client` replaces two private members of the client instance
(``_websocket_base_url`` and ``_websocket_ssl_ctx``) to point the same SDK code at the bench
server's plain socket, as genai_live uses. When google-genai is not installed the driver reports
the workload as skipped (exit status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import server
from server import MODEL, Run

IMPORT_STATEMENT = "from google import genai"
AUDIO_CONFIG = {"response_modalities": ["AUDIO"]}
TEXT_CONFIG = {"response_modalities": ["TEXT"]}
RUN_TIMEOUT_S = 300.0


def make_client(url: str) -> Any:
    """An SDK client for the bench server: as shipped for ``wss://`` (it trusts
    ``SSL_CERT_FILE``), with its Live sessions pointed at ``url`` for plain ``ws://``."""
    from google import genai
    from google.genai import types

    options = types.HttpOptions(base_url="http" + url[2:], api_version="v1beta")
    client = genai.Client(api_key="bench-key", http_options=options)
    if url.startswith("wss://"):
        return client
    api = client._api_client
    setattr(api, "_websocket_base_url", lambda http_options=None: url)  # noqa: B010 (a method)
    api._websocket_ssl_ctx = {}
    return client


def _blocking(workload: Callable[[argparse.Namespace], Awaitable[Run]]) -> Callable[..., Run]:
    """Run an async workload to completion in a fresh event loop, bounded in time."""

    def run(args: argparse.Namespace) -> Run:
        return asyncio.run(asyncio.wait_for(workload(args), RUN_TIMEOUT_S))

    return run


async def run_recv(args: argparse.Namespace) -> Run:
    """Read N audio messages and the turnComplete with ``session.receive()``, down to bytes."""
    from google.genai import types

    chunk = args.chunk_bytes or server.RECV_CHUNK_BYTES
    client = make_client(args.url)
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="go")])
        )
        count = nbytes = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        async for message in session.receive():
            count += 1
            content = message.server_content
            if content is not None and content.model_turn is not None:
                for part in content.model_turn.parts or ():
                    if part.inline_data is not None and part.inline_data.data is not None:
                        nbytes += len(part.inline_data.data)
        wall1, cpu1 = time.perf_counter(), time.process_time()
    return server.recv_figures(count, nbytes, args.messages * chunk, wall1 - wall0, cpu1 - cpu0)


async def run_rtt(args: argparse.Namespace) -> Run:
    """Text turn out, one-frame reply back, read with ``session.receive()``."""
    from google.genai import types

    turn = types.Content(role="user", parts=[types.Part(text="ping")])
    latencies: list[float] = []
    client = make_client(args.url)
    async with client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
        cpu0 = 0.0
        for index in range(args.warmup_iterations + args.iterations):
            if index == args.warmup_iterations:
                cpu0 = time.process_time()
            started = time.perf_counter_ns()
            await session.send_client_content(turns=turn)
            async for _message in session.receive():
                pass
            ended = time.perf_counter_ns()
            if index >= args.warmup_iterations:
                latencies.append((ended - started) / 1000)
        cpu = time.process_time() - cpu0
    return server.rtt_figures(latencies, cpu)


async def run_send(args: argparse.Namespace) -> Run:
    """N realtimeInput audio chunks (a new Blob each), then wait for the server's count."""
    from google.genai import types

    size = args.chunk_bytes or server.SEND_CHUNK_BYTES
    chunk = server.pcm_bytes(size)
    client = make_client(args.url)
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.messages):
            await session.send_realtime_input(
                audio=types.Blob(data=chunk, mime_type=server.SEND_MIME)
            )
        cpu1, wall1 = time.process_time(), time.perf_counter()
        text = ""
        async for message in session.receive():
            text += message.text or ""
        cpu2, wall2 = time.process_time(), time.perf_counter()
    ack = json.loads(text)
    return server.send_figures(args.messages, size, ack, (wall0, wall1, wall2), (cpu0, cpu1, cpu2))


async def run_connect(args: argparse.Namespace) -> Run:
    """Socket open + setup + setupComplete: the time until the ``connect()`` context is entered."""
    client = make_client(args.url)
    latencies: list[float] = []
    for index in range(server.CONNECT_WARMUP + args.connects):
        started = time.perf_counter_ns()
        async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG):
            ended = time.perf_counter_ns()
        if index >= server.CONNECT_WARMUP:
            latencies.append((ended - started) / 1e6)
    return server.connect_figures(latencies)


async def run_scale(args: argparse.Namespace) -> Run:
    """N sessions, each streaming stamped audio both ways at real time, for one window."""
    from google.genai import types

    server.raise_open_file_limit()
    window = server.Window()
    template = server.pcm_bytes(server.SCALE_IN_CHUNK_BYTES)
    client = make_client(args.url)
    rss_base = server.rss_kib()
    checks: list[server.StreamCheck] = []
    sessions: list[Any] = []
    readers: list[asyncio.Task[None]] = []
    started = time.monotonic()
    connect_limit = 30 + 0.05 * args.sessions
    stack = contextlib.AsyncExitStack()
    try:
        for _ in range(args.sessions):
            session = await stack.enter_async_context(
                client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG)
            )
            check = server.StreamCheck(window)
            sessions.append(session)
            checks.append(check)
            readers.append(asyncio.create_task(_scale_reader(session, check)))
            if time.monotonic() - started > connect_limit:
                raise SystemExit(f"scale: connecting took over {connect_limit:.0f} s")
        connect_s = time.monotonic() - started
        window.since_ns = time.monotonic_ns() + int(args.settle * 1e9)
        window.until_ns = window.since_ns + int(args.window * 1e9)

        async def send(index: int, seq: int, due_ns: int) -> None:
            chunk = server.stamped_chunk(template, seq, due_ns)
            try:
                await sessions[index].send_realtime_input(
                    audio=types.Blob(data=chunk, mime_type=server.SEND_MIME)
                )
                checks[index].sent += 1
            except Exception as exc:  # the SDK raises websockets' errors as they are
                checks[index].fail(f"send failed: {exc!r}")

        period_ns = server.SCALE_IN_PERIOD_MS * 1_000_000
        pacer = asyncio.create_task(_pace(len(sessions), period_ns, window.until_ns, send))
        await asyncio.sleep(max(0.0, (window.since_ns - time.monotonic_ns()) / 1e9))
        cpu0 = time.process_time()
        await asyncio.sleep(max(0.0, (window.until_ns - time.monotonic_ns()) / 1e9))
        cpu1 = time.process_time()
        rss_end = server.rss_kib()
        await asyncio.wait_for(pacer, 30)
        request = types.Content(role="user", parts=[types.Part(text=window.request())])
        for session, check in zip(sessions, checks, strict=True):
            try:
                await session.send_client_content(turns=request)
            except Exception as exc:
                check.fail(f"statistics request failed: {exc!r}")
        limit = time.monotonic() + 15 + 0.02 * len(sessions)
        for check in checks:
            while not check.replied.is_set() and time.monotonic() < limit:
                await asyncio.sleep(0.01)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        try:  # closing handshakes, bounded: the process ends next
            await asyncio.wait_for(stack.aclose(), 20)
        except asyncio.TimeoutError:
            pass
    return server.scale_summary(
        checks,
        cpu_s=cpu1 - cpu0,
        window_s=args.window,
        rss_base_kib=rss_base,
        rss_end_kib=rss_end,
        connect_s=connect_s,
        max_delay_ms=args.max_delay_ms,
    )


async def _scale_reader(session: Any, check: server.StreamCheck) -> None:
    try:
        while True:
            async for message in session.receive():
                check.message(message)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        check.fail(f"receive failed: {exc!r}")


async def _pace(
    sessions: int, period_ns: int, until_ns: int, send: Callable[[int, int, int], Awaitable[None]]
) -> None:
    """The asyncio twin of ``server.pace``: the same schedule, awaited sends."""
    start = time.monotonic_ns()
    slot = 0
    while True:
        due = start + slot * period_ns // sessions
        if due >= until_ns or time.monotonic_ns() >= until_ns:
            return
        ahead = due - time.monotonic_ns()
        if ahead > 1_000_000:
            await asyncio.sleep(ahead / 1e9)
        await send(slot % sessions, slot // sessions, due)
        slot += 1


WORKLOADS = {
    "recv": _blocking(run_recv),
    "rtt": _blocking(run_rtt),
    "send": _blocking(run_send),
    "connect": _blocking(run_connect),
    "scale": _blocking(run_scale),
}


def main() -> int:
    """Command line entry point."""
    args = server.driver_parser(__doc__ or "").parse_args()
    for name in list(os.environ):  # the SDK reads its configuration from these
        if name.startswith(("GOOGLE_", "GEMINI_")):
            del os.environ[name]
    try:
        from google import genai
    except ImportError as exc:
        reason = f"google-genai is not importable ({exc}); install it: pip install google-genai"
        print(f"peer.py: skipped: {reason}", file=sys.stderr)
        server.emit({"driver": "peer", "workload": args.workload, "runs": [], "skipped": reason})
        return 0
    info = {"client": "google-genai", "version": genai.__version__}
    return server.run_driver("peer", args, WORKLOADS, IMPORT_STATEMENT, info)


if __name__ == "__main__":
    sys.exit(main())
