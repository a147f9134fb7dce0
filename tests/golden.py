"""Golden captures of the official SDKs: loading, canonical JSON form, and server-script replay."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genai_live.testing import FakeTransport

__all__ = [
    "FIXTURES",
    "SDKS",
    "ScriptPlayer",
    "c2s_frames",
    "calls",
    "canonical",
    "frames_of_call",
    "header",
    "load",
    "replay",
    "scenario_names",
    "script_frames",
    "std_b64",
    "to_camel",
]

FIXTURES = Path(__file__).parent / "fixtures" / "golden"
SDKS = ("python", "js")

# Values that belong to the user, not to the protocol: their keys are never re-cased.
_VERBATIM = {"args", "parametersJsonSchema", "responseJsonSchema", "labels"}
# A function response's `response` is a user map too; a function declaration's is a Schema.
_FUNCTION_RESPONSE_KEYS = {"functionResponses", "functionResponse"}
# proto `bytes` fields: base64 on the wire (the Python SDK uses the URL-safe alphabet).
_BYTES_FIELDS = {
    "data",
    "thoughtSignature",
    "voiceSampleAudio",
    "consentAudio",
    "imageData",
    "sdkBlob",
}
# proto int64 fields: JavaScript typings make them strings.
_INT64_FIELDS = {"triggerTokens", "targetTokens", "lastConsumedClientMessageIndex"}
_INTEGER = re.compile(r"-?\d+")

_cache: dict[tuple[str, str], dict[str, Any]] = {}


def load(sdk: str, scenario: str) -> dict[str, Any]:
    """The capture of ``scenario`` by ``sdk`` ("python" or "js"), parsed (cached, do not mutate)."""
    key = (sdk, scenario)
    if key not in _cache:
        _cache[key] = json.loads((FIXTURES / sdk / f"{scenario}.json").read_text("utf-8"))
    return _cache[key]


def scenario_names(sdk: str) -> list[str]:
    """Every scenario captured for ``sdk``, sorted."""
    return sorted(p.stem for p in (FIXTURES / sdk).glob("*.json"))


def to_camel(name: str) -> str:
    """``turn_complete`` -> ``turnComplete`` (camelCase keys are kept)."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def std_b64(text: str) -> str:
    """Re-encode base64 (either alphabet, padded or not) in the standard, padded alphabet."""
    raw = text.replace("-", "+").replace("_", "/")
    raw += "=" * (-len(raw) % 4)
    try:
        return base64.b64encode(base64.b64decode(raw, validate=True)).decode("ascii")
    except (binascii.Error, ValueError):
        return text


def canonical(value: Any, key: str | None = None) -> Any:
    """The canonical proto3 JSON form of a frame or message dump.

    camelCase keys at every level except inside user maps (function call ``args``, function
    response ``response``, schema ``properties`` names, ``parametersJsonSchema`` /
    ``responseJsonSchema`` and ``labels``); standard base64 in bytes fields; integral floats as
    integers; int64 strings as numbers; ``null`` as absent. ``key`` is the field holding
    ``value`` (list items inherit their list's key).
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in value.items():
            if item is None:
                continue
            camel = to_camel(name)
            if camel in _VERBATIM or (camel == "response" and key in _FUNCTION_RESPONSE_KEYS):
                out[camel] = item
            elif camel == "properties" and isinstance(item, dict):
                out[camel] = {prop: canonical(schema) for prop, schema in item.items()}
            else:
                out[camel] = canonical(item, camel)
        return out
    if isinstance(value, list):
        return [canonical(item, key) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if key in _BYTES_FIELDS:
            return std_b64(value)
        if key in _INT64_FIELDS and _INTEGER.fullmatch(value):
            return int(value)
    return value


def calls(fixture: dict[str, Any]) -> list[dict[str, Any]]:
    """The SDK calls of a capture, in order (``ok`` with frames, or ``error``)."""
    return list(fixture["calls"])


def c2s_frames(fixture: dict[str, Any], connection: int = 0) -> list[dict[str, Any]]:
    """Every client frame of one connection, in order, as ``{"json": ..., "call": ...}``."""
    transcript = fixture["connections"][connection]["transcript"]
    return [entry for entry in transcript if entry.get("dir") == "c2s"]


def _labelled_frames(fixture: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for connection in range(len(fixture["connections"])):
        yield from c2s_frames(fixture, connection)


def frames_of_call(fixture: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The JSON frames produced by ``calls[index]``, paired through the transcript's labels.

    A label used by several calls (``play()`` twice) is matched occurrence by occurrence; the
    frames of one call are consecutive.
    """
    call = fixture["calls"][index]
    label = call["call"]
    occurrence = sum(1 for c in fixture["calls"][:index] if c["call"] == label and "error" not in c)
    groups: list[list[dict[str, Any]]] = []
    previous: str | None = None
    for entry in _labelled_frames(fixture):
        if entry.get("call") == label:
            if previous != label:
                groups.append([])
            groups[-1].append(entry["json"])
        previous = entry.get("call")
    return groups[occurrence] if occurrence < len(groups) else []


