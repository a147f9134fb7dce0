"""The I/O loop of one emulator connection: it runs an engine, paces media and applies faults."""

from __future__ import annotations

import logging
import math
import queue
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.server import ServerConnection

from ... import codec
from .engine import Close, Engine, Outgoing, Reject, truncate_reason

__all__ = ["FAULTS", "Fault", "Link"]

logger = logging.getLogger("genai_live.emulator")

POLL_SECONDS = 0.05
"""How often an idle connection looks for injected faults and for the emulator stopping."""
MAX_MEDIA_AHEAD_SECONDS = 2.0
"""Audio sent but not yet read by the client (no pong for it yet) is kept under this."""
BURST = 8  # messages sent in a row before looking for client messages again

FAULTS = ("close", "drop", "stall", "malformed", "unknown", "goaway", "oversize")
"""The faults a live connection accepts (``reject`` acts on handshakes instead)."""
_SENDING_FAULTS = ("malformed", "unknown", "goaway", "oversize")
MALFORMED_FRAME = b"this is not JSON {"
UNKNOWN_MESSAGE: dict[str, Any] = {
    "newServerThing": {"note": "a message kind this client does not know yet"}
}


@attrs.frozen
class Fault:
    """An injected failure: ``kind`` (one of `FAULTS`) and its options."""

    kind: str
    options: dict[str, Any] = attrs.field(factory=dict)


class Link:
    """Runs one accepted WebSocket until it ends: reads client frames into the engine, sends the
    engine's messages when due, and plays injected faults.

    Media (audio) messages are acknowledged by a ping each; while more than
    `MAX_MEDIA_AHEAD_SECONDS` of audio is unacknowledged the link waits, so a client that does
    not read slows the stream down instead of being flooded.
    """

    def __init__(
        self,
        connection: ServerConnection,
        engine: Engine,
        *,
        text_frames: bool,
        record: Callable[[dict[str, Any]], None],
        count_sent: Callable[[], None],
        stopping: threading.Event,
    ) -> None:
        self.connection = connection
        self.engine = engine
        self.thread: threading.Thread | None = None
        self._text = text_frames
        self._record = record
        self._count_sent = count_sent
        self._stopping = stopping
        self._faults: queue.SimpleQueue[Fault] = queue.SimpleQueue()
        self._waiting_faults: list[Fault] = []  # faults that must wait for setupComplete
        self._held: deque[Outgoing] = deque()
        self._unacknowledged: deque[tuple[threading.Event, float]] = deque()
        self._stalled_until = 0.0

    def inject(self, fault: Fault) -> None:
        """Apply ``fault`` soon (thread-safe)."""
        self._faults.put(fault)

    def drop(self) -> None:
        """Cut the TCP connection now, without a close frame (thread-safe)."""
        try:
            self.connection.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close_socket()

    def run(self) -> None:
        """Serve the connection until it ends (runs on the connection's handler thread)."""
        self.thread = threading.current_thread()
        try:
            self._loop()
        except ConnectionClosed:
            pass
        except Exception:  # an emulator bug: fail like the service does, and say why in the log
            logger.exception("emulator connection failed")
            try:
                self._close(1011, "Internal error encountered.")
            except ConnectionClosed:
                pass

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        engine = self.engine
        while True:
            if self._stopping.is_set():
                self._close(1001, "The emulator is shutting down.")
                return
            if not self._apply_faults():
                return
            now = time.monotonic()
            if now < self._stalled_until:
                if self.connection.state is State.CLOSED:
                    return
                time.sleep(min(POLL_SECONDS, self._stalled_until - now))
                continue
            if not self._flush(now):
                return
            try:
                frame = self.connection.recv(self._wait_time(time.monotonic()))
            except TimeoutError:
                continue
            try:
                canonical = engine.receive(frame, time.monotonic())
            except Reject as rejection:
                logger.info("emulator closes a connection: %s", rejection)
                self._close(rejection.code, rejection.reason)
                return
            self._record(canonical)

    def _flush(self, now: float) -> bool:
        """Send what is due (a burst at most); False once the link has closed."""
        for _ in range(BURST):
            if not self._held:
                self._held.extend(self.engine.pop(now))
                if not self._held:
                    return True
            item = self._held[0]
            if isinstance(item, Close):
                self._close(item.code, item.reason)
                return False
            if item.media_seconds and not self._may_send_media(item.media_seconds):
                return True
            self._held.popleft()
            self._send(item.message)
            if item.media_seconds:
                self._unacknowledged.append((self.connection.ping(), item.media_seconds))
        return True

    def _may_send_media(self, seconds: float) -> bool:
        pending = self._unacknowledged
        while pending and pending[0][0].is_set():
            pending.popleft()
        return not pending or sum(s for _, s in pending) + seconds <= MAX_MEDIA_AHEAD_SECONDS

    def _wait_time(self, now: float) -> float:
        if self._held:
            return 0.01  # media waiting for the client to catch up
        due = self.engine.next_due()
        if due is None:
            return POLL_SECONDS
        return min(max(0.0, due - now), POLL_SECONDS)

    # ------------------------------------------------------------------ sending and closing

    def _send(self, message: dict[str, Any]) -> None:
        self._send_raw(codec.dumps(message))

    def _send_raw(self, data: bytes) -> None:
        self.connection.send(data, text=self._text)
        self._count_sent()

    def _close(self, code: int, reason: str) -> None:
        self.connection.close(code, truncate_reason(reason))

    # ------------------------------------------------------------------ faults

    def _apply_faults(self) -> bool:
        """Apply the injected faults; False once the link has ended."""
        faults = self._waiting_faults
        self._waiting_faults = []
        while True:
            try:
                faults.append(self._faults.get_nowait())
            except queue.Empty:
                break
        for fault in faults:
            if fault.kind in _SENDING_FAULTS and not self.engine.setup_done:
                self._waiting_faults.append(fault)  # nothing may precede setupComplete
            elif not self._apply(fault):
                return False
        return True

    def _apply(self, fault: Fault) -> bool:
        options = fault.options
        if fault.kind == "close":
            self._close(int(options.get("code", 1000)), str(options.get("reason", "")))
            return False
        if fault.kind == "drop":
            self.drop()
            return False
        if fault.kind == "stall":
            seconds = options.get("seconds")
            self._stalled_until = math.inf if seconds is None else time.monotonic() + seconds
        elif fault.kind == "malformed":
            self._send_raw(MALFORMED_FRAME)
        elif fault.kind == "unknown":
            self._send(options.get("message", UNKNOWN_MESSAGE))
        elif fault.kind == "goaway":
            self.engine.go_away(float(options.get("time_left", 1.0)), time.monotonic())
        elif fault.kind == "oversize":
            self._send_raw(oversized_frame(int(options["size"])))
        return True


def oversized_frame(size: int) -> bytes:
    """A valid text message of exactly ``size`` bytes (when ``size`` allows it)."""
    head = b'{"serverContent":{"modelTurn":{"parts":[{"text":"'
    tail = b'"}]}}}'
    padding = max(0, size - len(head) - len(tail))
    return head + b"x" * padding + tail
