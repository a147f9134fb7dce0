"""The package's logger, ``genai_live``, with the logging module imported on first use.

Importing ``logging`` costs several milliseconds, which a program that never hears from us
would pay at import. The first record gets the logger (with a ``NullHandler``, so that the
library stays quiet unless the application configures logging).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

__all__ = ["NAME", "logger"]

NAME = "genai_live"
"""The logger's name: configure it to see what the package logs."""


class _OnFirstUse:
    _real: logging.Logger | None = None  # the logger, once made

    def __getattr__(self, name: str) -> Any:
        real = self._real
        if real is None:
            import logging

            real = logging.getLogger(NAME)
            if not any(isinstance(h, logging.NullHandler) for h in real.handlers):
                real.addHandler(logging.NullHandler())
            self._real = real
        return getattr(real, name)


logger: logging.Logger = _OnFirstUse()  # type: ignore[assignment]
"""``logging.getLogger("genai_live")``, created when first used."""
