"""Property-based tests of the codec: nothing a peer sends can crash it; round trips hold."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from genai_live import DecodeError, codec
from genai_live import types as t

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
KNOWN = [
    "serverContent",
    "server_content",
    "toolCall",
    "goAway",
    "usageMetadata",
    "setupComplete",
    "sessionResumptionUpdate",
    "voiceActivity",
    "modelTurn",
    "parts",
    "text",
    "inlineData",
    "data",
    "turnComplete",
    "functionCalls",
    "args",
    "timeLeft",
    "newHandle",
    "resumable",
]
# Objects whose keys are often real protocol names, so decoding gets past the first level.
protocol_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KNOWN) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, protocol_like))
def test_any_json_decodes_or_raises_decode_error(value: Any) -> None:
    frame = json.dumps(value)
    try:
        message = codec.decode_server_message(frame)
    except DecodeError:
        return
    assert isinstance(message, t.LiveServerMessage)
    codec.to_wire(message)  # whatever decoded can be written back


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_decode_error(frame: bytes) -> None:
    try:
        codec.decode_server_message(frame)
    except DecodeError:
        pass


texts = st.text(max_size=30)
blobs = st.builds(
    t.Blob, data=st.binary(max_size=40), mime_type=st.sampled_from(["audio/pcm", "image/png"])
)
parts = st.one_of(st.builds(t.Part, text=texts), st.builds(t.Part, inline_data=blobs))
contents = st.builds(
    t.Content, role=st.sampled_from(["user", "model"]), parts=st.lists(parts, max_size=3)
)
server_messages = st.one_of(
    st.builds(
        t.LiveServerMessage,
        server_content=st.builds(
            t.LiveServerContent,
            model_turn=contents,
            turn_complete=st.booleans(),
            interrupted=st.none() | st.booleans(),
        ),
    ),
    st.builds(
        t.LiveServerMessage,
        go_away=st.builds(
            t.LiveServerGoAway, time_left=st.floats(0, 1e6).map(lambda x: round(x, 3))
        ),
    ),
    st.builds(
        t.LiveServerMessage,
        tool_call=st.builds(
            t.LiveServerToolCall,
            function_calls=st.lists(
                st.builds(
                    t.FunctionCall,
                    id=texts,
                    name=texts,
                    args=st.dictionaries(texts, st.integers(-(2**63), 2**63 - 1), max_size=3),
                ),
                max_size=3,
            ),
        ),
    ),
    st.builds(
        t.LiveServerMessage,
        session_resumption_update=st.builds(
            t.LiveServerSessionResumptionUpdate,
            new_handle=texts,
            resumable=st.booleans(),
            last_consumed_client_message_index=st.none() | st.integers(0, 2**62),
        ),
    ),
)
client_messages = st.one_of(
    st.builds(
        t.LiveClientMessage,
        client_content=st.builds(
            t.LiveClientContent, turns=st.lists(contents, max_size=3), turn_complete=st.booleans()
        ),
    ),
    st.builds(
        t.LiveClientMessage, realtime_input=st.builds(t.LiveClientRealtimeInput, audio=blobs)
    ),
    st.builds(t.LiveClientMessage, realtime_input=st.builds(t.LiveClientRealtimeInput, text=texts)),
)


@settings(max_examples=200, deadline=None)
@given(server_messages)
def test_server_messages_round_trip(message: t.LiveServerMessage) -> None:
    frame = codec.dumps(codec.to_wire(message))
    assert codec.decode_server_message(frame) == message


@settings(max_examples=200, deadline=None)
@given(client_messages)
def test_client_messages_round_trip_and_are_canonical(message: t.LiveClientMessage) -> None:
    wire = codec.to_wire(message)
    assert codec.from_wire(json.loads(codec.dumps(wire)), t.LiveClientMessage) == message
    assert codec.from_user(wire, t.LiveClientMessage) == message
    assert "_" not in "".join(k for k in _keys(wire))  # camelCase keys only


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def test_integers_beyond_64_bits_are_still_sent() -> None:
    response = {
        "toolResponse": {"functionResponses": [{"id": "c", "name": "f", "response": {"n": 2**70}}]}
    }
    assert (
        json.loads(codec.dumps(response))["toolResponse"]["functionResponses"][0]["response"]["n"]
        == 2**70
    )
