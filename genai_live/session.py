"""Blocking sessions: a reader thread, callbacks or iteration, thread-safe sends, clean close."""

from __future__ import annotations

import inspect
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from . import codec, protocol
from . import types as t
from .errors import DecodeError, LiveError, ResumptionFailed, SessionClosed, SetupTimeout
from .log import logger
from .protocol import Backend, CloseEvent
from .resumption import RETRYABLE_CLOSES, ResumeInfo, ResumptionPolicy, ResumptionState
from .transport import Transport, TransportClosed
from .turn import Turn

if TYPE_CHECKING:
    from .shared_reader import SharedReader
    from .tools import ToolRunner

__all__ = ["BaseSession", "LiveCallbacks", "Session"]

M = TypeVar("M")
Callback = Callable[..., Any]

_END = object()
_BATCH = 64  # messages handed to the consumer at once, at most


def _never() -> bool:
    return False


def _adapt(callback: Callback | None, name: str) -> Callback | None:
    """Accept callbacks that take no argument (the JavaScript examples' ``() => ...``)."""
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError(f"callback {name} must be callable, got {type(callback).__name__}")
    try:
        params = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        return callback
    takes_arg = any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params
    )
    if takes_arg:
        return callback
    return lambda *_args: callback()


@attrs.define(kw_only=True)
class LiveCallbacks:
    """Session callbacks. All but ``onopen`` run on the session's reader thread.

    ``onopen()`` runs on the thread calling ``connect()`` once the socket is open, before the
    setup is sent. ``onmessage(message)`` gets every server message (``setupComplete`` first);
    with it set, messages are not queued for ``receive()``/iteration. ``onerror(error)`` gets
    every `LiveError` that ends the session and every exception raised by a callback.
    ``onclose(event)`` fires exactly once with a `CloseEvent`. ``onreconnect(attempt)`` and
    ``onresume(info)`` report automatic resumption. A callback may take no argument.
    """

    onopen: Callback | None = None
    onmessage: Callback | None = None
    onerror: Callback | None = None
    onclose: Callback | None = None
    onreconnect: Callback | None = None
    onresume: Callback | None = None

    @classmethod
    def coerce(cls, value: Any) -> LiveCallbacks:
        """From None, a `LiveCallbacks`, or a dict with ``onmessage``/``on_message`` keys."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            source: Mapping[str, Any] = attrs.asdict(value, recurse=False)
        elif isinstance(value, Mapping):
            source = value
        else:
            raise TypeError(
                f"callbacks must be a dict or LiveCallbacks, got {type(value).__name__}"
            )
        names = {f.name for f in attrs.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, callback in source.items():
            name = key.replace("_", "").lower()
            if name not in names:
                raise ValueError(f"unknown callback {key!r}; valid: {sorted(names)}")
            kwargs[name] = _adapt(callback, key)
        return cls(**kwargs)


class BaseSession(Generic[M]):
    """The machinery shared by Live and Live Music sessions.

    One reader thread decodes frames and hands each message to ``onmessage`` or to a bounded
    queue read by ``receive()``/iteration. Messages that arrived together (already buffered by
    the transport) are handed over together, so a busy stream wakes the consumer once per batch
    rather than once per message. When the queue is full the reader stops reading the socket
    (backpressure: the server is slowed down, nothing is dropped). Sends take one lock.
    """

    _decode: Callable[[bytes | str], M]

    def __init__(
        self,
        transport: Transport,
        *,
        callbacks: LiveCallbacks,
        max_queue: int = 1024,
        close_timeout: float = 3.0,
        ping_interval: float | None = None,
        shared_reader: SharedReader | None = None,
    ) -> None:
        self._transport = transport
        self._shared = shared_reader  # reads this session's socket when it is set up
        self._on_shared = False  # attached to it now
        self._paused = False  # by it: the queue is full
        self._left_error: BaseException | None = None  # how the connection ended, there
        self._ping_interval = ping_interval
        self._callbacks = callbacks
        self._on_message = callbacks.onmessage
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()  # batches (lists) and _END
        self._inbox: deque[M] = deque()  # the batch being read by receive()
        self._max_queue = max(1, max_queue)
        self._batch = min(_BATCH, self._max_queue)
        self._handed = 0  # messages handed to the queue (written by the reader only)
        self._taken = 0  # messages returned by receive() (under _take_lock)
        self._take_lock = threading.Lock()
        self._space: threading.Event | None = None  # made when the reader first waits for room
        self._reader_waits = False
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._setup_event: threading.Event | None = None  # see _start
        self._set_up = False
        self._closing = False
        self._close_timeout = close_timeout
        self._reader: threading.Thread | None = None
        self._reading = False  # a reader (of our own or shared) has started
        # The server's first message, read by connect() and delivered by the reader: decoded,
        # or the frame when it could not be (the reader then meets the DecodeError); see _pop_first.
        self._first_message: M | None = None
        self._first_frame: bytes | str | None = None
        self._first_read = threading.Lock()  # held until connect() has read the first frame
        self._first_read.acquire()
        self._opened = False  # the handshake is done and the setup sent (see _open)
        self._done = threading.Event()
        self._fatal: LiveError | None = None
        self._resume: ResumptionState | None = None
        self._reconnecting = False
        self.close_event: CloseEvent | None = None
        """How the session ended (None while it is open)."""

    # ------------------------------------------------------------------ lifecycle

    def _start(self, setup_frame: bytes, timeout: float, started: float) -> None:
        """Start the reader, finish the opening handshake, fire onopen, send the setup and wait
        for setupComplete."""
        shared = self._shared is not None and hasattr(self._transport, "pump")
        try:
            self._open(setup_frame, None if shared else self._start_reader)
            self._read_first_frame(timeout - (time.monotonic() - started))
        except BaseException:  # not opened, or interrupted (KeyboardInterrupt) while opening
            if self._opened:
                self._closing = True
                self._transport.abort()
            self._first_read.release()
            if self._reader is None:
                if self._opened:
                    self._release()
            elif self._opened:
                self._join()
            else:
                self._reader.join()  # it leaves at once, quietly: there is nothing to read
            raise
        if not self._set_up:  # the reader will see setupComplete, or the end, and say so
            self._setup_event = threading.Event()
        self._first_read.release()
        if shared:
            if self._set_up:
                self._attach_shared()
            else:  # something unusual: the reader of our own reports it
                self._start_reader()
        if self._ping_interval:
            threading.Thread(target=self._keepalive, name="genai-live-ping", daemon=True).start()
        if self._setup_event is not None:
            self._setup_event.wait(max(0.0, timeout - (time.monotonic() - started)))
        if self._set_up:
            return
        event = self.close_event
        if event is None:
            self._closing = True
            self._transport.abort()
            self._join()
            raise SetupTimeout(f"no setupComplete within {timeout} s", reason="setup timeout")
        self._join()
        if event.error is not None:
            raise event.error
        raise LiveError(
            "the server closed the connection before setupComplete",
            code=event.code,
            reason=event.reason,
            hint="The server ended the session during setup; check the model and config.",
        )

    def _open(self, setup_frame: bytes, start_reader: Callable[[], None] | None) -> None:
        """Do the opening handshake if the transport has one to do, fire onopen and send the
        setup; ``start_reader`` runs first, while the server answers the upgrade request if it
        can. Raises when the handshake or the send fails, the connection released (onclose fires
        if onopen did)."""
        handshake = getattr(self._transport, "handshake", None)
        if handshake is not None:
            handshake(start_reader, setup_frame)  # raises with the socket closed
        elif start_reader is not None:
            start_reader()
        self._fire("onopen")
        try:
            self._transport.send(setup_frame)
        except TransportClosed as closed:
            self._transport.abort()
            self._release()
            error = protocol.error_for_close(closed.code, closed.reason) or LiveError(
                "connection closed before the setup was sent", code=closed.code
            )
            self._finish(closed.code, closed.reason, error)  # onclose fires here too
            raise error from None
        self._opened = True

    def _start_reader(self, pending: BaseException | None = None) -> None:
        self._reading = True
        self._reader = threading.Thread(
            target=self._run, args=(pending,), name="genai-live-reader", daemon=True
        )
        self._reader.start()

    # -- the shared reader (connect(..., shared_reader=True))

    def _attach_shared(self) -> None:
        assert self._shared is not None
        self._transport.set_blocking(False)  # type: ignore[attr-defined]
        self._reading = True
        self._on_shared = True
        self._shared.attach(self)

    def _reader_fileno(self) -> int:
        return self._transport.fileno()  # type: ignore[attr-defined, no-any-return]

    def _pump(self) -> bool | None:
        """On the shared reader: deliver what the socket holds (never waits). True to go on,
        False to pause (the queue is full), None when the connection ended."""
        while True:
            going_on = self._pump_once()
            # Whole frames left behind by a full queue that has room again: the selector will
            # not report them (they are already read from the socket), so deliver them now.
            if not going_on or not self._transport.ready():  # type: ignore[attr-defined]
                return going_on

    def _pump_once(self) -> bool | None:
        decode = type(self)._decode
        on_message = self._on_message
        batch: list[M] = []
        try:
            # Into the queue: no more than it has room for (the rest stays in the transport).
            limit = None if on_message is not None else self._max_queue - self._backlog()
            first = self._pop_first()
            if first is not None:
                self._take(first, batch)
                self._after_delivery()
            frames, ended = self._transport.pump(limit)  # type: ignore[attr-defined]
            for frame in frames:
                self._take(decode(frame), batch)
                self._after_delivery()
            if ended is not None:
                raise ended
        except Exception as exc:
            self._left_error = exc
            return None
        finally:
            if batch:
                self._put(batch)
        if on_message is not None:
            return True
        with self._take_lock:  # receive() decides on resuming under the same lock
            if self._backlog() < self._max_queue:
                return True
            if self._closing:
                return None  # closed while the queue is full: the end is handled off the reader
            self._paused = True
            return False

    def _unpause(self, if_room: bool) -> None:
        """Have the shared reader read a paused session again (``if_room``: once below the
        bound). Called with ``_take_lock`` held."""
        if self._paused and (not if_room or self._backlog() < self._max_queue):
            self._paused = False
            assert self._shared is not None
            self._shared.resume(self)

    def _leave_reader(self) -> None:
        """Not read by the shared reader any more: a thread of our own takes over, to finish
        the work when the connection ended there, else to read it (blocking again)."""
        error, self._left_error = self._left_error, None
        self._on_shared = False
        self._paused = False
        if error is None:
            self._transport.set_blocking(True)  # type: ignore[attr-defined]
        self._start_reader(error)

    def _on_reader_thread(self) -> bool:
        current = threading.current_thread()
        return current is self._reader or (
            self._on_shared and self._shared is not None and current is self._shared.thread
        )

    def _read_first_frame(self, timeout: float) -> None:
        """Read the server's first frame on the caller's thread, so that ``connect()`` returns
        without waiting for a hand-over from the reader thread; the reader delivers it.

        Only for transports with ``settimeout``; when anything goes wrong (timeout, close, a frame
        that is not setupComplete) the reader meets the same situation and reports it as usual.
        """
        settimeout = getattr(self._transport, "settimeout", None)
        if settimeout is None or timeout <= 0:
            return
        try:
            settimeout(timeout)
            try:
                frame = self._transport.recv()
            finally:
                settimeout(None)
        except (TimeoutError, TransportClosed):
            return
        try:
            message = type(self)._decode(frame)
        except DecodeError:
            self._first_frame = frame
            return
        self._first_message = message
        if self._is_setup_complete(message):
            self._on_setup_complete(message)
            self._set_up = True

    def _pop_first(self) -> M | None:
        """The first message `_read_first_frame` read, once (None if it read none)."""
        message, frame = self._first_message, self._first_frame
        if message is None and frame is None:  # the usual case on every pump after the first
            return None
        self._first_message = self._first_frame = None
        return type(self)._decode(frame) if frame is not None else message

    def _run(self, pending: BaseException | None = None) -> None:
        """The reader thread; ``pending``: how the connection ended on the shared reader."""
        self._first_read.acquire()  # connect() has read the first frame
        self._first_read.release()
        if not self._opened:
            return  # the connection never opened: connect() raises, there is nothing to report
        handed_back = False
        try:
            while True:
                try:
                    if pending is not None:
                        error, pending = pending, None
                        raise error
                    if not self._read_loop():
                        self._finish(1000, "closed by client", None)
                        return
                except TransportClosed as closed:
                    if self._closing:
                        self._finish(
                            1000 if closed.code == 1006 else closed.code, closed.reason, None
                        )
                        return
                    if self._recover(closed.code, closed.reason):
                        if self._shared is not None and hasattr(self._transport, "pump"):
                            handed_back = True  # the new connection is read there again
                            self._attach_shared()
                            return
                        continue
                    self._finish(closed.code, closed.reason, self._fatal)
                    return
        except DecodeError as error:
            self._transport.close(1007, "invalid frame from server")
            self._transport.abort()
            self._finish(1007, error.reason, error)
        except Exception as exc:  # a bug must still end the session cleanly
            logger.exception("genai_live reader failed")
            self._transport.abort()
            self._finish(1011, "client reader failed", LiveError(f"reader failed: {exc!r}"))
        finally:
            if not handed_back:
                self._release()
            self._wake_connect()

    def _wake_connect(self) -> None:
        """Let connect() go on if it waits for setupComplete (see `_start`)."""
        if self._setup_event is not None:
            self._setup_event.set()

    def _keepalive(self) -> None:
        """Ping every ``ping_interval`` s; drop the connection when pongs stop (then 1006)."""
        interval = self._ping_interval or 0.0
        while not self._done.wait(interval):
            transport = self._transport
            ping = getattr(transport, "ping", None)
            if ping is None or self._reconnecting:
                continue
            if (
                time.monotonic() - getattr(transport, "last_pong", time.monotonic())
                > 2 * interval + 10
            ):
                logger.info(
                    "genai_live: no pong for %.0f s, dropping the connection", 2 * interval + 10
                )
                transport.abort()
                continue
            ping()

    def _read_loop(self) -> bool:
        """Read and deliver until the connection ends (raises) or a close stops delivery (False)."""
        decode = type(self)._decode
        transport = self._transport
        ready: Callable[[], bool] = getattr(transport, "ready", _never)
        batch: list[M] = []
        first = self._pop_first()
        try:
            while True:
                if first is None:
                    message = decode(transport.recv())
                else:
                    message, first = first, None
                self._take(message, batch)
                # Hand over when the next read could block, so nothing waits in the batch.
                if batch and (len(batch) >= self._batch or not ready()):
                    handed, batch = batch, []
                    if not self._hand_over(handed):  # closed while waiting for space
                        return False
                    if len(handed) == 1:
                        # A lone message is someone waiting for a reply: let the consumer
                        # take the interpreter lock now rather than after our next read
                        # (saves a thread wake-up, ~50 µs a round trip; batches don't).
                        time.sleep(0)
                self._after_delivery()
        finally:
            if batch:  # the connection ended or moved: what was read is still delivered
                self._put(batch)

    def _take(self, message: M, batch: list[M]) -> None:
        """Take in a received message: hand it to ``onmessage``, or add it to ``batch`` for the
        queue."""
        if not self._set_up and self._is_setup_complete(message):
            self._on_setup_complete(message)
            self._set_up = True
            self._wake_connect()
        self._on_received(message)
        on_message = self._on_message
        if on_message is not None:
            self._call(on_message, "onmessage", message)
        else:
            batch.append(message)

    def _put(self, batch: list[M]) -> None:
        """Queue ``batch`` for ``receive()`` now (the bound is the caller's business)."""
        self._handed += len(batch)
        self._queue.put(batch)

    def _release(self) -> None:
        release = getattr(self._transport, "release", None)
        if release is not None:
            release()

    def _backlog(self) -> int:
        """Messages handed over and not yet read by ``receive()``."""
        return self._handed - self._taken

    def _hand_over(self, batch: list[M]) -> bool:
        """Queue ``batch`` for ``receive()``; False when closed while waiting for space."""
        size = len(batch)
        if self._backlog() + size > self._max_queue:
            # Backpressure: stop reading the socket until the consumer catches up.
            space = self._space = self._space or threading.Event()
            self._reader_waits = True
            while self._backlog() + size > self._max_queue:
                if self._closing:
                    return False
                space.wait(0.1)
                space.clear()
            self._reader_waits = False
        self._put(batch)
        return True

    def _finish(self, code: int, reason: str, error: LiveError | None) -> None:
        by_client = self._closing
        if error is None and not by_client:
            error = protocol.error_for_close(code, reason)
        if by_client and code == 1006:
            code, reason = 1000, "closed by client"
        event = CloseEvent(code=code, reason=reason, error=error, by_client=by_client)
        with self._state_lock:
            if self.close_event is not None:
                return
            self.close_event = event
            self._closing = True
        self._on_finish()
        with self._send_lock:
            self._reconnecting = False
        self._queue.put(_END)
        if error is not None:
            logger.info("genai_live session ended: %s", error)
            self._fire("onerror", error)
        self._fire("onclose", event)
        self._done.set()

    # hooks for subclasses
    def _recover(self, code: int, reason: str) -> bool:
        """The connection ended unexpectedly: True when a new one took over (resumption)."""
        return False

    def _after_delivery(self) -> None:
        pass

    def _on_finish(self) -> None:
        pass

    def _is_setup_complete(self, message: M) -> bool:
        return getattr(message, "setup_complete", None) is not None

    def _on_setup_complete(self, message: M) -> None:
        pass

    def _on_received(self, message: M) -> None:
        pass

    # ------------------------------------------------------------------ callbacks

    def _fire(self, name: str, *args: Any) -> None:
        callback = getattr(self._callbacks, name)
        if callback is not None:
            self._call(callback, name, *args)

    def _call(self, callback: Callback, name: str, *args: Any) -> None:
        try:
            callback(*args)
        except Exception as exc:
            logger.exception("genai_live callback %s raised", name)
            if name != "onerror" and self._callbacks.onerror is not None:
                try:
                    self._callbacks.onerror(exc)
                except Exception:
                    logger.exception("genai_live callback onerror raised")

    # ------------------------------------------------------------------ sending

    def _send_frame(self, frame: bytes) -> None:
        if self._closing:
            raise self._closed_error()
        resume = self._resume
        with self._send_lock:
            if self._reconnecting and resume is not None:
                resume.hold(frame)
                return
            if resume is not None:
                resume.record_sent(frame)  # before sending: the reply can beat send()'s return
            try:
                self._transport.send(frame)
            except TransportClosed as closed:
                if resume is None:
                    raise protocol.error_for_close(closed.code, closed.reason) or SessionClosed(
                        "the session is closed", code=closed.code, reason=closed.reason
                    ) from None
                resume.unrecord_last()
                if resume.handle and closed.code in RETRYABLE_CLOSES:
                    resume.hold(frame)  # the reader is about to resume; sent after it
                    return
                raise protocol.error_for_close(closed.code, closed.reason) or SessionClosed(
                    "the session is closed", code=closed.code, reason=closed.reason
                ) from None

    def _closed_error(self) -> LiveError:
        event = self.close_event
        if event is not None and event.error is not None:
            return event.error
        code = 1000 if event is None else event.code
        return SessionClosed(
            "the session is closed", code=code, reason="" if event is None else event.reason
        )

    # ------------------------------------------------------------------ receiving

    def receive(self, timeout: float | None = None) -> M:
        """The next server message; waits up to ``timeout`` seconds (None: forever).

        Raises ``TimeoutError`` when nothing arrives in time, `SessionClosed` after a normal end,
        or the `LiveError` that ended the session (after every queued message was read).
        """
        if self._on_message is not None:
            raise RuntimeError(
                "this session delivers messages to callbacks['onmessage']; connect without "
                "onmessage to read them with receive() or iteration."
            )
        inbox = self._inbox
        while True:
            with self._take_lock:
                if inbox:
                    self._taken += 1
                    message = inbox.popleft()
                    self._unpause(if_room=True)
                    break
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no message within {timeout} s") from None
            if item is _END:
                self._queue.put(_END)
                raise self._closed_error()
            with self._take_lock:
                inbox.extend(item)
        space = self._space
        if self._reader_waits and space is not None:
            space.set()
        return message

    def __iter__(self) -> Iterator[M]:
        """Every message until the session ends; a normal close ends the loop, errors raise."""
        while True:
            try:
                yield self.receive()
            except SessionClosed:
                return

    # ------------------------------------------------------------------ closing

    @property
    def closed(self) -> bool:
        """True once the session has ended (or ``close()`` was called)."""
        return self._closing

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the session (thread-safe, idempotent, callable from a callback).

        Sends a close frame, waits briefly for the server's reply and the reader thread, then
        releases the socket. ``onclose`` fires exactly once.
        """
        with self._state_lock:
            first = not self._closing
            self._closing = True
        if self._resume is not None:
            self._resume.wakeup.set()  # a reconnection waiting out its delay gives up
        if first:
            self._transport.close(code, reason)
        with self._take_lock:
            self._unpause(if_room=False)  # the shared reader must read again to see the end
        if self._on_reader_thread():
            # Inside a callback: the reader ends after it returns; a watchdog bounds the wait.
            if first:
                self._watchdog()
            return
        self._join()

    def _watchdog(self) -> None:
        def expire() -> None:
            if not self._done.wait(self._close_timeout):
                self._transport.abort()

        threading.Thread(target=expire, name="genai-live-close", daemon=True).start()

    def _join(self) -> None:
        """Wait for the reading to end (aborting the connection when it takes too long)."""
        if self._on_reader_thread() or not self._reading:
            return
        if not self._done.wait(self._close_timeout):
            self._transport.abort()
            self._done.wait(self._close_timeout)
        reader = self._reader  # the shared reader hands an ended session to a thread of its own
        if reader is not None and reader is not threading.current_thread():
            reader.join(self._close_timeout)
        if self._shared is not None:
            self._shared.join_if_idle(self._close_timeout)

    def wait_closed(self, timeout: float | None = None) -> CloseEvent | None:
        """Block until the session has ended; returns its `CloseEvent` (None on timeout)."""
        self._done.wait(timeout)
        return self.close_event

    def __enter__(self) -> BaseSession[M]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Session(BaseSession[t.LiveServerMessage]):
    """A Live API session (returned by ``client.live.connect``).

    Send with `send`, `send_client_content`, `send_realtime_input`, `send_tool_response`,
    `send_context_update` (camelCase aliases too); read with callbacks, `receive`, iteration or
    `receive_turn`. All methods are thread-safe; `close` may be called from a callback.
    """

    _decode = staticmethod(codec.decode_server_message)

    def __init__(
        self, transport: Transport, *, backend: Backend, callbacks: LiveCallbacks, **kwargs: Any
    ) -> None:
        super().__init__(transport, callbacks=callbacks, **kwargs)
        self._backend = backend
        self.setup_complete: t.LiveServerSetupComplete | None = None
        """The ``setupComplete`` message content."""
        self._setup_message: t.LiveClientSetup | None = None
        self._reopen: Callable[[], Transport] | None = None
        self._setup_timeout = 30.0
        self._go_away_timer: threading.Timer | None = None
        self._tools: ToolRunner | None = None

    def _enable_resumption(
        self,
        policy: ResumptionPolicy,
        setup: t.LiveClientSetup,
        reopen: Callable[[], Transport],
        setup_timeout: float,
    ) -> None:
        transparent = bool(setup.session_resumption and setup.session_resumption.transparent)
        self._resume = ResumptionState(policy=policy, transparent=transparent)
        self._setup_message = setup
        self._reopen = reopen
        self._setup_timeout = setup_timeout

    @property
    def resumption_handle(self) -> str | None:
        """The latest resumable handle from the server (with ``resume`` or ``sessionResumption``)."""
        return None if self._resume is None else self._resume.handle

    # ------------------------------------------------------------------ resumption

    def _enable_tools(self, registry: Mapping[str, Callable[..., Any]]) -> None:
        def send(responses: list[t.FunctionResponse]) -> None:
            self.send_tool_response(function_responses=responses)

        from .tools import ToolRunner

        self._tools = ToolRunner(registry, send, logger=logger)

    def _on_received(self, message: t.LiveServerMessage) -> None:
        tools = self._tools
        if tools is not None:
            if message.tool_call is not None:
                tools.handle_call(message.tool_call)
            if message.tool_call_cancellation is not None:
                tools.cancel(message.tool_call_cancellation.ids or [])
        resume = self._resume
        if resume is None:
            return
        resume.observe(message)
        if message.go_away is not None and resume.go_away_at is not None:
            self._arm_go_away_timer(resume.go_away_at - resume.policy.go_away_margin)

    def _arm_go_away_timer(self, at: float) -> None:
        self._cancel_go_away_timer()
        transport = self._transport

        def time_is_up() -> None:
            # Not resumable in time (mid-turn): move anyway, before the server aborts us.
            if self._transport is transport and not self._closing:
                transport.abort()

        timer = threading.Timer(max(0.0, at - time.monotonic()), time_is_up)
        timer.daemon = True
        timer.name = "genai-live-goaway"
        self._go_away_timer = timer
        timer.start()

    def _cancel_go_away_timer(self) -> None:
        timer, self._go_away_timer = self._go_away_timer, None
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join()

    def _after_delivery(self) -> None:
        resume = self._resume
        if resume is not None and resume.go_away_at is not None and resume.should_move_now():
            raise TransportClosed(1001, "goAway: moving to a new connection")

    def _on_finish(self) -> None:
        self._cancel_go_away_timer()
        if self._tools is not None:
            self._tools.close(wait=True, timeout=self._close_timeout)

    def _recover(self, code: int, reason: str) -> bool:
        resume = self._resume
        if resume is None or self._reopen is None:
            return False
        moving = resume.go_away_at is not None
        if code not in RETRYABLE_CLOSES and not moving:
            return False
        if resume.handle is None:
            self._fatal = ResumptionFailed(
                "the connection ended before the server sent a resumption handle",
                code=code,
                reason=reason,
                hint="There is nothing to resume from yet; connect again.",
            )
            return False
        return self._reconnect("goAway" if moving else "connection lost", code)

    def _reconnect(self, why: str, code: int) -> bool:
        resume = self._resume
        assert resume is not None and self._reopen is not None and resume.handle is not None
        policy = resume.policy
        with self._send_lock:
            self._reconnecting = True
        self._cancel_go_away_timer()
        old = self._transport
        old.close(1000, "resuming")
        old.abort()
        self._release()
        began = time.monotonic()
        last: LiveError | None = None
        attempt = 0
        for attempt in range(1, policy.max_attempts + 1):
            if resume.wakeup.wait(policy.delay(attempt)) or self._closing:
                return False
            self._fire("onreconnect", attempt)
            try:
                transport = self._reopen()
            except LiveError as exc:
                last = exc
                if exc.retryable:
                    continue
                break
            with self._send_lock:
                self._transport = transport
            if self._closing:
                transport.abort()
                return False
            try:
                first = self._resume_handshake(transport, resume.handle)
            except TransportClosed as closed:
                transport.abort()
                self._release()
                last = protocol.error_for_close(closed.code, closed.reason) or LiveError(
                    "closed during resumption", code=closed.code, reason=closed.reason
                )
                if closed.code in RETRYABLE_CLOSES:
                    continue
                break
            if resume.unreplayable:
                logger.warning(
                    "genai_live: %d sent messages exceeded the replay bound and were not resent",
                    resume.unreplayable,
                )
                resume.unreplayable = 0
            replayed, flushed = self._flush_after_resume(transport)
            self.setup_complete = first.setup_complete
            self._fire(
                "onresume",
                ResumeInfo(
                    reason=why,
                    code=code,
                    attempts=attempt,
                    handle=resume.handle,
                    downtime=time.monotonic() - began,
                    replayed=replayed,
                    flushed=flushed,
                ),
            )
            return True
        self._fatal = ResumptionFailed(
            f"could not resume the session after {attempt} attempt(s)",
            code=None if last is None else last.code,
            reason="" if last is None else str(last),
        )
        return False

    def _resume_handshake(self, transport: Transport, handle: str) -> t.LiveServerMessage:
        assert self._setup_message is not None
        previous = self._setup_message.session_resumption or t.SessionResumptionConfig()
        setup = attrs.evolve(
            self._setup_message, session_resumption=attrs.evolve(previous, handle=handle)
        )
        transport.send(protocol.encode(t.LiveClientMessage(setup=setup)))
        timer = threading.Timer(self._setup_timeout, transport.abort)
        timer.daemon = True
        timer.start()
        try:
            while True:
                message = codec.decode_server_message(transport.recv())
                if message.setup_complete is not None:
                    return message
                batch: list[t.LiveServerMessage] = []
                self._take(message, batch)
                if batch:
                    self._hand_over(batch)
        finally:
            timer.cancel()
            timer.join()

    def _flush_after_resume(self, transport: Transport) -> tuple[int, int]:
        resume = self._resume
        assert resume is not None
        with self._send_lock:
            replay = resume.replay_frames()
            pending = list(resume.buffer)
            resume.buffer.clear()
            resume.buffered_bytes = 0
            for index, frame in enumerate(replay + pending):
                resume.record_sent(frame)
                try:
                    transport.send(frame)
                except TransportClosed:
                    resume.unrecord_last()
                    for rest in (replay + pending)[index:]:
                        resume.hold(rest)  # the reader will notice the drop and resume again
                    break
            resume.reset_connection()
            self._reconnecting = False
        return len(replay), len(pending)

    @property
    def session_id(self) -> str | None:
        """The server's session id (Vertex AI sends one), or None."""
        return None if self.setup_complete is None else self.setup_complete.session_id

    def _on_setup_complete(self, message: t.LiveServerMessage) -> None:
        self.setup_complete = message.setup_complete

    def __enter__(self) -> Session:
        return self

    # ------------------------------------------------------------------ sending

    def send(self, message: Any) -> None:
        """Send any client message: a dict (camelCase or snake_case) or a `types.LiveClientMessage`.

        Example: ``session.send({"clientContent": {"turns": [...], "turnComplete": True}})``.
        """
        self._send_frame(protocol.encode(protocol.coerce_client_message(message)))

    def send_client_content(
        self, params: Any = None, *, turns: Any = None, turn_complete: bool | None = True
    ) -> None:
        """Add turns to the conversation; ``turn_complete=True`` asks the model to answer.

        ``turns`` is a str, Part, Content, dict, or a list of them. A dict positional argument
        (``{"turns": ..., "turnComplete": ...}``) is accepted too, as in the JavaScript API.
        """
        if params is not None:
            args = _unwrap(params, "clientContent")
            turns = args.get("turns")
            turn_complete = args.get("turnComplete", args.get("turn_complete", True))
        self._send_frame(protocol.encode(protocol.client_content(turns, turn_complete)))

    def send_realtime_input(
        self,
        params: Any = None,
        *,
        media: Any = None,
        audio: Any = None,
        video: Any = None,
        text: str | None = None,
        activity_start: Any = None,
        activity_end: Any = None,
        audio_stream_end: bool | None = None,
    ) -> None:
        """Stream one realtime input: ``audio``, ``video``, ``media``, ``text``, an activity marker
        or ``audio_stream_end``. Raw ``bytes`` audio means PCM16 at 16 kHz.

        The JavaScript forms work too: ``send_realtime_input({"realtimeInput": {"mediaChunks":
        [...]}})`` or ``send_realtime_input({"audio": {...}})``.
        """
        if params is not None:
            inner = dict(_unwrap(params, "realtimeInput"))
            if "media" in inner:  # the JavaScript name; one blob or a list of them
                media = inner.pop("media")
                inner["mediaChunks"] = media if isinstance(media, list) else [media]
            self.send({"realtimeInput": inner})
            return
        frame = protocol.realtime_input(
            media=media,
            audio=audio,
            video=video,
            text=text,
            activity_start=activity_start,
            activity_end=activity_end,
            audio_stream_end=audio_stream_end,
        )
        self._send_frame(protocol.encode(frame))

    def send_tool_response(self, params: Any = None, *, function_responses: Any = None) -> None:
        """Answer the model's function calls (each response with the call's ``id`` and ``name``).

        Accepts ``function_responses=[...]`` or the JavaScript form
        ``send_tool_response({"toolResponse": {"functionResponses": [...]}})``.
        """
        if params is not None:
            args = _unwrap(params, "toolResponse")
            function_responses = args.get("functionResponses", args.get("function_responses"))
        message = protocol.tool_response(function_responses, require_id=not self._backend.vertexai)
        self._send_frame(protocol.encode(message))

    def send_context_update(self, *, system_instruction: Any = None, tools: Any = None) -> None:
        """Change the system instruction and/or tools mid-session (``tools=[]`` clears them)."""
        if system_instruction is None and tools is None:
            raise ValueError("At least one of `system_instruction` or `tools` must be set.")
        update = t.ContextUpdate()
        if system_instruction is not None:
            update.system_instruction = protocol._content(system_instruction)
        if tools is not None:
            update.tools = t.ToolsUpdate(tools=[codec.from_user(x, t.Tool) for x in tools])
        self._send_frame(protocol.encode(t.LiveClientMessage(context_update=update)))

    # camelCase aliases, so that the JavaScript examples port line by line
    sendClientContent = send_client_content
    sendRealtimeInput = send_realtime_input
    sendToolResponse = send_tool_response
    sendContextUpdate = send_context_update

    # ------------------------------------------------------------------ receiving

    def receive_turn(self, timeout: float | None = None) -> Turn:
        """Gather messages until the model's turn is complete (or it asks for a tool call).

        ``timeout`` bounds the whole turn; raises ``TimeoutError`` past it.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        turn = Turn()
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            message = self.receive(remaining)
            if message.setup_complete is not None and message.server_content is None:
                continue
            if turn.add(message) and not self._answers_automatically(message):
                return turn

    def _answers_automatically(self, message: t.LiveServerMessage) -> bool:
        """True for a tool call whose every function runs automatically (the turn goes on)."""
        call = message.tool_call
        if call is None or self._tools is None or message.server_content is not None:
            return False
        return all(self._tools.handles(c.name) for c in call.function_calls or [])


def _unwrap(params: Any, key: str) -> Mapping[str, Any]:
    """The parameters object of a JavaScript-style call, wrapped in ``key`` or not."""
    if not isinstance(params, Mapping):
        raise TypeError(f"expected a dict of parameters, got {type(params).__name__}")
    inner = protocol.unwrap(params, key)
    if not isinstance(inner, Mapping):
        raise TypeError(f"{key} must be an object, got {type(inner).__name__}")
    return inner
