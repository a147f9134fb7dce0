"""Session behaviour over FakeTransport: callbacks, iteration, closing, threads, errors."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import genai_live
from genai_live import types as t
from genai_live.testing import FakeTransport

from .conftest import wait_for_backpressure

pytestmark = pytest.mark.usefixtures("no_thread_leak")

TEXT_REPLY = {"serverContent": {"modelTurn": {"parts": [{"text": "Hello"}]}}}
TURN_DONE = {"serverContent": {"turnComplete": True}, "usageMetadata": {"totalTokenCount": 3}}


def connect(client: genai_live.Client, fake: FakeTransport, **kwargs: Any) -> genai_live.Session:
    return client.live.connect("gemini-x", transport=fake, **kwargs)


def test_connect_sends_setup_waits_for_setup_complete_and_queues_it_first(
    client: genai_live.Client,
) -> None:
    fake = FakeTransport(setup_complete={"sessionId": "s1"})
    with connect(client, fake, config={"responseModalities": ["TEXT"]}) as session:
        assert fake.sent[0] == {
            "setup": {
                "model": "models/gemini-x",
                "generationConfig": {"responseModalities": ["TEXT"]},
            }
        }
        assert session.session_id == "s1"
        assert session.setup_complete == t.LiveServerSetupComplete(session_id="s1")
        assert session.receive(timeout=1).setup_complete is not None
    assert session.closed
    assert fake.client_close == (1000, "")


def test_iteration_yields_every_message_and_ends_on_normal_close(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake)
    for message in (TEXT_REPLY, TURN_DONE, TEXT_REPLY, TURN_DONE):
        fake.push(message)
    fake.push_close(1000)
    texts = [m.text for m in session]
    assert texts == [None, "Hello", None, "Hello", None]
    assert session.close_event == genai_live.CloseEvent(code=1000, reason="")
    with pytest.raises(genai_live.SessionClosed):
        session.receive(timeout=1)
    session.close()


def test_abnormal_close_raises_typed_error_after_queued_messages(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake)
    fake.push(TEXT_REPLY)
    fake.push_close(1011, "Internal error encountered.")
    received = []
    with pytest.raises(genai_live.ServerError) as info:
        for message in session:
            received.append(message)
    assert len(received) == 2
    assert info.value.code == 1011
    assert info.value.reason == "Internal error encountered."
    assert info.value.retryable
    session.close()


def test_drop_is_connection_lost(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake)
    fake.drop()
    session.receive(timeout=1)  # setupComplete
    with pytest.raises(genai_live.ConnectionLost) as info:
        session.receive(timeout=1)
    assert info.value.code == 1006
    session.close()


def test_receive_timeout(client: genai_live.Client) -> None:
    with connect(client, FakeTransport()) as session:
        session.receive(timeout=1)
        with pytest.raises(TimeoutError):
            session.receive(timeout=0.05)


def test_receive_turn_gathers_text_audio_usage(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:
        fake.push(TEXT_REPLY)
        fake.push(
            {
                "serverContent": {
                    "modelTurn": {
                        "parts": [{"inlineData": {"mimeType": "audio/pcm", "data": "AAE="}}]
                    },
                    "outputTranscription": {"text": "Hello"},
                }
            }
        )
        fake.push(TURN_DONE)
        turn = session.receive_turn(timeout=1)
        assert turn.complete
        assert turn.text == "Hello"
        assert turn.audio == b"\x00\x01"
        assert turn.output_transcript == "Hello"
        assert turn.usage == t.UsageMetadata(total_token_count=3)
        assert len(turn.messages) == 3


def test_receive_turn_stops_at_a_tool_call(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:
        fake.push({"toolCall": {"functionCalls": [{"id": "c1", "name": "f", "args": {"x": 1}}]}})
        turn = session.receive_turn(timeout=1)
        assert not turn.complete
        assert [c.id for c in turn.tool_calls] == ["c1"]


def test_callbacks_order_and_setup_complete_first(client: genai_live.Client) -> None:
    fake = FakeTransport()
    events: list[Any] = []
    closed = threading.Event()

    def on_close(event: genai_live.CloseEvent) -> None:
        events.append(("close", event.code))
        closed.set()

    session = connect(
        client,
        fake,
        callbacks={
            "onopen": lambda: events.append("open"),
            "onmessage": lambda m: events.append("setup" if m.setup_complete else m.text),
            "on_error": lambda e: events.append(("error", type(e).__name__)),
            "onclose": on_close,
        },
    )
    fake.push(TEXT_REPLY)
    fake.push_close(1008, "models/x is not found")
    assert closed.wait(2)
    session.close()
    assert events == ["open", "setup", "Hello", ("error", "PolicyViolation"), ("close", 1008)]
    with pytest.raises(RuntimeError, match="onmessage"):
        session.receive(timeout=0)


def test_onclose_fires_exactly_once_whoever_closes(client: genai_live.Client) -> None:
    closes: list[int] = []
    fake = FakeTransport()
    session = connect(client, fake, callbacks={"onclose": lambda e: closes.append(e.code)})
    session.close()
    session.close()
    fake.push_close(1011)
    assert session.wait_closed(1) is not None
    assert closes == [1000]


def test_a_raising_callback_is_reported_and_does_not_kill_the_reader(
    client: genai_live.Client, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTransport()
    errors: list[BaseException] = []
    seen: list[str | None] = []

    def on_message(message: t.LiveServerMessage) -> None:
        seen.append(message.text)
        if message.text == "boom":
            raise RuntimeError("callback bug")

    session = connect(client, fake, callbacks={"onmessage": on_message, "onerror": errors.append})
    fake.push({"serverContent": {"modelTurn": {"parts": [{"text": "boom"}]}}})
    fake.push(TEXT_REPLY)
    fake.push_close(1000)
    assert session.wait_closed(2) is not None
    session.close()
    assert seen == [None, "boom", "Hello"]
    assert [str(e) for e in errors] == ["callback bug"]
    assert "callback onmessage raised" in caplog.text


def test_close_from_inside_a_callback_does_not_deadlock(client: genai_live.Client) -> None:
    fake = FakeTransport()
    holder: dict[str, genai_live.Session] = {}
    ready = threading.Event()

    def on_message(message: t.LiveServerMessage) -> None:
        ready.wait(2)
        if message.text == "Hello":
            holder["s"].close()

    session = connect(client, fake, callbacks={"onmessage": on_message})
    holder["s"] = session
    ready.set()
    fake.push(TEXT_REPLY)
    event = session.wait_closed(3)
    assert event is not None and event.code == 1000 and event.by_client
    session.close()


def test_close_from_callback_when_server_never_answers_is_bounded(
    client: genai_live.Client,
) -> None:
    class SilentServer(FakeTransport):
        def close(self, code: int = 1000, reason: str = "") -> None:
            self.client_close = (code, reason)  # no echo: the server ignores the close frame

    fake = SilentServer()
    holder: dict[str, genai_live.Session] = {}
    go = threading.Event()

    def on_message(message: t.LiveServerMessage) -> None:
        go.wait(2)
        if message.text:
            holder["s"].close()

    session = client.live.connect("gemini-x", transport=fake, callbacks={"onmessage": on_message})
    session._close_timeout = 0.2
    holder["s"] = session
    go.set()
    fake.push(TEXT_REPLY)
    assert session.wait_closed(3) is not None


def test_zero_argument_callbacks_are_accepted(client: genai_live.Client) -> None:
    calls: list[str] = []
    fake = FakeTransport()
    session = connect(
        client,
        fake,
        callbacks={"onmessage": lambda: calls.append("m"), "onclose": lambda: calls.append("c")},
    )
    session.close()
    assert calls == ["m", "c"]


def test_unknown_callback_name_raises() -> None:
    with pytest.raises(ValueError, match="unknown callback"):
        genai_live.LiveCallbacks.coerce({"onmesage": print})


def test_close_before_setup_complete_raises_from_connect(client: genai_live.Client) -> None:
    fake = FakeTransport(auto_setup=False)
    fake.push_close(1008, "models/gemini-x is not found for API version v1beta")
    with pytest.raises(genai_live.PolicyViolation) as info:
        connect(client, fake)
    assert info.value.code == 1008
    assert "not found" in info.value.reason


def test_normal_close_before_setup_complete_still_raises(client: genai_live.Client) -> None:
    fake = FakeTransport(auto_setup=False)
    fake.push_close(1000)
    with pytest.raises(genai_live.LiveError) as info:
        connect(client, fake)
    assert info.value.code == 1000


def test_setup_timeout(client: genai_live.Client) -> None:
    fake = FakeTransport(auto_setup=False)
    started = time.monotonic()
    with pytest.raises(genai_live.SetupTimeout):
        connect(client, fake, timeout=0.2)
    assert time.monotonic() - started < 5


def test_a_message_before_setup_complete_is_delivered_first(client: genai_live.Client) -> None:
    early = {"sessionResumptionUpdate": {"newHandle": "h0", "resumable": True}}
    fake = FakeTransport(auto_setup=False)
    fake.push(early)  # the first frame connect() reads is not setupComplete
    fake.push({"setupComplete": {"sessionId": "s9"}})
    with connect(client, fake) as session:
        assert session.session_id == "s9"
        first = session.receive(timeout=1)
        assert first.session_resumption_update is not None
        assert session.receive(timeout=1).setup_complete is not None


def test_a_malformed_first_frame_fails_connect_with_decode_error(
    client: genai_live.Client,
) -> None:
    fake = FakeTransport(auto_setup=False)
    fake.push(b"{not json")
    with pytest.raises(genai_live.DecodeError):
        connect(client, fake, timeout=2)
    assert fake.client_close is not None and fake.client_close[0] == 1007


class Minimal:
    """A transport with only the four required methods (no settimeout, no ready)."""

    def __init__(self, inner: FakeTransport) -> None:
        self.send, self.recv, self.close, self.abort = (
            inner.send,
            inner.recv,
            inner.close,
            inner.abort,
        )


def test_a_transport_with_only_the_required_methods_works(client: genai_live.Client) -> None:
    fake = FakeTransport(
        responder=lambda m: [TEXT_REPLY, TURN_DONE] if "clientContent" in m else None
    )
    with connect(client, Minimal(fake)) as session:  # type: ignore[arg-type]
        assert session.receive(timeout=1).setup_complete is not None
        session.send_client_content(turns="hi")
        assert session.receive_turn(timeout=1).text == "Hello"
    with pytest.raises(genai_live.SetupTimeout):
        connect(client, Minimal(FakeTransport(auto_setup=False)), timeout=0.2)  # type: ignore[arg-type]


def test_bad_config_raises_before_the_socket_is_opened(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with pytest.raises(ValueError):
        connect(client, fake, config={"bogus": 1})
    assert fake.request is None and fake.sent == []


def test_invalid_input_raises_and_sends_nothing(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:
        with pytest.raises(ValueError):
            session.send_realtime_input(text="a", audio_stream_end=True)
        with pytest.raises(ValueError):
            session.send_realtime_input(audio={"data": b"x", "mime_type": "image/png"})
        with pytest.raises(ValueError):
            session.send_tool_response(function_responses=[{"name": "f", "response": {}}])
        with pytest.raises(ValueError):
            session.send({"clientContent": {"turns": []}, "toolResponse": {}})
        assert len(fake.sent) == 1


def test_seed_forms_and_camel_case_aliases(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:
        session.send(
            {
                "clientContent": {
                    "turns": [{"role": "user", "parts": [{"text": "Hi"}]}],
                    "turnComplete": True,
                }
            }
        )
        session.sendRealtimeInput(
            {"realtimeInput": {"mediaChunks": [{"mimeType": "audio/pcm", "data": "AAE="}]}}
        )
        session.sendToolResponse(
            {
                "toolResponse": {
                    "functionResponses": [{"id": "c1", "name": "getWeather", "response": {"t": 22}}]
                }
            }
        )
        session.sendClientContent({"turns": "Hello", "turnComplete": False})
        session.send_realtime_input(
            {"audio": {"data": b"\x00\x01", "mimeType": "audio/pcm;rate=16000"}}
        )
    assert fake.sent[1:] == [
        {
            "clientContent": {
                "turns": [{"role": "user", "parts": [{"text": "Hi"}]}],
                "turnComplete": True,
            }
        },
        {"realtimeInput": {"mediaChunks": [{"data": "AAE=", "mimeType": "audio/pcm"}]}},
        {
            "toolResponse": {
                "functionResponses": [{"id": "c1", "name": "getWeather", "response": {"t": 22}}]
            }
        },
        {
            "clientContent": {
                "turns": [{"role": "user", "parts": [{"text": "Hello"}]}],
                "turnComplete": False,
            }
        },
        {"realtimeInput": {"audio": {"data": "AAE=", "mimeType": "audio/pcm;rate=16000"}}},
    ]


def test_send_after_close_raises_session_closed(client: genai_live.Client) -> None:
    session = connect(client, FakeTransport())
    session.close()
    with pytest.raises(genai_live.SessionClosed):
        session.send_client_content(turns="late")


def test_send_after_server_error_raises_that_error(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake)
    fake.push_close(1007, "Request contains an invalid argument.")
    assert session.wait_closed(2) is not None
    with pytest.raises(genai_live.InvalidArgument):
        session.send_client_content(turns="x")
    session.close()


def test_concurrent_senders_keep_per_thread_order(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:

        def sender(n: int) -> None:
            for i in range(200):
                session.send_realtime_input(text=f"{n}:{i}")

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    texts = [m["realtimeInput"]["text"] for m in fake.sent[1:]]
    assert len(texts) == 1600
    for n in range(8):
        mine = [int(x.split(":")[1]) for x in texts if x.startswith(f"{n}:")]
        assert mine == list(range(200))


def test_slow_consumer_gets_backpressure_not_loss(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake, max_queue=8)
    for i in range(100):
        fake.push({"serverContent": {"modelTurn": {"parts": [{"text": str(i)}]}}})
    wait_for_backpressure(session)
    assert 0 < session._backlog() <= 8  # the reader waits instead of buffering everything
    session.receive(timeout=1)
    texts = [session.receive(timeout=1).text for _ in range(100)]
    assert texts == [str(i) for i in range(100)]
    session.close()


def test_messages_that_arrive_together_are_read_in_order_within_the_bound(
    client: genai_live.Client,
) -> None:
    burst = [{"serverContent": {"modelTurn": {"parts": [{"text": str(i)}]}}} for i in range(300)]
    fake = FakeTransport(responder=lambda m: [*burst, TURN_DONE] if "setup" in m else None)
    session = connect(client, fake, max_queue=16)  # the burst is queued before the reader starts
    wait_for_backpressure(session)
    assert 0 < session._backlog() <= 16
    assert session.receive(timeout=1).setup_complete is not None
    turn = session.receive_turn(timeout=2)
    assert turn.text == "".join(str(i) for i in range(300))
    session.close()


def test_messages_read_before_an_abrupt_end_are_all_delivered_first(
    client: genai_live.Client,
) -> None:
    burst = [{"serverContent": {"modelTurn": {"parts": [{"text": str(i)}]}}} for i in range(30)]

    def respond(message: dict[str, Any]) -> Any:
        if "setup" in message:
            for item in burst:
                fake.push(item)
            fake.push_close(1011, "internal error")  # behind the burst, read in the same batch
        return None

    fake = FakeTransport(responder=respond)
    session = connect(client, fake)
    texts = [m.text for m in list(iter_until_error(session))]
    assert texts == [None] + [str(i) for i in range(30)]  # setupComplete, then the burst
    assert session.close_event is not None and session.close_event.code == 1011


def iter_until_error(session: genai_live.Session) -> list[t.LiveServerMessage]:
    messages = []
    with pytest.raises(genai_live.LiveError):
        while True:
            messages.append(session.receive(timeout=2))
    return messages


def test_close_while_reader_is_blocked_by_a_full_queue(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake, max_queue=2)
    for _ in range(10):
        fake.push(TEXT_REPLY)
    time.sleep(0.1)
    session.close()
    assert session.close_event is not None and session.close_event.code == 1000


def test_malformed_frame_ends_the_session_with_decode_error(client: genai_live.Client) -> None:
    fake = FakeTransport()
    session = connect(client, fake)
    fake.push(b"{not json")
    session.receive(timeout=1)
    with pytest.raises(genai_live.DecodeError):
        session.receive(timeout=1)
    assert fake.client_close == (1007, "invalid frame from server")
    session.close()


def test_unknown_message_kind_is_delivered_not_fatal(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:
        fake.push({"brandNewKind": {"x": 1}})
        fake.push(TEXT_REPLY)
        session.receive(timeout=1)
        assert session.receive(timeout=1).extra == {"brandNewKind": {"x": 1}}
        assert session.receive(timeout=1).text == "Hello"


def test_context_update(client: genai_live.Client) -> None:
    fake = FakeTransport()
    with connect(client, fake) as session:
        session.send_context_update(system_instruction="Be brief", tools=[])
        with pytest.raises(ValueError):
            session.send_context_update()
    assert fake.sent[1] == {
        "contextUpdate": {
            "systemInstruction": {"role": "user", "parts": [{"text": "Be brief"}]},
            "tools": {"tools": []},
        }
    }


def test_connection_gone_before_the_setup_is_sent(client: genai_live.Client) -> None:
    fake = FakeTransport()
    fake.client_close = (1000, "")  # the socket is already closed: send() fails
    closes: list[int] = []
    with pytest.raises(genai_live.ConnectionLost):
        connect(client, fake, callbacks={"onclose": lambda e: closes.append(e.code)})
    assert closes == [1006]


def test_an_interrupted_connect_ends_the_session_and_its_reader(
    client: genai_live.Client,
) -> None:
    """Ctrl-C while connect() waits for setupComplete: the exception propagates, the session
    that opened is closed (onclose once) and no thread is left (the fixture checks)."""

    class Interrupting(FakeTransport):
        def recv(self) -> Any:
            if threading.current_thread() is threading.main_thread():
                raise KeyboardInterrupt  # the first read, on the caller's thread
            return super().recv()

    fake = Interrupting()
    closes: list[genai_live.CloseEvent] = []
    with pytest.raises(KeyboardInterrupt):
        connect(client, fake, callbacks={"onclose": closes.append})
    assert len(closes) == 1 and closes[0].by_client


def test_each_frame_is_decoded_once(
    client: genai_live.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """connect() decodes the first frame (setupComplete) itself; the reader delivers that
    message rather than decoding the frame again."""
    decoded: list[object] = []
    decode = genai_live.Session._decode

    def counting(frame: bytes | str) -> t.LiveServerMessage:
        decoded.append(frame)
        return decode(frame)

    monkeypatch.setattr(genai_live.Session, "_decode", staticmethod(counting))
    fake = FakeTransport()
    with connect(client, fake) as session:
        fake.push(TEXT_REPLY)
        assert session.receive(timeout=1).setup_complete is not None
        assert session.receive(timeout=1).text == "Hello"
    assert len(decoded) == 2


def test_messages_that_arrive_together_are_handed_over_in_batches(
    client: genai_live.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst wakes the consumer once per batch, not once per message."""
    burst = [{"serverContent": {"modelTurn": {"parts": [{"text": str(i)}]}}} for i in range(200)]
    fake = FakeTransport(responder=lambda m: [*burst, TURN_DONE] if "setup" in m else None)
    hand_overs: list[int] = []
    put = genai_live.Session._put

    def counting_put(session: genai_live.Session, batch: list[Any]) -> None:
        hand_overs.append(len(batch))
        put(session, batch)

    monkeypatch.setattr(genai_live.Session, "_put", counting_put)
    with connect(client, fake) as session:  # the burst is queued before the reader starts
        assert session.receive(timeout=1).setup_complete is not None
        turn = session.receive_turn(timeout=2)
    assert turn.text == "".join(str(i) for i in range(200))
    assert sum(hand_overs) == 202 and len(hand_overs) <= 202 // 64 + 2


def test_a_connection_no_session_took_is_closed(
    client: genai_live.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If building the session fails after the socket opened, the socket is not left open."""

    class Recording(FakeTransport):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[str] = []

        def abort(self) -> None:
            self.calls.append("abort")
            super().abort()

        def release(self) -> None:
            self.calls.append("release")
            super().release()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no session today")

    monkeypatch.setattr(genai_live.client, "Session", broken)
    fake = Recording()
    with pytest.raises(RuntimeError, match="no session today"):
        connect(client, fake)
    assert fake.calls == ["abort", "release"] and fake.sent == []
