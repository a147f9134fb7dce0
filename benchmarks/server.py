"""Loopback Live API benchmark server (run as its own process) and the workload facts it shares.

The server speaks just enough WebSocket (RFC 6455, no extensions) on 127.0.0.1 to play the Live
API for one workload, chosen by ``--workload``. It is plain asyncio with pre-built frames, so that
its own CPU cost stays far below that of any client under test. Once listening it prints one JSON
line, ``{"url": "ws://127.0.0.1:PORT", "port": PORT, "pid": PID, ...}``, then serves every
connection (any path) until SIGTERM/SIGINT. ``--tls`` serves ``wss://`` instead, with a fresh
self-signed certificate whose path the banner gives as ``cert``.

Every connection: the client's first frame is its setup; the server answers ``{"setupComplete":{}}``.
Then, per workload (binary frames, compact JSON, payload identical every time unless stamped):

``recv``     the next client frame starts a burst of ``--messages`` frames
             ``{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":
             "audio/pcm;rate=24000","data":"<base64 of RECV_CHUNK_BYTES>"}}]}}}`` and a final
             ``{"serverContent":{"turnComplete":true}}``.
``rtt``      every client frame is answered at once with ``{"serverContent":{"modelTurn":
             {"role":"model","parts":[{"text":"ok"}]},"turnComplete":true}}``.
``send``     frames carrying ``realtimeInput.audio`` are counted; after ``--messages`` of them the
             server answers with a text part ``{"received":N,"audio_bytes":B,"server_s":T}`` and
             ``turnComplete``.
``connect``  nothing beyond the setup exchange.
``scale``    right after ``setupComplete`` the server streams one `SCALE_OUT_CHUNK_BYTES` audio
             chunk every `SCALE_OUT_PERIOD_MS` at real time; the first bytes of each chunk's PCM
             are a `STAMP` (sequence number, ``time.monotonic_ns()`` when sent). The client streams
             stamped audio the other way (``realtimeInput.audio``, the stamp holding the time the
             chunk was due). A ``clientContent`` text ``{"since_ns":A,"until_ns":B}`` is answered
             with a text part holding `scale_stats` for that window.

``time.monotonic_ns()`` is one system-wide clock on Linux, so stamps taken in one process can be
compared with readings taken in another on the same machine. The server parses, unmasks and
answers the handshake with genai_live's own helpers, imported by `ServerOptions` only: the drivers
import this module too, and floor.py must not load genai_live.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

MODEL = "gemini-live-2.5-flash-preview"
RECV_MIME = "audio/pcm;rate=24000"
SEND_MIME = "audio/pcm;rate=16000"

RECV_MESSAGES = 20_000
RECV_CHUNK_BYTES = 3_840
SEND_CHUNK_BYTES = 3_200
SCALE_OUT_CHUNK_BYTES = 1_920  # 40 ms of 24 kHz PCM16
SCALE_OUT_PERIOD_MS = 40
SCALE_IN_CHUNK_BYTES = 3_200  # 100 ms of 16 kHz PCM16
SCALE_IN_PERIOD_MS = 100
_SCALE_OUT_PERIOD_NS = SCALE_OUT_PERIOD_MS * 1_000_000

STAMP = struct.Struct("<IQ")
"""The head of every scale chunk's PCM: sequence number (from 0), ``time.monotonic_ns()``."""

# Base64 of the first 12 PCM bytes is exactly the first 16 characters, whatever follows.
_STAMP_B64_CHARS = 16

_OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 0x2, 0x8, 0x9, 0xA
_BURST_BATCH = 16  # recv frames per transport.write: fewer, larger writes keep the server cheap


def pcm_bytes(size: int, seed: int = 12345) -> bytes:
    """Deterministic noise standing in for PCM audio (a linear congruential generator)."""
    out = bytearray(size)
    x = seed
    for i in range(size):
        x = (1103515245 * x + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def compact_json(obj: Any) -> bytes:
    """JSON without spaces, as the service sends it."""
    return json.dumps(obj, separators=(",", ":")).encode()


def server_frame(payload: bytes, opcode: int = _OP_BINARY) -> bytes:
    """One unmasked, unfragmented frame (the server-to-client direction)."""
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, size))
    elif size < 1 << 16:
        head = bytes((0x80 | opcode, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 127)) + size.to_bytes(8, "big")
    return head + payload


