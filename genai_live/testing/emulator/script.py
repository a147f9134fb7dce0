"""Scripted mode: the emulator follows a list of steps instead of the deterministic model.

A script is a list of steps, each a dict with one of these keys:

``{"expect": {...}, "reply": [message, ...]}``
    Wait for the next client message; it must contain ``expect`` (a partial client message,
    camelCase or snake_case keys, bytes or base64 for data: every key given must be present with
    an equal value, lists must have the same length). Then send each ``reply`` message.
``{"send": [message, ...]}``
    Send these messages without waiting.
``{"close": {"code": 1011, "reason": "..."}}``
    Close the connection.

``setup`` is answered with ``{"setupComplete": {}}`` (Vertex AI routes: with a ``sessionId``)
unless the first step expects a ``setup`` message, in which case its ``reply`` must say
``setupComplete``. A mismatch closes the connection with 1007 and a reason naming what was
expected and what arrived; the full text is added to ``LiveEmulator.script_errors``. Messages
after the last step are accepted and ignored. Every connection plays the script from the start.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ... import codec
from ... import types as t
from .engine import Close, Outgoing, Reject, Send, parse_client_frame
from .live import DEADLINE_REASON, not_found_reason
from .routes import Route

__all__ = ["ScriptedConversation", "check_script", "matches"]


def check_script(script: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate a script's shape (``ValueError`` naming the bad step); returns a copy."""
    steps = []
    for index, step in enumerate(script):
        if not isinstance(step, Mapping):
            raise ValueError(f"script step {index} must be a dict, got {type(step).__name__}")
        kinds = [k for k in ("expect", "send", "close") if k in step]
        extra = set(step) - {"expect", "reply", "send", "close"}
        if len(kinds) != 1 or extra or ("reply" in step and kinds != ["expect"]):
            raise ValueError(
                f"script step {index} must have exactly one of 'expect' (with an optional "
                f"'reply'), 'send' or 'close'; got keys {sorted(step)}"
            )
        for key in ("reply", "send"):
            messages = step.get(key, [])
            if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
                raise ValueError(f"script step {index}: {key!r} must be a list of dicts")
        if "expect" in step and not isinstance(step["expect"], Mapping):
            raise ValueError(f"script step {index}: 'expect' must be a dict")
        steps.append(dict(step))
    return steps


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` (canonical JSON data) contains ``expected`` (see the module docs)."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return False
        for key, value in expected.items():
            name = key if key in actual else codec.to_camel(str(key))
            if name not in actual or not matches(value, actual[name]):
                return False
        return True
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, (bytes, bytearray)):
        return bool(actual == codec.encode_base64(bytes(expected)))
    return bool(expected == actual)


def _show(data: Any) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return codec.encode_base64(bytes(value))
        return str(value)

    return json.dumps(data, default=plain, sort_keys=True)


class ScriptedConversation:
    """Plays a checked script on one connection (sans-IO, see `engine.Engine`)."""

    def __init__(
        self,
        route: Route,
        steps: list[dict[str, Any]],
        *,
        report: Callable[[str], None],
        lifetime: float | None = None,
    ) -> None:
        self._route = route
        self._steps = steps
        self._report = report
        self._lifetime = lifetime
        self._next = 0
        self._outbox: list[Outgoing] = []
        self._setup_seen = False
        self._setup_sent = False
        self._go_away_at: float | None = None
        self._close_at: float | None = None
        self._cls: type[Any] = (
            t.LiveMusicClientMessage if route.service == "music" else t.LiveClientMessage
        )

    @property
    def setup_done(self) -> bool:
        """Whether the setup has been answered."""
        return self._setup_sent

    def next_due(self) -> float | None:
        """When the next planned action is due."""
        if self._outbox:
            return 0.0
        due = [d for d in (self._go_away_at, self._close_at) if d is not None]
        return min(due) if due else None

    def pop(self, now: float) -> list[Outgoing]:
        """The replies planned so far, or the end of the connection once due."""
        if self._outbox:
            out, self._outbox = self._outbox, []
            self._setup_sent = self._setup_seen
            return out
        if self._go_away_at is not None and now >= self._go_away_at:
            assert self._close_at is not None
            left = codec.format_duration(max(0.0, self._close_at - now))
            self._go_away_at = None
            return [Send({"goAway": {"timeLeft": left}})]
        if self._close_at is not None and now >= self._close_at:
            return [Close(1011, DEADLINE_REASON)]
        return []

    def go_away(self, time_left: float, now: float) -> None:
        """Send ``goAway`` now and close once ``time_left`` has passed."""
        self._go_away_at = now
        self._close_at = now + time_left

    def receive(self, frame: bytes | str, now: float) -> dict[str, Any]:
        """Match one client frame against the script; returns its canonical form."""
        message, canonical = parse_client_frame(frame, self._cls)
        if not self._setup_seen:
            if message.setup is None:
                raise Reject(1007, "The first message must be a setup message.")
            self._check_model(message.setup.model or "")
            self._setup_seen = True
            if self._lifetime is not None:
                self.go_away(self._lifetime / 2, now + self._lifetime / 2)
            first = self._steps[0] if self._steps else {}
            if not matches({"setup": {}}, first.get("expect")):
                reply: dict[str, Any] = (
                    {"sessionId": str(uuid.uuid4())} if self._route.vertex else {}
                )
                self._outbox.append(Send({"setupComplete": reply}))
                self._run_sends()
                return canonical
        elif message.setup is not None:
            raise Reject(1007, "setup may only be sent once, as the first message.")
        if self._next < len(self._steps):
            step = self._steps[self._next]
            if not matches(step["expect"], canonical):
                text = (
                    f"script step {self._next}: expected {_show(step['expect'])} "
                    f"but got {_show(canonical)}"
                )
                self._report(text)
                raise Reject(1007, text)
            self._next += 1
            self._outbox.extend(Send(m) for m in step.get("reply", []))
            self._run_sends()
        return canonical

    def _check_model(self, model: str) -> None:
        prefix = "lyria-" if self._route.service == "music" else "gemini-"
        if not model.rsplit("/", 1)[-1].startswith(prefix):
            raise Reject(1008, not_found_reason(model, self._route))

    def _run_sends(self) -> None:
        while self._next < len(self._steps) and "expect" not in self._steps[self._next]:
            step = self._steps[self._next]
            self._next += 1
            if "close" in step:
                close = step["close"] or {}
                self._outbox.append(
                    Close(int(close.get("code", 1000)), str(close.get("reason", "")))
                )
                return
            self._outbox.extend(Send(m) for m in step["send"])
