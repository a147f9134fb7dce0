"""The exception tree: every failure of a session is a `LiveError` with code, reason and hint."""

from __future__ import annotations

__all__ = [
    "ConnectionLost",
    "DecodeError",
    "HandshakeError",
    "InvalidArgument",
    "LiveError",
    "MessageTooLarge",
    "PolicyViolation",
    "ResumptionFailed",
    "ServerError",
    "SessionClosed",
    "SetupTimeout",
]


class LiveError(Exception):
    """Base class of every error raised by a Live or Live Music session.

    Attributes:
        code: the WebSocket close code (e.g. 1008), or None when no close frame is involved.
        reason: the close reason or a short description, as sent by the server.
        hint: what to check or do about it.
        retryable: whether trying again (or resuming) may succeed.
    """

    default_hint = "See the close code and reason."
    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reason: str = "",
        hint: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.reason = reason
        self.hint = self.default_hint if hint is None else hint
        self.retryable = self.default_retryable if retryable is None else retryable
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.code is not None:
            text += f" [close {self.code}" + (f": {self.reason}]" if self.reason else "]")
        elif self.reason and self.reason not in text:
            text += f" [{self.reason}]"
        if self.hint:
            text += f" Hint: {self.hint}"
        return text


class HandshakeError(LiveError):
    """The server refused the WebSocket upgrade with an HTTP status (``status``)."""

    default_hint = (
        "401/403: check the API key or token; 404: check base_url and api_version; "
        "5xx: the service is unavailable, retry later."
    )

    def __init__(self, message: str, *, status: int | None = None, **kwargs: object) -> None:
        self.status = status
        retryable = status is None or status >= 500 or status == 429
        kwargs.setdefault("retryable", retryable)
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class SetupTimeout(LiveError):
    """The socket did not open, or ``setupComplete`` did not arrive, within the timeout."""

    default_hint = "Raise connect(timeout=...) or check that the server is reachable."
    default_retryable = True


class ConnectionLost(LiveError):
    """The connection ended without a close frame (1006) or could not be made at all."""

    default_hint = "Network, proxy or server failure; retry, or connect with resume=True."
    default_retryable = True


class InvalidArgument(LiveError):
    """The server rejected a message as invalid (close 1007)."""

    default_hint = "Check the config fields and the input (mime types, base64, field names)."


class PolicyViolation(LiveError):
    """The server refused the request: model not found, permission or policy (close 1008)."""

    default_hint = (
        "Check the model name (it must support bidiGenerateContent for this api_version), "
        "the API key or token and its permissions."
    )


class ServerError(LiveError):
    """The server failed internally or is overloaded (close 1011, 1012, 1013, 1014)."""

    default_hint = "Server-side failure; retry with backoff, or connect with resume=True."
    default_retryable = True


class MessageTooLarge(LiveError):
    """A frame exceeded ``max_message_size`` (close 1009)."""

    default_hint = "Raise connect(max_message_size=...) if the server really sends frames this big."


class ResumptionFailed(LiveError):
    """Automatic resumption was needed but could not be done."""

    default_hint = "No resumable handle yet, attempts exhausted, or the server refused the handle."


class DecodeError(LiveError):
    """A server frame was not valid JSON or did not fit the protocol's types."""

    default_hint = "The server sent something this client cannot read; see the reason."


class SessionClosed(LiveError):
    """The session has ended normally (close 1000/1001 or ``close()``); nothing more to read or send."""

    default_hint = "Open a new session with client.live.connect(...)."
