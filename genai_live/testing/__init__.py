"""Testing tools: `FakeTransport` for unit tests, `LiveEmulator` for integration tests."""

from __future__ import annotations

from typing import Any

from .fake import FakeTransport

__all__ = ["FakeTransport", "LiveEmulator"]


def __getattr__(name: str) -> Any:
    # The emulator needs the `testing` extra (websockets); import it only when asked for.
    if name == "LiveEmulator":
        from .emulator import LiveEmulator

        return LiveEmulator
    raise AttributeError(name)