def _reply_text(text: str) -> bytes:
    content = {"modelTurn": {"parts": [{"text": text}]}, "turnComplete": True}
    return compact_json({"serverContent": content})


class Frames:
    """The workload's pre-built server frames."""

    def __init__(self) -> None:
        audio = base64.b64encode(pcm_bytes(RECV_CHUNK_BYTES)).decode()
        blob = {"mimeType": RECV_MIME, "data": audio}
        message = {"serverContent": {"modelTurn": {"parts": [{"inlineData": blob}]}}}
        self.setup_complete = server_frame(compact_json({"setupComplete": {}}))
        self.audio = server_frame(compact_json(message))
        self.audio_batch = self.audio * _BURST_BATCH
        self.turn_complete = server_frame(compact_json({"serverContent": {"turnComplete": True}}))
        reply = {"modelTurn": {"role": "model", "parts": [{"text": "ok"}]}, "turnComplete": True}
        self.rtt_reply = server_frame(compact_json({"serverContent": reply}))
        # scale chunks: the JSON around the base64, which changes with every stamp
        marker = "@@DATA@@"
        blob = {"mimeType": RECV_MIME, "data": marker}
        message = {"serverContent": {"modelTurn": {"parts": [{"inlineData": blob}]}}}
        head, tail = compact_json(message).split(marker.encode())
        self.scale_head, self.scale_tail = head, tail
        self.scale_pcm = bytearray(pcm_bytes(SCALE_OUT_CHUNK_BYTES, seed=777))


class ServerOptions:
    """What the command line chose, and the genai_live helpers the server uses."""

    def __init__(self, args: argparse.Namespace) -> None:
        # Imported here, in the server process alone (see the module's docstring). With the
        # ``fast`` extra installed they use orjson and wsaccel, the standard library otherwise.
        from genai_live.codec import loads
        from genai_live.handshake import accept_value
        from genai_live.transport import mask_payload

        self.workload: str = args.workload
        self.messages: int = args.messages
        self.frames = Frames()
        self.loads: Callable[[bytes], Any] = loads
        self.accept_value: Callable[[str], str] = accept_value
        self.mask_payload: Callable[[bytes, bytes], bytes] = mask_payload


