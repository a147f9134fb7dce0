"""The WebSocket opening handshake: request bytes, reply checks, and the direct connection."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from genai_live import ConnectionLost, HandshakeError, SetupTimeout
from genai_live import transport as transport_module
from genai_live.endpoints import ConnectRequest
from genai_live.handshake import accept_value, check_response, upgrade_request
from genai_live.transport import open_websocket

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3
ACCEPT = accept_value(KEY)


def reply(key: str = KEY, status: str = "101 Switching Protocols", **headers: str) -> bytes:
    fields = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": accept_value(key),
    }
    for name, value in headers.items():  # replaces a default of any case
        fields = {k: v for k, v in fields.items() if k.lower() != name.replace("_", "-")}
        fields[name.replace("_", "-")] = value
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in fields.items() if v]
    return "\r\n".join(lines).encode()


def test_accept_value_is_the_rfc_example() -> None:
    assert accept_value(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_upgrade_request_lines_and_headers_in_order() -> None:
    data, key = upgrade_request(
        "wss://example.com/ws/x.Service/Method?key=k", {"x-goog-api-key": "s", "User-Agent": "u"}
    )
    assert (
        data
        == (
            "GET /ws/x.Service/Method?key=k HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "x-goog-api-key: s\r\nUser-Agent: u\r\n\r\n"
        ).encode()
    )
    assert len(key) == 24 and key != upgrade_request("ws://h/", {})[1]  # fresh random keys


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("ws://127.0.0.1:8080/p", "127.0.0.1:8080"),
        ("ws://h:80/p", "h"),
        ("wss://h:443/p", "h"),
        ("wss://h:80/p", "h:80"),
        ("ws://[::1]:9000/p", "[::1]:9000"),
    ],
)
def test_host_header_omits_only_the_default_port(url: str, host: str) -> None:
    assert f"\r\nHost: {host}\r\n".encode() in upgrade_request(url, {})[0]


def test_header_values_cannot_inject_lines() -> None:
    with pytest.raises(ValueError, match="line break"):
        upgrade_request("ws://h/", {"x-extra": "a\r\nEvil: 1"})


def test_a_valid_reply_gives_its_headers() -> None:
    head = reply(connection="keep-alive, Upgrade", x_thing="1")
    assert check_response(head, ACCEPT)["x-thing"] == "1"


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (503, True)]
)
def test_a_refusal_carries_the_status(status: int, retryable: bool) -> None:
    with pytest.raises(HandshakeError) as caught:
        check_response(f"HTTP/1.1 {status} Nope\r\nContent-Length: 0".encode(), ACCEPT)
    assert caught.value.status == status
    assert caught.value.reason == "Nope"
    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (reply(upgrade=""), "Upgrade"),
        (reply(connection="keep-alive"), "Connection"),
        (reply(key="AAAAAAAAAAAAAAAAAAAAAA=="), "Sec-WebSocket-Accept"),
        (b"SSH-2.0-OpenSSH_9.2", "not HTTP"),
        (b"HTTP/1.1 101 OK\r\nno colon here", "malformed header"),
    ],
)
def test_an_invalid_upgrade_reply_is_a_handshake_error(head: bytes, problem: str) -> None:
    with pytest.raises(HandshakeError, match=problem) as caught:
        check_response(head, ACCEPT)
    assert caught.value.retryable is False


# --------------------------------------------------------------------------- over a real socket


@contextmanager
def raw_server(
    handle: Callable[[socket.socket, bytes], None], host: str = "127.0.0.1"
) -> Iterator[str]:
    """A one-connection TCP server on ``host``: ``handle(conn, request_head)``; yields its URL."""
    ipv6 = ":" in host
    listener = socket.create_server((host, 0), family=socket.AF_INET6 if ipv6 else socket.AF_INET)
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            handle(conn, data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"ws://{f'[{host}]' if ipv6 else host}:{port}/ws/p"
    finally:
        listener.close()
        thread.join(5)


def key_of(request: bytes) -> str:
    for line in request.decode().split("\r\n"):
        if line.lower().startswith("sec-websocket-key:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no key in the request")


def test_a_frame_sent_with_the_reply_is_not_lost() -> None:
    frame = b"\x81\x05hello"

    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(reply(key_of(request)) + b"\r\n\r\n" + frame)  # one packet
        conn.recv(100)  # until the client closes

    with raw_server(handle) as url:
        transport = open_websocket(ConnectRequest(url=url, headers={"a": "b"}, timeout=5))
        assert transport.recv() == "hello"
        transport.abort()
        transport.release()


def test_a_reply_split_into_bytes_is_read_whole() -> None:
    def handle(conn: socket.socket, request: bytes) -> None:
        for byte in reply(key_of(request)) + b"\r\n\r\n":
            conn.sendall(bytes([byte]))
        conn.sendall(b"\x82\x01x")
        conn.recv(100)

    with raw_server(handle) as url:
        transport = open_websocket(ConnectRequest(url=url, timeout=5))
        assert transport.recv() == b"x"
        transport.abort()
        transport.release()


def test_a_bad_accept_value_fails_the_connect() -> None:
    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(reply("AAAAAAAAAAAAAAAAAAAAAA==") + b"\r\n\r\n")
        conn.recv(100)

    with raw_server(handle) as url, pytest.raises(HandshakeError, match="Sec-WebSocket-Accept"):
        open_websocket(ConnectRequest(url=url, timeout=5))


def test_a_silent_server_times_out_within_the_timeout() -> None:
    def handle(conn: socket.socket, request: bytes) -> None:
        conn.recv(100)  # never answers; returns when the client gives up

    with raw_server(handle) as url:
        started = time.monotonic()
        with pytest.raises(SetupTimeout):
            open_websocket(ConnectRequest(url=url, timeout=0.3))
        assert time.monotonic() - started < 2


def test_a_server_that_hangs_up_during_the_handshake() -> None:
    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 101 Switching")  # and closes

    with raw_server(handle) as url, pytest.raises(ConnectionLost, match="during the handshake"):
        open_websocket(ConnectRequest(url=url, timeout=5))


def test_an_endless_reply_head_is_refused() -> None:
    def handle(conn: socket.socket, request: bytes) -> None:
        try:
            conn.sendall(b"HTTP/1.1 101 OK\r\n" + b"X-Padding: " + b"a" * 200_000)
        except OSError:
            pass  # the client hung up, as it should

    with raw_server(handle) as url, pytest.raises(HandshakeError, match="exceeds"):
        open_websocket(ConnectRequest(url=url, timeout=5))


def test_handshake_false_leaves_the_handshake_to_the_caller() -> None:
    got_request, answer = threading.Event(), threading.Event()
    calls: list[str] = []

    def handle(conn: socket.socket, request: bytes) -> None:
        got_request.set()
        if not answer.wait(5):  # meanwhile() did not run before the client waited for us
            return
        conn.sendall(reply(key_of(request)) + b"\r\n\r\n" + b"\x82\x02hi")
        conn.recv(100)

    def meanwhile() -> None:  # the request is out; the reply waits for us
        assert got_request.wait(5)
        calls.append("meanwhile")
        answer.set()

    with raw_server(handle) as url:
        transport = open_websocket(ConnectRequest(url=url, timeout=5), handshake=False)
        assert not got_request.wait(0.2)  # connected, nothing sent yet
        transport.handshake(meanwhile)
        assert calls == ["meanwhile"]
        transport.handshake(lambda: calls.append("again"))  # open: only the call
        assert calls == ["meanwhile", "again"]
        assert transport.recv() == b"hi"  # what came with the reply is kept
        transport.abort()
        transport.release()


SETUP = b'{"setup":{"model":"models/m"}}'
OTHER = b'{"setup":{"model":"models/x"}}'  # the same size: two frames of one size


@pytest.mark.parametrize(
    ("sent", "made_at_send"),
    [
        ([SETUP, SETUP], [SETUP]),  # the frame made during the handshake, then a new one
        ([OTHER, SETUP], [OTHER, SETUP]),  # another message first: the prepared frame is dropped
    ],
    ids=["first", "other first"],
)
def test_the_first_message_is_framed_while_the_server_answers(
    monkeypatch: pytest.MonkeyPatch, sent: list[bytes], made_at_send: list[bytes]
) -> None:
    frame_size = 2 + 4 + len(SETUP)  # a masked frame: head, key, payload
    received: list[bytes] = []

    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(reply(key_of(request)) + b"\r\n\r\n")
        data = b""
        while len(data) < 2 * frame_size:
            data += conn.recv(2 * frame_size - len(data))
        received.append(data)

    with raw_server(handle) as url:
        transport = open_websocket(ConnectRequest(url=url, timeout=5), handshake=False)
        transport.handshake(None, SETUP)
        framed_at_send: list[bytes] = []
        real_client_frame = transport_module.client_frame

        def client_frame(opcode: int, payload: bytes) -> bytes:
            framed_at_send.append(payload)
            return real_client_frame(opcode, payload)

        monkeypatch.setattr(transport_module, "client_frame", client_frame)
        for message in sent:
            transport.send(message)
        for _ in range(500):
            if received:
                break
            time.sleep(0.01)
        transport.abort()
        transport.release()
    assert framed_at_send == made_at_send
    frames = [received[0][:frame_size], received[0][frame_size:]]
    for frame, message in zip(frames, sent, strict=True):
        assert frame[:2] == bytes([0x81, 0x80 | len(message)])  # final text frame, masked
        assert transport_module.mask_payload(frame[2:6], frame[6:]) == message
    assert frames[0][2:6] != frames[1][2:6]  # a fresh mask key for each frame


def test_a_refusal_met_by_handshake_raises_typed_and_closes_the_socket() -> None:
    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
        conn.recv(100)

    with raw_server(handle) as url:
        transport = open_websocket(ConnectRequest(url=url, timeout=5), handshake=False)
        with pytest.raises(HandshakeError) as caught:
            transport.handshake()
        assert caught.value.status == 401
        assert transport.fileno() == -1  # closed


def test_an_interrupted_handshake_closes_the_socket() -> None:
    arrived = threading.Event()

    def handle(conn: socket.socket, request: bytes) -> None:
        arrived.set()
        conn.recv(100)  # never answers

    def interrupt() -> None:
        assert arrived.wait(5)
        raise KeyboardInterrupt

    with raw_server(handle) as url:
        transport = open_websocket(ConnectRequest(url=url, timeout=5), handshake=False)
        with pytest.raises(KeyboardInterrupt):
            transport.handshake(interrupt)
        assert transport.fileno() == -1


def _has_ipv6_loopback() -> bool:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    ("server_host", "url_host", "resolved"),
    [
        ("127.0.0.1", "127.0.0.1", False),
        ("127.0.0.1", "localhost", True),
        pytest.param(
            "::1",
            "::1",
            False,
            marks=pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here"),
        ),
    ],
    ids=["IPv4 address", "name", "IPv6 address"],
)
def test_an_ip_address_is_connected_to_without_the_resolver(
    monkeypatch: pytest.MonkeyPatch, server_host: str, url_host: str, resolved: bool
) -> None:
    asked: list[object] = []
    resolve = socket.getaddrinfo

    def recording_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        asked.append(host)
        return resolve(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)

    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(reply(key_of(request)) + b"\r\n\r\n")
        conn.recv(100)

    with raw_server(handle, host=server_host) as url:
        transport = open_websocket(
            ConnectRequest(url=url.replace(server_host, url_host), timeout=5)
        )
        transport.abort()
        transport.release()
    assert bool(asked) is resolved, asked


def test_an_interrupted_open_closes_the_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    from genai_live import transport

    opened: list[socket.socket] = []
    connect = transport._tcp_connect

    def recording_connect(host: str, port: int, timeout: float) -> socket.socket:
        opened.append(connect(host, port, timeout))
        return opened[-1]

    def interrupt() -> None:
        raise KeyboardInterrupt  # as if Ctrl-C came while TLS was being set up

    monkeypatch.setattr(transport, "_tcp_connect", recording_connect)
    monkeypatch.setattr(transport, "default_ssl_context", interrupt)
    with socket.create_server(("127.0.0.1", 0)) as listener:  # the kernel accepts for it
        url = f"wss://127.0.0.1:{listener.getsockname()[1]}/p"
        with pytest.raises(KeyboardInterrupt):
            open_websocket(ConnectRequest(url=url, timeout=5))
    assert len(opened) == 1 and opened[0].fileno() == -1
