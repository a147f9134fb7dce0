"""Benchmark driver for genai_live: each workload through the public API, against benchmarks/server.py.

    python benchmarks/ours.py --workload recv --url ws://127.0.0.1:PORT [--runs 3]

Prints one ``RESULT {json}`` line (see ``server.run_driver``). run.py starts the server and this
driver in separate processes, so the CPU figures are this client's alone.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import time
from typing import Any

import server
from server import MODEL, Run

import genai_live
from genai_live import types

IMPORT_STATEMENT = "import genai_live"
AUDIO_CONFIG = {"response_modalities": ["AUDIO"]}
TEXT_CONFIG = {"response_modalities": ["TEXT"]}


def make_client(url: str) -> genai_live.Client:
    """A client for the bench server (``ws://`` URL; the client takes its ``http://`` twin)."""
    return genai_live.Client(api_key="bench-key", http_options={"base_url": "http" + url[2:]})


def _deadline(session: genai_live.Session, seconds: float) -> threading.Timer:
    """Close ``session`` if a run takes longer than ``seconds`` (ends any blocked loop)."""
    timer = threading.Timer(seconds, session.close)
    timer.daemon = True
    timer.start()
    return timer


def run_recv(args: argparse.Namespace) -> Run:
    """Read N audio messages and the turnComplete by iterating the session, down to bytes."""
    chunk = server.RECV_CHUNK_BYTES
    client = make_client(args.url)
    with client.live.connect(MODEL, config=AUDIO_CONFIG) as session:
        timer = _deadline(session, 120)
        session.receive(timeout=30)  # setupComplete: the SDK consumes it inside connect()
        session.send_client_content(turns="go")
        count = nbytes = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for message in session:
            count += 1
            content = message.server_content
            if content is None:
                continue
            if content.model_turn is not None:
                for part in content.model_turn.parts or ():
                    if part.inline_data is not None and part.inline_data.data is not None:
                        nbytes += len(part.inline_data.data)
            if content.turn_complete:
                break
        wall1, cpu1 = time.perf_counter(), time.process_time()
        timer.cancel()
    return server.recv_figures(count, nbytes, args.messages * chunk, wall1 - wall0, cpu1 - cpu0)


def run_recv_callbacks(args: argparse.Namespace) -> Run:
    """The recv workload read through ``callbacks={"onmessage": ...}`` (no queue, no iteration)."""
    chunk = server.RECV_CHUNK_BYTES
    done = threading.Event()
    totals = [0, 0]  # messages, bytes

    def on_message(message: types.LiveServerMessage) -> None:
        content = message.server_content
        if content is None:
            return
        totals[0] += 1
        if content.model_turn is not None:
            for part in content.model_turn.parts or ():
                if part.inline_data is not None and part.inline_data.data is not None:
                    totals[1] += len(part.inline_data.data)
        if content.turn_complete:
            done.set()

    client = make_client(args.url)
    with client.live.connect(
        MODEL, config=AUDIO_CONFIG, callbacks={"onmessage": on_message}
    ) as session:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        session.send_client_content(turns="go")
        if not done.wait(120):
            raise SystemExit("recv/callbacks: no turnComplete within 120 s")
        wall1, cpu1 = time.perf_counter(), time.process_time()
    count, nbytes = totals
    return server.recv_figures(count, nbytes, args.messages * chunk, wall1 - wall0, cpu1 - cpu0)


def run_rtt(args: argparse.Namespace) -> Run:
    """Text turn out, one-frame reply back, read with ``receive_turn``."""
    turn = types.Content(role="user", parts=[types.Part(text="ping")])
    latencies: list[float] = []
    client = make_client(args.url)
    with client.live.connect(MODEL, config=TEXT_CONFIG) as session:
        cpu0 = 0.0
        for index in range(args.warmup_iterations + args.iterations):
            if index == args.warmup_iterations:
                cpu0 = time.process_time()
            started = time.perf_counter_ns()
            session.send_client_content(turns=turn)
            session.receive_turn(timeout=30)
            ended = time.perf_counter_ns()
            if index >= args.warmup_iterations:
                latencies.append((ended - started) / 1000)
        cpu = time.process_time() - cpu0
    return server.rtt_figures(latencies, cpu)


def run_send(args: argparse.Namespace) -> Run:
    """N realtimeInput audio chunks (a new Blob each), then wait for the server's count."""
    size = server.SEND_CHUNK_BYTES
    chunk = server.pcm_bytes(size)
    client = make_client(args.url)
    with client.live.connect(MODEL, config=AUDIO_CONFIG) as session:
        timer = _deadline(session, 120)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.messages):
            session.send_realtime_input(audio=types.Blob(data=chunk, mime_type=server.SEND_MIME))
        cpu1, wall1 = time.process_time(), time.perf_counter()
        ack = json.loads(session.receive_turn(timeout=60).text)
        cpu2, wall2 = time.process_time(), time.perf_counter()
        timer.cancel()
    return server.send_figures(args.messages, size, ack, (wall0, wall1, wall2), (cpu0, cpu1, cpu2))


