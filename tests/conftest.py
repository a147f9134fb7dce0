"""Shared fixtures: a client, and a check that no thread outlives its test."""

from __future__ import annotations

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
