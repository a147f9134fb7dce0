"""LiveEmulator over real loopback sockets: routes, credentials, the model, faults, scripts, TLS."""

from __future__ import annotations

import array
import base64
import json
import math
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
import websocket

import genai_live
from genai_live import audio
from genai_live import types as t
from genai_live.testing import LiveEmulator
from genai_live.testing._model.brain import count_tokens, reply_text, tool_result_text
from genai_live.testing._model.voice import recognize, speakable_text, synthesize

pytestmark = pytest.mark.usefixtures("no_thread_leak")

MODEL = "gemini-live-2.5-flash-preview"
TEXT = {"responseModalities": ["TEXT"]}
GEMINI_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
VERTEX_PATH = "/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent"
SETUP = json.dumps({"setup": {"model": f"models/{MODEL}"}})
WEATHER_TOOL = {
    "functionDeclarations": [
        {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}},
        }
    ]
}


@pytest.fixture
def emu() -> Iterator[LiveEmulator]:
    with LiveEmulator(speed=0) as emulator:
        yield emulator


class FakeCredentials:
    """What google-auth credentials look like to the client: a valid bearer token."""

    token = "t"
    valid = True
    quota_project_id = None


def first_reply(**fields: Any) -> str:
    """The model's answer to the first turn of a conversation."""
    fields.setdefault("system_instruction", None)
    fields.setdefault("history_turns", 0)
    fields.setdefault("image", None)
    return reply_text(fields.pop("text"), **fields)


def png(width: int, height: int) -> bytes:
    """The header of a PNG image: enough for the emulator to read its size."""
    header = struct.pack(">II", width, height) + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\0\0\0\0"


def speech_16k(text: str) -> bytes:
    """The synthetic voice saying ``text``, as a client would send it (PCM16 at 16 kHz)."""
    return audio.resample(synthesize(text, 24000), 24000, 16000)


def send_audio(session: genai_live.Session, pcm: bytes) -> None:
    for chunk in audio.chunks(pcm, 16000, ms=100):
        session.send_realtime_input(audio=chunk)


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def content_messages(session: genai_live.Session, count: int) -> list[t.LiveServerMessage]:
    """The next ``count`` messages, skipping setupComplete and resumption updates."""
    found: list[t.LiveServerMessage] = []
    while len(found) < count:
        message = session.receive(timeout=5)
        if message.setup_complete is None and message.session_resumption_update is None:
            found.append(message)
    return found


# ------------------------------------------------------------------ raw WebSocket helpers


def raw_connect(emu: LiveEmulator, path: str = GEMINI_PATH, **kwargs: Any) -> websocket.WebSocket:
    """A bare WebSocket (no genai_live client) to the emulator."""
    headers = kwargs.pop("header", ["x-goog-api-key: emulator-key"])
    url = "ws" + emu.url[len("http") :] + path
    return websocket.create_connection(url, header=headers, timeout=5, **kwargs)


def close_raw(ws: websocket.WebSocket) -> None:
    """Close a bare WebSocket and its TCP connection (websocket-client keeps the socket open
    after it has answered a server's close frame)."""
    ws.close(timeout=1)
    cast(Any, ws).shutdown()


