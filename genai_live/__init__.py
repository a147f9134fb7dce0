"""genai_live: a synchronous, thread-based client for the Gemini Live and Live Music APIs.

Example::

    import genai_live

    client = genai_live.Client(api_key="...")
    with client.live.connect(model="gemini-live-2.5-flash-preview",
                             config={"responseModalities": ["TEXT"]}) as session:
        session.send_client_content(turns="Hello")
        print(session.receive_turn(timeout=30).text)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import types
from ._version import __version__
from .client import Client, Live, connect
from .endpoints import ConnectRequest, HttpOptions
from .errors import (
    ConnectionLost,
    DecodeError,
    HandshakeError,
    InvalidArgument,
    LiveError,
    MessageTooLarge,
    PolicyViolation,
    ResumptionFailed,
    ServerError,
    SessionClosed,
    SetupTimeout,
)
from .music import LiveMusic, LiveMusicSession
from .protocol import CloseEvent
from .resumption import ResumeInfo, ResumptionPolicy
from .session import LiveCallbacks, Session
from .turn import Turn

if TYPE_CHECKING:
    from .tools import ToolResult, non_blocking


def __getattr__(name: str) -> Any:
    # genai_live.audio is imported on first use: most programs never need it.
    if name == "audio":
        import importlib

        return importlib.import_module(".audio", __name__)
    if name in ("ToolResult", "non_blocking"):  # tools load when a session has tools
        from . import tools

        return getattr(tools, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Client",
    "CloseEvent",
    "ConnectRequest",
    "ConnectionLost",
    "DecodeError",
    "HandshakeError",
    "HttpOptions",
    "InvalidArgument",
    "Live",
    "LiveCallbacks",
    "LiveError",
    "LiveMusic",
    "LiveMusicSession",
    "MessageTooLarge",
    "PolicyViolation",
    "ResumeInfo",
    "ResumptionFailed",
    "ResumptionPolicy",
    "ServerError",
    "Session",
    "SessionClosed",
    "SetupTimeout",
    "ToolResult",
    "Turn",
    "__version__",
    "audio",
    "connect",
    "non_blocking",
    "types",
]
