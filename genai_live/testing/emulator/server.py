"""`LiveEmulator`: a loopback Live API and Live Music server for tests, demos and the CLI."""

from __future__ import annotations

import http
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .engine import Engine, Refusal
from .link import FAULTS, Fault, Link
from .live import LiveConversation, ResumptionStore
from .music import MusicSession
from .routes import Route, find_credential, parse_route
from .script import ScriptedConversation, check_script
from .tls import client_context, server_context, write_self_signed

__all__ = ["LiveEmulator"]

logger = logging.getLogger("genai_live.emulator")

_SECRET_HEADERS = {"x-goog-api-key", "authorization", "proxy-authorization"}
_SECRET_QUERY = re.compile(r"((?:key|access_token)=)[^&\s]+")


class _RedactSecrets(logging.Filter):
    """websockets logs handshake headers and paths at DEBUG: mask credentials in them."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            if len(args) == 2 and str(args[0]).lower() in _SECRET_HEADERS:
                record.args = (args[0], "***")
            else:
                record.args = tuple(
                    _SECRET_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in args
                )
        return True


logger.addFilter(_RedactSecrets())

DEFAULT_API_KEY = "emulator-key"
MAX_CLIENT_MESSAGE_BYTES = 16 * 2**20
MAX_RECORDED = 10_000
NO_CREDENTIAL_REASON = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
BAD_CREDENTIAL_REASON = "API key not valid. Please pass a valid API key."
_STOP_GRACE_SECONDS = 2.0


class LiveEmulator:
    """A local Live API server that behaves like the service, deterministically.

    ::

        with LiveEmulator(speed=0) as emu:
            client = emu.client()
            with client.live.connect("gemini-live-2.5-flash-preview",
                                     config={"responseModalities": ["TEXT"]}) as session:
                session.send_client_content(turns="Hello")
                print(session.receive_turn(timeout=5).text)

    **Endpoints.** The Gemini API paths ``/ws/google.ai.generativelanguage.{v1alpha|v1beta|v1}.
    GenerativeService.{BidiGenerateContent|BidiGenerateContentConstrained|BidiGenerateMusic}``
    and the Vertex AI path ``/ws/google.cloud.aiplatform.{v1|v1beta1}.LlmBidiService/
    BidiGenerateContent`` (repeated slashes are collapsed); anything else gets HTTP 404. Vertex
    AI routes answer like Vertex AI (``setupComplete.sessionId``, ``role: "model"``,
    ``candidatesTokenCount``). ``tls=True`` serves ``wss://`` with a self-signed certificate
    written to `cert_path`.

    **Credentials** come from ``?key=``, ``?access_token=``, ``x-goog-api-key`` or
    ``Authorization: Token|Bearer …``. ``api_keys=None`` accepts any; a set accepts only its
    members. A missing or refused credential closes the connection with 1008 once the client's
    setup has arrived.

    **Protocol checks.** Client frames are read leniently (camelCase or snake_case, either
    base64 alphabet) but must be JSON objects with one known message kind, ``setup`` first and
    only once (else close 1007). Models exist when the last path segment starts with
    ``gemini-`` (Live) or ``lyria-`` (music); others close with 1008 and the service's "is not
    found for API version …" reason. Server frames are binary (``frame="text"``: text frames).

    **The model** (see ``genai_live.testing._model``): text turns are answered in several text
    chunks, then ``generationComplete``, then ``turnComplete`` with ``usageMetadata``; with the
    AUDIO modality (the default) the reply is spoken as 80 ms chunks of 24 kHz PCM16
    (``audio/pcm;rate=24000``), with ``outputTranscription`` pieces when asked. Realtime audio
    is cut into user turns by voice activity detection (or ``activityStart``/``activityEnd``
    when it is disabled; ``audioStreamEnd`` flushes) and read back by the recogniser
    (``inputTranscription`` when asked). Video frames' sizes are named in the next reply. New
    user activity during a reply interrupts it (``interrupted`` then ``turnComplete``; a pending
    tool call gets ``toolCallCancellation``) unless ``activityHandling`` is
    ``NO_INTERRUPTION``, which queues it. Declared functions are called (``toolCall`` with ids
    ``function-call-<n>``) by the documented keyword rules; a ``toolResponse`` with an unknown
    id closes with 1007. ``contextUpdate`` replaces the system instruction and/or tools. With
    ``historyConfig.initialHistoryInClientContent`` the first complete ``clientContent`` only
    loads the history (no reply).

    **Pacing.** ``speed`` multiplies every delay: 1.0 streams audio in real time and text at
    0.06 s a word, 0.5 twice as fast, 0 as fast as the client reads. Whatever the speed, at
    most 2 s of audio is sent ahead of what the client has read (ping/pong acknowledged).

    **Lifetime and resumption.** With ``lifetime`` (seconds), each connection gets ``goAway``
    (with ``timeLeft`` = half the lifetime, at most 10 s) and then closes with 1011 "Deadline
    expired before operation could complete.". A setup with ``sessionResumption`` gets
    ``sessionResumptionUpdate`` messages: ``{newHandle, resumable: true}`` after
    ``setupComplete`` and after each ``turnComplete``, ``{resumable: false}`` when a reply or
    tool call starts. A handle restores its conversation on any connection of this emulator
    (the next reply counts the turns); an unknown handle closes with 1008. On Vertex AI routes
    ``transparent: true`` adds ``lastConsumedClientMessageIndex``: the 0-based index of the
    last client message after ``setup`` on this connection.

    **Faults** (`inject`): ``"close"`` (``code=1000``, ``reason=""``), ``"drop"`` (TCP cut, no
    close frame), ``"stall"`` (stop sending and reading; ``seconds=None`` means for good),
    ``"malformed"`` (a non-JSON frame), ``"unknown"`` (``{"newServerThing": …}``, or
    ``message=``), ``"goaway"`` (``time_left=1.0``), ``"oversize"`` (``size=``: one frame of
    that many bytes) act on every open connection; ``"reject"`` (``status=503``) answers every
    later handshake with that HTTP status until `clear_faults`.

    **Scripted mode.** ``script=[...]`` replaces the model by a list of steps (format in
    ``genai_live.testing.emulator.script``): ``{"expect": {partial client message}, "reply":
    [server messages]}``, ``{"send": [server messages]}`` and ``{"close": {"code", "reason"}}``.
    A message that does not match closes with 1007 and is described in `script_errors`.

    **Live Music** (``BidiGenerateMusic``): ``weightedPrompts``, ``musicGenerationConfig`` and
    ``playbackControl`` steer `genai_live.testing.music_synth.MusicSynth` (needs numpy); while
    playing, ``serverContent.audioChunks`` of 0.2 s (``audio/l16;rate=48000;channels=2``, with
    ``sourceMetadata``) stream at ``speed``. A prompt with a word from
    ``music.BLOCKED_PROMPT_WORDS`` ("forbidden", "violence", "violent", "gore", "hateful")
    comes back as ``filteredPrompt``.

    For tests: `handshakes`, `received`, `connection_count`, `messages_sent` and
    `script_errors`. `stop` ends every thread the emulator started.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: bool = False,
        api_keys: Iterable[str] | None = None,
        speed: float = 1.0,
        lifetime: float | None = None,
        script: Sequence[Mapping[str, Any]] | None = None,
        frame: str = "binary",
    ) -> None:
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed}")
        if lifetime is not None and lifetime <= 0:
            raise ValueError(f"lifetime must be > 0 seconds, got {lifetime}")
        if frame not in ("binary", "text"):
            raise ValueError(f"frame must be 'binary' or 'text', got {frame!r}")
        self.host = host
        self.port = port
        self.tls = tls
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.speed = speed
        self.lifetime = lifetime
        self.script = None if script is None else check_script(script)
        self.frame = frame
        self.cert_path: str | None = None
        """PEM file of the self-signed certificate (``tls=True``), else None."""
        self.handshakes: list[tuple[str, dict[str, str], dict[str, str]]] = []
        """Every upgrade request: (path, query, headers with lower-case names)."""
        self.received: list[dict[str, Any]] = []
        """The valid client messages of every connection, in canonical (camelCase) form (the
        oldest are dropped past 20 000)."""
        self.script_errors: list[str] = []
        """Why scripted connections were closed (expected vs got), in full."""
        self._lock = threading.Lock()
        self._stop_lock = threading.Lock()  # serve_forever() and a caller may stop at once
        self._store = ResumptionStore()
        self._routes: dict[ServerConnection, tuple[Route, str | None]] = {}
        self._links: set[Link] = set()
        self._connections: list[ServerConnection] = []
        self._reject_status: int | None = None
        self._accepted = 0
        self._sent = 0
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LiveEmulator:
        """Bind and start serving on a background thread (idempotent); returns ``self``."""
        if self._server is not None:
            return self
        ssl_context = None
        if self.tls:
            self._tempdir = tempfile.mkdtemp(prefix="genai-live-emulator-")
            self.cert_path, key_path = write_self_signed(self._tempdir, self.host)
            ssl_context = server_context(self.cert_path, key_path)
        self._stopping.clear()
        self._server = serve(
            self._handle,
            self.host,
            self.port,
            ssl=ssl_context,
            process_request=self._process_request,
            server_header=None,
            open_timeout=5,
            ping_interval=None,  # the emulator answers pings; it does not need to send them
            close_timeout=1,
            max_size=MAX_CLIENT_MESSAGE_BYTES,
            logger=logger,
        )
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="genai-live-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection (1001), stop listening, and join every thread (idempotent)."""
        with self._stop_lock:
            self._stop()

    def _stop(self) -> None:
        server = self._server
        if server is None:
            return
        self._stopping.set()
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for link in self._live_links():
            thread = link.thread
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    link.drop()  # a client that does not read must not hold up stop()
        server.shutdown(close_connections=False)
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close_socket()
            connection.recv_events_thread.join()
        self._server = None
        self._thread = None
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def serve_forever(self) -> None:
        """Start (if needed) and block until `stop` is called or Ctrl-C."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> LiveEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._server is not None else "stopped"
        return f"LiveEmulator(url={self.url!r}, {state})"

    # ------------------------------------------------------------------ addresses and clients

    @property
    def url(self) -> str:
        """The base URL to give a client: ``http://127.0.0.1:PORT`` (``https://`` with TLS)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def client(self, **kwargs: Any) -> Any:
        """A `genai_live.Client` pointed at this emulator (API key ``"emulator-key"`` unless
        given; with TLS it trusts `cert_path`). Other keyword arguments go to ``Client``."""
        import genai_live

        options = dict(kwargs.pop("http_options", None) or {})
        options.setdefault("base_url", self.url)
        if self.tls and self.cert_path is not None:
            options.setdefault("ssl_context", client_context(self.cert_path))
        if not kwargs.get("vertexai") or "api_key" in kwargs:
            kwargs.setdefault("api_key", DEFAULT_API_KEY)
        return genai_live.Client(http_options=options, **kwargs)

    @property
    def connection_count(self) -> int:
        """How many WebSocket connections were accepted since `start`."""
        with self._lock:
            return self._accepted

    @property
    def messages_sent(self) -> int:
        """How many frames the emulator has sent on all connections since `start`."""
        with self._lock:
            return self._sent

    # ------------------------------------------------------------------ faults

    def inject(self, fault: str, **options: Any) -> int:
        """Make something go wrong (see the class docs); returns how many connections it hits.

        ``emu.inject("close", code=1011, reason="Internal error encountered.")``
        """
        if fault == "reject":
            status = int(options.pop("status", 503))
            _no_more(options, fault)
            with self._lock:
                self._reject_status = status
            return 0
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; valid: {sorted([*FAULTS, 'reject'])}")
        allowed = {
            "close": {"code", "reason"},
            "drop": set(),
            "stall": {"seconds"},
            "malformed": set(),
            "unknown": {"message"},
            "goaway": {"time_left"},
            "oversize": {"size"},
        }[fault]
        _no_more({k: v for k, v in options.items() if k not in allowed}, fault)
        if fault == "oversize" and "size" not in options:
            raise ValueError("inject('oversize') needs size=<bytes>")
        links = self._live_links()
        for link in links:
            link.inject(Fault(fault, dict(options)))
        return len(links)

    def clear_faults(self) -> None:
        """Accept handshakes again after ``inject("reject")``."""
        with self._lock:
            self._reject_status = None

    # ------------------------------------------------------------------ serving

    def _live_links(self) -> list[Link]:
        with self._lock:
            return list(self._links)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in request.headers.raw_items()}
        with self._lock:
            self.handshakes.append((parts.path, query, headers))
            status = self._reject_status
        if status is not None:
            return connection.respond(status, f"{http.HTTPStatus(status).phrase}\n")
        route = parse_route(request.path)
        if route is None:
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Not Found\n")
        credential = find_credential(query, headers)
        problem = None
        if credential is None:
            problem = NO_CREDENTIAL_REASON
        elif self.api_keys is not None and credential not in self.api_keys:
            problem = BAD_CREDENTIAL_REASON
        with self._lock:
            self._routes[connection] = (route, problem)
        return None

    def _engine(self, route: Route, problem: str | None) -> Engine:
        if problem is not None:
            return Refusal(1008, problem, time.monotonic())
        if self.script is not None:
            return ScriptedConversation(
                route, self.script, report=self._script_error, lifetime=self.lifetime
            )
        if route.service == "music":
            return MusicSession(route, speed=self.speed, lifetime=self.lifetime)
        return LiveConversation(route, store=self._store, speed=self.speed, lifetime=self.lifetime)

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            route, problem = self._routes.pop(connection)
            self._accepted += 1
            # Remember connections until their reader threads end, so stop() can join them.
            self._connections = [c for c in self._connections if c.recv_events_thread.is_alive()]
            self._connections.append(connection)
        link = Link(
            connection,
            self._engine(route, problem),
            text_frames=self.frame == "text",
            record=self._record,
            count_sent=self._count_sent,
            stopping=self._stopping,
        )
        with self._lock:
            self._links.add(link)
        try:
            link.run()
        finally:
            with self._lock:
                self._links.discard(link)

    def _count_sent(self) -> None:
        with self._lock:
            self._sent += 1

    def _record(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(message)
            if len(self.received) >= 2 * MAX_RECORDED:  # a long-running CLI must not grow forever
                del self.received[:MAX_RECORDED]

    def _script_error(self, text: str) -> None:
        with self._lock:
            self.script_errors.append(text)


def _no_more(options: Mapping[str, Any], fault: str) -> None:
    if options:
        raise TypeError(f"inject({fault!r}) got unexpected options {sorted(options)}")
