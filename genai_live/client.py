"""`Client`: credentials, endpoints and ``client.live.connect(...)``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union
from urllib.parse import urlsplit

from . import protocol, types
from .endpoints import (
    EPHEMERAL_PREFIX,
    GEMINI_BASE_URL,
    USER_AGENT,
    ConnectRequest,
    HttpOptions,
    default_api_version,
    env,
    live_path,
    vertex_base_url,
    warn_ephemeral_version,
    websocket_base,
)
from .protocol import Backend
from .resumption import ResumptionPolicy
from .session import LiveCallbacks, Session
from .setup_frames import SetupFrames
from .transport import Connector, Transport, open_websocket

if TYPE_CHECKING:
    from .shared_reader import SharedReader

__all__ = ["Client", "Live", "connect"]

TransportArg = Union[Transport, Connector, None]


def _env_flag(name: str) -> bool:
    return (env(name) or "").lower() in ("1", "true", "yes")


class Client:
    """Entry point: ``Client(api_key=...)`` for the Gemini API, ``Client(vertexai=True, project=...,
    location=...)`` for Vertex AI. Missing arguments come from the environment
    (``GOOGLE_API_KEY`` before ``GEMINI_API_KEY``, ``GOOGLE_GENAI_USE_VERTEXAI``,
    ``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_CLOUD_LOCATION``); explicit arguments win.

    ``http_options``: ``{"base_url", "api_version", "headers", "timeout"}`` (dict or
    `HttpOptions`). The key is sent in the ``x-goog-api-key`` header, never in the URL.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        vertexai: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        credentials: Any = None,
        http_options: Any = None,
    ) -> None:
        if vertexai is None:
            vertexai = _env_flag("GOOGLE_GENAI_USE_ENTERPRISE") or _env_flag(
                "GOOGLE_GENAI_USE_VERTEXAI"
            )
        self.vertexai = bool(vertexai)
        self._api_key = api_key or env("GOOGLE_API_KEY", "GEMINI_API_KEY")
        self.project = project or (env("GOOGLE_CLOUD_PROJECT") if self.vertexai else None)
        self.location = location or (env("GOOGLE_CLOUD_LOCATION") if self.vertexai else None)
        if self.vertexai and self.project and not self.location:
            self.location = "global"
        if self.vertexai and api_key and (project or location):
            raise ValueError(
                "Vertex AI takes either an API key (express mode) or project/location, not both."
            )
        if self.vertexai and self.project and self._api_key and not api_key:
            self._api_key = None  # project credentials win over an API key from the environment
        self.credentials = credentials
        self.http_options = HttpOptions.coerce(http_options)
        self.live = Live(self)

    def __repr__(self) -> str:
        backend = "vertexai" if self.vertexai else "gemini"
        key = "***" if self._api_key else None
        return f"Client(backend={backend!r}, api_key={key!r}, base_url={self._base_url()!r})"

    @property
    def backend(self) -> Backend:
        """The backend facts the protocol layer needs."""
        express = self.vertexai and not self.project
        return Backend(
            vertexai=self.vertexai,
            project=None if express else self.project,
            location=None if express else self.location,
        )

    def _base_url(self) -> str:
        if self.http_options.base_url:
            return self.http_options.base_url
        if self.vertexai:
            if not self.project or self._api_key:
                return env("GOOGLE_VERTEX_BASE_URL") or vertex_base_url("global")
            return env("GOOGLE_VERTEX_BASE_URL") or vertex_base_url(self.location or "global")
        return env("GOOGLE_GEMINI_BASE_URL") or GEMINI_BASE_URL

    def default_timeout(self, timeout: float | None) -> float:
        """``timeout`` if given, else ``http_options.timeout``, else 30 seconds."""
        if timeout is not None:
            return timeout
        return self.http_options.timeout if self.http_options.timeout is not None else 30.0

    def _api_version(self) -> str:
        return self.http_options.api_version or default_api_version(self.vertexai)

    def _auth_headers(self) -> dict[str, str]:
        if self.vertexai and not self._api_key:
            from .vertex import bearer_token

            return {"Authorization": f"Bearer {bearer_token(self)}"}
        if not self._api_key:
            raise ValueError(
                "no API key: pass Client(api_key=...) or set GOOGLE_API_KEY or GEMINI_API_KEY."
            )
        if self._api_key.startswith(EPHEMERAL_PREFIX):
            return {"Authorization": f"Token {self._api_key}"}
        return {"x-goog-api-key": self._api_key}

    def connect_request(
        self, *, method: str = "BidiGenerateContent", timeout: float, max_message_size: int
    ) -> ConnectRequest:
        """The URL and handshake headers for one Live connection (headers hold the secret)."""
        version = self._api_version()
        ephemeral = bool(self._api_key and self._api_key.startswith(EPHEMERAL_PREFIX))
        if ephemeral and method == "BidiGenerateContent":
            method = "BidiGenerateContentConstrained"
            warn_ephemeral_version(version)
        base = websocket_base(self._base_url())
        proxy_mode = (
            self.vertexai and self.http_options.base_url and not self.project and not self._api_key
        )
        if proxy_mode:  # the base URL is the whole endpoint, query included
            query = urlsplit(self._base_url()).query
            url = base + ("?" + query if query else "")
        else:
            url = base + live_path(vertexai=self.vertexai, api_version=version, method=method)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        headers.update(self.http_options.headers or {})
        if not proxy_mode:
            auth = self._auth_headers()
            if self.http_options.api_key_in_query and "x-goog-api-key" in auth:
                url += "?key=" + auth.pop("x-goog-api-key")
            for name, value in auth.items():
                if name == "Authorization" and any(k.lower() == "authorization" for k in headers):
                    continue
                headers[name] = value
        if self.credentials is not None and getattr(self.credentials, "quota_project_id", None):
            headers["x-goog-user-project"] = self.credentials.quota_project_id
        proxy = self.http_options.proxy
        if proxy is None and url.startswith("ws"):
            proxy = env("HTTPS_PROXY", "https_proxy") if url.startswith("wss") else None
            proxy = proxy or env("HTTP_PROXY", "http_proxy")
            if proxy and _no_proxy(url):
                proxy = None
        return ConnectRequest(
            url=url,
            headers=headers,
            timeout=timeout,
            max_message_size=max_message_size,
            ssl_context=self.http_options.ssl_context,
            proxy=proxy,
        )