def raw_read(ws: websocket.WebSocket) -> Any:
    """The next server message, or (code, reason) when the server closes."""
    while True:
        opcode, frame = ws.recv_data_frame(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else 1005
            return code, frame.data[2:].decode()
        if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
            return json.loads(frame.data)


# ------------------------------------------------------------------ routes and credentials


@pytest.mark.parametrize(
    ("path", "setup", "setup_complete_keys"),
    [
        (f"/{GEMINI_PATH}", SETUP, set()),  # the official SDKs' double slash
        (GEMINI_PATH.replace("v1beta", "v1alpha") + "Constrained", SETUP, set()),
        (GEMINI_PATH.replace("v1beta", "v1"), SETUP, set()),
        (VERTEX_PATH, SETUP, {"sessionId"}),
        (VERTEX_PATH.replace("v1beta1", "v1"), SETUP, {"sessionId"}),
        (
            GEMINI_PATH.replace("BidiGenerateContent", "BidiGenerateMusic"),
            json.dumps({"setup": {"model": "models/lyria-realtime-exp"}}),
            set(),
        ),
    ],
)
def test_every_documented_route_completes_the_setup(
    emu: LiveEmulator, path: str, setup: str, setup_complete_keys: set[str]
) -> None:
    ws = raw_connect(emu, path)
    ws.send(setup)
    reply = raw_read(ws)
    assert isinstance(reply, dict)
    assert set(reply) == {"setupComplete"}
    assert set(reply["setupComplete"]) == setup_complete_keys
    close_raw(ws)


def test_unknown_path_is_refused_with_http_404(emu: LiveEmulator) -> None:
    client = emu.client(http_options={"base_url": emu.url + "/not-here"})
    with pytest.raises(genai_live.HandshakeError) as info:
        client.live.connect(MODEL)
    assert info.value.status == 404
    assert emu.connection_count == 0


def test_pings_are_answered(emu: LiveEmulator) -> None:
    ws = raw_connect(emu)
    ws.ping(b"are you there")
    opcode, frame = ws.recv_data_frame(control_frame=True)
    assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"are you there")
    close_raw(ws)


@pytest.mark.parametrize(
    ("query", "header"),
    [
        ("?key=good", []),
        ("?access_token=good", []),
        ("", ["x-goog-api-key: good"]),
        ("", ["Authorization: Token good"]),
        ("", ["Authorization: Bearer good"]),
    ],
)
def test_each_credential_carrier_is_accepted(query: str, header: list[str]) -> None:
    with LiveEmulator(api_keys={"good"}, speed=0) as emu:
        ws = raw_connect(emu, GEMINI_PATH + query, header=header)
        ws.send(SETUP)
        assert raw_read(ws) == {"setupComplete": {}}
        close_raw(ws)
        path, recorded_query, headers = emu.handshakes[0]
        assert path == GEMINI_PATH
        assert recorded_query == dict([query[1:].split("=")]) if query else recorded_query == {}
        assert all(h.split(": ")[0].lower() in headers for h in header)


def test_a_key_outside_api_keys_closes_with_1008() -> None:
    with LiveEmulator(api_keys={"good"}, speed=0) as emu:
        with pytest.raises(genai_live.PolicyViolation) as info:
            emu.client(api_key="bad").live.connect(MODEL)
        assert info.value.code == 1008
        assert info.value.reason == "API key not valid. Please pass a valid API key."
        with emu.client(api_key="good").live.connect(MODEL) as session:
            assert session.setup_complete is not None


def test_a_missing_credential_closes_with_1008(emu: LiveEmulator) -> None:
    ws = raw_connect(emu, header=[])
    ws.send(SETUP)
    code, reason = raw_read(ws)
    assert code == 1008
    assert reason.startswith("Method doesn't allow unregistered callers")
    close_raw(ws)


def test_unknown_model_closes_with_the_services_not_found_reason(emu: LiveEmulator) -> None:
    with pytest.raises(genai_live.PolicyViolation) as info:
        emu.client().live.connect("claude-3")
    reason = info.value.reason
    assert reason.startswith(
        "models/claude-3 is not found for API version v1beta, or is not supported for "
        "bidiGenerateContent. Call ListMo"
    )
    assert len(reason.encode()) <= 123


@pytest.mark.parametrize(
    ("frames", "reason_part"),
    [
        ([b"not json at all"], "Invalid JSON payload"),
        (['{"clientContent": {"turnComplete": true}}'], "first message must be a setup"),
        ([SETUP, SETUP], "sent once"),
        ([SETUP, '{"clientContent": {"turns": "nope"}}'], "turns"),
        ([SETUP, '{"bogus": {}}'], 'Unknown name "bogus"'),
        ([SETUP, '{"clientContent": {}, "realtimeInput": {"text": "x"}}'], "exactly one"),
        ([SETUP, '{"realtimeInput": {"activityStart": {}}}'], "automaticActivityDetection"),
    ],
)
def test_protocol_violations_close_with_1007(
    emu: LiveEmulator, frames: list[str | bytes], reason_part: str
) -> None:
    ws = raw_connect(emu)
    for frame in frames:
        ws.send(frame, websocket.ABNF.OPCODE_BINARY if isinstance(frame, bytes) else 1)
    reply = raw_read(ws)
    if isinstance(reply, dict):  # the setupComplete of a valid setup comes first
        assert "setupComplete" in reply
        reply = raw_read(ws)
    code, reason = reply
    assert code == 1007
    assert reason_part in reason
    close_raw(ws)


