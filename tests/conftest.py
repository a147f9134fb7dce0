"""Shared fixtures: a client, an emulator, a check that no thread outlives its test, and every
session on the shared reader (``--shared-reader``, `shared_reader_everywhere`)."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import genai_live
from genai_live.testing import LiveEmulator


def _lingering(before: set[threading.Thread], timeout: float = 3.0) -> list[threading.Thread]:
    deadline = time.monotonic() + timeout
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.01)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shared-reader",
        action="store_true",
        help="connect every session with shared_reader=True (one reader thread for all)",
    )


@contextmanager
def shared_reader_everywhere() -> Iterator[None]:
    """Within: every ``client.live.connect()`` is made with ``shared_reader=True`` (unless the
    call says otherwise), and each session it sets up over a real socket must really be read by
    the shared reader — else a suite run this way would test nothing new."""
    session_class = genai_live.session.BaseSession
    connect, attach = genai_live.client.Live.connect, session_class._attach_shared
    attached: weakref.WeakSet[Any] = weakref.WeakSet()

    def recording_attach(session: Any) -> None:
        attached.add(session)
        attach(session)

    def shared_connect(live: Any, *args: Any, **kwargs: Any) -> genai_live.Session:
        kwargs.setdefault("shared_reader", True)
        session = connect(live, *args, **kwargs)
        if session._shared is not None and hasattr(session._transport, "pump"):
            assert session in attached, (
                "a session connected with shared_reader=True has a reader thread of its own"
            )
        return session

    genai_live.client.Live.connect = shared_connect  # type: ignore[method-assign]
    session_class._attach_shared = recording_attach  # type: ignore[method-assign]
    try:
        yield
    finally:
        genai_live.client.Live.connect = connect  # type: ignore[method-assign]
        session_class._attach_shared = attach  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _shared_reader_everywhere(request: pytest.FixtureRequest) -> Iterator[None]:
    """With --shared-reader, the whole suite runs on the shared reader thread."""
    if not request.config.getoption("--shared-reader"):
        yield
        return
    with shared_reader_everywhere():
        yield


@pytest.fixture
def emulator() -> Iterator[LiveEmulator]:
    """A loopback Live emulator answering at once (speed=0)."""
    with LiveEmulator(speed=0) as emu:
        yield emu


def wait_for_backpressure(session: Any, timeout: float = 10.0) -> None:
    """Wait until ``session``'s reader has stopped reading because its queue is full (a reader
    thread of its own waits for room; the shared reader pauses the session)."""
    deadline = time.monotonic() + timeout
    while not (session._reader_waits or session._paused):
        assert time.monotonic() < deadline, "the reader never stopped for the full queue"
        time.sleep(0.005)


@pytest.fixture
def no_thread_leak() -> Iterator[None]:
    """Fail the test if it leaves a thread running."""
    before = set(threading.enumerate())
    yield
    left = _lingering(before)
    assert not left, f"threads left running: {[t.name for t in left]}"


@pytest.fixture
def client() -> genai_live.Client:
    """A Gemini API client with a dummy key (used with FakeTransport: no network)."""
    return genai_live.Client(api_key="test-key")
