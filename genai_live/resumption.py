"""Automatic resumption policy and bookkeeping (no I/O): handles, goAway deadlines, backoff, buffers."""

from __future__ import annotations

import random
import time
from collections import deque
from typing import Any

import attrs

from . import types as t
from .errors import ResumptionFailed

__all__ = ["ResumeInfo", "ResumptionPolicy", "ResumptionState"]

# Close codes after which a resumed connection may succeed. 1007/1008 (bad request, not found,
# permission) would fail again and are raised instead.
RETRYABLE_CLOSES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


@attrs.define(frozen=True, kw_only=True)
class ResumptionPolicy:
    """How a session resumes by itself (``connect(resume=ResumptionPolicy(...))``; ``True`` means
    the defaults).

    Attributes:
        max_attempts: consecutive failed reconnects before giving up with `ResumptionFailed`.
        backoff: first retry delay in seconds; doubles per failed attempt up to ``max_backoff``,
            with ±``jitter`` (a fraction) randomness so that many clients don't retry in step.
        max_buffer_bytes: sends made while reconnecting are kept, in order, up to this many bytes;
            past it ``send_*`` raises `ResumptionFailed` (nothing is dropped silently). The same
            bound applies to the messages sent since the latest handle, which are replayed on the
            new connection because the handle does not cover them (older ones past the bound are
            not replayed, with a warning).
        go_away_margin: on ``goAway``, reconnect at a resumable moment, or at the latest this many
            seconds before ``timeLeft`` runs out.
    """

    max_attempts: int = 5
    backoff: float = 0.25
    max_backoff: float = 8.0
    jitter: float = 0.2
    max_buffer_bytes: int = 8 * 2**20
    go_away_margin: float = 1.0

    @classmethod
    def coerce(cls, value: Any) -> ResumptionPolicy | None:
        """None/False: off; True: defaults; a policy or a dict of its fields."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        raise TypeError(
            f"resume must be a bool, dict or ResumptionPolicy, got {type(value).__name__}"
        )

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect ``attempt`` (1-based; the first is immediate)."""
        if attempt <= 1:
            return 0.0
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 2))
        return float(max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter))))


@attrs.define(frozen=True, kw_only=True)
class ResumeInfo:
    """Passed to ``onresume``: why the session reconnected and what it took."""

    reason: str
    code: int | None
    attempts: int
    handle: str
    downtime: float
    replayed: int
    flushed: int


@attrs.define(kw_only=True)
class ResumptionState:
    """What the session knows about resuming: the latest handle, goAway, and pending sends."""

    policy: ResumptionPolicy
    transparent: bool = False
    handle: str | None = None
    resumable: bool = True
    go_away_at: float | None = None
    buffer: deque[bytes] = attrs.field(factory=deque)
    buffered_bytes: int = 0
    sent_log: deque[tuple[int, bytes]] = attrs.field(factory=deque)
    log_bytes: int = 0
    next_index: int = 0
    unreplayable: int = 0

    def observe(self, message: t.LiveServerMessage) -> None:
        """Track handles, resumability and goAway from a received message.

        A new handle covers everything the server consumed before it, so the client messages
        sent until then need no replay. With ``transparent`` resumption (Vertex AI) the server
        says exactly which message it consumed last.
        """
        update = message.session_resumption_update
        if update is not None:
            self.resumable = bool(update.resumable)
            index = update.last_consumed_client_message_index
            if update.resumable and update.new_handle:
                self.handle = update.new_handle
                if index is None and not self.transparent:
                    self._forget(self.next_index - 1)
            if index is not None:
                self._forget(index)
        if message.go_away is not None:
            left = message.go_away.time_left or 0.0
            self.go_away_at = time.monotonic() + left

    def should_move_now(self) -> bool:
        """After a goAway: True at a resumable moment, or when time is running out."""
        if self.go_away_at is None or self.handle is None:
            return False
        late = time.monotonic() >= self.go_away_at - self.policy.go_away_margin
        return self.resumable or late

    def record_sent(self, frame: bytes) -> None:
        """Keep a sent frame until the server has consumed it (a later handle, or the index)."""
        self.sent_log.append((self.next_index, frame))
        self.log_bytes += len(frame)
        self.next_index += 1
        while self.log_bytes > self.policy.max_buffer_bytes and self.sent_log:
            self.log_bytes -= len(self.sent_log.popleft()[1])
            self.unreplayable += 1

    def _forget(self, index: int) -> None:
        while self.sent_log and self.sent_log[0][0] <= index:
            self.log_bytes -= len(self.sent_log.popleft()[1])

    def hold(self, frame: bytes) -> None:
        """Buffer a send made while reconnecting, or raise when the buffer is full."""
        size = len(frame)
        if self.buffered_bytes + size > self.policy.max_buffer_bytes:
            raise ResumptionFailed(
                "send buffer full while the session is reconnecting",
                reason=f"{self.buffered_bytes + size} > {self.policy.max_buffer_bytes} bytes",
                hint="Slow down, or raise ResumptionPolicy(max_buffer_bytes=...).",
                retryable=True,
            )
        self.buffer.append(frame)
        self.buffered_bytes += size

    def replay_frames(self) -> list[bytes]:
        """Frames the server may not have consumed, to send first on the new connection."""
        frames = [frame for _, frame in self.sent_log]
        self.sent_log.clear()
        self.log_bytes = 0
        self.next_index = 0
        return frames

    def reset_connection(self) -> None:
        """A new connection started: the goAway and resumable state belong to the old one."""
        self.go_away_at = None
        self.resumable = True
