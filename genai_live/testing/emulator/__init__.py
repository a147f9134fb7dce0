"""A loopback Live API and Live Music server for tests: `LiveEmulator`.

Needs the ``testing`` extra (websockets; cryptography for ``tls=True``) and numpy for Live Music.
"""

from __future__ import annotations

from .server import LiveEmulator

__all__ = ["LiveEmulator"]