def test_client_frames_are_read_leniently_and_recorded_canonically(emu: LiveEmulator) -> None:
    ws = raw_connect(emu)
    ws.send(
        json.dumps(
            {
                "setup": {
                    "model": f"models/{MODEL}",
                    "generation_config": {"response_modalities": ["TEXT"]},
                }
            }
        )
    )
    data = base64.urlsafe_b64encode(png(64, 48)).decode()
    ws.send(
        json.dumps(
            {
                "realtime_input": {
                    "media_chunks": [{"mime_type": "image/png", "data": data, "x": None}]
                }
            }
        )
    )
    ws.send(
        json.dumps(
            {
                "client_content": {
                    "turns": [{"role": "user", "parts": [{"text": "look"}]}],
                    "turn_complete": True,
                }
            }
        )
    )
    texts = []
    while True:
        message = raw_read(ws)
        assert isinstance(message, dict)
        parts = message.get("serverContent", {}).get("modelTurn", {}).get("parts", [])
        texts += [p["text"] for p in parts]
        if message.get("serverContent", {}).get("turnComplete"):
            break
    assert "I see a 64x48 image." in "".join(texts)
    assert emu.received[1] == {
        "realtimeInput": {
            "mediaChunks": [
                {"data": base64.b64encode(png(64, 48)).decode(), "mimeType": "image/png"}
            ]
        }
    }
    assert emu.received[2] == {
        "clientContent": {
            "turns": [{"role": "user", "parts": [{"text": "look"}]}],
            "turnComplete": True,
        }
    }
    close_raw(ws)


def test_a_close_frame_without_a_code_is_tolerated(emu: LiveEmulator) -> None:
    ws = raw_connect(emu)
    ws.send(SETUP)
    assert raw_read(ws) == {"setupComplete": {}}
    ws.send(b"", websocket.ABNF.OPCODE_CLOSE)  # what browsers' close() sends: no status code
    assert raw_read(ws)[0] == 1005
    cast(Any, ws).shutdown()
    with emu.client().live.connect(MODEL) as session:
        assert session.setup_complete is not None


# ------------------------------------------------------------------ the model


def test_text_turn_streams_chunks_then_generation_complete_then_turn_complete_with_usage(
    emu: LiveEmulator,
) -> None:
    question = "Hello there, what can you do for me today?"
    with emu.client().live.connect(MODEL, config=TEXT) as session:
        session.send_client_content(turns=question)
        turn = session.receive_turn(timeout=5)
    expected = first_reply(text=question)
    assert turn.text == expected
    kinds = [
        "text"
        if m.text
        else "generationComplete"
        if m.server_content.generation_complete
        else "end"
        for m in turn.messages
        if m.server_content is not None
    ]
    assert kinds[-2:] == ["generationComplete", "end"]
    assert kinds[:-2] == ["text"] * len(kinds[:-2]) and len(kinds[:-2]) >= 2
    last = turn.messages[-1]
    assert last.server_content is not None and last.server_content.turn_complete
    assert last.usage_metadata is not None
    assert last.usage_metadata.response_token_count == count_tokens(expected)
    assert last.usage_metadata.total_token_count == (
        last.usage_metadata.prompt_token_count + count_tokens(expected)
    )
    assert emu.received[-1] == {
        "clientContent": {
            "turns": [{"role": "user", "parts": [{"text": question}]}],
            "turnComplete": True,
        }
    }


def test_the_next_reply_counts_the_turns(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config=TEXT) as session:
        session.send_client_content(turns="One")
        assert "This is the start of our conversation." in session.receive_turn(timeout=5).text
        session.send_client_content(turns="Two")
        assert "This is turn 2 of our conversation." in session.receive_turn(timeout=5).text


