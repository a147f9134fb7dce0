"""Fault injection: every way a Live connection can fail ends fast, typed and clean.

Each test asserts a bounded time, the right typed error (or a clean end), ``onclose`` exactly
once, and — through the fixtures — no thread and no file descriptor left behind.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.server import ServerConnection

import genai_live
from genai_live.testing import LiveEmulator

from .conftest import shared_reader_everywhere, wait_for_backpressure
from .loopback import LoopbackServer

MODEL = "gemini-live-2.5-flash-preview"
KEY = "emulator-key"  # what emulator.client() authenticates with
TEXT = {"responseModalities": ["TEXT"]}


def fd_count() -> int:
    gc.collect()  # the test server's selector is freed by the garbage collector
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
def no_leaks(no_thread_leak: None, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)  # everything logged during the fault is searched for the key
    before = fd_count()
    yield
    deadline = time.monotonic() + 3
    while fd_count() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fd_count() <= before, "file descriptors left open"
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert records, "nothing was logged: the check below would prove nothing"
    assert not [r for r in records if KEY in r.getMessage()], "the API key was logged"


@pytest.fixture(autouse=True, params=["own reader", "shared reader"])
def reader(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every fault twice: each session with a reader thread of its own, then all sessions on the
    shared reader (``connect(..., shared_reader=True)``)."""
    if request.param == "shared reader":
        with shared_reader_everywhere():
            yield request.param
    else:
        yield request.param


class Recorder:
    """Callbacks that count closes and keep errors (no onmessage: iteration stays available)."""

    def __init__(self) -> None:
        self.closes: list[genai_live.CloseEvent] = []
        self.errors: list[BaseException] = []
        self.closed = threading.Event()
        self.resumed = threading.Event()

    def callbacks(self) -> dict[str, Any]:
        return {"onclose": self.on_close, "onerror": self.errors.append}

    def on_close(self, event: genai_live.CloseEvent) -> None:
        self.closes.append(event)
        self.closed.set()


def drain(
    session: genai_live.Session, seconds: float = 10.0
) -> list[genai_live.types.LiveServerMessage]:
    """Read until the session ends (normal end returns; errors propagate), bounded in time."""
    messages = []
    deadline = time.monotonic() + seconds
    for message in session:
        messages.append(message)
        assert time.monotonic() < deadline, "session did not end in time"
    return messages


# --------------------------------------------------------------------------- handshake


@pytest.mark.parametrize("status", [401, 403, 404, 500])
def test_handshake_refused(emulator: LiveEmulator, status: int) -> None:
    emulator.inject("reject", status=status)
    with pytest.raises(genai_live.HandshakeError) as info:
        emulator.client().live.connect(MODEL, timeout=5)
    assert info.value.status == status


def test_tls_failure_is_not_retryable() -> None:
    with LiveEmulator(tls=True, speed=0) as emu:
        client = genai_live.Client(
            api_key="k", http_options={"base_url": emu.url}
        )  # cert not trusted
        started = time.monotonic()
        with pytest.raises(genai_live.ConnectionLost) as info:
            client.live.connect(MODEL, timeout=5)
        assert "TLS" in str(info.value) and not info.value.retryable
        assert time.monotonic() - started < 5


def test_tls_with_the_emulator_certificate_works() -> None:
    with LiveEmulator(tls=True, speed=0) as emu:
        assert emu.url.startswith("https://")
        with emu.client().live.connect(MODEL, config=TEXT) as session:
            session.send_client_content(turns="secure hello")
            assert "secure hello" in session.receive_turn(timeout=10).text


# --------------------------------------------------------------------------- closes


@pytest.mark.parametrize(
    "code, error",
    [
        (1000, genai_live.LiveError),
        (1001, genai_live.LiveError),
        (1007, genai_live.InvalidArgument),
        (1008, genai_live.PolicyViolation),
        (1011, genai_live.ServerError),
    ],
)
def test_close_before_setup_complete_raises_from_connect(code: int, error: type) -> None:
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.close(code, "closing during setup")

    recorder = Recorder()
    with LoopbackServer(handler) as server:
        client = genai_live.Client(api_key="k", http_options={"base_url": server.url})
        with pytest.raises(error) as info:
            client.live.connect(MODEL, timeout=5, callbacks=recorder.callbacks())
    assert info.value.code == code
    assert [e.code for e in recorder.closes] == [code]


def test_drop_before_setup_complete_raises_connection_lost() -> None:
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.socket.shutdown(socket.SHUT_RDWR)

    with LoopbackServer(handler) as server:
        client = genai_live.Client(api_key="k", http_options={"base_url": server.url})
        with pytest.raises(genai_live.ConnectionLost):
            client.live.connect(MODEL, timeout=5)