def run_connect(args: argparse.Namespace) -> Run:
    """Socket open + setup + setupComplete: the time ``connect()`` takes to return."""
    client = make_client(args.url)
    latencies: list[float] = []
    for index in range(server.CONNECT_WARMUP + args.connects):
        started = time.perf_counter_ns()
        session = client.live.connect(MODEL, config=AUDIO_CONFIG, timeout=10)
        ended = time.perf_counter_ns()
        session.close()
        if index >= server.CONNECT_WARMUP:
            latencies.append((ended - started) / 1e6)
    return server.connect_figures(latencies)


def run_scale(args: argparse.Namespace, *, shared_reader: bool = False) -> Run:
    """N sessions, each streaming stamped audio both ways at real time, for one window
    (``shared_reader``: all read by one thread, else a reader thread each)."""
    client = make_client(args.url)
    run = server.ScaleRun(args)
    sessions: list[genai_live.Session] = []
    try:
        for check in run.opening():
            callbacks = {"onmessage": check.message, "onclose": _scale_closed(check)}
            sessions.append(
                client.live.connect(
                    MODEL, config=AUDIO_CONFIG, callbacks=callbacks, shared_reader=shared_reader
                )
            )
        if not run.opened:
            return run.summary()

        def send(index: int, seq: int, due_ns: int) -> None:
            chunk = run.chunk(seq, due_ns)
            try:
                sessions[index].send_realtime_input(
                    audio=types.Blob(data=chunk, mime_type=server.SEND_MIME)
                )
                run.checks[index].sent += 1
            except genai_live.LiveError as exc:
                run.checks[index].fail(f"send failed: {exc}")

        run.measure(send)
        request = run.window.request()
        for session, check in zip(sessions, run.checks, strict=True):
            try:
                session.send_client_content(turns=request)
            except genai_live.LiveError as exc:
                check.fail(f"statistics request failed: {exc}")
        run.wait_for_replies()
    finally:
        _close_all(sessions)
    return run.summary()


def _close_all(sessions: list[genai_live.Session], limit_s: float = 20.0) -> None:
    """Close the sessions, 16 at a time, for at most ``limit_s`` (the process ends next)."""
    pending: queue.SimpleQueue[genai_live.Session] = queue.SimpleQueue()
    for session in sessions:
        pending.put(session)

    def close_some() -> None:
        while True:
            try:
                pending.get_nowait().close()
            except queue.Empty:
                return

    closers = [threading.Thread(target=close_some, daemon=True) for _ in range(16)]
    for closer in closers:
        closer.start()
    deadline = time.monotonic() + limit_s
    for closer in closers:
        closer.join(max(0.0, deadline - time.monotonic()))


def _scale_closed(check: server.StreamCheck) -> Any:
    def on_close(event: genai_live.CloseEvent) -> None:
        if check.stats is None:
            check.fail(f"session closed early: {event.code} {event.reason}")

    return on_close


WORKLOADS = {
    "recv": run_recv,
    "recv_callbacks": run_recv_callbacks,
    "rtt": run_rtt,
    "send": run_send,
    "connect": run_connect,
    "scale": run_scale,
    "scale_shared": lambda args: run_scale(args, shared_reader=True),
}


def main() -> int:
    """Command line entry point."""
    args = server.driver_parser(__doc__ or "").parse_args()
    info = {"client": "genai_live", "version": genai_live.__version__}
    return server.run_driver("ours", args, WORKLOADS, IMPORT_STATEMENT, info)


if __name__ == "__main__":
    sys.exit(main())
