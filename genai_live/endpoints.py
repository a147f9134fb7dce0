"""Where to connect and how to authenticate: base URLs, WebSocket paths and handshake headers."""

from __future__ import annotations

import functools
import os
import platform
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from ._version import __version__

__all__ = ["ConnectRequest", "HttpOptions", "live_path", "websocket_base"]

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"
GEMINI_API_VERSION = "v1beta"
VERTEX_API_VERSION = "v1beta1"
EPHEMERAL_PREFIX = "auth_tokens/"
USER_AGENT = f"genai-live/{__version__} gl-python/{platform.python_version()}"


def _redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    secret = {"x-goog-api-key", "authorization", "proxy-authorization"}
    return {k: ("***" if k.lower() in secret else v) for k, v in headers.items()}


@attrs.define(kw_only=True)
class HttpOptions:
    """Connection options: ``base_url``, ``api_version``, extra ``headers``, ``timeout``.

    ``api_key_in_query=True`` sends the key as ``?key=`` for proxies that strip headers (the key
    then appears in the URL: use only where you must). ``ssl_context`` (an `ssl.SSLContext`)
    replaces the default certificate verification, e.g. to trust a test server's certificate;
    ``proxy`` is an ``http://``, ``socks5://`` ... URL (default: ``HTTPS_PROXY``/``HTTP_PROXY``).
    """

    base_url: str | None = None
    api_version: str | None = None
    headers: dict[str, str] | None = None
    timeout: float | None = None
    api_key_in_query: bool = False
    ssl_context: Any = None
    proxy: str | None = None

    def __repr__(self) -> str:
        headers = None if self.headers is None else _redact_headers(self.headers)
        return (
            f"HttpOptions(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"headers={headers!r}, timeout={self.timeout!r})"
        )

    @classmethod
    def coerce(cls, value: Any) -> HttpOptions:
        """From None, a dict (camelCase or snake_case keys) or an `HttpOptions`."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(
                f"http_options must be a dict or HttpOptions, got {type(value).__name__}"
            )
        names = {f.name for f in attrs.fields(cls)}
        aliases = {
            "baseUrl": "base_url",
            "apiVersion": "api_version",
            "apiKeyInQuery": "api_key_in_query",
            "sslContext": "ssl_context",
        }
        kwargs: dict[str, Any] = {}
        for key, item in value.items():
            name = str(aliases.get(key, key))
            if name not in names:
                raise ValueError(f"unknown http_options key {key!r}; valid: {sorted(names)}")
            kwargs[name] = item
        return cls(**kwargs)


@attrs.define(kw_only=True)
class ConnectRequest:
    """Everything a transport needs to open one WebSocket (headers may hold secrets)."""

    url: str
    headers: dict[str, str] = attrs.field(factory=dict)
    timeout: float = 30.0
    max_message_size: int = 16 * 2**20
    ssl_context: Any = None
    proxy: str | None = None

    def __repr__(self) -> str:
        return (
            f"ConnectRequest(url={_redact_url(self.url)!r}, "
            f"headers={_redact_headers(self.headers)!r}, timeout={self.timeout!r})"
        )


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = "&".join(
        f"{k}=***" if k in ("key", "access_token") else f"{k}={v}"
        for k, _, v in (item.partition("=") for item in parts.query.split("&"))
    )
    return urlunsplit(parts._replace(query=query))


@functools.lru_cache(maxsize=64)
def websocket_base(base_url: str) -> str:
    """Map an http(s) base URL to ws(s) and drop trailing slashes (no ``//ws`` in the path)."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"base_url must be an http(s):// or ws(s):// URL, got {base_url!r}")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def live_path(*, vertexai: bool, api_version: str, method: str = "BidiGenerateContent") -> str:
    """The WebSocket path of a Live method (``BidiGenerateContent``, ``...Constrained``, music)."""
    if vertexai:
        return f"/ws/google.cloud.aiplatform.{api_version}.LlmBidiService/{method}"
    return f"/ws/google.ai.generativelanguage.{api_version}.GenerativeService.{method}"


def vertex_base_url(location: str) -> str:
    """The Vertex AI endpoint for ``location`` (global, multi-region us/eu, or regional)."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    if location in ("us", "eu"):
        return f"https://aiplatform.{location}.rep.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def env(*names: str) -> str | None:
    """The first non-empty environment variable among ``names``."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def default_api_version(vertexai: bool) -> str:
    """``v1beta`` (Gemini API) or ``v1beta1`` (Vertex AI), unless ``GOOGLE_GENAI_API_VERSION``."""
    chosen = env("GOOGLE_GENAI_API_VERSION")
    if chosen:
        return "v1beta" if chosen == "beta" else chosen
    return VERTEX_API_VERSION if vertexai else GEMINI_API_VERSION


def warn_ephemeral_version(api_version: str) -> None:
    """Ephemeral tokens only work on v1alpha: say so, as the official SDKs do."""
    if api_version != "v1alpha":
        warnings.warn(
            f"ephemeral tokens (auth_tokens/...) are supported in v1alpha only, but api_version "
            f"is {api_version!r}; pass http_options={{'api_version': 'v1alpha'}}.",
            UserWarning,
            stacklevel=4,
        )