@pytest.mark.parametrize(
    "code, error",
    [
        (1007, genai_live.InvalidArgument),
        (1008, genai_live.PolicyViolation),
        (1011, genai_live.ServerError),
    ],
)
def test_error_close_after_setup_complete(emulator: LiveEmulator, code: int, error: type) -> None:
    recorder = Recorder()
    session = emulator.client().live.connect(MODEL, config=TEXT, callbacks=recorder.callbacks())
    session.receive(timeout=5)
    emulator.inject("close", code=code, reason="injected")
    with pytest.raises(error) as info:
        drain(session)
    assert (info.value.code, info.value.reason) == (code, "injected")
    session.close()
    assert [e.code for e in recorder.closes] == [code]
    assert recorder.errors == [info.value]


@pytest.mark.parametrize("code", [1000, 1001])
def test_normal_close_after_setup_ends_iteration_cleanly(emulator: LiveEmulator, code: int) -> None:
    recorder = Recorder()
    session = emulator.client().live.connect(MODEL, config=TEXT, callbacks=recorder.callbacks())
    emulator.inject("close", code=code)
    assert len(drain(session)) == 1  # just setupComplete
    session.close()
    assert [e.code for e in recorder.closes] == [code] and recorder.errors == []


def test_tcp_drop_after_setup_is_connection_lost(emulator: LiveEmulator) -> None:
    recorder = Recorder()
    session = emulator.client().live.connect(MODEL, config=TEXT, callbacks=recorder.callbacks())
    emulator.inject("drop")
    with pytest.raises(genai_live.ConnectionLost):
        drain(session)
    session.close()
    assert [e.code for e in recorder.closes] == [1006]


def test_drop_in_the_middle_of_a_frame() -> None:
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        header = struct.pack("!BBH", 0x82, 126, 1000)  # a 1000-byte binary frame...
        connection.socket.sendall(header + b'{"serverContent"')  # ...cut short
        connection.socket.shutdown(socket.SHUT_RDWR)

    with LoopbackServer(handler) as server:
        client = genai_live.Client(api_key="k", http_options={"base_url": server.url})
        session = client.live.connect(MODEL, timeout=5)
        with pytest.raises(genai_live.ConnectionLost):
            drain(session)
        session.close()


# --------------------------------------------------------------------------- bad frames


def test_malformed_json_is_a_decode_error(emulator: LiveEmulator) -> None:
    recorder = Recorder()
    session = emulator.client().live.connect(MODEL, config=TEXT, callbacks=recorder.callbacks())
    emulator.inject("malformed")
    with pytest.raises(genai_live.DecodeError):
        drain(session)
    session.close()
    assert [e.code for e in recorder.closes] == [1007]


def test_frame_over_the_size_limit(emulator: LiveEmulator) -> None:
    session = emulator.client().live.connect(MODEL, config=TEXT, max_message_size=1_000_000)
    emulator.inject("oversize", size=3_000_000)
    with pytest.raises(genai_live.MessageTooLarge) as info:
        drain(session)
    assert info.value.code == 1009
    session.close()


def test_unknown_message_kind_is_delivered(emulator: LiveEmulator) -> None:
    with emulator.client().live.connect(MODEL, config=TEXT) as session:
        session.receive(timeout=5)
        emulator.inject("unknown")
        message = session.receive(timeout=5)
        assert message.extra is not None and "newServerThing" in message.extra
        session.send_client_content(turns="still fine")
        assert "still fine" in session.receive_turn(timeout=10).text


# --------------------------------------------------------------------------- stalls and pressure


def test_stalled_server_times_out_and_close_is_bounded(emulator: LiveEmulator) -> None:
    session = emulator.client().live.connect(MODEL, config=TEXT)
    session.receive(timeout=5)
    emulator.inject("stall")
    session.send_client_content(turns="anyone there?")
    with pytest.raises(TimeoutError):
        session.receive(timeout=0.3)
    session._close_timeout = 0.3
    started = time.monotonic()
    session.close()  # the server will never answer the close frame
    assert time.monotonic() - started < 3
    assert session.close_event is not None and session.close_event.code == 1000


def test_slow_consumer_gets_every_chunk_with_bounded_memory(emulator: LiveEmulator) -> None:
    with emulator.client().live.connect(MODEL, max_queue=4) as session:  # AUDIO replies
        session.send_client_content(turns=" ".join(["word"] * 60))
        wait_for_backpressure(session)  # the caller is busy; the reader must not buffer it all
        assert 0 < session._backlog() <= 4
        setup = session.receive(timeout=5)
        turn = session.receive_turn(timeout=30)
        sent = emulator.messages_sent
    assert setup.setup_complete is not None and turn.complete
    assert len(turn.messages) + 1 == sent  # nothing lost: every frame the server sent arrived
    assert len(turn.audio) > 5 * 48000  # seconds of 24 kHz PCM16 speech