def test_vertex_route_answers_like_vertex(emu: LiveEmulator) -> None:
    client = genai_live.Client(
        vertexai=True,
        project="p",
        location="us-central1",
        credentials=FakeCredentials(),
        http_options={"base_url": emu.url},
    )
    with client.live.connect(MODEL, config=TEXT) as session:
        assert str(uuid.UUID(session.session_id or "")) == session.session_id
        session.send_client_content(turns="Hi")
        turn = session.receive_turn(timeout=5)
    roles = {m.server_content.model_turn.role for m in turn.messages if m.text}  # type: ignore[union-attr]
    assert roles == {"model"}
    assert turn.usage is not None and turn.usage.response_token_count == count_tokens(turn.text)
    path, _, headers = emu.handshakes[0]
    assert path == VERTEX_PATH
    assert headers["authorization"] == "Bearer t"
    # On the wire the usage uses Vertex AI's names.
    ws = raw_connect(emu, VERTEX_PATH, header=["Authorization: Bearer t"])
    ws.send(
        json.dumps(
            {"setup": {"model": f"publishers/google/models/{MODEL}", "generationConfig": TEXT}}
        )
    )
    ws.send(
        json.dumps(
            {"clientContent": {"turns": [{"parts": [{"text": "Hi"}]}], "turnComplete": True}}
        )
    )
    while "usageMetadata" not in (message := raw_read(ws)):
        pass
    assert {"candidatesTokenCount", "candidatesTokensDetails"} <= set(message["usageMetadata"])
    close_raw(ws)


def test_audio_reply_is_an_audible_voice_saying_the_reply(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL) as session:  # AUDIO is the default modality
        session.send_client_content(turns="Hello")
        turn = session.receive_turn(timeout=10)
    expected = first_reply(text="Hello")
    words = len(expected.split())
    seconds = len(turn.audio) / 2 / 24000
    assert 0.25 * words <= seconds <= 0.5 * words + 0.5
    assert rms(turn.audio) > 1000  # not silence
    assert recognize(turn.audio, 24000) == speakable_text(expected)
    blobs = [
        p.inline_data
        for m in turn.messages
        if m.server_content and m.server_content.model_turn
        for p in m.server_content.model_turn.parts or []
    ]
    assert {b.mime_type for b in blobs if b} == {"audio/pcm;rate=24000"}
    assert all(0.04 <= len(b.data or b"") / 48000 <= 0.1 for b in blobs[:-1] if b)


def test_output_transcription_spells_the_spoken_reply(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config={"outputAudioTranscription": {}}) as session:
        session.send_client_content(turns="Hello")
        turn = session.receive_turn(timeout=10)
    assert turn.output_transcript == first_reply(text="Hello")
    pieces = [
        m for m in turn.messages if m.server_content and m.server_content.output_transcription
    ]
    assert len(pieces) >= 2


def test_speech_is_detected_transcribed_and_answered(emu: LiveEmulator) -> None:
    config = {"responseModalities": ["TEXT"], "inputAudioTranscription": {}}
    with emu.client().live.connect(MODEL, config=config) as session:
        send_audio(session, speech_16k("what time is it") + bytes(32000))  # 1 s of silence ends it
        turn = session.receive_turn(timeout=5)
    assert turn.input_transcript == "what time is it"
    assert turn.text == first_reply(text="what time is it")
    usage = turn.usage
    assert usage is not None and usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details[0].modality == t.Modality.AUDIO


def test_audio_stream_end_flushes_the_last_utterance(emu: LiveEmulator) -> None:
    config = {"responseModalities": ["TEXT"], "inputAudioTranscription": {}}
    with emu.client().live.connect(MODEL, config=config) as session:
        send_audio(session, speech_16k("good morning"))
        session.send_realtime_input(audio_stream_end=True)
        assert session.receive_turn(timeout=5).input_transcript == "good morning"


def test_manual_activity_markers_delimit_the_user_turn(emu: LiveEmulator) -> None:
    config = {
        "responseModalities": ["TEXT"],
        "inputAudioTranscription": {},
        "realtimeInputConfig": {"automaticActivityDetection": {"disabled": True}},
    }
    with emu.client().live.connect(MODEL, config=config) as session:
        send_audio(session, speech_16k("ignored before the start"))
        session.send_realtime_input(activity_start={})
        send_audio(session, speech_16k("open the door"))
        session.send_realtime_input(activity_end={})
        turn = session.receive_turn(timeout=5)
    assert turn.input_transcript == "open the door"


