"""`SharedReader`: one thread that reads the sockets of many sessions (``shared_reader=True``).

A session normally has a reader thread of its own. With hundreds of sessions in one process,
those threads spend more time handing the interpreter lock to each other than reading; one thread
that waits on every socket at once (a selector) and reads whichever is ready does the same work
with a fraction of the CPU.

The thread reads and delivers (``onmessage`` callbacks run on it, one at a time); it never waits
for anything else. When a session's connection ends (or moves, for resumption), the session leaves
it, and a thread of the session's own finishes the work (``onerror``/``onclose``, reconnecting). The
thread exists only while sessions are attached.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections import deque
from typing import Protocol

from .log import logger

__all__ = ["SharedReader", "default_reader"]


class Pumped(Protocol):
    """What the shared reader needs of a session."""

    def _reader_fileno(self) -> int:
        """The file descriptor to wait on."""

    def _pump(self) -> bool | None:
        """Read and deliver what is ready: True to go on, False to pause (its queue is full),
        None when its connection ended."""

    def _leave_reader(self) -> None:
        """The session is no longer read here: its own thread takes over (the end, resumption)."""


class SharedReader:
    """One reader thread for many sessions: `attach` a session whose connection is set up."""

    def __init__(self, name: str = "genai-live-shared-reader") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._requests: deque[Pumped] = deque()  # sessions to (re)register, by the thread
        self._attached: set[Pumped] = set()  # read, paused or about to be registered
        self._thread: threading.Thread | None = None  # the latest, running or ending
        self._running = False  # False once the thread has decided to end
        self._wake_send: socket.socket | None = None

    @property
    def thread(self) -> threading.Thread | None:
        """The reader thread (the latest one: it ends when no session is attached)."""
        return self._thread

    def attach(self, session: Pumped) -> None:
        """Start reading ``session`` (and the thread, if it is not running)."""
        with self._lock:
            self._attached.add(session)  # first: the thread never ends while it is attached
        self.resume(session)

    def resume(self, session: Pumped) -> None:
        """Read a paused ``session`` again (its consumer made room)."""
        with self._lock:
            self._requests.append(session)
            if self._running:
                self._wake()
            else:
                self._start()

    def join_if_idle(self, timeout: float) -> None:
        """Wait for the thread to end when no session is attached (so that none is left)."""
        thread = self._thread
        if thread is not None and not self._attached and thread is not threading.current_thread():
            thread.join(timeout)

    def _start(self) -> None:
        selector = selectors.DefaultSelector()
        wake_receive, self._wake_send = socket.socketpair()
        wake_receive.setblocking(False)
        self._wake_send.setblocking(False)
        selector.register(wake_receive, selectors.EVENT_READ, None)
        self._running = True
        self._thread = threading.Thread(
            target=self._loop, args=(selector, wake_receive), name=self._name, daemon=True
        )
        self._thread.start()

    def _wake(self) -> None:
        assert self._wake_send is not None
        try:
            self._wake_send.send(b"\0")
        except BlockingIOError:
            pass  # already awake: the pipe is full of wake-ups

    def _loop(self, selector: selectors.BaseSelector, wake_receive: socket.socket) -> None:
        try:
            self._serve(selector, wake_receive)
        except Exception:  # a bug here must not leave sessions unread: they get threads
            logger.exception(
                "genai_live shared reader failed; its sessions get threads of their own"
            )
            with self._lock:
                self._running = False
                self._close_wake()
                orphans = list(self._attached)
                self._attached.clear()
                self._requests.clear()
            for session in orphans:
                session._leave_reader()
        finally:
            selector.close()
            wake_receive.close()

    def _close_wake(self) -> None:
        if self._wake_send is not None:
            self._wake_send.close()
            self._wake_send = None

    def _serve(self, selector: selectors.BaseSelector, wake_receive: socket.socket) -> None:
        """Read attached sessions until none is left."""
        while True:
            with self._lock:
                requests = list(self._requests)
                self._requests.clear()
            for session in requests:
                self._read(selector, session, None)
            with self._lock:
                if not self._attached and not self._requests:
                    self._running = False  # a later attach starts a new thread
                    self._close_wake()
                    return
            for key, _ in selector.select():
                if key.data is None:
                    try:
                        wake_receive.recv(4096)
                    except BlockingIOError:
                        pass
                    continue
                self._read(selector, key.data, key.fd)

    def _read(self, selector: selectors.BaseSelector, session: Pumped, fd: int | None) -> None:
        """Pump ``session`` (registering it first when ``fd`` is None); unregister it when it
        pauses or leaves."""
        try:
            if fd is None:
                fd = session._reader_fileno()
                selector.register(fd, selectors.EVENT_READ, session)
            going_on = session._pump()
        except Exception:  # _pump ends a session cleanly on any error: this is a last resort
            logger.exception("genai_live shared reader: a session failed")
            going_on = None
        if going_on:
            return
        if fd is not None:
            try:
                selector.unregister(fd)
            except (KeyError, ValueError):
                pass  # it failed to register
        if going_on is None:
            with self._lock:
                self._attached.discard(session)
            session._leave_reader()


_default: SharedReader | None = None
_default_lock = threading.Lock()


def default_reader() -> SharedReader:
    """The process's shared reader, used by ``connect(..., shared_reader=True)``."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SharedReader()
        return _default
