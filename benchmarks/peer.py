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

    chunk = server.RECV_CHUNK_BYTES
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

    size = server.SEND_CHUNK_BYTES
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

    client = make_client(args.url)
    run = server.ScaleRun(args)
    sessions: list[Any] = []
    readers: list[asyncio.Task[None]] = []
    stack = contextlib.AsyncExitStack()
    try:
        for check in run.opening():
            session = await stack.enter_async_context(
                client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG)
            )
            sessions.append(session)
            readers.append(asyncio.create_task(_scale_reader(session, check)))
        if not run.opened:
            return run.summary()

        async def send(index: int, seq: int, due_ns: int) -> None:
            chunk = run.chunk(seq, due_ns)
            try:
                await sessions[index].send_realtime_input(
                    audio=types.Blob(data=chunk, mime_type=server.SEND_MIME)
                )
                run.checks[index].sent += 1
            except Exception as exc:  # the SDK raises websockets' errors as they are
                run.checks[index].fail(f"send failed: {exc!r}")

        await run.measure_async(send)
        request = types.Content(role="user", parts=[types.Part(text=run.window.request())])
        for session, check in zip(sessions, run.checks, strict=True):
            try:
                await session.send_client_content(turns=request)
            except Exception as exc:
                check.fail(f"statistics request failed: {exc!r}")
        await run.wait_for_replies_async()
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        try:  # closing handshakes, bounded: the process ends next
            await asyncio.wait_for(stack.aclose(), 20)
        except asyncio.TimeoutError:
            pass
    return run.summary()


async def _scale_reader(session: Any, check: server.StreamCheck) -> None:
    try:
        while True:
            async for message in session.receive():
                check.message(message)
    except Exception as exc:  # not CancelledError (a BaseException): the reader's normal end
        check.fail(f"receive failed: {exc!r}")


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