def test_the_next_reply_names_the_video_frame_size(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config=TEXT) as session:
        session.send_realtime_input(video=t.Blob(data=png(640, 480), mime_type="image/png"))
        session.send_realtime_input(video=t.Blob(data=png(64, 48), mime_type="image/png"))
        session.send_realtime_input(text="What do you see?")
        assert "I see a 64x48 image." in session.receive_turn(timeout=5).text


def test_context_update_changes_the_system_instruction(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config=TEXT) as session:
        session.send_context_update(system_instruction="Translate everything to Spanish.")
        session.send_client_content(turns="hello my friend")
        assert session.receive_turn(timeout=5).text == "[es] hola mi amigo"
    assert emu.received[1]["contextUpdate"]["systemInstruction"]["parts"][0]["text"].startswith(
        "Translate"
    )


# ------------------------------------------------------------------ interruption


@pytest.mark.parametrize("interruption", ["clientContent", "realtime text"])
def test_new_input_interrupts_the_reply(interruption: str) -> None:
    with LiveEmulator(speed=0.3) as emu, emu.client().live.connect(MODEL, config=TEXT) as session:
        session.send_client_content(turns="Tell me a long story about dragons")
        first = content_messages(session, 1)[0]
        assert first.text
        if interruption == "clientContent":
            session.send_client_content(turns="Stop")
        else:
            session.send_realtime_input(text="Stop")
        cut = session.receive_turn(timeout=5)
        assert cut.interrupted
        assert not any(
            m.server_content and m.server_content.generation_complete for m in cut.messages
        )
        assert cut.messages[-1].server_content.turn_complete
        assert session.receive_turn(timeout=5).text.startswith("You said: Stop.")


def test_speech_barges_in_on_a_spoken_reply() -> None:
    config: dict[str, Any] = {"inputAudioTranscription": {}}
    with LiveEmulator(speed=1) as emu, emu.client().live.connect(MODEL, config=config) as session:
        session.send_client_content(turns="Tell me a long story")
        assert content_messages(session, 1)[0].data  # the reply has started
        send_audio(session, speech_16k("wait") + bytes(19200))
        seen: list[t.LiveServerMessage] = []
        while not (
            seen and seen[-1].server_content and seen[-1].server_content.input_transcription
        ):
            seen.append(session.receive(timeout=5))
        flags = [
            (m.server_content.interrupted, m.server_content.turn_complete)
            for m in seen
            if m.server_content
        ]
        assert (True, None) in flags and (None, True) in flags
        assert flags.index((True, None)) < flags.index((None, True))
        assert seen[-1].server_content.input_transcription.text == "wait"


def test_no_interruption_queues_new_input_until_the_reply_is_done() -> None:
    config = {**TEXT, "realtimeInputConfig": {"activityHandling": "NO_INTERRUPTION"}}
    with LiveEmulator(speed=0.3) as emu, emu.client().live.connect(MODEL, config=config) as session:
        session.send_client_content(turns="Tell me a long story about dragons")
        content_messages(session, 1)
        session.send_client_content(turns="And then?")
        whole = session.receive_turn(timeout=5)
        assert not whole.interrupted
        assert any(
            m.server_content and m.server_content.generation_complete for m in whole.messages
        )
        assert "This is turn 2 of our conversation." in session.receive_turn(timeout=5).text


# ------------------------------------------------------------------ tools


def test_tool_call_round_trip(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config={**TEXT, "tools": [WEATHER_TOOL]}) as session:
        session.send_client_content(turns="What is the weather in Paris?")
        call_turn = session.receive_turn(timeout=5)
        assert not call_turn.complete
        (call,) = call_turn.tool_calls
        assert (call.id, call.name, call.args) == (
            "function-call-1",
            "get_weather",
            {"city": "Paris"},
        )
        session.send_tool_response(
            function_responses=[{"id": call.id, "name": call.name, "response": {"temperature": 21}}]
        )
        answer = session.receive_turn(timeout=5)
    assert answer.text == tool_result_text("get_weather", {"temperature": 21})
    assert answer.complete


