"""Automatic resumption policy and bookkeeping (no I/O): handles, goAway deadlines, backoff, buffers."""

from __future__ import annotations

import threading
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
        import random

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


_TURN_END = b'"turnComplete":true}}'


@attrs.define(kw_only=True)
class _Sent:
    """A sent client frame the server may not have consumed yet."""

    index: int
    frame: bytes
    turn: bool  # a clientContent that asks for a reply
    answered: bool = False


@attrs.define(kw_only=True)
class ResumptionState:
    """What the session knows about resuming: the latest handle, goAway, and pending sends.

    Sent frames are kept until a handle is known to cover them. On the Gemini API a new handle
    covers what the server consumed before issuing it, which is everything up to the oldest
    turn still waiting for its reply; with ``transparent`` resumption (Vertex AI) the server
    names the last message it consumed. On a new connection the uncovered frames are sent
    again, and turns that were already answered are replayed as context only
    (``turnComplete: false``), so the model does not answer them twice.
    """

    policy: ResumptionPolicy
    transparent: bool = False
    handle: str | None = None
    resumable: bool = True
    go_away_at: float | None = None
    buffer: deque[bytes] = attrs.field(factory=deque)
    buffered_bytes: int = 0
    sent_log: deque[_Sent] = attrs.field(factory=deque)
    log_bytes: int = 0
    next_index: int = 0
    unreplayable: int = 0
    wakeup: threading.Event = attrs.field(factory=threading.Event)
    """Set by ``close()``: a reconnection waiting out its delay gives up."""
    # The reader observes while senders record: the log has its own lock.
    _log_lock: threading.Lock = attrs.field(factory=threading.Lock, alias="_log_lock")

    def observe(self, message: t.LiveServerMessage) -> None:
        """Track handles, answered turns, resumability and goAway from a received message."""
        content = message.server_content
        if content is not None and content.turn_complete:
            with self._log_lock:
                for sent in self.sent_log:
                    if sent.turn and not sent.answered:
                        sent.answered = True
                        break
        update = message.session_resumption_update
        if update is not None:
            self.resumable = bool(update.resumable)
            index = update.last_consumed_client_message_index
            with self._log_lock:
                if update.resumable and update.new_handle:
                    self.handle = update.new_handle
                    if index is None and not self.transparent:
                        waiting = [s.index for s in self.sent_log if s.turn and not s.answered]
                        self._forget((waiting[0] if waiting else self.next_index) - 1)
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
        """Keep a frame about to be sent until a handle covers it.

        Call it *before* sending: the reply may arrive before the send call returns.
        """
        turn = frame.startswith(b'{"clientContent"') and frame.endswith(_TURN_END)
        with self._log_lock:
            self.sent_log.append(_Sent(index=self.next_index, frame=frame, turn=turn))
            self.log_bytes += len(frame)
            self.next_index += 1
            while self.log_bytes > self.policy.max_buffer_bytes and self.sent_log:
                self.log_bytes -= len(self.sent_log.popleft().frame)
                self.unreplayable += 1

    def unrecord_last(self) -> None:
        """The last recorded frame could not be sent after all (it is held instead)."""
        with self._log_lock:
            if self.sent_log:
                self.log_bytes -= len(self.sent_log.pop().frame)
                self.next_index -= 1

    def _forget(self, index: int) -> None:
        while self.sent_log and self.sent_log[0].index <= index:
            self.log_bytes -= len(self.sent_log.popleft().frame)

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
        """Frames the handle does not cover, to send first on the new connection."""
        with self._log_lock:
            frames = [
                s.frame[: -len(_TURN_END)] + b'"turnComplete":false}}' if s.answered else s.frame
                for s in self.sent_log
            ]
            self.sent_log.clear()
            self.log_bytes = 0
            self.next_index = 0
        return frames

    def reset_connection(self) -> None:
        """A new connection started: the goAway and resumable state belong to the old one."""
        self.go_away_at = None
        self.resumable = True
