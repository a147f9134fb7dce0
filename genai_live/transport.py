"""The socket layer: a small `Transport` interface and its websocket-client implementation."""

from __future__ import annotations

import functools
import os
import struct
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, Union
from urllib.parse import urlsplit

from .endpoints import ConnectRequest
from .errors import ConnectionLost, HandshakeError, LiveError, SetupTimeout
from .handshake import MAX_HEAD, accept_value, check_headers, check_response, upgrade_request

if TYPE_CHECKING:
    import socket
    import ssl


__all__ = ["Connector", "Transport", "TransportClosed", "WebSocketTransport", "open_websocket"]

Frame = Union[bytes, str]

_OP_CONT, _OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_SEND_STALL_LIMIT = 30.0  # seconds a non-blocking send waits for a peer that takes no data
_REPLY_GRACE = 1.0  # seconds release() waits for a reply still being sent


class TransportClosed(Exception):
    """The connection ended: ``code``/``reason`` from the close frame, 1006 when it just dropped."""

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}".strip())


class Transport(Protocol):
    """One open WebSocket, as the session uses it. Implementations must be thread-safe for
    one reader thread plus any number of senders.

    An implementation may also offer:

    - ``ready() -> bool``: True when ``recv`` would return without waiting for the network; the
      session then hands messages that arrived together to its consumer together;
    - ``settimeout(seconds)``: bound ``recv``'s wait (TimeoutError past it); ``connect()`` then
      reads the server's first frame itself;
    - ``fileno()``, ``set_blocking(flag)`` and ``pump(limit)``: what ``shared_reader=True`` needs
      (see `WebSocketTransport`); without them a session reads with a thread of its own;
    - ``handshake(meanwhile, first)``: do an opening handshake the opener left undone (see
      `open_websocket`), calling ``meanwhile`` while the server answers; a session calls it
      first, starting its reader thread meanwhile, with its setup as ``first``.
    """

    def send(self, data: bytes) -> None:
        """Send one text frame; raises `TransportClosed` when the connection is gone."""

    def recv(self) -> Frame:
        """Block for the next data message; raises `TransportClosed` when the connection ends."""

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake (idempotent); ``recv`` then ends with `TransportClosed`."""

    def abort(self) -> None:
        """Drop the connection now, without a handshake; unblocks ``recv``."""


Connector = Callable[[ConnectRequest], Transport]


class WebSocketTransport:
    """An open WebSocket with lean framing: frames are read here, enforcing
    ``max_message_size`` from the frame header before the payload is buffered, and written here
    as one masked frame per ``sendall``.

    ``sock`` is the connected (TLS-wrapped) socket after the handshake, ``buffered`` whatever
    arrived behind the handshake reply, ``owner`` an object to keep alive with the socket;
    ``opening`` the handshake still to be done by `handshake` (see `open_websocket`).
    """

    def __init__(
        self,
        sock: socket.socket,
        max_message_size: int,
        buffered: bytes = b"",
        owner: object = None,
        opening: _Opening | None = None,
    ) -> None:
        self._owner = owner
        self._opening = opening
        self._sock = sock
        self._max = max_message_size
        self._buffer = bytearray(buffered)
        self._send_lock = threading.Lock()
        self._close_sent = False
        self._lock = threading.Lock()
        self._closed: TransportClosed | None = None
        self._blocking = True
        # What a read or write that found the socket not ready raises (TLS adds its own).
        self._not_ready: tuple[type[Exception], ...] = (BlockingIOError, InterruptedError)
        # Non-blocking (the shared reader), the socket is used by one thread at a time: a TLS
        # connection's state must never be read and written at once.
        self._io_lock = threading.Lock()
        self._replies: list[threading.Thread] = []  # sending what the reader owes (see _reply)
        self._framed: tuple[bytes, bytes] | None = None  # a message and its frame (handshake)
        self._need = 2  # bytes missing for the next frame (a hint for the next read's size)
        self._fragments: list[bytes] = []  # of a fragmented message being received
        self._total = 0  # its size so far
        self._opcode: int | None = None  # its opcode (text or binary)
        self.last_pong = time.monotonic()
        """When the peer last answered a ping (monotonic clock)."""

    def handshake(
        self, meanwhile: Callable[[], object] | None = None, first: bytes | None = None
    ) -> None:
        """Do the opening handshake `open_websocket` left undone (``handshake=False``): send the
        upgrade request, call ``meanwhile`` while the server answers (``connect()`` starts the
        session's reader thread there), then read and check the reply. ``first`` is the message
        the caller sends first (the setup): its frame is made while the server answers, and
        `send` uses it. On a connection already open, only ``meanwhile`` is called. Raises what
        `open_websocket` raises, the socket closed."""
        opening, self._opening = self._opening, None
        if opening is None:
            if meanwhile is not None:
                meanwhile()
            return
        try:
            message, key = upgrade_request(opening.url, opening.headers)
            self._sock.sendall(message)
            if meanwhile is not None:
                meanwhile()
            # Made now, not after the reply: code run right after a wake-up is slow (cold caches).
            accept = accept_value(key)
            if first is not None:
                self._framed = (first, client_frame(_OP_TEXT, first))
            head, rest = _read_head(self._sock, opening.deadline, MAX_HEAD)
            check_response(head, accept)
            self._sock.settimeout(None)
        except BaseException as exc:
            raise _opening_failed(self._sock, exc, opening.timeout) from None
        self._buffer += rest

    # -- sending

    def send(self, data: bytes) -> None:
        framed = self._framed
        if framed is not None:  # the first send after handshake(first=...)
            self._framed = None
            if framed[0] is data:
                self._write(framed[1])
                return
        self._write(client_frame(_OP_TEXT, data))

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        self._write(client_frame(opcode, payload))

    def _write(self, frame: bytes) -> None:
        try:
            with self._send_lock:  # one whole frame at a time: sendall may write in pieces
                if self._blocking:
                    self._sock.sendall(frame)
                else:
                    self._send_all_nonblocking(frame)
        except (OSError, ValueError) as exc:
            raise TransportClosed(1006, f"send failed: {exc}") from None

    def _send_all_nonblocking(self, data: bytes) -> None:
        """``sendall`` for a non-blocking socket (see `set_blocking`): wait while it is full."""
        view = memoryview(data)
        deadline = time.monotonic() + _SEND_STALL_LIMIT
        while view:
            try:
                with self._io_lock:
                    sent = self._sock.send(view)
            except self._not_ready:
                sent = 0  # TLS: the same bytes are offered again, as OpenSSL requires
            if sent:
                view = view[sent:]
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the peer took no data for {_SEND_STALL_LIMIT:.0f} s")
            import select

            select.select([], [self._sock], [], min(remaining, 0.05))

    def close(self, code: int = 1000, reason: str = "") -> None:
        with self._lock:
            if self._close_sent:
                return
            self._close_sent = True
        try:
            self._send_frame(_OP_CLOSE, struct.pack("!H", code) + reason.encode()[:123])
        except TransportClosed:
            self.abort()

    def abort(self) -> None:
        import socket

        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def release(self) -> None:
        """Close the socket's file descriptor (after the reader has stopped), once what the
        reader owed the peer is sent (see `_reply`; bounded: a stuck send is dropped)."""
        for thread in self._replies:
            thread.join(_REPLY_GRACE)
        try:
            self._sock.close()
        except OSError:
            pass

    # -- receiving

    def fileno(self) -> int:
        """The socket's file descriptor (for a selector: see `pump`)."""
        return self._sock.fileno()

    def settimeout(self, seconds: float | None) -> None:
        """Bound each wait of ``recv`` to ``seconds`` (TimeoutError past it); None: no bound."""
        self._sock.settimeout(seconds)

    def set_blocking(self, blocking: bool) -> None:
        """Blocking (``recv``, the default) or non-blocking (``pump``, driven by a selector)."""
        self._sock.setblocking(blocking)
        self._blocking = blocking
        if not blocking:
            import ssl

            self._not_ready = (*self._not_ready, ssl.SSLWantReadError, ssl.SSLWantWriteError)

    def ready(self) -> bool:
        """True when a whole frame is already buffered (``recv`` will not wait for the network)."""
        head = _frame_head(self._buffer)
        return head is not None and len(self._buffer) >= head[0] + head[1]

    def recv(self) -> Frame:
        if self._closed is not None:
            raise self._closed
        try:
            while True:
                message = self._parse()
                if message is not None:
                    return message
                self._read(self._need)
        except TransportClosed as closed:
            self._closed = closed
            raise

    def pump(self, limit: int | None = None) -> tuple[list[Frame], TransportClosed | None]:
        """Read what a non-blocking socket holds, without waiting: up to ``limit`` complete
        messages (the rest stays buffered for the next call), and how the connection ended if it
        did (after those messages)."""
        if self._closed is not None:
            return [], self._closed
        messages: list[Frame] = []
        read = False
        try:
            while True:
                while limit is None or len(messages) < limit:
                    message = self._parse()
                    if message is None:
                        break
                    messages.append(message)
                else:
                    return messages, None
                pending = getattr(self._sock, "pending", None)  # TLS: decrypted, not yet read
                if read and (pending is None or not self._locked(pending)):
                    return messages, None
                try:
                    self._read(65536)
                except self._not_ready:
                    return messages, None
                read = True
        except TransportClosed as closed:
            self._closed = closed
            return messages, closed

    def _locked(self, call: Callable[[], Any]) -> Any:
        with self._io_lock:
            return call()

    def _read(self, size: int) -> None:
        """One ``recv`` of up to ``size`` bytes (at least 64 KiB) into the buffer."""
        try:
            if self._blocking:
                chunk = self._sock.recv(max(65536, size))
            else:
                with self._io_lock:
                    chunk = self._sock.recv(max(65536, size))
        except self._not_ready:
            raise  # a non-blocking read found nothing: the connection stays
        except TimeoutError:
            raise  # a bounded read found nothing: the connection stays
        except (OSError, ValueError) as exc:
            raise TransportClosed(1006, f"connection lost: {exc}") from None
        if not chunk:
            raise TransportClosed(1006, "connection closed without a close frame")
        self._buffer += chunk

    def _parse(self) -> Frame | None:
        """The next whole data message from the buffer, or None (``_need`` bytes are missing).

        Control frames are handled on the way (pings answered, pongs noted, a close frame raises
        `TransportClosed`); fragments are gathered across calls.
        """
        buffer = self._buffer
        while True:
            head = _frame_head(buffer)
            if head is None:
                self._need = 0  # a few header bytes: any read brings them
                return None
            header, length = head
            b0 = buffer[0]
            masked = buffer[1] & 0x80
            opcode = b0 & 0x0F
            if opcode < _OP_CLOSE and self._total + length > self._max:
                self._reply(self._refuse, 1009, "message too big")
                raise TransportClosed(
                    1009, f"incoming message of {self._total + length} bytes exceeds {self._max}"
                )
            if len(buffer) < header + length:
                self._need = header + length - len(buffer)
                return None
            payload = bytes(buffer[header : header + length])
            if masked:  # servers never mask, but the RFC allows reading it
                payload = mask_payload(bytes(buffer[header - 4 : header]), payload)
            del buffer[: header + length]
            if opcode == _OP_PING:
                self._reply(self._pong, payload)
                continue
            if opcode == _OP_PONG:
                self.last_pong = time.monotonic()
                continue
            if opcode == _OP_CLOSE:
                self._on_close(payload)
            if opcode in (_OP_TEXT, _OP_BINARY):
                self._opcode = opcode
            elif opcode != _OP_CONT or self._opcode is None:
                self._reply(self.close, 1002, "protocol error")
                raise TransportClosed(1002, f"unexpected frame opcode {opcode}")
            if b0 & 0x80 and not self._fragments:  # a whole message in one frame
                return payload.decode("utf-8") if self._opcode == _OP_TEXT else payload
            self._fragments.append(payload)
            self._total += length
            if b0 & 0x80:
                data = b"".join(self._fragments)
                self._fragments.clear()
                self._total = 0
                return data.decode("utf-8") if self._opcode == _OP_TEXT else data

    def ping(self) -> None:
        """Send a ping frame (liveness check); the reader records the pong."""
        try:
            self._send_frame(_OP_PING, b"genai-live")
        except TransportClosed:
            self.abort()

    def _pong(self, payload: bytes) -> None:
        try:
            self._send_frame(_OP_PONG, payload[:125])
        except TransportClosed:
            pass

    def _on_close(self, payload: bytes) -> None:
        code, reason = 1005, ""
        if len(payload) >= 2:
            code = struct.unpack("!H", payload[:2])[0]
            reason = payload[2:].decode("utf-8", "replace")
        self._reply(self.close, code if code not in (1005, 1006, 1015) else 1000, "")
        raise TransportClosed(code, reason)

    def _reply(self, send: Callable[..., None], *args: Any) -> None:
        """Send what the reader owes the peer (a pong, a close): at once when blocking; when
        non-blocking (the shared reader), from a short thread, so that a full socket or a sender
        holding the lock never holds up the reader of every session."""
        if self._blocking:
            send(*args)
            return
        thread = threading.Thread(target=send, args=args, name="genai-live-reply", daemon=True)
        thread.start()
        self._replies = [t for t in self._replies if t.is_alive()] + [thread]

    def _refuse(self, code: int, reason: str) -> None:
        """Close with ``code`` and drop the connection without waiting for the peer's answer."""
        self.close(code, reason)
        self.abort()


def _frame_head(buffer: bytearray) -> tuple[int, int] | None:
    """The header size (mask key included) and payload length of the frame at the head of
    ``buffer``; None while its header is incomplete."""
    size = len(buffer)
    if size < 2:
        return None
    length = buffer[1] & 0x7F
    header = 2
    if length == 126:
        if size < 4:
            return None
        length = (buffer[2] << 8) | buffer[3]
        header = 4
    elif length == 127:
        if size < 10:
            return None
        length = int.from_bytes(buffer[2:10], "big")
        header = 10
    if buffer[1] & 0x80:
        header += 4
    return header, length


_HEAD_SHORT = struct.Struct("!BB")
_HEAD_16 = struct.Struct("!BBH")
_HEAD_64 = struct.Struct("!BBQ")


def _mask_stdlib(key: bytes, data: bytes) -> bytes:
    # XOR with the repeated key as one big integer: C speed without an extension module.
    size = len(data)
    repeated = (key * (size // 4 + 1))[:size]
    masked = int.from_bytes(data, "little") ^ int.from_bytes(repeated, "little")
    return masked.to_bytes(size, "little")


mask_payload: Callable[[bytes, bytes], bytes]
"""XOR ``data`` with the 4-byte ``key`` (RFC 6455 §5.3); wsaccel's C loop when installed."""
try:  # the ``fast`` extra
    from wsaccel.xormask import XorMaskerSimple

    def mask_payload(key: bytes, data: bytes) -> bytes:
        return XorMaskerSimple(key).process(data)  # type: ignore[no-any-return]

except ImportError:  # pragma: no cover - exercised when the extra is not installed
    mask_payload = _mask_stdlib


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final frame as a client sends it: masked with a fresh random key."""
    size = len(payload)
    if size < 126:
        head = _HEAD_SHORT.pack(0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        head = _HEAD_16.pack(0x80 | opcode, 0x80 | 126, size)
    else:
        head = _HEAD_64.pack(0x80 | opcode, 0x80 | 127, size)
    key = os.urandom(4)
    return head + key + mask_payload(key, payload)


_contexts: dict[tuple[str | None, str | None], Any] = {}
_contexts_lock = threading.Lock()


def default_ssl_context() -> ssl.SSLContext:
    """The verifying TLS context, built once per ``SSL_CERT_FILE``/``SSL_CERT_DIR`` setting.

    Loading the trust store takes about 20 ms; websocket-client would do it for every connection.
    """
    import ssl

    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            context = _contexts[key] = ssl.create_default_context(cafile=key[0], capath=key[1])
        return context


class _Opening(NamedTuple):
    """An opening handshake still to be done: for the URL, with the headers, by the deadline."""

    url: str
    headers: Mapping[str, str]
    deadline: float
    timeout: float


def open_websocket(request: ConnectRequest, *, handshake: bool = True) -> WebSocketTransport:
    """Open a WebSocket for ``request`` (socket, TLS and handshake bounded by ``request.timeout``).

    A direct connection is opened here: one socket, one ``sendall`` of the upgrade request and
    (usually) one ``recv`` of the reply. Through a proxy (HTTP CONNECT or SOCKS), websocket-client
    opens it. Failures become typed errors: `HandshakeError` (HTTP status or a bad upgrade
    reply), `SetupTimeout`, `ConnectionLost` (refused, reset, TLS failure).

    ``handshake=False`` returns once the socket is connected (TLS included): the caller works
    while the server accepts the connection, then calls `WebSocketTransport.handshake` before
    anything else (``connect()`` builds the session there).
    """
    if request.proxy:
        return _open_via_proxy(request)
    import socket

    secure, host, port = _address(request.url)
    deadline = time.monotonic() + request.timeout
    check_headers(request.headers)  # before the socket: the request is built while it opens
    sock: socket.socket | None = None
    try:
        sock = _tcp_connect(host, port, request.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if secure:
            context = request.ssl_context or default_ssl_context()
            sock.settimeout(_remaining(deadline))
            sock = context.wrap_socket(sock, server_hostname=host)
    except BaseException as exc:
        raise _opening_failed(sock, exc, request.timeout) from None
    opening = _Opening(request.url, request.headers, deadline, request.timeout)
    transport = WebSocketTransport(sock, request.max_message_size, opening=opening)
    if handshake:
        transport.handshake()
    return transport


@functools.lru_cache(maxsize=64)
def _address(url: str) -> tuple[bool, str, int]:
    """Whether ``url`` is ``wss://``, its host and its port (the same few URLs every time)."""
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    return secure, parts.hostname or "", parts.port or (443 if secure else 80)


def _tcp_connect(host: str, port: int, timeout: float) -> socket.socket:
    """A connected TCP socket. An IP address is connected to directly: ``create_connection``
    would ask the resolver even for one (~20 µs)."""
    import socket

    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((host, port))
        except BaseException:
            sock.close()
            raise
        break
    else:
        sock = socket.create_connection((host, port), timeout=timeout)
    return sock


def _opening_failed(
    sock: socket.socket | None, exc: BaseException, timeout: float
) -> BaseException:
    """Close ``sock``, whose opening ``exc`` ended; what to raise: the typed error for a network
    failure, anything else (Ctrl-C) unchanged."""
    _close_quietly(sock)
    if isinstance(exc, (OSError, ValueError, LiveError)):
        return _connect_failure(exc, timeout)
    return exc


def _connect_failure(exc: BaseException, timeout: float) -> LiveError:
    """The typed error for a failure while opening a connection."""
    import ssl

    if isinstance(exc, LiveError):
        return exc
    if isinstance(exc, TimeoutError):
        return SetupTimeout(
            f"no WebSocket handshake within {timeout} s", reason="handshake timeout"
        )
    if isinstance(exc, ssl.SSLError):
        return ConnectionLost(
            "TLS handshake failed",
            reason=str(exc),
            hint="Check the server certificate (system trust store or SSL_CERT_FILE).",
            retryable=False,
        )
    return ConnectionLost("could not connect", reason=str(exc))


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def _read_head(sock: socket.socket, deadline: float, limit: int) -> tuple[bytes, bytes]:
    """Read the reply head up to the blank line; returns it and the bytes that came after."""
    buffer = bytearray()
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            return bytes(buffer[:end]), bytes(buffer[end + 4 :])
        if len(buffer) > limit:
            raise HandshakeError(
                f"the server's reply head exceeds {limit} bytes", reason="reply too long"
            )
        sock.settimeout(_remaining(deadline))
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionLost(
                "the server closed the connection during the handshake", reason="handshake"
            )
        buffer += chunk


def _close_quietly(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


def _open_via_proxy(request: ConnectRequest) -> WebSocketTransport:
    """websocket-client opens the connection through ``request.proxy`` (CONNECT or SOCKS)."""
    import websocket

    sslopt: dict[str, object] = {}
    if request.ssl_context is not None:
        sslopt["context"] = request.ssl_context
    elif request.url.startswith("wss:"):
        sslopt["context"] = default_ssl_context()
    assert request.proxy
    parts = urlsplit(request.proxy)
    proxy: dict[str, object] = {
        "http_proxy_host": parts.hostname,
        "http_proxy_port": parts.port,
        "proxy_type": parts.scheme if parts.scheme in ("socks4", "socks5", "socks5h") else "http",
    }
    if parts.username:
        proxy["http_proxy_auth"] = (parts.username, parts.password or "")
    ws = websocket.WebSocket(sslopt=sslopt, skip_utf8_validation=True, enable_multithread=True)
    try:
        ws.connect(
            request.url,
            header=[f"{k}: {v}" for k, v in request.headers.items()],
            timeout=request.timeout,
            suppress_origin=True,
            **proxy,
        )
    except websocket.WebSocketBadStatusException as exc:
        ws.shutdown()
        raise HandshakeError(
            f"server refused the WebSocket upgrade with HTTP {exc.status_code}",
            status=exc.status_code,
            reason=str(exc.status_message or ""),
        ) from None
    except websocket.WebSocketTimeoutException:
        ws.shutdown()
        raise _connect_failure(TimeoutError(), request.timeout) from None
    except (OSError, websocket.WebSocketException, LiveError) as exc:
        ws.shutdown()
        raise _connect_failure(exc, request.timeout) from None
    assert ws.sock is not None
    ws.sock.settimeout(None)
    return WebSocketTransport(ws.sock, request.max_message_size, owner=ws)
