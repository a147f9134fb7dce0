"""The floor: the same workloads as a bare websocket-client loop, with no library around it.

    python benchmarks/floor.py --workload recv --url ws://127.0.0.1:PORT [--runs 3]

Receiving is ``ws.recv()``, a JSON parse and a base64 decode; sending is a base64 encode, a JSON
dump and ``ws.send()``. It parses JSON with orjson when that is installed, as genai_live does, so
"ours / floor" compares like with like. Any client built on websocket-client pays at least this.
"""

from __future__ import annotations

import argparse
import base64
import json
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import server
import websocket
from server import MODEL, Run

loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], bytes | str]
try:
    import orjson

    loads, dumps, JSON_LIBRARY = orjson.loads, orjson.dumps, "orjson"
except ImportError:
    loads, dumps, JSON_LIBRARY = json.loads, json.dumps, "json"

IMPORT_STATEMENT = f"import base64, {JSON_LIBRARY}, websocket"
SETUP = {
    "setup": {"model": f"models/{MODEL}", "generationConfig": {"responseModalities": ["AUDIO"]}}
}
TEXT = websocket.ABNF.OPCODE_TEXT


def open_session(url: str, *, threaded: bool = False) -> websocket.WebSocket:
    """Connect, send the setup, read setupComplete."""
    ws = websocket.create_connection(
        url, timeout=30, skip_utf8_validation=True, enable_multithread=threaded
    )
    ws.send(dumps(SETUP), TEXT)
    reply = loads(ws.recv())
    if "setupComplete" not in reply:
        raise SystemExit(f"floor: expected setupComplete, got {reply!r}")
    return ws


def client_text(text: str) -> bytes | str:
    """A clientContent frame with one user text part."""
    turn = {"role": "user", "parts": [{"text": text}]}
    return dumps({"clientContent": {"turns": [turn], "turnComplete": True}})


def audio_frame(chunk: bytes) -> bytes | str:
    """A realtimeInput audio frame."""
    blob = {"data": base64.b64encode(chunk).decode("ascii"), "mimeType": server.SEND_MIME}
    return dumps({"realtimeInput": {"audio": blob}})


def run_recv(args: argparse.Namespace) -> Run:
    """recv + parse + base64 decode until turnComplete."""
    chunk = server.RECV_CHUNK_BYTES
    ws = open_session(args.url)
    ws.send(client_text("go"), TEXT)
    count = nbytes = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while True:
        message = loads(ws.recv())
        count += 1
        content = message.get("serverContent")
        if content is None:
            continue
        for part in content.get("modelTurn", {}).get("parts", ()):
            blob = part.get("inlineData")
            if blob is not None:
                nbytes += len(base64.b64decode(blob["data"]))
        if content.get("turnComplete"):
            break
    wall1, cpu1 = time.perf_counter(), time.process_time()
    ws.close()
    return server.recv_figures(count, nbytes, args.messages * chunk, wall1 - wall0, cpu1 - cpu0)


def run_rtt(args: argparse.Namespace) -> Run:
    """Send + blocking recv on one thread."""
    ws = open_session(args.url)
    frame = client_text("ping")
    latencies: list[float] = []
    cpu0 = 0.0
    for index in range(args.warmup_iterations + args.iterations):
        if index == args.warmup_iterations:
            cpu0 = time.process_time()
        started = time.perf_counter_ns()
        ws.send(frame, TEXT)
        while True:
            content = loads(ws.recv()).get("serverContent") or {}
            if content.get("turnComplete"):
                break
        ended = time.perf_counter_ns()
        if index >= args.warmup_iterations:
            latencies.append((ended - started) / 1000)
    cpu = time.process_time() - cpu0
    ws.close()
    return server.rtt_figures(latencies, cpu)


def run_send(args: argparse.Namespace) -> Run:
    """Encode and send N audio chunks, then read the server's count."""
    size = server.SEND_CHUNK_BYTES
    chunk = server.pcm_bytes(size)
    ws = open_session(args.url)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(args.messages):
        ws.send(audio_frame(chunk), TEXT)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    reply = loads(ws.recv())
    cpu2, wall2 = time.process_time(), time.perf_counter()
    ws.close()
    ack = json.loads(reply["serverContent"]["modelTurn"]["parts"][0]["text"])
    return server.send_figures(args.messages, size, ack, (wall0, wall1, wall2), (cpu0, cpu1, cpu2))