class Connection(asyncio.Protocol):
    """One client: the HTTP upgrade, then frames in both directions."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.frames = options.frames
        self.loads = options.loads  # per client message: one attribute, not two
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.closed = False
        self.set_up = False
        self.fragments: list[bytes] = []
        self.paused = False
        self.burst_left = 0
        # send workload
        self.count = 0
        self.audio_bytes = 0
        self.first_ns = 0
        # scale workload
        self.timer: asyncio.TimerHandle | None = None
        self.out_seq = 0
        self.out_due_ns = 0
        self.out_lag: list[tuple[int, float]] = []
        self.in_next_seq = 0
        self.in_received = 0
        self.in_lost = 0
        self.in_delay: list[tuple[int, float]] = []

    # ---------------------------------------------------------------- asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._close(None)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._pump()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded and not self._upgrade():
            return
        self._read_frames()

    # ---------------------------------------------------------------- WebSocket framing

    def _write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def _upgrade(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > 65536:
                self._abort()
            return False
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key")
        if key is None or not key.isascii():
            self._write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            self._abort()
            return False
        accept = self.options.accept_value(key)
        self._write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.upgraded = True
        return True

    def _read_frames(self) -> None:
        buffer = self.buffer
        unmask = self.options.mask_payload
        end = len(buffer)
        pos = 0
        while not self.closed and end - pos >= 2:
            b0, b1 = buffer[pos], buffer[pos + 1]
            size = b1 & 0x7F
            head = 2
            if size == 126:
                if end - pos < 4:
                    break
                size = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif size == 127:
                if end - pos < 10:
                    break
                size = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            masked = b1 & 0x80
            if masked:
                head += 4
            if end - pos < head + size:
                break
            start = pos + head
            payload = bytes(buffer[start : start + size])
            if masked:
                payload = unmask(bytes(buffer[start - 4 : start]), payload)
            pos = start + size
            self._on_frame(b0 & 0x0F, bool(b0 & 0x80), payload)
        del buffer[:pos]

    def _on_frame(self, opcode: int, fin: bool, payload: bytes) -> None:
        if opcode == _OP_CLOSE:
            self._close(payload[:2])
            return
        if opcode == _OP_PING:
            self._write(server_frame(payload, _OP_PONG))
            return
        if opcode == _OP_PONG:
            return
        if not fin:
            self.fragments.append(payload)
            return
        if self.fragments:
            payload = b"".join([*self.fragments, payload])
            self.fragments.clear()
        try:
            self._on_message(payload)
        except Exception as exc:  # a client sent something unexpected: say so, close with 1011
            print(f"server.py: {exc!r} on {payload[:120]!r}", file=sys.stderr)
            self._close((1011).to_bytes(2, "big"))

    def _close(self, status: bytes | None) -> None:
        """Stop this connection: with ``status`` (a close frame's payload), answer with a close
        frame and close the socket; None: the socket is already gone."""
        if status is not None:
            self._write(server_frame(status, _OP_CLOSE))
            if self.transport is not None:
                self.transport.close()
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()

    def _abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # ---------------------------------------------------------------- workloads

    def _on_message(self, payload: bytes) -> None:
        if not self.set_up:
            self.set_up = True
            self._write(self.frames.setup_complete)
            if self.options.workload == "scale":
                self.out_due_ns = time.monotonic_ns() + _SCALE_OUT_PERIOD_NS
                self._schedule_chunk()
            return
        workload = self.options.workload
        if workload == "rtt":
            self._write(self.frames.rtt_reply)
        elif workload == "recv":
            if self.burst_left == 0:
                self.burst_left = self.options.messages
                self._pump()
        elif workload == "send":
            self._count_audio(payload)
        elif workload == "scale":
            self._scale_message(payload)

    def _pump(self) -> None:
        """Write the recv burst while the socket takes it (asyncio flow control)."""
        while self.burst_left > 0 and not self.paused and not self.closed:
            if self.burst_left >= _BURST_BATCH:
                self._write(self.frames.audio_batch)
                self.burst_left -= _BURST_BATCH
            else:
                self._write(self.frames.audio * self.burst_left)
                self.burst_left = 0
            if self.burst_left == 0:
                self._write(self.frames.turn_complete)

    def _count_audio(self, payload: bytes) -> None:
        message = self.loads(payload)
        realtime = message.get("realtimeInput") or message.get("realtime_input")
        if not realtime or "audio" not in realtime:
            return
        if self.count == 0:
            self.first_ns = time.monotonic_ns()
        self.count += 1
        data = realtime["audio"].get("data", "")
        self.audio_bytes += len(data.rstrip("=")) * 3 // 4
        if self.count == self.options.messages:
            summary = {
                "received": self.count,
                "audio_bytes": self.audio_bytes,
                "server_s": round((time.monotonic_ns() - self.first_ns) / 1e9, 6),
            }
            self._write(server_frame(_reply_text(json.dumps(summary))))
            self.count = self.audio_bytes = 0

    def _schedule_chunk(self) -> None:
        loop = asyncio.get_running_loop()
        self.timer = loop.call_at(self.out_due_ns / 1e9, self._send_chunk)

    def _send_chunk(self) -> None:
        if self.closed:
            return
        frames = self.frames
        pcm = frames.scale_pcm
        now = time.monotonic_ns()
        STAMP.pack_into(pcm, 0, self.out_seq, now)
        data = binascii.b2a_base64(pcm, newline=False)
        self._write(server_frame(frames.scale_head + data + frames.scale_tail))
        self.out_lag.append((now, (now - self.out_due_ns) / 1e6))
        self.out_seq += 1
        self.out_due_ns += _SCALE_OUT_PERIOD_NS
        self._schedule_chunk()

    def _scale_message(self, payload: bytes) -> None:
        now = time.monotonic_ns()
        message = self.loads(payload)
        realtime = message.get("realtimeInput") or message.get("realtime_input")
        if realtime and "audio" in realtime:
            data = realtime["audio"].get("data", "")
            # the official SDK sends URL-safe base64; this decoder takes either alphabet
            seq, due_ns = STAMP.unpack(base64.urlsafe_b64decode(data[:_STAMP_B64_CHARS]))
            if seq != self.in_next_seq:
                self.in_lost += abs(seq - self.in_next_seq)
            self.in_next_seq = seq + 1
            self.in_received += 1
            self.in_delay.append((now, (now - due_ns) / 1e6))
            return
        content = message.get("clientContent") or message.get("client_content") or {}
        for turn in content.get("turns") or ():
            for part in turn.get("parts") or ():
                if "text" in part:
                    self._send_stats(json.loads(part["text"]))

    def _send_stats(self, window: dict[str, int]) -> None:
        since, until = window["since_ns"], window["until_ns"]
        stats = scale_stats(self, since, until)
        self._write(server_frame(_reply_text(json.dumps(stats))))


def scale_stats(conn: Connection, since: int, until: int) -> dict[str, Any]:
    """What the server reports for one scale session, for readings in ``[since, until]`` (ns).

    ``sent``: chunks sent so far (before this reply, so a client that has read the reply must
    have read exactly that many); ``lag_ms``: how late each chunk left the server against its
    schedule; ``in_received``/``in_lost``: the client's chunks; ``in_delay_ms``: arrival time
    minus due time of the client's chunks.
    """
    return {
        "sent": conn.out_seq,
        "lag_ms": [round(v, 3) for t, v in conn.out_lag if since <= t <= until],
        "in_received": conn.in_received,
        "in_lost": conn.in_lost,
        "in_delay_ms": [round(v, 3) for t, v in conn.in_delay if since <= t <= until],
    }


# ----------------------------------------------------------------------------- the driver kit
# What every client driver (ours.py, peer.py, floor.py) shares: the command line, the run loop and
# its JSON report, the import timer, and the scale bookkeeping.

DRIVER_WORKLOADS = (
    "import",
    "connect",
    "rtt",
    "recv",
    "recv_callbacks",
    "send",
    "scale",
    "scale_shared",
    "scale_selector",
)
CONNECT_WARMUP = 5
"""Unmeasured connects before each connect run."""
RESULT_PREFIX = "RESULT "
"""A driver's report is the one stdout line starting with this, followed by JSON."""

Run = dict[str, Any]


def driver_parser(description: str) -> argparse.ArgumentParser:
    """The command line every driver takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--workload", choices=DRIVER_WORKLOADS, required=True)
    p.add_argument("--url", default="", help="the bench server's ws:// URL (all but import)")
    p.add_argument("--messages", type=int, default=RECV_MESSAGES, help="recv/send: per run")
    p.add_argument("--iterations", type=int, default=2000, help="rtt: measured iterations")
    p.add_argument("--warmup-iterations", type=int, default=200, help="rtt: unmeasured first")
    p.add_argument("--connects", type=int, default=100, help="connect: measured connects per run")
    p.add_argument("--sessions", type=int, default=100, help="scale: concurrent sessions")
    p.add_argument("--window", type=float, default=5.0, help="scale: measured seconds")
    p.add_argument("--settle", type=float, default=1.0, help="scale: seconds before the window")
    p.add_argument("--max-delay-ms", type=float, default=50.0, help="scale: p99 delay limit")
    p.add_argument("--warmup-runs", type=int, default=1, help="unmeasured runs first")
    p.add_argument("--runs", type=int, default=1, help="measured runs")
    return p


def run_driver(
    name: str,
    args: argparse.Namespace,
    workloads: Mapping[str, Callable[[argparse.Namespace], Run]],
    import_statement: str,
    info: dict[str, Any],
) -> int:
    """Run ``args.workload`` (warm-up runs, then measured ones) and print the `RESULT_PREFIX` line.

    ``import`` needs no function: each run times ``import_statement`` in a fresh interpreter.
    ``info`` (library versions...) goes into the report as is.
    """
    measure: Callable[[argparse.Namespace], Run]
    if args.workload != "import" and args.workload not in workloads:
        report = {"driver": name, "workload": args.workload, "info": info, "runs": []}
        emit({**report, "error": f"{name} has no {args.workload} variant"})
        return 0
    if args.workload == "import":
        measure = lambda _args: {"import_ms": time_import(import_statement)}  # noqa: E731
    else:
        measure = workloads[args.workload]
    runs = []
    for index in range(args.warmup_runs + args.runs):
        result = measure(args)
        if index >= args.warmup_runs:
            runs.append(result)
    emit({"driver": name, "workload": args.workload, "info": info, "runs": runs})
    return 0


def emit(report: dict[str, Any]) -> None:
    """Print a driver's report for run.py."""
    print(RESULT_PREFIX + json.dumps(report), flush=True)


def recv_figures(count: int, nbytes: int, expected: int, wall_s: float, cpu_s: float) -> Run:
    """Check the decoded byte count and compute the recv figures."""
    if nbytes != expected:
        raise SystemExit(f"recv: decoded {nbytes} bytes, expected {expected}")
    return {"messages": count, "msgs_per_s": count / wall_s, "cpu_us_per_msg": cpu_s / count * 1e6}


def rtt_figures(latencies_us: list[float], cpu_s: float) -> Run:
    """p50/p90/p99 latency and CPU per iteration of an rtt run."""
    return {
        "p50_us": percentile(latencies_us, 0.5),
        "p90_us": percentile(latencies_us, 0.9),
        "p99_us": percentile(latencies_us, 0.99),
        "cpu_us_per_iter": cpu_s / len(latencies_us) * 1e6,
    }


def send_figures(
    messages: int, size: int, ack: dict[str, Any], walls: tuple[float, ...], cpus: tuple[float, ...]
) -> Run:
    """Check the server's count and compute the send figures from (start, loop end, ack) readings
    of ``time.perf_counter`` and ``time.process_time``."""
    if ack.get("received") != messages or ack.get("audio_bytes") != messages * size:
        raise SystemExit(f"send: server acknowledged {ack}, expected {messages} x {size} B")
    return {
        "messages": messages,
        "send_loop_msgs_per_s": messages / (walls[1] - walls[0]),
        "msgs_per_s": messages / (walls[2] - walls[0]),
        "cpu_us_per_msg": (cpus[2] - cpus[0]) / messages * 1e6,
    }


def connect_figures(latencies_ms: list[float]) -> Run:
    """Median and p90 of a connect run."""
    return {"p50_ms": percentile(latencies_ms, 0.5), "p90_ms": percentile(latencies_ms, 0.9)}


_IMPORT_TIMER = """\
import time
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""


def time_import(statement: str) -> float:
    """Milliseconds ``statement`` takes in a fresh interpreter (its start-up excluded)."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1]) * 1000


def rss_kib() -> int:
    """This process's resident memory (KiB), from /proc (0 where there is none)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stamped_chunk(template: bytes, seq: int, ns: int) -> bytes:
    """A new chunk: ``template`` with its head replaced by the `STAMP` (seq, ns), in one copy."""
    return STAMP.pack(seq, ns) + memoryview(template)[STAMP.size :]


class Window:
    """The measured window of a scale run (monotonic ns); nothing is measured until it is set."""

    def __init__(self) -> None:
        self.since_ns = 1 << 62
        self.until_ns = 1 << 62

    def request(self) -> str:
        """The clientContent text asking the server for its statistics over the window."""
        return json.dumps({"since_ns": self.since_ns, "until_ns": self.until_ns})


class StreamCheck:
    """Client-side bookkeeping of one scale session: the server's stamped chunks, then its reply.

    Counts chunks, gaps in their sequence (lost chunks) and, for chunks sent inside the window,
    the delivery delay (arrival minus the server's send stamp).
    """

    def __init__(self, window: Window) -> None:
        self.window = window
        self.next_seq = 0
        self.received = 0
        self.lost = 0
        self.delays_ms: list[float] = []
        self.sent = 0
        """Chunks this client sent to the server."""
        self.stats: dict[str, Any] | None = None
        self.received_at_reply = 0
        self.error: str | None = None
        self.replied = threading.Event()

    def chunk(self, pcm: bytes) -> None:
        """One audio chunk from the server, just decoded."""
        now = time.monotonic_ns()
        seq, sent_ns = STAMP.unpack_from(pcm)
        if seq != self.next_seq:
            self.lost += abs(seq - self.next_seq)
        self.next_seq = seq + 1
        self.received += 1
        window = self.window
        if window.since_ns <= sent_ns <= window.until_ns:
            self.delays_ms.append((now - sent_ns) / 1e6)

    def message(self, message: Any) -> None:
        """Take one server message, a genai_live or a google-genai type (the same attribute
        names): its audio chunks and its text reply."""
        content = message.server_content
        if content is None or content.model_turn is None:
            return
        for part in content.model_turn.parts or ():
            if part.inline_data is not None and part.inline_data.data is not None:
                self.chunk(part.inline_data.data)
            elif part.text is not None:
                self.reply(part.text)

    def reply(self, text: str) -> None:
        """The server's statistics (the answer to `Window.request`)."""
        self.received_at_reply = self.received
        self.stats = json.loads(text)
        self.replied.set()

    def fail(self, error: str) -> None:
        """The session ended or failed before its statistics came."""
        if self.error is None:
            self.error = error
        self.replied.set()


def pace(sessions: int, until_ns: int) -> Iterator[tuple[int, int, int, float]]:
    """The upstream schedule of a scale run, for the drivers' pacers: ``(session, seq, due_ns,
    wait_s)`` once per `SCALE_IN_PERIOD_MS` per session, the sessions spread evenly over the
    period, until ``until_ns``. The caller sleeps ``wait_s``, then sends chunk ``seq`` stamped
    ``due_ns``; ``wait_s`` is 0 when the slot is under a millisecond away (sleeps are coarse). A
    sender that has fallen behind stops at ``until_ns`` too: what it did not send is missing from
    the window's upstream chunks."""
    period_ns = SCALE_IN_PERIOD_MS * 1_000_000
    start = time.monotonic_ns()
    slot = 0
    while True:
        due = start + slot * period_ns // sessions
        now = time.monotonic_ns()  # once per slot
        if due >= until_ns or now >= until_ns:
            return
        ahead = due - now
        yield slot % sessions, slot // sessions, due, ahead / 1e9 if ahead > 1_000_000 else 0.0
        slot += 1


def seconds_until(ns: int) -> float:
    """Seconds from now until ``time.monotonic_ns()`` reads ``ns`` (0 when past)."""
    return max(0.0, (ns - time.monotonic_ns()) / 1e9)


def scale_summary(
    checks: list[StreamCheck],
    *,
    cpu_s: float,
    window_s: float,
    rss_base_kib: int,
    rss_end_kib: int,
    connect_s: float,
    max_delay_ms: float,
) -> Run:
    """Figures and verdict of one scale run from the sessions' `StreamCheck` objects."""
    sessions = len(checks)
    out_delays = [d for c in checks for d in c.delays_ms]
    in_delays: list[float] = []
    lags: list[float] = []
    lost_out = lost_in = 0
    errors = [c.error for c in checks if c.error]
    unanswered = 0
    for check in checks:
        stats = check.stats
        if stats is None:
            unanswered += 1
            lost_out += check.lost
            continue
        # Each direction's chunks lost are counted twice over: the gaps in the sequence numbers,
        # and the receiver's count against the sender's. A gap is also missing from the count,
        # and the count also has the chunks lost at the end (no later chunk shows their gap):
        # the larger of the two counts each lost chunk once.
        lost_out += max(check.lost, stats["sent"] - check.received_at_reply)
        lost_in += max(stats["in_lost"], check.sent - stats["in_received"])
        in_delays += stats["in_delay_ms"]
        lags += stats["lag_ms"]
    result: Run = {
        "sessions": sessions,
        "connect_s": round(connect_s, 3),
        "out_chunks": len(out_delays),
        "out_p50_ms": percentile(out_delays, 0.5),
        "out_p99_ms": percentile(out_delays, 0.99),
        "out_max_ms": max(out_delays, default=float("nan")),
        "in_chunks": len(in_delays),
        "in_p99_ms": percentile(in_delays, 0.99),
        "server_lag_p99_ms": percentile(lags, 0.99),
        "lost_out": lost_out,
        "lost_in": lost_in,
        "cpu_core_pct": 100 * cpu_s / window_s,
        "cpu_pct_per_session": 100 * cpu_s / window_s / sessions,
        "rss_mib": rss_end_kib / 1024,
        "rss_kib_per_session": (rss_end_kib - rss_base_kib) / sessions,
    }
    reasons = []
    if errors:
        reasons.append(f"{len(errors)} sessions failed, e.g. {errors[0]}")
    if unanswered:
        reasons.append(f"{unanswered} sessions did not answer the statistics request")
    if lost_out or lost_in:
        reasons.append(f"lost chunks: {lost_out} from the server, {lost_in} to it")
    expected = sessions * window_s * 1000 / SCALE_OUT_PERIOD_MS
    if len(out_delays) < 0.95 * expected:
        reasons.append(f"only {len(out_delays)} of ~{expected:.0f} chunks came in the window")
    expected = sessions * window_s * 1000 / SCALE_IN_PERIOD_MS
    if len(in_delays) < 0.95 * expected:
        reasons.append(f"only {len(in_delays)} of ~{expected:.0f} upstream chunks in the window")
    for label, value in (
        ("delivery delay p99", result["out_p99_ms"]),
        ("upstream delay p99", result["in_p99_ms"]),
        ("server schedule lag p99", result["server_lag_p99_ms"]),
    ):
        if not value < max_delay_ms:  # NaN fails too
            reasons.append(f"{label} {value:.1f} ms")
    result["ok"] = not reasons
    result["reason"] = "; ".join(reasons)
    return result


class ScaleRun:
    """One scale run, all but what is the driver's own (opening, sending, reading, closing).

    A driver opens one session per check that `opening` yields (the check gets that session's
    chunks and reply); if `opened`, it streams `chunk` s through the window (`measure`, or its
    own pacer on `pace`), sends every session `Window.request`, waits for the replies
    (`wait_for_replies`) and returns `summary`. A run that could not open every session within
    `connect_limit_s` is a failed step (``ok`` False) without a window.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        raise_open_file_limit()
        self.sessions: int = args.sessions
        self.window_s: float = args.window
        self.settle_s: float = args.settle
        self.max_delay_ms: float = args.max_delay_ms
        self.connect_limit_s = 30 + 0.05 * self.sessions
        self.window = Window()
        self.checks: list[StreamCheck] = []
        """One per open session, in the order they were opened."""
        self.template = pcm_bytes(SCALE_IN_CHUNK_BYTES)
        self.rss_base_kib = rss_kib()
        self.started = time.monotonic()
        self.connect_s: float | None = None
        """Seconds it took to open every session (None: not all are open)."""
        self.cpu_s = 0.0
        self.rss_end_kib = 0

    def opening(self) -> Iterator[StreamCheck]:
        """The check of each session to open, the driver opening that session in the loop's body;
        ends early once connecting has taken over `connect_limit_s`. Once every session is open,
        sets the window: it starts ``--settle`` seconds later and lasts ``--window`` seconds."""
        for _ in range(self.sessions):
            check = StreamCheck(self.window)
            yield check
            self.checks.append(check)
            if time.monotonic() - self.started > self.connect_limit_s:
                return
        self.connect_s = time.monotonic() - self.started
        self.window.since_ns = time.monotonic_ns() + int(self.settle_s * 1e9)
        self.window.until_ns = self.window.since_ns + int(self.window_s * 1e9)

    @property
    def opened(self) -> bool:
        """Whether `opening` opened every session in time."""
        return self.connect_s is not None

    def chunk(self, seq: int, due_ns: int) -> bytes:
        """Upstream chunk ``seq``, stamped with its due time."""
        return stamped_chunk(self.template, seq, due_ns)

    def measure(self, send: Callable[[int, int, int], None]) -> None:
        """Threaded drivers: ``send(session, seq, due_ns)`` paced on a thread through the window,
        while this one measures the window's CPU and the RSS at its end."""

        def pacer() -> None:
            for index, seq, due_ns, wait_s in pace(len(self.checks), self.window.until_ns):
                if wait_s:
                    time.sleep(wait_s)
                send(index, seq, due_ns)

        thread = threading.Thread(target=pacer)
        thread.start()
        time.sleep(seconds_until(self.window.since_ns))
        cpu0 = time.process_time()
        time.sleep(seconds_until(self.window.until_ns))
        self._window_closed(time.process_time() - cpu0)
        thread.join(30)

    async def measure_async(self, send: Callable[[int, int, int], Awaitable[None]]) -> None:
        """`measure` for asyncio drivers: ``send`` is awaited, paced by a task."""

        async def pacer() -> None:
            for index, seq, due_ns, wait_s in pace(len(self.checks), self.window.until_ns):
                if wait_s:
                    await asyncio.sleep(wait_s)
                await send(index, seq, due_ns)

        task = asyncio.create_task(pacer())
        await asyncio.sleep(seconds_until(self.window.since_ns))
        cpu0 = time.process_time()
        await asyncio.sleep(seconds_until(self.window.until_ns))
        self._window_closed(time.process_time() - cpu0)
        await asyncio.wait_for(task, 30)

    def _window_closed(self, cpu_s: float) -> None:
        """The window has just ended, having cost ``cpu_s``: note that and the RSS now."""
        self.cpu_s = cpu_s
        self.rss_end_kib = rss_kib()

    def _reply_deadline(self) -> float:
        """When to stop waiting for the replies (monotonic clock), all together."""
        return time.monotonic() + 15 + 0.02 * len(self.checks)

    def wait_for_replies(self) -> None:
        """Threaded drivers: wait for every session's reply, for a bounded time."""
        limit = self._reply_deadline()
        for check in self.checks:
            check.replied.wait(max(0.0, limit - time.monotonic()))

    async def wait_for_replies_async(self) -> None:
        """`wait_for_replies` for asyncio drivers."""
        limit = self._reply_deadline()
        for check in self.checks:
            while not check.replied.is_set() and time.monotonic() < limit:
                await asyncio.sleep(0.01)

    def summary(self) -> Run:
        """The run's figures and verdict (`scale_summary`), or its failure to open every session."""
        if self.connect_s is None:
            reason = (
                f"connecting took over {self.connect_limit_s:.0f} s "
                f"({len(self.checks)} of {self.sessions} sessions open)"
            )
            return {"sessions": self.sessions, "ok": False, "reason": reason}
        return scale_summary(
            self.checks,
            cpu_s=self.cpu_s,
            window_s=self.window_s,
            rss_base_kib=self.rss_base_kib,
            rss_end_kib=self.rss_end_kib,
            connect_s=self.connect_s,
            max_delay_ms=self.max_delay_ms,
        )


def raise_open_file_limit() -> None:
    """Let one process hold many sockets (soft limit up to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def serve(options: ServerOptions, tls: bool) -> None:
    """Listen on 127.0.0.1, print the JSON banner, serve until SIGTERM/SIGINT.

    With ``tls``, serve ``wss://`` with a fresh self-signed certificate (genai_live's testing
    helper, which needs the ``cryptography`` package); the banner's ``cert`` names it.
    """
    loop = asyncio.get_running_loop()
    context = cert = None
    if tls:
        from genai_live.testing.emulator.tls import server_context, write_self_signed

        cert, key = write_self_signed(tempfile.mkdtemp(prefix="genai-live-bench-"), "127.0.0.1")
        context = server_context(cert, key)
    server = await loop.create_server(
        lambda: Connection(options),
        "127.0.0.1",
        0,
        backlog=4096,
        reuse_address=True,
        ssl=context,
    )
    bound = server.sockets[0].getsockname()[1]
    banner = {
        "url": f"{'wss' if tls else 'ws'}://127.0.0.1:{bound}",
        "cert": cert,
        "port": bound,
        "pid": os.getpid(),
        "workload": options.workload,
        "messages": options.messages,
    }
    print(json.dumps(banner), flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workload", choices=["recv", "rtt", "send", "connect", "scale"], required=True
    )
    parser.add_argument("--messages", type=int, default=RECV_MESSAGES, help="recv, send")
    parser.add_argument("--tls", action="store_true", help="serve wss:// (self-signed)")
    args = parser.parse_args(argv)
    raise_open_file_limit()
    asyncio.run(serve(ServerOptions(args), args.tls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