def test_tool_response_with_an_unknown_id_closes_with_1007(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config={**TEXT, "tools": [WEATHER_TOOL]}) as session:
        session.send_client_content(turns="Weather in Rome?")
        session.receive_turn(timeout=5)
        session.send_tool_response(function_responses=[{"id": "nope", "name": "get_weather"}])
        with pytest.raises(genai_live.InvalidArgument) as info:
            session.receive_turn(timeout=5)
    assert info.value.code == 1007
    assert "'nope'" in info.value.reason and "function-call-1" in info.value.reason


def test_interrupting_a_pending_tool_call_cancels_it(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config={**TEXT, "tools": [WEATHER_TOOL]}) as session:
        session.send_client_content(turns="Weather in Oslo?")
        call = session.receive_turn(timeout=5).tool_calls[0]
        session.send_client_content(turns="Never mind")
        turn = session.receive_turn(timeout=5)
        cancellations = [
            m.tool_call_cancellation for m in turn.messages if m.tool_call_cancellation
        ]
        assert [c.ids for c in cancellations] == [[call.id]]
        assert turn.text.startswith("You said: Never mind.")
        # A late answer to the cancelled call is ignored rather than refused.
        session.send_tool_response(function_responses=[{"id": call.id, "name": call.name}])
        session.send_client_content(turns="Still there?")
        assert session.receive_turn(timeout=5).text.startswith("You said: Still there.")


# ------------------------------------------------------------------ lifetime and resumption


def test_lifetime_ends_each_connection_with_go_away_then_1011() -> None:
    with LiveEmulator(speed=0, lifetime=0.4) as emu:
        session = emu.client().live.connect(MODEL, config=TEXT)
        messages = []
        with pytest.raises(genai_live.ServerError) as info:
            for message in session:
                messages.append(message)
        session.close()
    go_aways = [m.go_away for m in messages if m.go_away]
    assert [g.time_left for g in go_aways] == [pytest.approx(0.2)]
    assert info.value.code == 1011
    assert info.value.reason == "Deadline expired before operation could complete."


def test_resumption_handles_restore_the_conversation(emu: LiveEmulator) -> None:
    client = emu.client()
    with client.live.connect(MODEL, config={**TEXT, "sessionResumption": {}}) as session:
        assert session.receive(timeout=5).setup_complete is not None
        update = session.receive(timeout=5).session_resumption_update
        assert update is not None and update.resumable and update.new_handle
        session.send_client_content(turns="Remember me")
        turn = session.receive_turn(timeout=5)
        updates = [
            m.session_resumption_update for m in turn.messages if m.session_resumption_update
        ]
        assert [u.resumable for u in updates] == [False]
        after = session.receive(timeout=5).session_resumption_update
        assert after is not None and after.resumable and after.new_handle != update.new_handle
    config = {**TEXT, "sessionResumption": {"handle": after.new_handle}}
    with client.live.connect(MODEL, config=config) as resumed:
        resumed.send_client_content(turns="Back again")
        assert "This is turn 2 of our conversation." in resumed.receive_turn(timeout=5).text


def test_an_unknown_resumption_handle_closes_with_1008(emu: LiveEmulator) -> None:
    with pytest.raises(genai_live.PolicyViolation):
        emu.client().live.connect(MODEL, config={"sessionResumption": {"handle": "forgotten"}})


def test_vertex_transparent_resumption_reports_the_last_consumed_message(emu: LiveEmulator) -> None:
    client = genai_live.Client(
        vertexai=True,
        project="p",
        location="global",
        credentials=FakeCredentials(),
        http_options={"base_url": emu.url},
    )
    config = {**TEXT, "sessionResumption": {"transparent": True}}
    with client.live.connect(MODEL, config=config) as session:
        session.send_client_content(turns="first")
        session.receive_turn(timeout=5)
        update = session.receive(timeout=5).session_resumption_update
    assert update is not None and update.last_consumed_client_message_index == 0


# ------------------------------------------------------------------ faults