def run_connect(args: argparse.Namespace) -> Run:
    """Socket open + setup + setupComplete."""
    latencies: list[float] = []
    for index in range(server.CONNECT_WARMUP + args.connects):
        started = time.perf_counter_ns()
        ws = open_session(args.url)
        ended = time.perf_counter_ns()
        ws.close()
        if index >= server.CONNECT_WARMUP:
            latencies.append((ended - started) / 1e6)
    return server.connect_figures(latencies)


def run_scale(args: argparse.Namespace) -> Run:
    """N sockets, one reader thread each, one pacer thread sending for all."""
    return _scale(args, one_reader=False)


def run_scale_selector(args: argparse.Namespace) -> Run:
    """N sockets read by one thread through a selector, one pacer thread sending for all: what
    the thread-per-connection design costs, measured."""
    return _scale(args, one_reader=True)


def _scale(args: argparse.Namespace, *, one_reader: bool) -> Run:
    run = server.ScaleRun(args)
    sockets: list[websocket.WebSocket] = []
    try:
        for check in run.opening():
            ws = open_session(args.url, threaded=True)
            ws.settimeout(None)
            sockets.append(ws)
            if not one_reader:
                threading.Thread(target=_scale_reader, args=(ws, check), daemon=True).start()
        if not run.opened:
            return run.summary()
        if one_reader:
            reader = threading.Thread(
                target=_select_reader, args=(sockets, run.checks), daemon=True
            )
            reader.start()

        def send(index: int, seq: int, due_ns: int) -> None:
            try:
                sockets[index].send(audio_frame(run.chunk(seq, due_ns)), TEXT)
                run.checks[index].sent += 1
            except (OSError, websocket.WebSocketException) as exc:
                run.checks[index].fail(f"send failed: {exc!r}")

        run.measure(send)
        request = client_text(run.window.request())
        for ws, check in zip(sockets, run.checks, strict=True):
            try:
                ws.send(request, TEXT)
            except (OSError, websocket.WebSocketException) as exc:
                check.fail(f"statistics request failed: {exc!r}")
        run.wait_for_replies()
    finally:
        for ws in sockets:  # no closing handshake: it would wait behind the streamed chunks
            if ws.sock is not None:
                ws.sock.shutdown(socket.SHUT_RDWR)
                ws.sock.close()
    return run.summary()


def _scale_reader(ws: websocket.WebSocket, check: server.StreamCheck) -> None:
    try:
        while not check.replied.is_set():
            _read_one(ws, check)
    except (OSError, ValueError, websocket.WebSocketException) as exc:
        check.fail(f"receive failed: {exc!r}")


def _select_reader(sockets: list[websocket.WebSocket], checks: list[server.StreamCheck]) -> None:
    selector = selectors.DefaultSelector()
    for ws, check in zip(sockets, checks, strict=True):
        assert ws.sock is not None
        selector.register(ws.sock, selectors.EVENT_READ, (ws, check))
    while selector.get_map():
        for key, _ in selector.select(timeout=1):
            ws, check = key.data
            try:
                _read_one(ws, check)
            except (OSError, ValueError, websocket.WebSocketException) as exc:
                check.fail(f"receive failed: {exc!r}")
            if check.replied.is_set():
                selector.unregister(key.fileobj)


def _read_one(ws: websocket.WebSocket, check: server.StreamCheck) -> None:
    content = loads(ws.recv()).get("serverContent") or {}
    for part in content.get("modelTurn", {}).get("parts", ()):
        if "inlineData" in part:
            check.chunk(base64.b64decode(part["inlineData"]["data"]))
        elif "text" in part:
            check.reply(part["text"])


WORKLOADS = {
    "recv": run_recv,
    "scale_selector": run_scale_selector,
    "rtt": run_rtt,
    "send": run_send,
    "connect": run_connect,
    "scale": run_scale,
}


def main() -> int:
    """Command line entry point."""
    args = server.driver_parser(__doc__ or "").parse_args()
    info = {"client": f"websocket-client {websocket.__version__} + {JSON_LIBRARY}"}
    return server.run_driver("floor", args, WORKLOADS, IMPORT_STATEMENT, info)


if __name__ == "__main__":
    sys.exit(main())
