"""Every example frame of the protocol reference decodes, re-encodes canonically and round-trips."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from genai_live import codec
from genai_live import types as t

from .golden import canonical

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "protocol_examples.json").read_text())
KINDS = {
    "client": t.LiveClientMessage,
    "server": t.LiveServerMessage,
    "music_client": t.LiveMusicClientMessage,
    "music_server": t.LiveMusicServerMessage,
}
# What the reference writes in another (equally valid) spelling than our canonical output.
DURATION = re.compile(r"^\d+(\.\d+)?s$")
RENAMED = {
    "candidatesTokenCount": "responseTokenCount",
    "candidatesTokensDetails": "responseTokensDetails",
}


def cases() -> list[Any]:
    return [
        pytest.param(kind, frame, id=f"{kind}-{index}")
        for kind, frames in EXAMPLES.items()
        for index, frame in enumerate(frames)
    ]


def expected_wire(value: Any) -> Any:
    """The reference frame in our canonical form: camelCase, numbers, durations as "Ns"."""
    if isinstance(value, dict):
        return {RENAMED.get(k, k): expected_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expected_wire(v) for v in value]
    if isinstance(value, str) and DURATION.match(value):
        return codec.format_duration(codec.parse_duration(value))  # "1.520s" is "1.52s"
    return value


def with_placeholders_filled(value: Any) -> Any:
    # The reference elides base64 payloads ("AAAB...", "/9j/..."): use real base64 instead.
    if isinstance(value, dict):
        return {
            k: ("AAEC" if k == "data" else with_placeholders_filled(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [with_placeholders_filled(v) for v in value]
    return value


@pytest.mark.parametrize("kind, frame", cases())
def test_example_round_trips(kind: str, frame: dict[str, Any]) -> None:
    frame = with_placeholders_filled(frame)
    cls = KINDS[kind]
    message = codec.from_wire(frame, cls)
    wire = codec.to_wire(message)
    assert codec.from_wire(wire, cls) == message
    assert canonical(wire) == canonical(expected_wire(frame))
    assert getattr(message, "extra", None) is None  # every field of the reference is typed
