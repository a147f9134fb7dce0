"""What the emulator's connection engines share: outgoing actions, rejections, client frame
parsing and a time-ordered schedule. Engines are sans-IO: frames and times in, actions out."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, Union, cast

import attrs

from ... import codec

__all__ = [
    "Close",
    "Engine",
    "Outgoing",
    "Refusal",
    "Reject",
    "Schedule",
    "Send",
    "parse_client_frame",
    "truncate_reason",
]

T = TypeVar("T")

MAX_REASON_BYTES = 123
"""RFC 6455: a close reason fits in a control frame with the 2-byte code."""


def truncate_reason(reason: str) -> str:
    """Cut ``reason`` to at most 123 UTF-8 bytes without splitting a character."""
    return reason.encode()[:MAX_REASON_BYTES].decode("utf-8", "ignore")


@attrs.frozen
class Send:
    """Send one server message; ``media_seconds`` is how much audio it carries (for pacing)."""

    message: dict[str, Any]
    media_seconds: float = 0.0


@attrs.frozen
class Close:
    """Close the connection with ``code`` and ``reason`` (the reason is cut to 123 bytes)."""

    code: int
    reason: str = ""


Outgoing = Union[Send, Close]


class Reject(Exception):
    """A client message broke the protocol: the connection closes with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class Engine(Protocol):
    """One connection's behaviour, without I/O. ``now`` is ``time.monotonic()``."""

    @property
    def setup_done(self) -> bool:
        """Whether ``setupComplete`` was sent (nothing else may be sent before it)."""

    def receive(self, frame: bytes | str, now: float) -> dict[str, Any]:
        """Take one client frame; returns it in canonical form. Raises `Reject`."""

    def pop(self, now: float) -> list[Outgoing]:
        """The actions due at ``now`` (possibly none)."""

    def next_due(self) -> float | None:
        """When the next action is due (None: nothing planned)."""

    def go_away(self, time_left: float, now: float) -> None:
        """Announce the end of the connection in ``time_left`` seconds, then close."""


class Schedule:
    """Actions ordered by due time (first in, first out among equal times), each with a tag so
    that a whole group (a model reply) can be cancelled at once."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, Callable[[], list[Outgoing]]]] = []
        self._order = itertools.count()

    def add(self, due: float, tag: str, action: Callable[[], list[Outgoing]]) -> None:
        """Run ``action`` (which returns the actions to take) once ``due`` has come."""
        heapq.heappush(self._heap, (due, next(self._order), tag, action))

    def send(self, due: float, tag: str, message: dict[str, Any], media: float = 0.0) -> None:
        """Send ``message`` once ``due`` has come."""
        item = Send(message, media)
        self.add(due, tag, lambda: [item])

    def cancel(self, tag: str) -> int:
        """Drop every pending action tagged ``tag``; returns how many were dropped."""
        kept = [entry for entry in self._heap if entry[2] != tag]
        dropped = len(self._heap) - len(kept)
        heapq.heapify(kept)
        self._heap = kept
        return dropped

    def has(self, tag: str) -> bool:
        """Whether an action tagged ``tag`` is pending."""
        return any(entry[2] == tag for entry in self._heap)

    def next_due(self) -> float | None:
        """The due time of the earliest pending action."""
        return self._heap[0][0] if self._heap else None

    def pop(self, now: float) -> list[Outgoing]:
        """Run the earliest action if it is due; returns what it produced."""
        if not self._heap or self._heap[0][0] > now:
            return []
        _, _, _, action = heapq.heappop(self._heap)
        return action()


def parse_client_frame(frame: bytes | str, cls: type[T]) -> tuple[T, dict[str, Any]]:
    """Read one client frame as ``cls`` (leniently, as the service does) and its canonical form.

    Raises `Reject` (1007) for malformed JSON, an unknown or missing message kind, more than one
    kind in a frame, or a field of the wrong type.
    """
    try:
        data = codec.loads(frame)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Reject(1007, f"Invalid JSON payload received. {exc}") from None
    if type(data) is not dict:
        raise Reject(1007, "Invalid JSON payload received. Expected an object.")
    known = {
        name for f in attrs.fields(cast(Any, cls)) for name in (f.name, codec.to_camel(f.name))
    }
    unknown = [key for key in data if key not in known]
    if unknown:
        raise Reject(
            1007, f'Invalid JSON payload received. Unknown name "{unknown[0]}": Cannot find field.'
        )
    kinds = [key for key, value in data.items() if value is not None]
    if len(kinds) != 1:
        raise Reject(
            1007, f"Request must set exactly one message kind, got {len(kinds)}: {sorted(kinds)}"
        )
    try:
        message = codec.from_wire(data, cls)
    except (TypeError, ValueError) as exc:
        raise Reject(1007, f"Invalid JSON payload received. {exc}") from None
    return message, codec.to_wire(message)


class Refusal:
    """An engine that refuses the connection (e.g. a bad API key) once the client's first
    message has arrived, so that the close frame is not lost in a reset connection."""

    setup_done = False

    def __init__(self, code: int, reason: str, now: float, wait: float = 2.0) -> None:
        self._close = Close(code, reason)
        self._deadline = now + wait

    def receive(self, frame: bytes | str, now: float) -> dict[str, Any]:
        """Refuse whatever arrived."""
        raise Reject(self._close.code, self._close.reason)

    def pop(self, now: float) -> list[Outgoing]:
        """Close anyway once the client has been given time to send its setup."""
        return [self._close] if now >= self._deadline else []

    def next_due(self) -> float | None:
        """When the refusal happens without a client message."""
        return self._deadline

    def go_away(self, time_left: float, now: float) -> None:
        """Nothing to announce: the connection is being refused."""