class Live:
    """``client.live``: opens Live sessions (and ``client.live.music`` for Live Music)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def music(self) -> Any:
        """Live Music sessions (``client.live.music.connect(...)``)."""
        from .music import LiveMusic

        return LiveMusic(self._client)

    def connect(
        self,
        model: str,
        *,
        config: Any = None,
        callbacks: Any = None,
        resume: Any = None,
        timeout: float | None = None,
        max_message_size: int = 16 * 2**20,
        max_queue: int = 1024,
        automatic_function_calling: bool = True,
        ping_interval: float | None = None,
        shared_reader: bool = False,
        transport: TransportArg = None,
    ) -> Session:
        """Open a session: socket, ``setup``, and wait for ``setupComplete``.

        ``config`` is a `types.LiveConnectConfig` or a dict (camelCase or snake_case keys);
        ``callbacks`` a dict or `LiveCallbacks`. ``timeout`` bounds socket open plus setup
        (`SetupTimeout` past it). ``transport`` replaces the network, e.g. with
        `genai_live.testing.FakeTransport` (default timeout: ``http_options.timeout``, else 30 s).
        ``ping_interval`` (seconds, off by default: the
        service doesn't need pings) sends WebSocket pings and drops a connection whose pongs stop.
        ``resume`` (True or a `ResumptionPolicy`) turns on automatic resumption. A bad config
        raises before anything is sent.

        ``shared_reader=True`` reads this session on the process's one shared reader thread
        instead of a thread of its own: for many sessions in one process (hundreds), it takes a
        fraction of the CPU. Callbacks then run on that thread, one at a time for all its
        sessions, as in an event loop: keep them short. Iteration and ``receive()`` are unaffected.
        """
        started = time.monotonic()
        client = self._client
        timeout = client.default_timeout(timeout)
        backend = client.backend
        registry: dict[str, Callable[..., Any]] = {}

        def tool_normalizer(tools: Sequence[Any]) -> list[types.Tool]:
            from .tools import normalize_tools

            normalized, functions = normalize_tools(tools)
            registry.update(functions)
            return normalized

        policy = ResumptionPolicy.coerce(resume)
        # Resumption keeps the setup to send it again: then it is built for this session alone.
        key = None if policy is not None else _SETUP_FRAMES.key(model, config, backend)
        frame = _SETUP_FRAMES.get(key)
        setup = None
        if frame is None:
            setup = protocol.build_setup(model, config, backend, tool_normalizer=tool_normalizer)
            assert setup.setup is not None
            if policy is not None and setup.setup.session_resumption is None:
                setup.setup.session_resumption = types.SessionResumptionConfig()
            frame = protocol.encode(setup)
            _SETUP_FRAMES.put(key, frame)  # no key for functions: they are registered each time
        cbs = LiveCallbacks.coerce(callbacks)

        def reopen(handshake: bool = True) -> Transport:
            request = client.connect_request(timeout=timeout, max_message_size=max_message_size)
            return _open(transport, request, handshake=handshake)

        # Everything that can raise on bad input has run: now the socket, then the session,
        # which does the handshake itself (Session._start).
        connection = reopen(handshake=False)
        try:
            session = Session(
                connection,
                backend=backend,
                callbacks=cbs,
                max_queue=max_queue,
                ping_interval=ping_interval,
                shared_reader=_shared_reader() if shared_reader else None,
            )
            if registry and automatic_function_calling:
                session._enable_tools(registry)
            if policy is not None:
                assert setup is not None and setup.setup is not None
                session._enable_resumption(policy, setup.setup, reopen, timeout)
        except BaseException:
            _drop(connection)
            raise
        session._start(frame, timeout, started)
        return session


_SETUP_FRAMES = SetupFrames()


def _shared_reader() -> SharedReader:
    from .shared_reader import default_reader

    return default_reader()


def _no_proxy(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return True
    rules = (env("NO_PROXY", "no_proxy") or "").split(",")
    return any(
        r.strip() and (host == r.strip() or host.endswith("." + r.strip().lstrip(".")))
        for r in rules
    )


def _open(transport: TransportArg, request: ConnectRequest, *, handshake: bool = True) -> Transport:
    """The connection for ``request``: a WebSocket of ours (see `open_websocket` for
    ``handshake``), or what the ``transport`` argument of ``connect()`` gives."""
    if transport is None:
        return open_websocket(request, handshake=handshake)
    connect = getattr(transport, "connect", None)
    if callable(connect):
        return connect(request)  # type: ignore[no-any-return]
    if callable(transport):
        opener: Callable[[ConnectRequest], Transport] = transport
        return opener(request)
    return transport


def _drop(connection: Transport) -> None:
    """Close a connection no session took."""
    connection.abort()
    release = getattr(connection, "release", None)
    if release is not None:
        release()


def connect(model: str, **kwargs: Any) -> Session:
    """Shorthand: ``Client()`` from the environment, then ``client.live.connect(model, ...)``."""
    return Client().live.connect(model, **kwargs)