def header(request: dict[str, Any], name: str) -> str | None:
    """A handshake header of a captured request, by case-insensitive name."""
    for key, value in request["headers"]:
        if key.lower() == name.lower():
            return str(value)
    return None


# --------------------------------------------------------------------------- server script


def _inline_audio_frame(size: int) -> str:
    """The scripted server's ``send_inline_audio`` frame: ``size`` bytes ``(i * 7) % 256``."""
    period = bytes(i * 7 % 256 for i in range(256))
    audio = (period * (size // 256 + 1))[:size]
    message = {
        "serverContent": {
            "modelTurn": {
                "parts": [
                    {
                        "inlineData": {
                            "mimeType": "audio/pcm;rate=24000",
                            "data": base64.b64encode(audio).decode("ascii"),
                        }
                    }
                ]
            }
        }
    }
    return json.dumps(message)


def _script_steps(fixture: dict[str, Any], connection: int) -> list[dict[str, Any]]:
    # The capture server plays its last connection script again for any further connection.
    scripts = fixture["server_script"]["connections"]
    return list(scripts[min(connection, len(scripts) - 1)]["steps"])


def script_frames(fixture: dict[str, Any], connection: int = 0) -> list[Any]:
    """The server's side of one scripted connection, in order: frame text for data frames,
    ``("close", code, reason)`` or ``("abort",)`` for the ending."""
    out: list[Any] = []
    for step in _script_steps(fixture, connection):
        if "send" in step:
            out.append(json.dumps(step["send"]))
        elif "send_raw" in step:
            out.append(step["send_raw"])
        elif "send_inline_audio" in step:
            out.append(_inline_audio_frame(step["send_inline_audio"]))
        elif "close" in step:
            out.append(("close", step["close"]["code"], step["close"]["reason"]))
        elif "abort" in step:
            out.append(("abort",))
    return out


class ScriptPlayer:
    """Acts out one connection of a scenario's ``server_script`` on a `FakeTransport`.

    Like the capture server, it waits for ``recv: n`` client frames before playing the next
    ``send``/``send_raw``/``send_inline_audio``/``close``/``abort`` steps. Frames go out as
    binary or text frames, as the script says. Further connections than the script has get
    its last connection's steps, as on the capture server.
    """

    def __init__(self, fixture: dict[str, Any], connection: int = 0) -> None:
        self._steps = _script_steps(fixture, connection)
        self._binary = fixture["server_script"].get("server_frame", "binary") == "binary"
        self._awaiting = 0
        self.ended = False
        """True once the script has closed or dropped the connection."""
        self.fake = FakeTransport(auto_setup=False, responder=self._on_client_frame)
        """The transport to pass to ``connect(..., transport=...)``."""
        self._play()

    def _on_client_frame(self, _message: dict[str, Any]) -> None:
        if self._awaiting > 0:
            self._awaiting -= 1
        if self._awaiting == 0:
            self._play()

    def _play(self) -> None:
        while self._steps and self._awaiting == 0:
            step = self._steps.pop(0)
            if "recv" in step:
                self._awaiting = int(step["recv"])
            elif "close" in step:
                self.fake.push_close(step["close"]["code"], step["close"]["reason"])
                self.ended = True
            elif "abort" in step:
                self.fake.drop()
                self.ended = True
            else:
                text = self._frame(step)
                self.fake.push(text.encode() if self._binary else text)

    @staticmethod
    def _frame(step: dict[str, Any]) -> str:
        if "send" in step:
            return json.dumps(step["send"])
        if "send_raw" in step:
            return str(step["send_raw"])
        return _inline_audio_frame(step["send_inline_audio"])


def replay(fixture: dict[str, Any], connection: int = 0) -> FakeTransport:
    """A `FakeTransport` that replays ``connection`` of the scenario's server script."""
    return ScriptPlayer(fixture, connection).fake
