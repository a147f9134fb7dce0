"""Which service a WebSocket request path names, and which credential the request carries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import attrs

__all__ = ["Route", "find_credential", "parse_route"]

_GEMINI_PATH = re.compile(
    r"^/ws/google\.ai\.generativelanguage\.(?P<version>v1alpha|v1beta|v1)\.GenerativeService\."
    r"(?P<method>BidiGenerateContent|BidiGenerateContentConstrained|BidiGenerateMusic)$"
)
_VERTEX_PATH = re.compile(
    r"^/ws/google\.cloud\.aiplatform\.(?P<version>v1|v1beta1)\.LlmBidiService/"
    r"(?P<method>BidiGenerateContent)$"
)
_REPEATED_SLASHES = re.compile(r"/{2,}")


@attrs.frozen(kw_only=True)
class Route:
    """A recognised endpoint: the Live API (Gemini API or Vertex AI style) or Live Music."""

    service: Literal["live", "music"]
    vertex: bool
    api_version: str
    method: str

    @property
    def rpc_name(self) -> str:
        """The method as the service's "not found" message spells it (``bidiGenerateContent``)."""
        name = "BidiGenerateMusic" if self.service == "music" else "BidiGenerateContent"
        return name[0].lower() + name[1:]


def parse_route(path: str) -> Route | None:
    """The route of a request path (query string ignored, repeated slashes collapsed), or None.

    >>> parse_route("//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateMusic")
    Route(service='music', vertex=False, api_version='v1beta', method='BidiGenerateMusic')
    """
    clean = _REPEATED_SLASHES.sub("/", path.split("?", 1)[0])
    match = _GEMINI_PATH.match(clean)
    vertex = False
    if match is None:
        match = _VERTEX_PATH.match(clean)
        vertex = True
    if match is None:
        return None
    method = match.group("method")
    return Route(
        service="music" if method == "BidiGenerateMusic" else "live",
        vertex=vertex,
        api_version=match.group("version"),
        method=method,
    )


def find_credential(query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The API key or token of a request: ``?key=``, ``?access_token=``, ``x-goog-api-key``, or
    ``Authorization: Token …`` / ``Bearer …``. ``headers`` must have lower-case names."""
    for value in (query.get("key"), query.get("access_token"), headers.get("x-goog-api-key")):
        if value:
            return value
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() in ("token", "bearer") and token.strip():
        return token.strip()
    return None
