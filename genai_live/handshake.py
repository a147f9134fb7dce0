"""The WebSocket opening handshake (RFC 6455 §4), sans-IO: the request's bytes, the reply's check."""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from .errors import HandshakeError

__all__ = ["MAX_HEAD", "accept_value", "check_headers", "check_response", "upgrade_request"]

MAX_HEAD = 64 * 1024
"""The most bytes of response head (status line and headers) a client reads before giving up."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_DEFAULT_PORTS = {"ws": 80, "wss": 443}


def accept_value(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer to ``Sec-WebSocket-Key: key``."""
    import hashlib  # on first use: it loads OpenSSL (~3 ms)

    return base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")


def upgrade_request(
    url: str, headers: Mapping[str, str], key: str | None = None
) -> tuple[bytes, str]:
    """The GET request that opens a WebSocket at ``url`` with ``headers``; returns it and its key.

    ``Host``, ``Upgrade``, ``Connection``, ``Sec-WebSocket-Key`` and ``Sec-WebSocket-Version``
    come first; ``headers`` follow unchanged (no ``Origin``: this is not a browser).
    """
    host, target = _host_and_target(url)
    check_headers(headers)
    key = key or base64.b64encode(os.urandom(16)).decode("ascii")
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), key


@functools.lru_cache(maxsize=64)
def _host_and_target(url: str) -> tuple[str, str]:
    """The ``Host`` header and the request target for ``url`` (the same few URLs every time)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def check_headers(headers: Mapping[str, str]) -> None:
    """Raise ValueError for a header whose name or value holds a line break (it would smuggle
    lines into the request)."""
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError(f"header {name!r} contains a line break")


def check_response(head: bytes, accept: str) -> dict[str, str]:
    """Check the response head (up to the blank line) to an upgrade request; ``accept`` is the
    ``Sec-WebSocket-Accept`` its key asks for (`accept_value`, best computed before the reply
    arrives: then the check after it is short).

    Returns its headers (lower-case names). Raises `HandshakeError`: with the HTTP ``status`` when
    the server refused the upgrade, without one when the reply is not a valid WebSocket upgrade.
    """
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    status_text, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not status_text.isdigit():
        raise HandshakeError(
            "the server's reply is not HTTP", reason=lines[0][:100], retryable=False
        )
    status = int(status_text)
    if status != 101:
        raise HandshakeError(
            f"server refused the WebSocket upgrade with HTTP {status}",
            status=status,
            reason=reason.strip(),
        )
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise HandshakeError(
                "malformed header in the server's reply", reason=line[:100], retryable=False
            )
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    problem = None
    if headers.get("upgrade", "").lower() != "websocket":
        problem = "no 'Upgrade: websocket'"
    elif "upgrade" not in [t.strip().lower() for t in headers.get("connection", "").split(",")]:
        problem = "no 'Connection: Upgrade'"
    elif headers.get("sec-websocket-accept") != accept:
        problem = "a wrong Sec-WebSocket-Accept"
    if problem is not None:
        raise HandshakeError(
            f"the server's upgrade reply has {problem}",
            status=101,
            reason="invalid WebSocket upgrade",
            hint="Something between the client and the service (a proxy?) mangled the handshake.",
            retryable=False,
        )
    return headers