def test_callback_that_raises_and_close_from_a_callback(emulator: LiveEmulator) -> None:
    recorder = Recorder()
    holder: dict[str, genai_live.Session] = {}
    ready = threading.Event()

    def on_message(message: genai_live.types.LiveServerMessage) -> None:
        ready.wait(5)
        content = message.server_content
        if content is not None and content.model_turn is not None:
            raise ValueError("user bug")
        if content is not None and content.turn_complete:
            holder["session"].close()

    callbacks = {**recorder.callbacks(), "onmessage": on_message}
    session = emulator.client().live.connect(MODEL, config=TEXT, callbacks=callbacks)
    holder["session"] = session
    ready.set()
    session.send_client_content(turns="raise then close")
    assert recorder.closed.wait(10)
    session.close()
    assert len(recorder.closes) == 1 and recorder.closes[0].by_client
    assert recorder.errors and all(isinstance(e, ValueError) for e in recorder.errors)


def test_close_racing_the_reader(emulator: LiveEmulator) -> None:
    for _ in range(10):
        recorder = Recorder()
        session = emulator.client().live.connect(MODEL, config=TEXT, callbacks=recorder.callbacks())
        session.send_client_content(turns="a reply to race with")
        closer = threading.Thread(target=session.close)
        closer.start()
        session.close()
        closer.join(5)
        assert not closer.is_alive()
        assert len(recorder.closes) == 1


def test_sixteen_threads_sending_a_thousand_messages_each(emulator: LiveEmulator) -> None:
    with emulator.client().live.connect(MODEL, config=TEXT) as session:

        def send(thread: int) -> None:
            for i in range(1000):
                session.send_client_content(turns=f"{thread}:{i}", turn_complete=False)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        deadline = time.monotonic() + 30
        while len(emulator.received) < 16001 and time.monotonic() < deadline:
            time.sleep(0.05)
    texts = [
        m["clientContent"]["turns"][0]["parts"][0]["text"]
        for m in emulator.received
        if "clientContent" in m
    ]
    assert len(texts) == 16000
    for n in range(16):
        assert [int(x.split(":")[1]) for x in texts if x.split(":")[0] == str(n)] == list(
            range(1000)
        )


# --------------------------------------------------------------------------- resumption


def resumable_session(
    emulator: LiveEmulator, recorder: Recorder, **kwargs: Any
) -> genai_live.Session:
    def on_resume(info: genai_live.ResumeInfo) -> None:
        recorder.errors.append(info)  # kept in order with errors
        recorder.resumed.set()

    callbacks = {**recorder.callbacks(), "onresume": on_resume}
    policy = genai_live.ResumptionPolicy(backoff=0.05, max_backoff=0.2, go_away_margin=0.2)
    return emulator.client().live.connect(
        MODEL, config=TEXT, resume=policy, callbacks=callbacks, **kwargs
    )


def test_go_away_is_followed_to_a_resumed_connection(emulator: LiveEmulator) -> None:
    recorder = Recorder()
    with resumable_session(emulator, recorder) as session:
        session.send_client_content(turns="first question")
        assert "first question" in session.receive_turn(timeout=10).text
        emulator.inject("goaway", time_left=5.0)
        session.send_client_content(turns="second question")
        turn = session.receive_turn(timeout=10)
        assert "second question" in turn.text
        assert recorder.resumed.wait(5)  # at once, or after the turn if it was mid-turn
        session.send_client_content(turns="third question")
        assert "turn 3" in session.receive_turn(timeout=10).text  # the conversation survived
    infos = [e for e in recorder.errors if isinstance(e, genai_live.ResumeInfo)]
    assert [i.reason for i in infos] == ["goAway"]
    assert emulator.connection_count == 2
    assert len(recorder.closes) == 1


def test_drop_is_resumed(emulator: LiveEmulator) -> None:
    recorder = Recorder()
    with resumable_session(emulator, recorder) as session:
        session.send_client_content(turns="before the drop")
        session.receive_turn(timeout=10)
        emulator.inject("drop")
        session.send_client_content(turns="after the drop")
        turn = session.receive_turn(timeout=10)
        assert "after the drop" in turn.text
    assert [e.reason for e in recorder.errors if isinstance(e, genai_live.ResumeInfo)] == [
        "connection lost"
    ]


def test_drop_during_resumption_is_retried(emulator: LiveEmulator) -> None:
    recorder = Recorder()
    with resumable_session(emulator, recorder) as session:
        session.send_client_content(turns="hello")
        session.receive_turn(timeout=10)
        emulator.inject("reject", status=503)  # the first reconnects are refused
        emulator.inject("drop")
        threading.Timer(0.3, emulator.clear_faults).start()
        session.send_client_content(turns="are you back")
        assert "are you back" in session.receive_turn(timeout=15).text
    infos = [e for e in recorder.errors if isinstance(e, genai_live.ResumeInfo)]
    assert len(infos) == 1 and infos[0].attempts >= 2


def test_drop_with_no_handle_fails_with_resumption_failed() -> None:
    recorder = Recorder()
    with LiveEmulator(speed=0, script=[{"expect": {"clientContent": {}}, "reply": []}]) as emu:
        session = resumable_session(emu, recorder)
        session.receive(timeout=5)
        emu.inject("drop")
        with pytest.raises(genai_live.ResumptionFailed):
            drain(session)
        session.close()
    assert len(recorder.closes) == 1
