"""`FakeTransport`: an in-memory Live socket for unit tests — script server frames, read what was sent."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs

from .. import codec
from .. import types as t
from ..endpoints import ConnectRequest
from ..transport import Frame, TransportClosed

__all__ = ["FakeTransport"]

Responder = Callable[[dict[str, Any]], Any]


class _Close:
    def __init__(self, code: int, reason: str) -> None:
        self.code, self.reason = code, reason


class FakeTransport:
    """A scripted stand-in for the network, for testing code that uses genai_live.

    Pass it as ``client.live.connect(..., transport=fake)``. By default it answers the ``setup``
    frame with ``{"setupComplete": {}}`` (``setup_complete=None`` turns that off, a dict changes
    it). Queue server messages with `push` (dict, attrs message, JSON text or bytes), end the
    connection with `push_close` or `drop`, and read what the client sent from `sent` (parsed
    JSON, canonical camelCase) or `sent_messages` (typed). ``responder(message_dict)`` may
    return server messages to push in reply to each client message.

    Example::

        fake = FakeTransport()
        session = genai_live.Client(api_key="k").live.connect("gemini-x", transport=fake)
        session.send_client_content(turns="Hi")
        fake.push({"serverContent": {"modelTurn": {"parts": [{"text": "Hello"}]},
                                     "turnComplete": True}})
        assert session.receive_turn(timeout=1).text == "Hello"
        assert fake.sent[1]["clientContent"]["turns"][0]["parts"][0]["text"] == "Hi"
    """

    def __init__(
        self,
        *,
        setup_complete: dict[str, Any] | None = None,
        auto_setup: bool = True,
        responder: Responder | None = None,
    ) -> None:
        self.request: ConnectRequest | None = None
        """The URL and headers the client connected with."""
        self.sent: list[dict[str, Any]] = []
        """Every frame the client sent, parsed from JSON."""
        self.client_close: tuple[int, str] | None = None
        """The (code, reason) of the client's close frame, once sent."""
        self._setup_reply = {} if setup_complete is None else setup_complete
        self._auto_setup = auto_setup
        self._responder = responder
        self._inbox: queue.SimpleQueue[bytes | str | _Close] = queue.SimpleQueue()
        self._cond = threading.Condition()
        self._ended: TransportClosed | None = None
        self._timeout: float | None = None

    # ------------------------------------------------------------------ scripting (test side)

    def connect(self, request: ConnectRequest) -> FakeTransport:
        """Record the connect request and act as the opened socket."""
        self.request = request
        return self

    def push(self, message: Any, *, binary: bool = True) -> None:
        """Queue one server frame: a dict, an attrs message, JSON text or raw bytes."""
        if isinstance(message, (bytes, str)):
            self._inbox.put(message)
            return
        data = codec.to_wire(message) if attrs.has(type(message)) else message
        text = json.dumps(data)
        self._inbox.put(text.encode() if binary else text)

    def push_close(self, code: int = 1000, reason: str = "") -> None:
        """The server closes the connection with ``code`` and ``reason``."""
        self._inbox.put(_Close(code, reason))

    def drop(self) -> None:
        """The connection drops without a close frame (1006)."""
        self._inbox.put(_Close(1006, ""))

    @property
    def sent_messages(self) -> list[t.LiveClientMessage]:
        """`sent`, as typed client messages."""
        return [codec.from_wire(m, t.LiveClientMessage) for m in self.sent]

    def wait_sent(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until the client has sent ``count`` frames; returns `sent`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.sent) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"client sent {len(self.sent)} frames, expected {count}")
                self._cond.wait(remaining)
            return list(self.sent)

    # ------------------------------------------------------------------ Transport (client side)

    def send(self, data: bytes) -> None:
        """Receive a client frame."""
        if self._ended is not None or self.client_close is not None:
            raise TransportClosed(1006 if self._ended is None else self._ended.code, "closed")
        message = json.loads(data)
        with self._cond:
            self.sent.append(message)
            self._cond.notify_all()
        if self._auto_setup and "setup" in message and len(self.sent) == 1:
            self.push({"setupComplete": self._setup_reply})
        if self._responder is not None:
            replies = self._responder(message)
            for reply in replies if isinstance(replies, list) else [replies] if replies else []:
                self.push(reply)

    def recv(self) -> Frame:
        """Hand the next scripted frame to the client's reader."""
        if self._ended is not None:
            raise self._ended
        try:
            item = self._inbox.get(timeout=self._timeout)
        except queue.Empty:
            raise TimeoutError("no frame within the timeout") from None
        if isinstance(item, _Close):
            self._ended = TransportClosed(item.code, item.reason)
            raise self._ended
        return item

    def settimeout(self, seconds: float | None) -> None:
        """Bound the wait of ``recv`` (TimeoutError past it); None: wait forever."""
        self._timeout = seconds

    def ready(self) -> bool:
        """True when a pushed frame is waiting (``recv`` will not block)."""
        return not self._inbox.empty()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """The client starts the closing handshake; the fake server echoes it."""
        if self.client_close is None:
            self.client_close = (code, reason)
            self._inbox.put(_Close(code, reason))

    def abort(self) -> None:
        """The client drops the connection."""
        self._inbox.put(_Close(1006, "aborted"))

    def release(self) -> None:
        """Nothing to release in memory."""
