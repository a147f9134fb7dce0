"""The real WebSocket transport over 127.0.0.1: handshake, frames, limits, failures."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.http11 import Response
from websockets.sync.server import ServerConnection

import genai_live
from genai_live.transport import WebSocketTransport

from .loopback import LoopbackServer, server_frame

pytestmark = pytest.mark.usefixtures("no_thread_leak")


def setup_then(*frames: object, close: tuple[int, str] | None = None, text: bool = False):  # type: ignore[no-untyped-def]
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        for frame in frames:
            if callable(frame):
                frame(connection)
                continue
            data = json.dumps(frame)
            connection.send(data if text else data.encode())
        if close:
            connection.close(*close)
        else:
            for _ in connection:  # until the client closes
                pass

    return handler


def client_for(server: LoopbackServer, **options: object) -> genai_live.Client:
    return genai_live.Client(api_key="secret-key", http_options={"base_url": server.url, **options})


def test_text_turn_over_a_real_socket_and_key_only_in_header() -> None:
    reply = {
        "serverContent": {"modelTurn": {"parts": [{"text": "Hi there"}]}, "turnComplete": True}
    }
    received: list[object] = []

    def handler(connection: ServerConnection) -> None:
        received.append(json.loads(connection.recv()))
        connection.send(b'{"setupComplete": {}}')
        received.append(json.loads(connection.recv()))
        connection.send(json.dumps(reply))  # a text frame this time
        for _ in connection:
            pass

    with LoopbackServer(handler) as server:
        with client_for(server).live.connect(
            "gemini-x", config={"responseModalities": ["TEXT"]}
        ) as session:
            session.send_client_content(turns="Hello")
            assert session.receive_turn(timeout=5).text == "Hi there"
        path, headers = server.requests[0]
    assert path == "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    assert "secret-key" not in path
    assert headers["x-goog-api-key"] == "secret-key"
    assert received == [
        {
            "setup": {
                "model": "models/gemini-x",
                "generationConfig": {"responseModalities": ["TEXT"]},
            }
        },
        {
            "clientContent": {
                "turns": [{"role": "user", "parts": [{"text": "Hello"}]}],
                "turnComplete": True,
            }
        },
    ]
    assert session.close_event is not None and session.close_event.code == 1000
    assert session._transport._sock.fileno() == -1  # type: ignore[attr-defined]


def test_fragmented_and_large_messages_are_reassembled() -> None:
    big = "x" * 300_000
    frame = {"serverContent": {"modelTurn": {"parts": [{"text": big}]}}}

    def send_fragmented(connection: ServerConnection) -> None:
        data = json.dumps(frame).encode()
        connection.send([data[:1000], data[1000:70000], data[70000:]])

    with LoopbackServer(setup_then(send_fragmented)) as server:
        with client_for(server).live.connect("gemini-x") as session:
            session.receive(timeout=5)
            assert session.receive(timeout=5).text == big


def test_frame_over_max_message_size_closes_with_1009() -> None:
    frame = {"serverContent": {"modelTurn": {"parts": [{"text": "y" * 2_000_000}]}}}
    with LoopbackServer(setup_then(frame)) as server:
        session = client_for(server).live.connect("gemini-x", max_message_size=1_000_000)
        session.receive(timeout=5)
        with pytest.raises(genai_live.MessageTooLarge) as info:
            session.receive(timeout=5)
        assert info.value.code == 1009
        session.close()


@pytest.mark.parametrize(
    "code, error",
    [
        (1008, genai_live.PolicyViolation),
        (1011, genai_live.ServerError),
        (1007, genai_live.InvalidArgument),
    ],
)
def test_server_close_codes_after_setup(code: int, error: type) -> None:
    with LoopbackServer(setup_then(close=(code, "reason text"))) as server:
        session = client_for(server).live.connect("gemini-x")
        session.receive(timeout=5)
        with pytest.raises(error) as info:
            session.receive(timeout=5)
        assert (info.value.code, info.value.reason) == (code, "reason text")
        session.close()


def test_server_close_during_setup_raises_from_connect() -> None:
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.close(1008, "models/gemini-x is not found for API version v1beta")

    with LoopbackServer(handler) as server, pytest.raises(genai_live.PolicyViolation) as info:
        client_for(server).live.connect("gemini-x")
    assert "not found" in info.value.reason


def test_tcp_drop_is_connection_lost() -> None:
    def drop(connection: ServerConnection) -> None:
        connection.socket.shutdown(socket.SHUT_RDWR)

    with LoopbackServer(setup_then(drop)) as server:
        session = client_for(server).live.connect("gemini-x")
        session.receive(timeout=5)
        with pytest.raises(genai_live.ConnectionLost):
            session.receive(timeout=5)
        session.close()


@pytest.mark.parametrize("status", [401, 403, 404, 500])
def test_handshake_refused_with_http_status(status: int) -> None:
    def refuse(connection: ServerConnection, request: object) -> Response:
        return connection.respond(status, "no\n")

    with LoopbackServer(setup_then(), process_request=refuse) as server:
        with pytest.raises(genai_live.HandshakeError) as info:
            client_for(server).live.connect("gemini-x")
    assert info.value.status == status
    assert info.value.retryable is (status >= 500)
    assert "secret-key" not in str(info.value)


def test_connection_refused() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = genai_live.Client(api_key="k", http_options={"base_url": f"http://127.0.0.1:{port}"})
    with pytest.raises(genai_live.ConnectionLost) as info:
        client.live.connect("gemini-x", timeout=5)
    assert info.value.retryable


def test_stalled_server_hits_setup_timeout() -> None:
    def stall(connection: ServerConnection) -> None:
        connection.recv()
        time.sleep(1.5)

    with LoopbackServer(stall) as server:
        started = time.monotonic()
        with pytest.raises(genai_live.SetupTimeout):
            client_for(server).live.connect("gemini-x", timeout=0.3)
        assert time.monotonic() - started < 3


def test_server_pings_are_answered() -> None:
    def ping(connection: ServerConnection) -> None:
        assert connection.ping(b"hi").wait(5)

    with LoopbackServer(setup_then(ping, {"serverContent": {"turnComplete": True}})) as server:
        with client_for(server).live.connect("gemini-x") as session:
            session.receive(timeout=5)
            assert session.receive(timeout=5).server_content is not None


def test_client_pings_keep_a_live_connection_and_end_cleanly() -> None:
    with LoopbackServer(setup_then()) as server:
        session = client_for(server).live.connect("gemini-x", ping_interval=0.05)
        session.receive(timeout=5)
        transport = session._transport
        first = transport.last_pong  # type: ignore[attr-defined]
        deadline = time.monotonic() + 5
        while transport.last_pong == first and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        assert transport.last_pong > first  # type: ignore[attr-defined]
        session.close()
    assert session.close_event is not None and session.close_event.code == 1000


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_client_frames_are_masked_and_decode_back(size: int) -> None:
    from genai_live.transport import _mask_stdlib, client_frame, mask_payload

    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    frame = client_frame(0x1, payload)
    assert frame[0] == 0x81 and frame[1] & 0x80  # final text frame, masked
    length = frame[1] & 0x7F
    offset = 2 if length < 126 else 4 if length == 126 else 10
    key = frame[offset : offset + 4]
    body = frame[offset + 4 :]
    assert len(body) == size
    assert _mask_stdlib(key, body) == payload  # XOR twice gives the payload back
    assert mask_payload(key, body) == payload


@pytest.mark.parametrize("size", [0, 125, 126, 300, 65535, 70_000])
def test_ready_only_when_a_whole_frame_is_buffered(size: int) -> None:
    from genai_live.transport import WebSocketTransport

    near, far = socket.socketpair()
    try:
        transport = WebSocketTransport(near, 1 << 20)
        frame = server_frame(b"a" * size)
        cuts = sorted(
            {0, 1, 2, 3, 4, 9, 10, 11, len(frame) - 1, len(frame)} & set(range(len(frame) + 1))
        )
        for cut in cuts:
            transport._buffer = bytearray(frame[:cut])
            assert transport.ready() is (cut == len(frame)), cut
        transport._buffer = bytearray(frame + frame[:1])
        assert transport.ready()
        assert transport.recv() == b"a" * size
        assert not transport.ready()  # one byte of the next frame
    finally:
        near.close()
        far.close()


def test_the_reader_thread_starts_while_the_server_answers_the_upgrade() -> None:
    """connect() starts the session's reader between sending the upgrade request and reading
    the reply, where it costs no time of its own."""
    seen: list[bool] = []
    before = set(threading.enumerate())

    def wait_for_reader(connection: ServerConnection, request: object) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            new = set(threading.enumerate()) - before
            if any(t.name == "genai-live-reader" for t in new):
                seen.append(True)
                return
            time.sleep(0.001)
        seen.append(False)

    with LoopbackServer(setup_then(), process_request=wait_for_reader) as server:
        # a reader thread of its own (the shared reader takes a session once it is set up)
        with client_for(server).live.connect("gemini-x", shared_reader=False) as session:
            assert session.receive(timeout=5).setup_complete is not None
    assert seen == [True]


def test_a_refused_upgrade_fires_no_callback() -> None:
    fired: list[str] = []
    callbacks = {
        name: (lambda *args, name=name: fired.append(name))
        for name in ("onopen", "onmessage", "onerror", "onclose")
    }

    def refuse(connection: ServerConnection, request: object) -> Response:
        return connection.respond(401, "no\n")

    with LoopbackServer(setup_then(), process_request=refuse) as server:
        with pytest.raises(genai_live.HandshakeError):
            client_for(server).live.connect("gemini-x", callbacks=callbacks)
    assert fired == []  # never opened: nothing to report but the exception


@contextmanager
def untouched_listener() -> Iterator[str]:
    """The base URL of a listening socket; on leaving, checks that nobody connected to it (a TCP
    connect to 127.0.0.1 is complete, queued for accept, when connect() returns)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()