def test_injected_close_ends_the_session_with_its_code(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL) as session:
        assert emu.inject("close", code=1011, reason="Internal error encountered.") == 1
        with pytest.raises(genai_live.ServerError) as info:
            list(session)
    assert (info.value.code, info.value.reason) == (1011, "Internal error encountered.")


def test_injected_drop_is_a_lost_connection(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL) as session:
        emu.inject("drop")
        with pytest.raises(genai_live.ConnectionLost) as info:
            list(session)
    assert info.value.code == 1006


def test_injected_stall_stops_replies_but_the_client_can_still_close(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, config=TEXT) as session:
        session.receive(timeout=5)  # setupComplete
        emu.inject("stall")
        time.sleep(0.1)  # the fault is picked up within 50 ms
        session.send_client_content(turns="Anyone?")
        with pytest.raises(TimeoutError):
            session.receive(timeout=0.3)
    assert session.close_event is not None and session.close_event.code == 1000


def test_injected_malformed_frame_is_a_decode_error(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL) as session:
        emu.inject("malformed")
        with pytest.raises(genai_live.DecodeError):
            list(session)


def test_injected_unknown_message_kind_is_kept_in_extra(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL) as session:
        emu.inject("unknown")
        message = content_messages(session, 1)[0]
    assert message.extra is not None and set(message.extra) == {"newServerThing"}


def test_injected_go_away_announces_the_end(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL) as session:
        emu.inject("goaway", time_left=0.1)
        go_away = content_messages(session, 1)[0].go_away
        assert go_away is not None and go_away.time_left == pytest.approx(0.1)
        with pytest.raises(genai_live.ServerError):
            list(session)


def test_injected_oversize_frame_trips_the_clients_limit(emu: LiveEmulator) -> None:
    with emu.client().live.connect(MODEL, max_message_size=10_000) as session:
        emu.inject("oversize", size=20_000)
        with pytest.raises(genai_live.MessageTooLarge):
            list(session)


def test_injected_reject_answers_handshakes_until_cleared(emu: LiveEmulator) -> None:
    emu.inject("reject", status=503)
    with pytest.raises(genai_live.HandshakeError) as info:
        emu.client().live.connect(MODEL)
    assert info.value.status == 503
    emu.clear_faults()
    with emu.client().live.connect(MODEL) as session:
        assert session.setup_complete is not None


def test_inject_refuses_unknown_faults_and_options(emu: LiveEmulator) -> None:
    with pytest.raises(ValueError):
        emu.inject("explode")
    with pytest.raises(TypeError):
        emu.inject("close", colour="red")


# ------------------------------------------------------------------ scripted mode

SCRIPT = [
    {
        "expect": {"clientContent": {"turns": [{"parts": [{"text": "ping"}]}]}},
        "reply": [
            {"serverContent": {"modelTurn": {"parts": [{"text": "pong"}]}, "turnComplete": True}}
        ],
    },
    {
        "send": [
            {
                "serverContent": {
                    "modelTurn": {"parts": [{"text": "unprompted"}]},
                    "turnComplete": True,
                }
            }
        ]
    },
    {"expect": {"realtime_input": {"text": "bye"}}},
    {"close": {"code": 1000, "reason": "script over"}},
]


def test_scripted_mode_plays_its_steps() -> None:
    with LiveEmulator(script=SCRIPT) as emu, emu.client().live.connect(MODEL) as session:
        session.send_client_content(turns="ping")
        assert session.receive_turn(timeout=5).text == "pong"
        assert session.receive_turn(timeout=5).text == "unprompted"
        session.send_realtime_input(text="bye")
        assert list(session) == []
        assert session.close_event is not None and session.close_event.reason == "script over"
        assert emu.script_errors == []


def test_scripted_mode_closes_on_a_mismatch_and_reports_it() -> None:
    with LiveEmulator(script=SCRIPT) as emu, emu.client().live.connect(MODEL) as session:
        session.send_client_content(turns="pong?")
        with pytest.raises(genai_live.InvalidArgument) as info:
            session.receive_turn(timeout=5)
        assert info.value.reason.startswith("script step 0: expected")
        (error,) = emu.script_errors
        assert '"ping"' in error and '"pong?"' in error


