"""``connect(..., shared_reader=True)``: one reader thread for many sessions, on real sockets.

Every fault of test_faults.py also runs on the shared reader; these tests cover what only it has:
one thread for all, callbacks on that thread, a full queue pausing one session only, TLS.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.server import ServerConnection

import genai_live
from genai_live import types
from genai_live.shared_reader import SharedReader
from genai_live.testing import LiveEmulator
from genai_live.transport import WebSocketTransport, mask_payload

from .conftest import wait_for_backpressure
from .loopback import LoopbackServer, server_frame

MODEL = "gemini-live-2.5-flash-preview"
TEXT = {"responseModalities": ["TEXT"]}


@pytest.fixture(autouse=True)
def _no_thread_leak(no_thread_leak: None) -> None:
    """No reader, shared or not, outlives a test."""


def reader_threads() -> list[str]:
    """The client's reader threads, shared or not (short-lived helpers such as the thread that
    sends a close reply are left to the leak check, which waits for them)."""
    names = ("genai-live-reader", "genai-live-shared-reader")
    return sorted(t.name for t in threading.enumerate() if t.name in names)


def test_many_sessions_share_one_reader_thread(emulator: LiveEmulator) -> None:
    client = emulator.client()
    sessions = [client.live.connect(MODEL, config=TEXT, shared_reader=True) for _ in range(12)]
    try:
        assert reader_threads() == ["genai-live-shared-reader"]
        for index, session in enumerate(sessions):
            session.send_client_content(turns=f"question {index}")
        for index, session in enumerate(sessions):
            assert session.receive(timeout=5).setup_complete is not None
            assert f"question {index}" in session.receive_turn(timeout=10).text
    finally:
        for session in sessions:
            session.close()
    assert reader_threads() == []  # the thread ends with its last session


def test_the_thread_starts_again_for_a_later_session(emulator: LiveEmulator) -> None:
    for round_ in range(3):
        with emulator.client().live.connect(MODEL, config=TEXT, shared_reader=True) as session:
            session.send_client_content(turns=f"round {round_}")
            assert f"round {round_}" in session.receive_turn(timeout=10).text
        assert reader_threads() == []


def test_callbacks_run_on_the_shared_thread_and_may_close_the_session(
    emulator: LiveEmulator,
) -> None:
    seen: list[str] = []
    closes: list[genai_live.CloseEvent] = []
    holder: list[genai_live.Session] = []
    ended = threading.Event()

    def on_message(message: types.LiveServerMessage) -> None:
        seen.append(threading.current_thread().name)
        if message.server_content is not None and message.server_content.turn_complete:
            holder[0].close()  # from the shared thread: must not wait for itself

    def on_close(event: genai_live.CloseEvent) -> None:
        closes.append(event)
        ended.set()

    callbacks = {"onmessage": on_message, "onclose": on_close}
    session = emulator.client().live.connect(
        MODEL, config=TEXT, callbacks=callbacks, shared_reader=True
    )
    holder.append(session)
    session.send_client_content(turns="hello")
    assert ended.wait(10)
    session.close()
    assert set(seen) == {"genai-live-shared-reader"}
    assert len(closes) == 1 and closes[0].code == 1000 and closes[0].by_client


def test_a_full_queue_pauses_its_session_only(emulator: LiveEmulator) -> None:
    client = emulator.client()
    slow = client.live.connect(MODEL, max_queue=3, shared_reader=True)  # AUDIO: many chunks
    quick = client.live.connect(MODEL, config=TEXT, shared_reader=True)
    try:
        slow.send_client_content(turns=" ".join(["word"] * 40))
        wait_for_backpressure(slow)
        for index in range(3):  # the other session goes on while the slow one is paused
            quick.send_client_content(turns=f"still here {index}")
            assert f"still here {index}" in quick.receive_turn(timeout=10).text
            assert slow._paused and slow._backlog() <= 3
        assert slow.receive(timeout=5).setup_complete is not None
        turn = slow.receive_turn(timeout=30)  # everything arrives once it is read
        assert turn.complete and len(turn.audio) > 100_000
    finally:
        slow.close()
        quick.close()


def test_closing_a_paused_session_ends_it(emulator: LiveEmulator) -> None:
    session = emulator.client().live.connect(MODEL, max_queue=2, shared_reader=True)
    session.send_client_content(turns=" ".join(["word"] * 40))
    wait_for_backpressure(session)
    session.close()
    assert session.close_event is not None and session.close_event.code == 1000


@pytest.mark.parametrize("fault", ["drop", "goaway"])
def test_a_resumed_session_is_read_by_the_shared_thread_again(
    emulator: LiveEmulator, fault: str
) -> None:
    resumed = threading.Event()
    policy = genai_live.ResumptionPolicy(backoff=0.05, go_away_margin=0.2)
    with emulator.client().live.connect(
        MODEL,
        config=TEXT,
        resume=policy,
        callbacks={"onresume": lambda info: resumed.set()},
        shared_reader=True,
    ) as session:
        session.send_client_content(turns="before")
        assert "before" in session.receive_turn(timeout=10).text
        emulator.inject(fault, **({"time_left": 1.0} if fault == "goaway" else {}))
        assert resumed.wait(10)
        session.send_client_content(turns="after")
        assert "after" in session.receive_turn(timeout=10).text
        assert session._on_shared
        assert session._reader is not None
        session._reader.join(5)  # the thread that resumed has handed the session back
        assert reader_threads() == ["genai-live-shared-reader"]
    assert emulator.connection_count == 2


def test_if_the_shared_thread_fails_its_sessions_get_threads_of_their_own(
    emulator: LiveEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = emulator.client()
    sessions = [client.live.connect(MODEL, config=TEXT, shared_reader=True) for _ in range(3)]
    real_read = SharedReader._read

    def broken(*args: Any) -> None:
        raise RuntimeError("reader bug")

    monkeypatch.setattr(SharedReader, "_read", broken)
    try:
        sessions[0].send_client_content(turns="wake up")  # its reply wakes the reader: it fails
        deadline = time.monotonic() + 10
        while any(s._on_shared for s in sessions):
            assert time.monotonic() < deadline, "the sessions were never handed over"
            time.sleep(0.01)
        monkeypatch.setattr(SharedReader, "_read", real_read)
        assert "reader bug" in caplog.text
        for index, session in enumerate(sessions):
            assert session.receive(timeout=5).setup_complete is not None
            if index:
                session.send_client_content(turns=f"still served {index}")
            text = session.receive_turn(timeout=10).text
            assert ("wake up" if index == 0 else f"still served {index}") in text
    finally:
        for session in sessions:
            session.close()


def test_a_paused_session_whose_shared_thread_fails_is_read_by_its_own_thread_only(
    emulator: LiveEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = emulator.client()
    paused = client.live.connect(MODEL, max_queue=2, shared_reader=True)  # AUDIO: many chunks
    waker = client.live.connect(MODEL, config=TEXT, shared_reader=True)
    real_read = SharedReader._read

    def broken(*args: Any) -> None:
        raise RuntimeError("reader bug")

    try:
        paused.send_client_content(turns=" ".join(["word"] * 40))
        wait_for_backpressure(paused)
        monkeypatch.setattr(SharedReader, "_read", broken)
        waker.send_client_content(turns="wake up")  # its reply wakes the reader: it fails
        deadline = time.monotonic() + 10
        while paused._on_shared or waker._on_shared:
            assert time.monotonic() < deadline, "the sessions were never handed over"
            time.sleep(0.01)
        monkeypatch.setattr(SharedReader, "_read", real_read)
        assert "reader bug" in caplog.text
        resumed: list[object] = []
        monkeypatch.setattr(SharedReader, "resume", lambda self, session: resumed.append(session))
        assert paused.receive(timeout=5).setup_complete is not None  # room again: read on
        turn = paused.receive_turn(timeout=30)
        assert turn.complete and len(turn.audio) > 100_000
        assert resumed == []  # its own thread reads it: the shared one is not asked to as well
    finally:
        paused.close()
        waker.close()


def test_shared_reader_over_tls() -> None:
    with LiveEmulator(tls=True, speed=0) as emu:
        with emu.client().live.connect(MODEL, shared_reader=True) as session:
            session.send_client_content(turns=" ".join(["secure"] * 30))  # audio: many records
            assert session.receive(timeout=5).setup_complete is not None
            turn = session.receive_turn(timeout=30)
            assert turn.complete and len(turn.audio) > 100_000


def test_a_ping_while_a_sender_holds_the_socket_does_not_hold_up_the_shared_thread() -> None:
    locked, pinged, answered = threading.Event(), threading.Event(), threading.Event()

    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        assert locked.wait(5)  # the ping arrives while the sender holds the lock
        pong = connection.ping(b"are you there")
        connection.send(b'{"serverContent": {"turnComplete": true}}')
        pinged.set()
        if pong.wait(5):
            answered.set()
        for _ in connection:  # until the client closes
            pass

    with LoopbackServer(handler) as server:
        client = genai_live.Client(api_key="k", http_options={"base_url": server.url})
        with client.live.connect(MODEL, shared_reader=True) as session:
            transport = session._transport
            with transport._send_lock:  # type: ignore[attr-defined]  # a sender, stuck
                locked.set()
                assert session.receive(timeout=5).setup_complete is not None
                assert pinged.wait(5)
                assert session.receive(timeout=5).server_content is not None  # still read
                assert not answered.is_set()  # the pong waits for the sender...
            assert answered.wait(5)  # ...and goes out after it


# --------------------------------------------------------------------------- pump, without a server


def test_pump_never_waits_and_keeps_what_is_over_the_limit() -> None:
    near, far = socket.socketpair()
    try:
        transport = WebSocketTransport(near, 1 << 20)
        transport.set_blocking(False)
        assert transport.pump() == ([], None)  # nothing there: returns at once
        far.sendall(b"".join(server_frame(bytes([i]) * 300) for i in range(5)) + b"\x82")
        messages, ended = transport.pump(limit=2)
        assert messages == [b"\x00" * 300, b"\x01" * 300] and ended is None
        messages, ended = transport.pump()
        assert messages == [bytes([i]) * 300 for i in (2, 3, 4)]  # the half frame waits
        far.sendall(b"\x01z")
        far.shutdown(socket.SHUT_WR)
        assert transport.pump() == ([b"z"], None)  # one read per call: the end comes next
        messages, ended = transport.pump()
        assert messages == [] and ended is not None and ended.code == 1006
        assert transport.pump() == ([], ended)
    finally:
        near.close()
        far.close()


def test_frames_left_by_a_full_queue_are_not_stranded_when_room_is_made_meanwhile() -> None:
    """A pump stops at the queue's room; if the consumer makes room before the pump decides to
    pause, the frames already read must still be delivered (the selector will not report them)."""
    near, far = socket.socketpair()
    resumed: list[object] = []
    try:
        transport = WebSocketTransport(near, 1 << 20)
        transport.set_blocking(False)
        stub = type("Stub", (), {"resume": lambda self, s: resumed.append(s), "thread": None})()
        session = genai_live.Session(
            transport,
            backend=genai_live.Client(api_key="k").backend,
            callbacks=genai_live.LiveCallbacks(),
            max_queue=2,
            shared_reader=stub,  # type: ignore[arg-type]
        )
        taken: list[types.LiveServerMessage] = []
        inner = session._queue

        class QuickConsumer:
            """The queue, and a consumer that takes two messages as soon as they are put."""

            def put(self, batch: object) -> None:
                inner.put(batch)
                if len(taken) < 2:
                    taken.extend(session.receive(timeout=1) for _ in range(2))

            def get(self, timeout: float | None = None) -> object:
                return inner.get(timeout=timeout)

        session._queue = QuickConsumer()  # type: ignore[assignment]
        texts = [
            f'{{"serverContent":{{"modelTurn":{{"parts":[{{"text":"{i}"}}]}}}}}}' for i in range(5)
        ]
        far.sendall(b"".join(server_frame(t.encode()) for t in texts))  # readable at once
        going_on = session._pump()
        assert transport.ready() is False or going_on is False  # nothing left behind unread
        rest = [session.receive(timeout=1) for _ in range(2)]
        assert resumed == [session]  # room again: the reader is asked to read it again...
        assert session._pump() is True  # ...and delivers the last frame, already buffered
        rest.append(session.receive(timeout=1))
        assert [m.text for m in taken + rest] == ["0", "1", "2", "3", "4"]
    finally:
        near.close()
        far.close()


def test_nonblocking_send_waits_for_a_full_socket() -> None:
    near, far = socket.socketpair()
    try:
        transport = WebSocketTransport(near, 1 << 20)
        transport.set_blocking(False)
        payload = b"x" * 4_000_000  # far more than the socket buffers hold
        received = bytearray()

        def drain() -> None:
            while len(received) < len(payload):
                chunk = far.recv(1 << 20)
                if not chunk:
                    return
                received.extend(chunk)

        reader = threading.Thread(target=drain)
        reader.start()
        transport.send(payload)
        reader.join(10)
        assert len(received) == len(payload) + 14  # 64-bit length header + mask key
        key, body = bytes(received[10:14]), bytes(received[14:])
        assert mask_payload(key, body) == payload  # every byte arrived, in order
    finally:
        near.close()
        far.close()


def test_the_suite_option_decides_the_default_reader(
    request: pytest.FixtureRequest, emulator: LiveEmulator
) -> None:
    """``pytest --shared-reader`` (run by ``make test``) puts every session on the shared reader."""
    with emulator.client().live.connect(MODEL, config=TEXT) as session:
        assert session._on_shared is request.config.getoption("--shared-reader")


def test_large_sends_over_tls_on_the_shared_reader(tmp_path: Path) -> None:
    """A non-blocking TLS socket refuses a write it cannot take whole (SSLWantWriteError): the
    send offers the same bytes again until they are all out."""
    from genai_live.testing.emulator.tls import client_context, server_context, write_self_signed

    cert, key = write_self_signed(str(tmp_path), "127.0.0.1")
    sizes: list[int] = []

    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        for frame in connection:  # until the client closes
            audio = json.loads(frame)["realtimeInput"]["audio"]["data"]
            sizes.append(len(base64.b64decode(audio)))

    chunks = [bytes([i]) * 200_000 for i in range(30)]  # ~8 MB of base64 in all
    with LoopbackServer(handler, ssl=server_context(cert, key)) as server:
        client = genai_live.Client(
            api_key="k",
            http_options={
                "base_url": server.url.replace("http:", "https:"),
                "ssl_context": client_context(cert),
            },
        )
        with client.live.connect(MODEL, shared_reader=True) as session:
            assert session._on_shared
            for chunk in chunks:
                session.send_realtime_input(audio={"data": chunk, "mimeType": "audio/pcm"})
            assert session.receive(timeout=5).setup_complete is not None
    deadline = time.monotonic() + 10
    while len(sizes) < len(chunks) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sizes == [200_000] * len(chunks)


def test_pump_reads_on_while_tls_holds_decrypted_bytes() -> None:
    """A TLS socket may hold decrypted bytes the selector cannot see (``pending()``): pump
    reads them before returning, else they would wait for the next packet."""
    frames = b"".join(server_frame(f'{{"n":{i}}}'.encode()) for i in range(3))

    class TLSLike:
        """Hands out one small 'record' per recv and reports the rest as pending."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def recv(self, size: int) -> bytes:
            if not self.data:
                raise BlockingIOError
            chunk, self.data = self.data[:10], self.data[10:]
            return chunk

        def pending(self) -> int:
            return len(self.data)

        def setblocking(self, flag: bool) -> None:
            pass

    transport = WebSocketTransport(TLSLike(frames), 1 << 20)  # type: ignore[arg-type]
    transport.set_blocking(False)
    messages, ended = transport.pump()
    assert [json.loads(m) for m in messages] == [{"n": 0}, {"n": 1}, {"n": 2}] and ended is None