@pytest.mark.parametrize(
    ("api_key", "http", "options", "error", "match"),
    [
        ("k", {}, {"config": {"bogus": 1}}, ValueError, "bogus"),
        ("k", {}, {"callbacks": "not callbacks"}, TypeError, None),
        ("k", {}, {"resume": "yes"}, TypeError, None),
        ("k", {}, {"config": {"responseModalities": ["SMELL"]}}, ValueError, "SMELL"),
        ("k", {"headers": {"X-A": "a\r\nX-B: b"}}, {}, ValueError, "line break"),
        (None, {}, {}, ValueError, "API key"),
    ],
    ids=["config", "callbacks", "resume", "modality", "header", "API key"],
)
def test_bad_input_raises_before_a_socket_is_opened(
    monkeypatch: pytest.MonkeyPatch,
    api_key: str | None,
    http: dict[str, object],
    options: dict[str, object],
    error: type[Exception],
    match: str | None,
) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with untouched_listener() as url:
        client = genai_live.Client(api_key=api_key, http_options={"base_url": url, **http})
        with pytest.raises(error, match=match):
            client.live.connect("gemini-x", timeout=1, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("port", ["99999", "http"])
def test_a_base_url_with_a_bad_port_is_a_value_error(port: str) -> None:
    client = genai_live.Client(api_key="k", http_options={"base_url": f"http://127.0.0.1:{port}"})
    with pytest.raises(ValueError, match=r"[Pp]ort"):
        client.live.connect("gemini-x", timeout=1)


@pytest.fixture
def slow_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the reader owes the peer (a close, a pong) goes out 0.3 s late: on the shared reader
    its thread is still sending when the session releases the socket."""
    real_reply = WebSocketTransport._reply

    def slow_reply(self: WebSocketTransport, send: Any, *args: Any) -> None:
        def late(*late_args: Any) -> None:
            time.sleep(0.3)
            send(*late_args)

        real_reply(self, late, *args)

    monkeypatch.setattr(WebSocketTransport, "_reply", slow_reply)


def close_received(connection: ServerConnection, received: list[object]) -> None:
    close = connection.protocol.close_rcvd
    received.append(close.code if close else None)


def wait_for(received: list[object]) -> None:
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.usefixtures("slow_replies")
@pytest.mark.parametrize("shared_reader", [False, True], ids=["own reader", "shared reader"])
def test_the_close_the_client_owes_reaches_the_server(shared_reader: bool) -> None:
    """A frame over max_message_size is refused with close 1009, with a reader of the session's
    own and on the shared reader (which sends it from a short thread) alike: the socket is not
    released before it is out."""
    received: list[object] = []

    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        connection.send(
            json.dumps(
                {"serverContent": {"modelTurn": {"parts": [{"text": "y" * 50_000}]}}}
            ).encode()
        )
        try:
            for _ in connection:  # until the client closes
                pass
        finally:  # a 1009 ends the loop with ConnectionClosedError
            close_received(connection, received)

    with LoopbackServer(handler) as server:
        session = client_for(server).live.connect(
            "gemini-x", max_message_size=10_000, shared_reader=shared_reader
        )
        session.receive(timeout=5)
        with pytest.raises(genai_live.MessageTooLarge):
            session.receive(timeout=5)
        session.close()
        wait_for(received)
    assert received == [1009]


@pytest.mark.usefixtures("slow_replies")
@pytest.mark.parametrize("shared_reader", [False, True], ids=["own reader", "shared reader"])
def test_a_server_close_is_answered_with_a_close(shared_reader: bool) -> None:
    received: list[object] = []

    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        connection.close(1000, "done")  # waits for the client's answer
        close_received(connection, received)

    with LoopbackServer(handler) as server:
        session = client_for(server).live.connect("gemini-x", shared_reader=shared_reader)
        event = session.wait_closed(timeout=5)
        assert event is not None and event.code == 1000 and not event.by_client
        session.close()
        wait_for(received)
    assert received == [1000]
