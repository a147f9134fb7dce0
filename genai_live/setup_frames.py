"""Setup frames already built, reused when a connect repeats a config given as plain data.

A service that opens a session per call passes the same config every time; checking it and
encoding its setup frame again is most of the client's work in ``connect()``. The config is
remembered as a type-exact snapshot (``1``, ``1.0`` and ``True`` differ), so a reused frame is
the frame a new build would make, and a config that was refused once is checked again.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

__all__ = ["SetupFrames"]

_SCALARS = frozenset({str, int, float, bool, type(None)})
_DEPRECATED_KEYS = frozenset({"generation_config", "generationConfig"})


class _NotPlain(Exception):
    """A value that is not plain data: its contents may change without its identity changing."""


def _snapshot(value: Any) -> Hashable:
    kind = type(value)
    if kind in _SCALARS:
        return kind, value
    if kind is dict:
        return dict, tuple((_text(k), _snapshot(v)) for k, v in value.items())
    if kind is list or kind is tuple:
        return kind, tuple(_snapshot(item) for item in value)
    raise _NotPlain


def _text(name: Any) -> str:
    if type(name) is not str:
        raise _NotPlain
    return name


class SetupFrames:
    """A bounded map from (model, backend, config snapshot) to the encoded setup frame: at most
    ``limit`` frames of at most ``max_bytes`` each (a larger one is built every time)."""

    def __init__(self, limit: int = 64, max_bytes: int = 64 * 1024) -> None:
        self._frames: dict[Hashable, bytes] = {}
        self._limit = limit
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    @staticmethod
    def key(model: Any, config: Any, backend: Hashable) -> Hashable | None:
        """What identifies the setup frame of ``connect(model, config=config)`` on ``backend``;
        None when it must be built every time: ``config`` is not plain data (dicts with string
        keys, lists, tuples, strings, numbers, booleans, None) or it holds the deprecated
        ``generation_config``, whose warning is given on every connect."""
        if config is not None and type(config) is not dict:
            return None
        if config and not _DEPRECATED_KEYS.isdisjoint(config):
            return None
        try:
            return _text(model), backend, _snapshot(config)
        except _NotPlain:
            return None

    def get(self, key: Hashable | None) -> bytes | None:
        """The frame built for ``key`` (None: not built yet, or ``key`` is None)."""
        return None if key is None else self._frames.get(key)

    def put(self, key: Hashable | None, frame: bytes) -> None:
        """Remember ``frame`` for ``key`` (nothing when ``key`` is None or the frame is too
        large); the oldest goes first once ``limit`` frames are kept."""
        if key is None or len(frame) > self._max_bytes:
            return
        with self._lock:
            if len(self._frames) >= self._limit:
                del self._frames[next(iter(self._frames))]
            self._frames[key] = frame
