"""Automatic resumption over FakeTransport: goAway, drops, buffering, failures."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import genai_live
from genai_live.endpoints import ConnectRequest
from genai_live.resumption import ResumptionPolicy
from genai_live.testing import FakeTransport

pytestmark = pytest.mark.usefixtures("no_thread_leak")

FAST = ResumptionPolicy(backoff=0.01, max_backoff=0.02, go_away_margin=0.5)


def update(handle: str, resumable: bool = True) -> dict[str, Any]:
    return {
        "sessionResumptionUpdate": {
            "newHandle": handle if resumable else "",
            "resumable": resumable,
        }
    }


def text(value: str, done: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"modelTurn": {"parts": [{"text": value}]}}
    if done:
        content["turnComplete"] = True
    return {"serverContent": content}


class Connections:
    """A transport factory handing out scripted FakeTransports, one per connection."""

    def __init__(self, *fakes: Any) -> None:
        self.fakes = list(fakes)
        self.opened: list[FakeTransport] = []
        self.requests: list[ConnectRequest] = []

    def __call__(self, request: ConnectRequest) -> FakeTransport:
        self.requests.append(request)
        fake = self.fakes.pop(0)
        if isinstance(fake, Exception):
            raise fake
        if callable(fake) and not isinstance(fake, FakeTransport):
            fake = fake()
        self.opened.append(fake)
        return fake.connect(request)


def open_session(
    connections: Connections, events: list[Any] | None = None, **kwargs: Any
) -> genai_live.Session:
    callbacks = {}
    if events is not None:
        callbacks = {
            "onreconnect": lambda attempt: events.append(("reconnect", attempt)),
            "onresume": lambda info: events.append(
                ("resume", info.reason, info.handle, info.flushed)
            ),
        }
    client = genai_live.Client(api_key="k")
    return client.live.connect(
        "gemini-x",
        transport=connections,
        resume=kwargs.pop("resume", FAST),
        callbacks=callbacks,
        **kwargs,
    )


def test_resume_asks_for_handles_in_setup() -> None:
    connections = Connections(FakeTransport())
    with open_session(connections):
        assert connections.opened[0].sent[0]["setup"]["sessionResumption"] == {}


def test_go_away_moves_to_a_new_connection_with_the_latest_handle() -> None:
    first, second = FakeTransport(), FakeTransport()
    connections = Connections(first, second)
    events: list[Any] = []
    session = open_session(connections, events)
    first.push(update("h1"))
    first.push(update("h2"))
    first.push({"goAway": {"timeLeft": "30s"}})
    second.wait_sent(1)
    assert second.sent[0]["setup"]["sessionResumption"] == {"handle": "h2"}
    assert first.client_close == (1000, "resuming")
    second.push(text("after", done=True))
    messages = [session.receive(timeout=2) for _ in range(5)]
    assert [m.text for m in messages][-1] == "after"
    assert events == [("reconnect", 1), ("resume", "goAway", "h2", 0)]
    session.close()


def test_go_away_mid_turn_waits_for_a_resumable_moment() -> None:
    first, second = FakeTransport(), FakeTransport()
    connections = Connections(first, second)
    session = open_session(connections)
    first.push(update("h1"))
    first.push(update("", resumable=False))  # generating
    first.push({"goAway": {"timeLeft": "30s"}})
    first.push(text("part"))
    for _ in range(5):
        session.receive(timeout=2)
    assert len(connections.opened) == 1  # still on the first connection
    first.push(text(" end", done=True))
    first.push(update("h3"))
    second.wait_sent(1)
    assert second.sent[0]["setup"]["sessionResumption"] == {"handle": "h3"}
    session.close()


def test_go_away_moves_anyway_when_time_runs_out() -> None:
    first, second = FakeTransport(), FakeTransport()
    connections = Connections(first, second)
    session = open_session(connections)
    first.push(update("h1"))
    first.push(update("", resumable=False))
    first.push({"goAway": {"timeLeft": "0.6s"}})  # margin 0.5 s: move after ~0.1 s
    second.wait_sent(1, timeout=3)
    assert second.sent[0]["setup"]["sessionResumption"] == {"handle": "h1"}
    session.close()


def test_drop_resumes_and_buffered_sends_arrive_in_order() -> None:
    first = FakeTransport()
    gate = threading.Event()

    def slow_second() -> FakeTransport:
        gate.wait(3)
        return FakeTransport()

    connections = Connections(first, slow_second)
    events: list[Any] = []
    session = open_session(connections, events)
    first.push(update("h1"))
    session.receive(timeout=2)
    session.receive(timeout=2)
    first.drop()
    # Sends made while the session reconnects are held and flushed in order.
    while not session._reconnecting:
        pass
    for i in range(3):
        session.send_realtime_input(text=f"held {i}")
    gate.set()
    second = connections.opened[-1] if len(connections.opened) > 1 else None
    for _ in range(200):
        if len(connections.opened) > 1:
            second = connections.opened[1]
            break
        threading.Event().wait(0.01)
    assert second is not None
    sent = second.wait_sent(4)
    assert sent[0]["setup"]["sessionResumption"] == {"handle": "h1"}
    assert [m["realtimeInput"]["text"] for m in sent[1:]] == ["held 0", "held 1", "held 2"]
    assert events[-1] == ("resume", "connection lost", "h1", 3)
    session.close()


def test_drop_without_a_handle_fails_with_resumption_failed() -> None:
    first = FakeTransport()
    session = open_session(Connections(first))
    session.receive(timeout=2)
    first.drop()
    with pytest.raises(
        genai_live.ResumptionFailed, match="before the server sent a resumption handle"
    ):
        session.receive(timeout=2)
    session.close()


def test_policy_violation_is_raised_not_resumed() -> None:
    first = FakeTransport()
    connections = Connections(first, FakeTransport())
    session = open_session(connections)
    first.push(update("h1"))
    first.push_close(1008, "Permission denied")
    with pytest.raises(genai_live.PolicyViolation):
        for _ in session:
            pass
    assert len(connections.opened) == 1
    session.close()


def test_drop_during_resumption_retries_with_backoff() -> None:
    first, third = FakeTransport(), FakeTransport()
    connections = Connections(first, genai_live.ConnectionLost("refused"), third)
    events: list[Any] = []
    session = open_session(connections, events)
    first.push(update("h1"))
    first.drop()
    third.wait_sent(1)
    third.push(text("back", done=True))
    texts = [session.receive(timeout=2).text for _ in range(3)]
    assert texts[-1] == "back"
    assert events == [("reconnect", 1), ("reconnect", 2), ("resume", "connection lost", "h1", 0)]
    session.close()


def test_refused_handle_fails_with_resumption_failed() -> None:
    first = FakeTransport()
    second = FakeTransport(auto_setup=False)
    second.push_close(1008, "session resumption handle is invalid or expired")
    session = open_session(Connections(first, second))
    first.push(update("h1"))
    first.drop()
    with pytest.raises(genai_live.ResumptionFailed) as info:
        for _ in session:
            pass
    assert "invalid or expired" in info.value.reason
    session.close()


def test_attempts_are_bounded() -> None:
    first = FakeTransport()
    lost = [genai_live.ConnectionLost("refused") for _ in range(3)]
    session = open_session(
        Connections(first, *lost), resume=ResumptionPolicy(max_attempts=3, backoff=0.01)
    )
    first.push(update("h1"))
    first.drop()
    with pytest.raises(genai_live.ResumptionFailed, match="after 3 attempt"):
        for _ in session:
            pass
    session.close()


def test_user_close_never_resumes() -> None:
    first = FakeTransport()
    connections = Connections(first, FakeTransport())
    session = open_session(connections)
    first.push(update("h1"))
    session.close()
    assert len(connections.opened) == 1
    assert session.close_event is not None and session.close_event.code == 1000


def test_close_ends_a_reconnection_waiting_out_its_backoff() -> None:
    first = FakeTransport()
    events: list[Any] = []
    connections = Connections(first, genai_live.ConnectionLost("refused"), FakeTransport())
    session = open_session(
        connections, events, resume=ResumptionPolicy(backoff=60, max_backoff=60, jitter=0)
    )
    first.push(update("h1"))
    first.drop()
    for _ in range(500):  # attempt 1 is refused; attempt 2 waits 60 s
        if events == [("reconnect", 1)] and len(connections.fakes) == 1:
            break
        threading.Event().wait(0.01)
    assert events == [("reconnect", 1)]
    reader = session._reader
    session.close()
    assert reader is not None and not reader.is_alive()
    assert len(connections.opened) == 1  # the third connection was never opened
    assert session.close_event is not None and session.close_event.code == 1000


def test_send_buffer_bound_raises_a_typed_error() -> None:
    first = FakeTransport()
    gate = threading.Event()
    connections = Connections(first, lambda: (gate.wait(3), FakeTransport())[1])
    session = open_session(connections, resume=ResumptionPolicy(backoff=0.01, max_buffer_bytes=200))
    first.push(update("h1"))
    first.drop()
    while not session._reconnecting:
        pass
    session.send_realtime_input(text="x" * 50)
    with pytest.raises(genai_live.ResumptionFailed, match="send buffer full"):
        session.send_realtime_input(text="y" * 300)
    gate.set()
    session.close()


def test_transparent_resumption_replays_unconsumed_messages() -> None:
    class Creds:
        token = "t"
        valid = True

    first, second = FakeTransport(), FakeTransport()
    connections = Connections(first, second)
    client = genai_live.Client(
        vertexai=True, project="p", location="us-central1", credentials=Creds()
    )
    session = client.live.connect(
        "gemini-x",
        transport=connections,
        resume=FAST,
        config={"sessionResumption": {"transparent": True}},
    )
    for i in range(3):
        session.send_realtime_input(text=f"m{i}")
    first.wait_sent(4)
    first.push(
        {
            "sessionResumptionUpdate": {
                "newHandle": "h1",
                "resumable": True,
                "lastConsumedClientMessageIndex": "0",
            }
        }
    )
    for _ in range(2):
        session.receive(timeout=2)
    first.drop()
    sent = second.wait_sent(3)
    assert sent[0]["setup"]["sessionResumption"] == {"handle": "h1", "transparent": True}
    assert [m["realtimeInput"]["text"] for m in sent[1:]] == ["m1", "m2"]
    session.close()


def test_a_reply_that_beats_send_returning_still_marks_the_turn_answered() -> None:
    """The reader may see a turn's reply before send() returns; the turn must count as answered,
    or resuming would replay it as a new turn and the model would answer it twice."""

    class FastServer(FakeTransport):
        session: genai_live.Session | None = None

        def send(self, data: bytes) -> None:
            super().send(data)
            if b'"clientContent"' in data:
                self.push(text("answer", done=True))
                assert self.session is not None
                deadline = time.monotonic() + 5
                while self.session._backlog() < 1:  # the reader handled the reply meanwhile
                    assert time.monotonic() < deadline, "the reader never took the reply"
                    threading.Event().wait(0.001)

    first, second = FastServer(), FakeTransport()
    connections = Connections(first, second)
    session = open_session(connections)
    first.session = session
    first.push(update("h1"))
    session.receive(timeout=2)
    session.receive(timeout=2)
    session.send_client_content(turns="question")
    assert session.receive_turn(timeout=2).text == "answer"
    first.drop()
    sent = second.wait_sent(2)
    assert sent[1] == {
        "clientContent": {
            "turns": [{"role": "user", "parts": [{"text": "question"}]}],
            "turnComplete": False,
        }
    }  # replayed as context only: the handle h1 predates it, and it was already answered
    session.close()
