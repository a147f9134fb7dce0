"""Shared fixtures: a client, and a check that no thread outlives its test."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator

import pytest

import genai_live


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


@pytest.fixture(autouse=True, scope="session")
def _shared_reader_everywhere(request: pytest.FixtureRequest) -> Iterator[None]:
    """With --shared-reader, the whole suite runs on the shared reader thread."""
    if not request.config.getoption("--shared-reader"):
        yield
        return
    original = genai_live.client.Live.connect
    genai_live.client.Live.connect = functools.partialmethod(  # type: ignore[method-assign]
        original, shared_reader=True
    )
    try:
        yield
    finally:
        genai_live.client.Live.connect = original  # type: ignore[method-assign]


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