def test_scripted_mode_may_answer_the_setup_itself() -> None:
    script = [
        {
            "expect": {"setup": {"model": f"models/{MODEL}"}},
            "reply": [{"setupComplete": {"sessionId": "s-1"}}],
        }
    ]
    with LiveEmulator(script=script) as emu, emu.client().live.connect(MODEL) as session:
        assert session.session_id == "s-1"


def test_a_badly_shaped_script_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="step 0"):
        LiveEmulator(script=[{"reply": []}])


# ------------------------------------------------------------------ transport options and lifecycle


def test_tls_serves_wss_with_a_certificate_the_client_trusts() -> None:
    with LiveEmulator(tls=True, speed=0) as emu:
        assert emu.url.startswith("https://") and emu.cert_path is not None
        with emu.client().live.connect(MODEL, config=TEXT) as session:
            session.send_client_content(turns="Secure?")
            assert session.receive_turn(timeout=5).text.startswith("You said: Secure.")
        untrusting = genai_live.Client(api_key="k", http_options={"base_url": emu.url})
        with pytest.raises(genai_live.ConnectionLost, match="TLS"):
            untrusting.live.connect(MODEL)


def test_text_frames_option() -> None:
    with (
        LiveEmulator(speed=0, frame="text") as emu,
        emu.client().live.connect(MODEL, config=TEXT) as session,
    ):
        session.send_client_content(turns="Hi")
        assert session.receive_turn(timeout=5).complete


def test_stop_closes_open_sessions_with_1001_and_joins_its_threads() -> None:
    emu = LiveEmulator(speed=1).start()
    session = emu.client().live.connect(MODEL)
    session.send_client_content(turns="Talk for a long while")
    content_messages(session, 1)
    emu.stop()
    event = session.wait_closed(5)
    assert event is not None and event.code == 1001
    session.close()
    emu.stop()  # idempotent
    assert emu.connection_count == 1


def test_serve_forever_returns_when_stopped() -> None:
    emu = LiveEmulator(speed=0).start()
    runner = threading.Thread(target=emu.serve_forever)
    runner.start()
    with emu.client().live.connect(MODEL) as session:
        assert session.setup_complete is not None
    emu.stop()
    runner.join(5)
    assert not runner.is_alive()


# ------------------------------------------------------------------ sans-IO pieces


def test_parse_route_collapses_slashes_ignores_the_query_and_refuses_the_rest() -> None:
    from genai_live.testing.emulator.routes import Route, parse_route

    assert parse_route(f"//{VERTEX_PATH}?x=1") == Route(
        service="live", vertex=True, api_version="v1beta1", method="BidiGenerateContent"
    )
    assert parse_route(GEMINI_PATH.replace("v1beta", "v2")) is None
    assert parse_route("/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateMusic") is None


def test_find_credential_reads_every_carrier_in_order() -> None:
    from genai_live.testing.emulator.routes import find_credential

    assert find_credential({"key": "q"}, {"x-goog-api-key": "h"}) == "q"
    assert find_credential({}, {"authorization": "Bearer  tok "}) == "tok"
    assert find_credential({}, {"authorization": "Basic abc"}) is None


def test_script_matching_is_a_subset_check_in_either_key_style() -> None:
    from genai_live.testing.emulator.script import matches

    actual = {"realtimeInput": {"audio": {"data": "AAE=", "mimeType": "audio/pcm"}}}
    assert matches({"realtime_input": {"audio": {"data": b"\x00\x01"}}}, actual)
    assert not matches({"realtimeInput": {"audio": {"mimeType": "audio/wav"}}}, actual)
    assert not matches({"realtimeInput": {"text": "hi"}}, actual)
    assert matches({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2, "c": 3}]})
    assert not matches({"a": [1]}, {"a": [1, 2]})


def test_initial_history_in_client_content_is_loaded_without_a_reply(emu: LiveEmulator) -> None:
    config = {**TEXT, "historyConfig": {"initialHistoryInClientContent": True}}
    history = [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello"}]},
    ]
    with emu.client().live.connect(MODEL, config=config) as session:
        session.send_client_content(turns=history)
        session.send_client_content(turns="And now?")
        assert "This is turn 2 of our conversation." in session.receive_turn(timeout=5).text
