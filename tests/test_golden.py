"""Wire fidelity: our client against golden captures of Google's official Python and JS SDKs.

Each scenario of ``tests/fixtures/golden/{python,js}`` is re-enacted with our client on a
`FakeTransport` that replays the scenario's server script (``golden.replay``). Three things are
compared, after bringing the SDK's side to canonical proto3 JSON (``golden.canonical``):

1. sent frames: every step of a scenario's plan (below) against the frames the SDK produced for
   the same call, or its client-side rejection (then ours must raise ValueError/TypeError and
   send nothing);
2. the handshake: URL path (``//`` collapsed), the meaning of the auth headers, custom headers;
3. what is delivered: our messages (``codec.to_wire``, ``.text``, ``.data``) against the SDK's
   ``received`` list, and the close/abort/garbage endings against our typed errors.

Where an SDK does something we deliberately do not copy (one of its known bugs or an
SDK-only quirk), the item is skipped with the reason; docs/wire-decisions.md lists them all.

API mapping used by the plans (SDK call -> ours):

- PY ``client.aio.live.connect(model=, config=)`` / JS ``ai.live.connect({model, config})``
  -> ``client.live.connect(model, config=...)`` on a `Client` built like the SDK's client;
- PY ``send_client_content`` / ``send_realtime_input`` / ``send_tool_response`` with keywords
  -> the same names and keywords; JS ``sendClientContent({...})`` and friends -> the same dict
  passed positionally (our JS call forms);
- PY legacy ``send(input=...)`` -> the typed call that sends the same message, or
  ``send(message)``;
- PY/JS Live Music ``connect``, ``set_weighted_prompts``/``setWeightedPrompts``,
  ``set_music_generation_config``/``setMusicGenerationConfig``, ``play``, ``pause``,
  ``reset_context``/``resetContext``, ``stop`` -> ``client.live.music.connect`` and the same
  names.

The per-scenario table is `PLANS`: one `Step` per call, with our call written out (``ours``) and
the index of the SDK call it mirrors in each capture (``py``/``js``).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Union
from urllib.parse import parse_qs, urlsplit

import pytest

import genai_live
from genai_live import codec
from genai_live import types as t
from genai_live.endpoints import ConnectRequest
from genai_live.testing import FakeTransport

from .golden import (
    SDKS,
    ScriptPlayer,
    c2s_frames,
    calls,
    canonical,
    frames_of_call,
    header,
    load,
    replay,
    scenario_names,
    script_frames,
    std_b64,
)

pytestmark = pytest.mark.usefixtures("no_thread_leak")

MODEL = "gemini-live-2.5-flash-preview"
VERTEX_MODEL = "gemini-2.0-flash-live-preview-04-09"
MUSIC_MODEL = "models/lyria-realtime-exp"
BASE = "https://127.0.0.1:9443"
PROXY = "127.0.0.1:9080/proxy/live?route=a"
TOKEN = "auth_tokens/ephemeral-123"

# The byte strings the capture drivers used (their base64 is in the fixtures).
PCM_320 = bytes(i * 13 % 256 for i in range(320))
JPEG_32 = b"\xff\xd8\xff\xe0" + bytes(range(24)) + b"\xff\xd9\x00\x00"
PNG_16 = b"\x89PNG\r\n\x1a\n" + bytes(range(8))
B64_PROBE = b"\xfb\xff\xbf>?"  # URL-safe and standard base64 differ on every character class

REJECTED = (ValueError, TypeError)

ENV_VARS = (
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_USE_ENTERPRISE",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_GENAI_API_VERSION",
    "GOOGLE_GEMINI_BASE_URL",
    "GOOGLE_VERTEX_BASE_URL",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The captures used explicit arguments only: no key, project or proxy from the machine."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def b64(data: bytes) -> str:
    """Standard base64, as the JS drivers passed bytes."""
    return base64.b64encode(data).decode("ascii")


def user(text: str) -> t.Content:
    """The drivers' ``_user(text)`` / ``user(text)``: one user turn with one text part."""
    return t.Content(role="user", parts=[t.Part(text=text)])


class FakeCredentials:
    """Stands in for google-auth credentials: a valid token with a quota project."""

    token = "fake-oauth-token"
    valid = True
    quota_project_id = "quota-project"

    def refresh(self, _request: object) -> None:
        """Never needed: the token is valid."""
        raise AssertionError("valid credentials must not be refreshed")


def gemini(*, api_version: str | None = "v1beta", **http: Any) -> genai_live.Client:
    """The drivers' API-key client on a loopback base URL."""
    options: dict[str, Any] = {"base_url": BASE, **http}
    if api_version is not None:
        options["api_version"] = api_version
    return genai_live.Client(api_key="test-key", http_options=options)


def vertex_proxy(scheme: str) -> genai_live.Client:
    """Vertex AI through a gateway: no project, no key, the base URL used as it is."""
    return genai_live.Client(
        vertexai=True,
        http_options={
            "base_url": f"{scheme}://{PROXY}",
            "headers": {"Authorization": "Bearer proxy-token"},
        },
    )


def rich_config() -> t.LiveConnectConfig:
    """The Python driver's ``_rich_config()``, built from our types."""
    return t.LiveConnectConfig(
        response_modalities=[t.Modality.AUDIO],
        temperature=0.7,
        top_p=0.95,
        top_k=40,
        max_output_tokens=1024,
        media_resolution=t.MediaResolution.MEDIA_RESOLUTION_LOW,
        seed=42,
        speech_config=t.SpeechConfig(
            voice_config=t.VoiceConfig(
                prebuilt_voice_config=t.PrebuiltVoiceConfig(voice_name="Kore")
            ),
            language_code="en-US",
        ),
        enable_affective_dialog=True,
        system_instruction="You are a helpful assistant.",
        tools=[
            t.Tool(
                function_declarations=[
                    t.FunctionDeclaration(
                        name="get_weather",
                        description="Get the weather for a city.",
                        parameters=t.Schema(
                            type="OBJECT",
                            properties={"city": t.Schema(type="STRING", description="City name")},
                            required=["city"],
                        ),
                    )
                ]
            )
        ],
        session_resumption=t.SessionResumptionConfig(handle="resume-handle-1"),
        input_audio_transcription=t.AudioTranscriptionConfig(),
        output_audio_transcription=t.AudioTranscriptionConfig(),
        realtime_input_config=t.RealtimeInputConfig(
            automatic_activity_detection=t.AutomaticActivityDetection(
                disabled=False,
                start_of_speech_sensitivity=t.StartSensitivity.START_SENSITIVITY_LOW,
                end_of_speech_sensitivity=t.EndSensitivity.END_SENSITIVITY_HIGH,
                prefix_padding_ms=20,
                silence_duration_ms=100,
            ),
            activity_handling=t.ActivityHandling.NO_INTERRUPTION,
            turn_coverage=t.TurnCoverage.TURN_INCLUDES_ALL_INPUT,
        ),
        context_window_compression=t.ContextWindowCompressionConfig(
            trigger_tokens=25600, sliding_window=t.SlidingWindow(target_tokens=12800)
        ),
        proactivity=t.ProactivityConfig(proactive_audio=True),
    )


def rich_config_js() -> dict[str, Any]:
    """The JS driver's ``RICH_CONFIG()``, as a camelCase dict (int64 values as strings)."""
    return {
        "responseModalities": ["AUDIO"],
        "temperature": 0.7,
        "topP": 0.95,
        "topK": 40,
        "maxOutputTokens": 1024,
        "mediaResolution": "MEDIA_RESOLUTION_LOW",
        "seed": 42,
        "speechConfig": {
            "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}},
            "languageCode": "en-US",
        },
        "enableAffectiveDialog": True,
        "systemInstruction": "You are a helpful assistant.",
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": "Get the weather for a city.",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {"city": {"type": "STRING", "description": "City name"}},
                            "required": ["city"],
                        },
                    }
                ]
            }
        ],
        "sessionResumption": {"handle": "resume-handle-1"},
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
        "realtimeInputConfig": {
            "automaticActivityDetection": {
                "disabled": False,
                "startOfSpeechSensitivity": "START_SENSITIVITY_LOW",
                "endOfSpeechSensitivity": "END_SENSITIVITY_HIGH",
                "prefixPaddingMs": 20,
                "silenceDurationMs": 100,
            },
            "activityHandling": "NO_INTERRUPTION",
            "turnCoverage": "TURN_INCLUDES_ALL_INPUT",
        },
        "contextWindowCompression": {
            "triggerTokens": "25600",
            "slidingWindow": {"targetTokens": "12800"},
        },
        "proactivity": {"proactiveAudio": True},
    }


# --------------------------------------------------------------------------- running a plan


@dataclasses.dataclass(frozen=True)
class F:
    """The ``n``-th client frame of connection ``conn`` of a capture.

    Used where a call label cannot pair frames: connects whose SDK call was never recorded
    (the server closed during setup), and JS music, whose async setMusicGenerationConfig frame
    leaves after the label of the next call was taken.
    """

    n: int
    conn: int = 0


Ref = Union[int, F, None]
"""An SDK call index into ``calls[]``, a frame reference, or None (no such call in that SDK)."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One call of a plan: what we do, and which SDK call it mirrors.

    ``py``/``js`` point at the SDK's call; ``py_skip``/``js_skip`` document a deliberate
    difference (the item is skipped with that reason); ``py_fix`` rewrites the SDK's canonical
    frames where its encoding of a user value is a documented quirk.
    """

    ours: str
    run: Callable[[Run], object]
    py: Ref = None
    js: Ref = None
    py_skip: str | None = None
    js_skip: str | None = None
    py_fix: Callable[[list[Any]], list[Any]] | None = None

    def ref(self, sdk: str) -> Ref:
        """The SDK call this step mirrors."""
        return self.py if sdk == "python" else self.js

    def skip(self, sdk: str) -> str | None:
        """Why this step is not compared with ``sdk``, if it is not."""
        return self.py_skip if sdk == "python" else self.js_skip


@dataclasses.dataclass
class Conn:
    """One connection we opened while running a plan."""

    player: ScriptPlayer
    session: Any = None
    tracked: bool = True
    received: list[Any] = dataclasses.field(default_factory=list)
    end_error: Exception | None = None


@dataclasses.dataclass
class Outcome:
    """What one step did: the frames it sent, what it raised, its warnings, its handshake."""

    frames: list[dict[str, Any]]
    error: Exception | None
    warnings: list[warnings.WarningMessage]
    request: ConnectRequest | None


class Run:
    """Our client driven through one scenario's plan, on replayed server scripts."""

    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        sdk = "python" if scenario in scenario_names("python") else "js"
        self.fixture = load(sdk, scenario)
        self.conns: list[Conn] = []
        self.outcomes: list[Outcome] = []

    @property
    def session(self) -> Any:
        """The session of the latest connection."""
        return self.conns[-1].session

    def connect(
        self,
        client: genai_live.Client,
        model: str = MODEL,
        *,
        config: Any = None,
        script: int | None = None,
        tracked: bool = True,
        music: bool = False,
    ) -> Any:
        """Open a session on the server script's next connection (or connection ``script``)."""
        index = script if script is not None else sum(1 for c in self.conns if c.tracked)
        conn = Conn(player=ScriptPlayer(self.fixture, index), tracked=tracked)
        self.conns.append(conn)
        live = client.live.music if music else client.live
        try:
            conn.session = live.connect(
                model, config=config, transport=conn.player.fake, timeout=5.0
            )
        except Exception:
            if conn.player.fake.request is None:  # rejected before any connection was made
                self.conns.pop()
            raise
        return conn.session

    def take(self, count: int) -> None:
        """Read ``count`` messages from the latest session (what the SDK drivers did)."""
        conn = self.conns[-1]
        conn.received.extend(conn.session.receive(timeout=5.0) for _ in range(count))

    def answer_tool_call(self) -> None:
        """Read up to the tool call and answer each function call with ``done:<name>``."""
        conn = self.conns[-1]
        while True:
            message = conn.session.receive(timeout=5.0)
            conn.received.append(message)
            if message.tool_call is not None:
                break
        conn.session.send_tool_response(
            function_responses=[
                t.FunctionResponse(id=fc.id, name=fc.name, response={"result": f"done:{fc.name}"})
                for fc in message.tool_call.function_calls
            ]
        )

    def do(self, step: Step) -> None:
        """Run one step and record its outcome."""
        before = [len(c.player.fake.sent) for c in self.conns]
        opened = len(self.conns)
        error: Exception | None = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                step.run(self)
            except Exception as exc:
                error = exc
        frames: list[dict[str, Any]] = []
        for i, conn in enumerate(self.conns):
            frames.extend(conn.player.fake.sent[before[i] if i < len(before) else 0 :])
        request = self.conns[-1].player.fake.request if len(self.conns) > opened else None
        self.outcomes.append(Outcome(frames, error, list(caught), request))

    def finish(self) -> None:
        """Close every session and gather what each delivered, and how it ended."""
        for conn in self.conns:
            if conn.session is None:
                continue
            if conn.player.ended:  # let the server's own ending land before we close
                assert conn.session.wait_closed(5.0) is not None
            conn.session.close()
            try:
                conn.received.extend(conn.session)
            except Exception as exc:
                conn.end_error = exc

    @property
    def received(self) -> list[Any]:
        """Every message delivered to the caller, over the tracked connections, in order."""
        return [m for c in self.conns if c.tracked for m in c.received]


@functools.cache
def run(scenario: str) -> Run:
    """Our run of ``scenario`` (computed once: several tests read it)."""
    result = Run(scenario)
    for step in PLANS[scenario]:
        result.do(step)
    result.finish()
    return result


# --------------------------------------------------------------------------- the plans


def _connect(client: Callable[[], genai_live.Client], model: str = MODEL, **kw: Any) -> Step:
    return Step(
        f"client.live.connect({model!r}, config={kw.get('config')!r})",
        lambda r: r.connect(client(), model, **kw),
        py=0,
        js=0,
    )


def _connect_and_ask(config: Any = None) -> list[Step]:
    return [
        _connect(gemini, config=config),
        Step(
            "send_client_content(turns=user('Hi'))",
            lambda r: r.session.send_client_content(turns=user("Hi")),
            py=1,
            js=1,
        ),
    ]


def _drop_callable_declaration(frames: list[Any]) -> list[Any]:
    """Leave out the declaration PY derived from its Python callable ``get_time``: the plan
    passes no callable (see test_callable_declaration_matches_python)."""
    for tool in frames[0]["setup"]["tools"]:
        if "functionDeclarations" in tool:
            declarations = tool["functionDeclarations"]
            tool["functionDeclarations"] = [d for d in declarations if d["name"] != "get_time"]
    return frames


def get_time(timezone: str) -> str:
    """Returns the current time in a timezone."""
    return f"12:00 {timezone}"


def _fix_user_map_bytes(frames: list[Any]) -> list[Any]:
    """PY encodes bytes inside a user map with the URL-safe alphabet; canonical is standard."""
    response = frames[0]["toolResponse"]["functionResponses"][0]["response"]
    response["blob"] = std_b64(response["blob"])
    return frames


PY_REJECTS_STR_TURNS = "PY send_client_content only takes Contents; we accept str/Part like JS"
JS_MANY_FIELDS = (
    "JS puts every given field into one realtimeInput; we enforce one field per message like PY"
)
PY_LEGACY = "PY legacy send(input=...) quirk: "

SEND_CLIENT_CONTENT_VARIANTS = [
    _connect(gemini),
    Step(
        "send_client_content(turns=Content(role='user', parts=[Part(text='Hello')]))",
        lambda r: r.session.send_client_content(turns=user("Hello")),
        py=1,
        js=1,
    ),
    Step(
        "send_client_content(turns={'role': 'user', 'parts': [...]}, turn_complete=False)",
        lambda r: r.session.send_client_content(
            turns={"role": "user", "parts": [{"text": "dict turn"}]}, turn_complete=False
        ),
        py=2,
        js=2,
    ),
    Step(
        "send_client_content(turns=[user 'a', Content(model 'b'), dict user 'c'])",
        lambda r: r.session.send_client_content(
            turns=[
                user("a"),
                t.Content(role="model", parts=[t.Part(text="b")]),
                {"role": "user", "parts": [{"text": "c"}]},
            ]
        ),
        py=3,
        js=3,
    ),
    Step(
        "send_client_content(turn_complete=True)",
        lambda r: r.session.send_client_content(turn_complete=True),
        py=4,
        js=4,
    ),
    Step("send_client_content()", lambda r: r.session.send_client_content(), py=5, js=5),
    Step(
        "send_client_content(turns=Content(parts=[Part(text='no role')]))",
        lambda r: r.session.send_client_content(turns=t.Content(parts=[t.Part(text="no role")])),
        py=6,
        js=6,
    ),
    Step(
        "send_client_content(turns='plain string')",
        lambda r: r.session.send_client_content(turns="plain string"),
        py=7,
        js=7,
        py_skip=PY_REJECTS_STR_TURNS,
    ),
    Step(
        "send_client_content(turns=[Part(text='x')])",
        lambda r: r.session.send_client_content(turns=[t.Part(text="x")]),
        py=8,
        js=8,
        py_skip=PY_REJECTS_STR_TURNS,
    ),
    Step(
        "send_client_content(turns=user('unicode: é ✓ 😀 \"q\" \\\\n'))",
        lambda r: r.session.send_client_content(turns=user('unicode: é ✓ 😀 "q" \\n')),
        py=9,
        js=9,
    ),
    # The JS call forms, verbatim.
    Step(
        "send_client_content({'turns': {'role': 'user', ...}, 'turnComplete': False})",
        lambda r: r.session.send_client_content(
            {"turns": {"role": "user", "parts": [{"text": "dict turn"}]}, "turnComplete": False}
        ),
        js=2,
    ),
    Step(
        "send_client_content({'turnComplete': True})",
        lambda r: r.session.send_client_content({"turnComplete": True}),
        js=4,
    ),
    Step("send_client_content({})", lambda r: r.session.send_client_content({}), js=5),
    Step(
        "send_client_content({'turns': 'plain string'})",
        lambda r: r.session.send_client_content({"turns": "plain string"}),
        js=7,
    ),
    Step(
        "send_client_content({'turns': [{'text': 'x'}]})",
        lambda r: r.session.send_client_content({"turns": [{"text": "x"}]}),
        js=8,
    ),
]

SEND_REALTIME_INPUT_VARIANTS = [
    _connect(gemini),
    Step(
        "send_realtime_input(audio=Blob(data=PCM_320, mime_type='audio/pcm;rate=16000'))",
        lambda r: r.session.send_realtime_input(
            audio=t.Blob(data=PCM_320, mime_type="audio/pcm;rate=16000")
        ),
        py=1,
        js=1,
    ),
    Step(
        "send_realtime_input(audio={'data': PCM_320[:8], 'mime_type': 'audio/pcm;rate=16000'})",
        lambda r: r.session.send_realtime_input(
            audio={"data": PCM_320[:8], "mime_type": "audio/pcm;rate=16000"}
        ),
        py=2,
        js=2,
    ),
    Step(
        "send_realtime_input(video=Blob(data=JPEG_32, mime_type='image/jpeg'))",
        lambda r: r.session.send_realtime_input(video=t.Blob(data=JPEG_32, mime_type="image/jpeg")),
        py=3,
        js=3,
    ),
    Step(
        "send_realtime_input(media=Blob(data=PCM_320[:8], mime_type='audio/pcm;rate=16000'))",
        lambda r: r.session.send_realtime_input(
            media=t.Blob(data=PCM_320[:8], mime_type="audio/pcm;rate=16000")
        ),
        py=4,
        js=4,
    ),
    Step(
        "send_realtime_input(media=Blob(data=JPEG_32, mime_type='image/jpeg'))",
        lambda r: r.session.send_realtime_input(media=t.Blob(data=JPEG_32, mime_type="image/jpeg")),
        py=5,
        js=5,
    ),
    Step(
        "send_realtime_input(text='typed text')",
        lambda r: r.session.send_realtime_input(text="typed text"),
        py=6,
        js=6,
    ),
    Step(
        "send_realtime_input(activity_start=ActivityStart())",
        lambda r: r.session.send_realtime_input(activity_start=t.ActivityStart()),
        py=7,
        js=7,
    ),
    Step(
        "send_realtime_input(activity_end=ActivityEnd())",
        lambda r: r.session.send_realtime_input(activity_end=t.ActivityEnd()),
        py=8,
        js=8,
    ),
    Step(
        "send_realtime_input(activity_start={})",
        lambda r: r.session.send_realtime_input(activity_start={}),
        py=9,
        js=9,
    ),
    Step(
        "send_realtime_input(audio_stream_end=True)",
        lambda r: r.session.send_realtime_input(audio_stream_end=True),
        py=10,
        js=10,
    ),
    Step(
        "send_realtime_input(audio_stream_end=False)",
        lambda r: r.session.send_realtime_input(audio_stream_end=False),
        py=11,
        js=11,
    ),
    Step(
        "send_realtime_input(text='')",
        lambda r: r.session.send_realtime_input(text=""),
        py=12,
        js=12,
    ),
    Step(
        "send_realtime_input(audio=Blob(data=b'', mime_type='audio/pcm'))",
        lambda r: r.session.send_realtime_input(audio=t.Blob(data=b"", mime_type="audio/pcm")),
        py=13,
        js=13,
    ),
    Step(
        "send_realtime_input(text='a', audio=Blob(...))  # two fields",
        lambda r: r.session.send_realtime_input(
            text="a", audio=t.Blob(data=b"x", mime_type="audio/pcm")
        ),
        py=14,
        js=14,
        js_skip=JS_MANY_FIELDS,
    ),
    Step(
        "send_realtime_input()  # no field",
        lambda r: r.session.send_realtime_input(),
        py=15,
        js=15,
        js_skip="JS sends an empty realtimeInput {}; we reject it like PY",
    ),
    # The JS call forms, verbatim.
    Step(
        "send_realtime_input({'audio': {'data': b64(PCM_320), 'mimeType': ...}})",
        lambda r: r.session.send_realtime_input(
            {"audio": {"data": b64(PCM_320), "mimeType": "audio/pcm;rate=16000"}}
        ),
        js=1,
    ),
    Step(
        "send_realtime_input({'video': {'data': b64(JPEG_32), 'mimeType': 'image/jpeg'}})",
        lambda r: r.session.send_realtime_input(
            {"video": {"data": b64(JPEG_32), "mimeType": "image/jpeg"}}
        ),
        js=3,
    ),
    Step(
        "send_realtime_input({'media': {'data': b64(PCM_320[:8]), 'mimeType': ...}})",
        lambda r: r.session.send_realtime_input(
            {"media": {"data": b64(PCM_320[:8]), "mimeType": "audio/pcm;rate=16000"}}
        ),
        js=4,
    ),
    Step(
        "send_realtime_input({'media': [{'data': b64(JPEG_32), 'mimeType': 'image/jpeg'}]})",
        lambda r: r.session.send_realtime_input(
            {"media": [{"data": b64(JPEG_32), "mimeType": "image/jpeg"}]}
        ),
        js=5,
    ),
    Step(
        "send_realtime_input({'text': 'typed text'})",
        lambda r: r.session.send_realtime_input({"text": "typed text"}),
        js=6,
    ),
    Step(
        "send_realtime_input({'activityStart': {}})",
        lambda r: r.session.send_realtime_input({"activityStart": {}}),
        js=7,
    ),
    Step(
        "send_realtime_input({'activityEnd': {}})",
        lambda r: r.session.send_realtime_input({"activityEnd": {}}),
        js=8,
    ),
    Step(
        "send_realtime_input({'audioStreamEnd': False})",
        lambda r: r.session.send_realtime_input({"audioStreamEnd": False}),
        js=11,
    ),
    Step(
        "send_realtime_input({'audio': {'data': '', 'mimeType': 'audio/pcm'}})",
        lambda r: r.session.send_realtime_input({"audio": {"data": "", "mimeType": "audio/pcm"}}),
        js=13,
    ),
    Step(
        "send_realtime_input({'text': 'a', 'audio': {...}})  # two fields",
        lambda r: r.session.send_realtime_input(
            {"text": "a", "audio": {"data": b64(b"x"), "mimeType": "audio/pcm"}}
        ),
        js=14,
        js_skip=JS_MANY_FIELDS,
    ),
]

SEND_TOOL_RESPONSE_VARIANTS = [
    _connect(gemini),
    Step(
        "send_tool_response(function_responses=FunctionResponse(id='call-1', ...))",
        lambda r: r.session.send_tool_response(
            function_responses=t.FunctionResponse(
                id="call-1", name="get_weather", response={"temp_c": 21}
            )
        ),
        py=1,
        js=1,
    ),
    Step(
        "send_tool_response(function_responses=[FR call-1, FR call-2 WHEN_IDLE will_continue=False])",
        lambda r: r.session.send_tool_response(
            function_responses=[
                t.FunctionResponse(
                    id="call-1",
                    name="get_weather",
                    response={"output": {"temp_c": 21, "sky": "clear"}},
                ),
                t.FunctionResponse(
                    id="call-2",
                    name="turn_on_lights",
                    response={"result": "ok"},
                    scheduling=t.FunctionResponseScheduling.WHEN_IDLE,
                    will_continue=False,
                ),
            ]
        ),
        py=2,
        js=2,
    ),
    Step(
        "send_tool_response(function_responses={'id': 'call-3', 'name': 'x', 'response': ...})",
        lambda r: r.session.send_tool_response(
            function_responses={"id": "call-3", "name": "x", "response": {"output": [1, 2, 3]}}
        ),
        py=3,
        js=3,
    ),
    Step(
        "send_tool_response(function_responses=FR(id='call-4', response={'blob': b'\\x00\\x01\\xff'}))",
        lambda r: r.session.send_tool_response(
            function_responses=t.FunctionResponse(
                id="call-4", name="bin", response={"blob": b"\x00\x01\xff"}
            )
        ),
        py=4,
        js=4,
        py_fix=_fix_user_map_bytes,
        js_skip="JS serialises a Uint8Array in a user map as an index object {'0': 0, ...}",
    ),
    Step(
        "send_tool_response(function_responses=FR(name='no_id', response={}))  # no id",
        lambda r: r.session.send_tool_response(
            function_responses=t.FunctionResponse(name="no_id", response={})
        ),
        py=5,
        js=5,
    ),
    Step(
        "send_tool_response(function_responses=[])",
        lambda r: r.session.send_tool_response(function_responses=[]),
        py=6,
        js=6,
    ),
    # The JS call forms, verbatim.
    Step(
        "send_tool_response({'functionResponses': {'id': 'call-1', ...}})",
        lambda r: r.session.send_tool_response(
            {
                "functionResponses": {
                    "id": "call-1",
                    "name": "get_weather",
                    "response": {"temp_c": 21},
                }
            }
        ),
        js=1,
    ),
    Step(
        "send_tool_response({'functionResponses': [..., {'scheduling': 'WHEN_IDLE', 'willContinue': False}]})",
        lambda r: r.session.send_tool_response(
            {
                "functionResponses": [
                    {
                        "id": "call-1",
                        "name": "get_weather",
                        "response": {"output": {"temp_c": 21, "sky": "clear"}},
                    },
                    {
                        "id": "call-2",
                        "name": "turn_on_lights",
                        "response": {"result": "ok"},
                        "scheduling": "WHEN_IDLE",
                        "willContinue": False,
                    },
                ]
            }
        ),
        js=2,
    ),
    Step(
        "send_tool_response({'functionResponses': {'name': 'no_id', 'response': {}}})",
        lambda r: r.session.send_tool_response(
            {"functionResponses": {"name": "no_id", "response": {}}}
        ),
        js=5,
    ),
    Step(
        "send_tool_response({'functionResponses': []})",
        lambda r: r.session.send_tool_response({"functionResponses": []}),
        js=6,
    ),
]

SEND_LEGACY_SEND = [
    _connect(gemini),
    Step(
        "send_client_content(turns='hello', turn_complete=True)",
        lambda r: r.session.send_client_content(turns="hello", turn_complete=True),
        py=1,
    ),
    Step(
        "send_client_content(turns='no eot', turn_complete=False)",
        lambda r: r.session.send_client_content(turns="no eot", turn_complete=False),
        py=2,
    ),
    Step(
        "send_client_content(turns=['a', 'b'])",
        lambda r: r.session.send_client_content(turns=["a", "b"]),
        py=3,
    ),
    Step(
        "send_client_content(turns=user('content obj'))",
        lambda r: r.session.send_client_content(turns=user("content obj")),
        py=4,
        py_skip=PY_LEGACY + "it rejects a bare Content; send_client_content takes one",
    ),
    Step(
        "send_realtime_input(media={'data': PCM_320[:8], 'mime_type': 'audio/pcm'})",
        lambda r: r.session.send_realtime_input(
            media={"data": PCM_320[:8], "mime_type": "audio/pcm"}
        ),
        py=5,
    ),
    Step(
        "send_realtime_input(media=Blob(data=PCM_320[:8], mime_type='audio/pcm'))",
        lambda r: r.session.send_realtime_input(
            media=t.Blob(data=PCM_320[:8], mime_type="audio/pcm")
        ),
        py=6,
    ),
    Step(
        "send(LiveClientMessage(realtime_input=LiveClientRealtimeInput(media_chunks=[...])))",
        lambda r: r.session.send(
            t.LiveClientMessage(
                realtime_input=t.LiveClientRealtimeInput(
                    media_chunks=[t.Blob(data=PCM_320[:8], mime_type="audio/pcm")]
                )
            )
        ),
        py=7,
    ),
    Step(
        "send(LiveClientMessage(client_content=LiveClientContent(turns=[user('lcc')], ...)))",
        lambda r: r.session.send(
            t.LiveClientMessage(
                client_content=t.LiveClientContent(turns=[user("lcc")], turn_complete=True)
            )
        ),
        py=8,
    ),
    Step(
        "send({'client_content': {'turns': [...], 'turn_complete': True}})",
        lambda r: r.session.send(
            {
                "client_content": {
                    "turns": [{"role": "user", "parts": [{"text": "dict"}]}],
                    "turn_complete": True,
                }
            }
        ),
        py=9,
    ),
    Step(
        "send_tool_response(function_responses=FunctionResponse(id='c1', ...))",
        lambda r: r.session.send_tool_response(
            function_responses=t.FunctionResponse(id="c1", name="f", response={"r": 1})
        ),
        py=10,
    ),
    Step(
        "send_tool_response(function_responses=[FR c1, FR c2])",
        lambda r: r.session.send_tool_response(
            function_responses=[
                t.FunctionResponse(id="c1", name="f", response={"r": 1}),
                t.FunctionResponse(id="c2", name="g", response={"r": 2}),
            ]
        ),
        py=11,
        py_skip=PY_LEGACY + "it rejects a list of FunctionResponses; send_tool_response takes one",
    ),
    Step(
        "send_tool_response(function_responses={'id': 'c3', 'name': 'f', 'response': ...})",
        lambda r: r.session.send_tool_response(
            function_responses={"id": "c3", "name": "f", "response": {"r": 3}}
        ),
        py=12,
    ),
    Step(
        "send(LiveClientMessage(tool_response=LiveClientToolResponse([FR c4])))",
        lambda r: r.session.send(
            t.LiveClientMessage(
                tool_response=t.LiveClientToolResponse(
                    function_responses=[t.FunctionResponse(id="c4", name="f", response={})]
                )
            )
        ),
        py=13,
    ),
    Step("send_client_content()", lambda r: r.session.send_client_content(), py=14),
    Step("send(42)", lambda r: r.session.send(42), py=15),
]

MUSIC_SESSION = [
    Step(
        "client.live.music.connect('models/lyria-realtime-exp')",
        lambda r: r.connect(gemini(api_version="v1alpha"), MUSIC_MODEL, music=True),
        py=0,
        js=F(0),
    ),
    Step(
        "set_weighted_prompts([WeightedPrompt('piano', 1.0), WeightedPrompt('jazz drums', 0.5)])",
        lambda r: r.session.set_weighted_prompts(
            [
                t.WeightedPrompt(text="piano", weight=1.0),
                t.WeightedPrompt(text="jazz drums", weight=0.5),
            ]
        ),
        py=1,
        js=F(1),
    ),
    Step(
        "set_music_generation_config(LiveMusicGenerationConfig(<all fields>))",
        lambda r: r.session.set_music_generation_config(
            t.LiveMusicGenerationConfig(
                temperature=1.1,
                top_k=40,
                seed=7,
                guidance=4.0,
                bpm=90,
                density=0.5,
                brightness=0.6,
                scale=t.Scale.C_MAJOR_A_MINOR,
                mute_bass=False,
                mute_drums=True,
                only_bass_and_drums=False,
                music_generation_mode=t.MusicGenerationMode.QUALITY,
            )
        ),
        py=2,
        js=F(2),
    ),
    Step("play()", lambda r: r.session.play(), py=3, js=F(3)),
    Step("receive() x 4  # setupComplete + the 3 scripted messages", lambda r: r.take(4)),
    Step("pause()", lambda r: r.session.pause(), py=4, js=F(4)),
    Step("play()", lambda r: r.session.play(), py=5, js=F(5)),
    Step("reset_context()", lambda r: r.session.reset_context(), py=6, js=F(6)),
    Step("stop()", lambda r: r.session.stop(), py=7, js=F(7)),
    Step(
        "setMusicGenerationConfig({'bpm': 120})",
        lambda r: r.session.setMusicGenerationConfig({"bpm": 120}),
        py=8,
        js=F(8),
    ),
    # The JS call forms, verbatim (last: the script has no more replies to time).
    Step(
        "setWeightedPrompts({'weightedPrompts': [{'text': 'piano', 'weight': 1.0}, ...]})",
        lambda r: r.session.setWeightedPrompts(
            {
                "weightedPrompts": [
                    {"text": "piano", "weight": 1.0},
                    {"text": "jazz drums", "weight": 0.5},
                ]
            }
        ),
        js=F(1),
    ),
    Step(
        "setMusicGenerationConfig({'musicGenerationConfig': {<all fields>}})",
        lambda r: r.session.setMusicGenerationConfig(
            {
                "musicGenerationConfig": {
                    "temperature": 1.1,
                    "topK": 40,
                    "seed": 7,
                    "guidance": 4.0,
                    "bpm": 90,
                    "density": 0.5,
                    "brightness": 0.6,
                    "scale": "C_MAJOR_A_MINOR",
                    "muteBass": False,
                    "muteDrums": True,
                    "onlyBassAndDrums": False,
                    "musicGenerationMode": "QUALITY",
                }
            }
        ),
        js=F(2),
    ),
]

# Per-scenario mapping at a glance (SDK call index -> our step; details in each Step):
#   connect_* (7 scenarios)            call 0 -> live.connect on a Client configured alike
#   connect_session_http_options      PY 0 skipped (PY accepts), PY 1 / JS 0 -> both rejected
#   connect_vertex_credentials        0 connect, 1 client content, 2 audio, 3 tool response (no id)
#   connect_vertex_proxy              PY 0 (ws://, skipped), PY 1 / JS 0 -> http:// proxy base
#   error_* (10 scenarios)            0 connect, 1 send_client_content('Hi'); setup_close: frame 0
#   music_session                     PY 0..8 / JS frames 0..8 in order; + 2 JS argument forms
#   music_setup_close_1008, music_user_typeerror_masked   the music connect (frame 0 / call 0)
#   receive_*                         0 connect, 1 send, receive_tool_call 2 = answer the call
#   send_client_content_variants      1..9 keywords (PY 7, 8 skipped), + 5 JS forms
#   send_realtime_input_variants      1..15 keywords (JS 14, 15 skipped), + 10 JS forms
#   send_tool_response_variants       1..6 keywords (JS 4 skipped), + 4 JS forms
#   send_legacy_send                  PY 1..15 -> typed calls / send(message) (PY 4, 11 skipped)
#   setup_*                           connect with the same config (rich: typed; tool call: JS dict)
PLANS: dict[str, list[Step]] = {
    "connect_minimal": [_connect(gemini)],
    "connect_base_url_trailing_slash": [
        Step(
            "Client(http_options={'base_url': BASE + '/'}).live.connect(MODEL)",
            lambda r: r.connect(
                genai_live.Client(
                    api_key="test-key",
                    http_options={"base_url": BASE + "/", "api_version": "v1beta"},
                )
            ),
            py=0,
            js=0,
        )
    ],
    "connect_custom_headers": [
        _connect(
            lambda: gemini(
                headers={
                    "X-Custom-Header": "abc",
                    "User-Agent": "my-app/1.0",
                    "x-goog-api-client": "my-wrapper/2.0",
                }
            )
        )
    ],
    "connect_ephemeral_token_v1alpha": [
        _connect(
            lambda: genai_live.Client(
                api_key=TOKEN, http_options={"base_url": BASE, "api_version": "v1alpha"}
            ),
            config={"response_modalities": ["AUDIO"]},
        )
    ],
    "connect_ephemeral_token_v1beta": [
        _connect(lambda: genai_live.Client(api_key=TOKEN, http_options={"base_url": BASE}))
    ],
    "connect_session_http_options": [
        Step(
            "connect(MODEL, config={'http_options': {base_url, api_version, headers}})",
            lambda r: r.connect(
                gemini(),
                config={
                    "http_options": {
                        "base_url": BASE + "/session-prefix",
                        "api_version": "v1alpha",
                        "headers": {"x-session-header": "on"},
                    }
                },
            ),
            py=0,
            js=0,
            py_skip=(
                "PY 3.6.1 accepts per-session http_options (base_url/api_version/headers); we "
                "reject them like JS: connection options belong to the Client"
            ),
        ),
        Step(
            "connect(MODEL, config={'httpOptions': {'apiVersion': 'v1alpha', 'headers': ...}})",
            lambda r: r.connect(
                gemini(),
                config={
                    "httpOptions": {"apiVersion": "v1alpha", "headers": {"x-session-header": "on"}}
                },
            ),
            js=0,
        ),
        Step(
            "connect(MODEL, config={'http_options': {'timeout': 1000}})",
            lambda r: r.connect(gemini(), config={"http_options": {"timeout": 1000}}),
            py=1,
        ),
    ],
    "connect_setup_complete_session_id": [_connect(gemini)],
    "connect_vertex_credentials": [
        _connect(
            lambda: genai_live.Client(
                vertexai=True,
                project="test-project",
                location="us-central1",
                credentials=FakeCredentials(),
                http_options={"base_url": BASE},
            ),
            VERTEX_MODEL,
        ),
        Step(
            "send_client_content(turns=user('hi'))",
            lambda r: r.session.send_client_content(turns=user("hi")),
            py=1,
            js=1,
        ),
        Step(
            "send_realtime_input(audio=Blob(data=PCM_320, mime_type='audio/pcm;rate=16000'))",
            lambda r: r.session.send_realtime_input(
                audio=t.Blob(data=PCM_320, mime_type="audio/pcm;rate=16000")
            ),
            py=2,
            js=2,
        ),
        Step(
            "send_tool_response(function_responses=FunctionResponse(name='f', response=...))",
            lambda r: r.session.send_tool_response(
                function_responses=t.FunctionResponse(name="f", response={"ok": True})
            ),
            py=3,
            js=3,
        ),
    ],
    "connect_vertex_express": [
        _connect(
            lambda: genai_live.Client(
                vertexai=True, api_key="test-key", http_options={"base_url": BASE}
            ),
            VERTEX_MODEL,
            config={"response_modalities": ["TEXT"]},
        )
    ],
    "connect_vertex_proxy": [
        Step(
            "vertex proxy client (base_url ws://.../proxy/live?route=a).live.connect(VERTEX_MODEL)",
            lambda r: r.connect(vertex_proxy("ws"), VERTEX_MODEL, script=0, tracked=False),
            py=0,
            py_skip=(
                "PY passes an SSL context for every proxy URL, so ws:// fails client-side "
                "('ssl argument is incompatible with a ws:// URI'); ours connects over ws"
            ),
        ),
        Step(
            "vertex proxy client (base_url http://.../proxy/live?route=a).live.connect(VERTEX_MODEL)",
            lambda r: r.connect(vertex_proxy("http"), VERTEX_MODEL),
            py=1,
            js=0,
        ),
    ],
    "error_abort_mid_turn": _connect_and_ask(),
    "error_close_1000_mid_turn": _connect_and_ask(),
    "error_close_1008": _connect_and_ask(),
    "error_close_1011": _connect_and_ask(),
    "error_empty_messages": _connect_and_ask(),
    "error_malformed_json": _connect_and_ask(),
    "error_message_over_1mib": _connect_and_ask(),
    "error_server_error_payload": _connect_and_ask(),
    "error_unknown_fields_forward_compat": _connect_and_ask(),
    "error_setup_close_1008": [
        Step(
            "client.live.connect(MODEL)  # the server closes 1008 instead of setupComplete",
            lambda r: r.connect(gemini()),
            py=F(0),
            js=F(0),
        )
    ],
    "music_session": MUSIC_SESSION,
    "music_setup_close_1008": [
        Step(
            "client.live.music.connect('models/lyria-realtime-exp')  # the server closes 1008",
            lambda r: r.connect(gemini(api_version="v1alpha"), MUSIC_MODEL, music=True),
            py=F(0),
            js=F(0),
        )
    ],
    "music_user_typeerror_masked": [MUSIC_SESSION[0]],
    "receive_audio_turn": [
        _connect(gemini, config={"response_modalities": ["AUDIO"]}),
        Step(
            "send_realtime_input(audio=PCM_320)  # raw bytes mean audio/pcm;rate=16000",
            lambda r: r.session.send_realtime_input(audio=PCM_320),
            py=1,
            js=1,
        ),
    ],
    "receive_loop_termination": _connect_and_ask(),
    "receive_text_turn": [
        _connect(gemini, config={"response_modalities": ["TEXT"]}),
        Step(
            "send_client_content(turns='Hi')",
            lambda r: r.session.send_client_content(turns="Hi"),
            py=1,
            js=1,
        ),
    ],
    "receive_text_turn_text_frames": _connect_and_ask({"responseModalities": ["TEXT"]}),
    "receive_tool_call": [
        _connect(gemini, config=rich_config_js()),
        Step(
            "send_client_content(turns=user('Weather in Paris? And lights on.'))",
            lambda r: r.session.send_client_content(turns=user("Weather in Paris? And lights on.")),
            py=1,
            js=1,
        ),
        Step(
            "send_tool_response(function_responses=[FR(id=fc.id, name=fc.name, ...) for fc in calls])",
            lambda r: r.answer_tool_call(),
            py=2,
            js=2,
        ),
    ],
    "send_client_content_multimodal": [
        _connect(gemini),
        Step(
            "send_client_content(turns=Content(user, [text, PNG, fileData, PCM, B64_PROBE]))",
            lambda r: r.session.send_client_content(
                turns=t.Content(
                    role="user",
                    parts=[
                        t.Part(text="Describe these"),
                        t.Part(inline_data=t.Blob(data=PNG_16, mime_type="image/png")),
                        t.Part(
                            file_data=t.FileData(
                                file_uri="gs://bucket/clip.mp4", mime_type="video/mp4"
                            )
                        ),
                        t.Part(
                            inline_data=t.Blob(data=PCM_320[:32], mime_type="audio/pcm;rate=16000")
                        ),
                        t.Part(
                            inline_data=t.Blob(data=B64_PROBE, mime_type="application/octet-stream")
                        ),
                    ],
                )
            ),
            py=1,
            js=1,
        ),
        Step(
            "send_client_content(turns=[user, model functionCall, user functionResponse], "
            "turn_complete=False)",
            lambda r: r.session.send_client_content(
                turns=[
                    user("weather?"),
                    t.Content(
                        role="model",
                        parts=[
                            t.Part(
                                function_call=t.FunctionCall(
                                    id="c1", name="get_weather", args={"city": "Paris"}
                                )
                            )
                        ],
                    ),
                    t.Content(
                        role="user",
                        parts=[
                            t.Part(
                                function_response=t.FunctionResponse(
                                    id="c1", name="get_weather", response={"temp_c": 21}
                                )
                            )
                        ],
                    ),
                ],
                turn_complete=False,
            ),
            py=2,
            js=2,
        ),
    ],
    "send_client_content_variants": SEND_CLIENT_CONTENT_VARIANTS,
    "send_legacy_send": SEND_LEGACY_SEND,
    "send_realtime_input_variants": SEND_REALTIME_INPUT_VARIANTS,
    "send_tool_response_variants": SEND_TOOL_RESPONSE_VARIANTS,
    "setup_generation_config_deprecated": [
        _connect(
            gemini,
            config={
                "generation_config": {
                    "temperature": 0.1,
                    "max_output_tokens": 99,
                    "candidate_count": 1,
                },
                "response_modalities": ["TEXT"],
            },
        )
    ],
    "setup_rich_config": [_connect(gemini, config=rich_config())],
    "setup_system_instruction_content_and_tools": [
        Step(
            "connect(config={responseModalities, systemInstruction Content, tools as written})",
            lambda r: r.connect(
                gemini(),
                config={
                    "responseModalities": ["TEXT"],
                    "systemInstruction": t.Content(
                        role="system",
                        parts=[t.Part(text="You are terse."), t.Part(text="Answer in French.")],
                    ),
                    "tools": [
                        t.Tool(
                            function_declarations=[
                                t.FunctionDeclaration(
                                    name="lookup",
                                    description="JSON-schema style parameters, non-blocking.",
                                    parameters_json_schema={
                                        "type": "object",
                                        "properties": {
                                            "q": {"type": "string"},
                                            "limit": {"type": "integer", "minimum": 1},
                                        },
                                        "required": ["q"],
                                    },
                                    behavior=t.Behavior.NON_BLOCKING,
                                ),
                                t.FunctionDeclaration(name="no_params"),
                            ]
                        ),
                        {"function_declarations": [{"name": "turn_on_the_lights"}]},
                        t.Tool(google_search=t.GoogleSearch()),
                        {"codeExecution": {}},
                    ],
                },
            ),
            py=0,
            js=0,
            py_fix=_drop_callable_declaration,
            js_skip=(
                "JS sends the tools as written; we gather every function declaration into one "
                "trailing tool like PY (see test_function_declarations_are_gathered_like_python)"
            ),
        ),
        Step(
            "connect(config={'system_instruction': Part(text='as Part')})",
            lambda r: r.connect(gemini(), config={"system_instruction": t.Part(text="as Part")}),
            py=1,
            js=1,
        ),
        Step(
            "connect(config={'system_instruction': ['a', 'b']})",
            lambda r: r.connect(gemini(), config={"system_instruction": ["a", "b"]}),
            py=2,
            js=2,
        ),
        Step(
            "connect(config={'systemInstruction': {'parts': [{'text': 'dict'}]}})",
            lambda r: r.connect(
                gemini(), config={"systemInstruction": {"parts": [{"text": "dict"}]}}
            ),
            py=3,
            js=3,
        ),
    ],
}


# --------------------------------------------------------------------------- helpers


def fixture_of(sdk: str, scenario: str) -> dict[str, Any]:
    """The capture, which must exist."""
    return load(sdk, scenario)


def expected_frames(sdk: str, scenario: str, ref: Ref) -> list[Any] | None:
    """The SDK's frames for ``ref`` in canonical form, or None when the SDK rejected the call."""
    fixture = fixture_of(sdk, scenario)
    if isinstance(ref, F):
        return [canonical(c2s_frames(fixture, ref.conn)[ref.n]["json"])]
    assert isinstance(ref, int)
    if "error" in calls(fixture)[ref]:
        return None
    return [canonical(frame) for frame in frames_of_call(fixture, ref)]


def sdk_connection(sdk: str, scenario: str, ref: Ref) -> int | None:
    """The index of the connection an SDK connect call opened, if it opened one."""
    if isinstance(ref, F):
        return ref.conn if ref.n == 0 else None  # frame 0 is the setup of that connection
    if ref is None:
        return None
    call = calls(fixture_of(sdk, scenario))[ref]
    connection = call.get("connection")
    return connection if isinstance(connection, int) else None


def step_params() -> Iterator[Any]:
    """One test item per (sdk, scenario, step) with a counterpart in that SDK's capture."""
    for scenario, plan in PLANS.items():
        for sdk in SDKS:
            if scenario not in scenario_names(sdk):
                continue
            for index, step in enumerate(plan):
                if step.ref(sdk) is None:
                    continue
                marks = []
                if step.skip(sdk):
                    marks.append(pytest.mark.skip(reason=step.skip(sdk) or ""))
                yield pytest.param(
                    sdk, scenario, index, id=f"{sdk}-{scenario}-{index}", marks=marks
                )


def connect_params() -> Iterator[Any]:
    """One item per (sdk, scenario, step) where both the SDK and we opened a connection."""
    for scenario, plan in PLANS.items():
        for sdk in SDKS:
            if scenario not in scenario_names(sdk):
                continue
            for index, step in enumerate(plan):
                if step.skip(sdk) or sdk_connection(sdk, scenario, step.ref(sdk)) is None:
                    continue
                yield pytest.param(sdk, scenario, index, id=f"{sdk}-{scenario}-{index}")


def our_request(scenario: str, index: int) -> ConnectRequest:
    """Our handshake request of step ``index``."""
    outcome = run(scenario).outcomes[index]
    assert outcome.request is not None, f"step {index} opened no connection: {outcome.error!r}"
    return outcome.request


def captured_request(sdk: str, scenario: str, index: int) -> dict[str, Any]:
    """The SDK's handshake request for the connection step ``index`` mirrors."""
    ref = PLANS[scenario][index].ref(sdk)
    connection = sdk_connection(sdk, scenario, ref)
    assert connection is not None
    request: dict[str, Any] = fixture_of(sdk, scenario)["connections"][connection]["request"]
    return request


def as_captured(request: ConnectRequest) -> dict[str, Any]:
    """Our request in the capture's shape: path, query and header pairs."""
    parts = urlsplit(request.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return {"path": parts.path, "query": query, "headers": list(request.headers.items())}


def auth_meaning(request: dict[str, Any]) -> dict[str, str]:
    """What a handshake says about credentials, whatever header or query key carries them."""
    meaning: dict[str, str] = {}
    authorization = header(request, "authorization")
    key = header(request, "x-goog-api-key") or request["query"].get("key")
    if authorization and authorization.startswith("Token "):
        meaning["token"] = authorization.removeprefix("Token ")
    elif request["query"].get("access_token"):
        meaning["token"] = request["query"]["access_token"]
    elif authorization:
        meaning["authorization"] = authorization
    if key and key != meaning.get("token"):  # PY repeats the token in x-goog-api-key
        meaning["api_key"] = key
    user_project = header(request, "x-goog-user-project")
    if user_project:
        meaning["user_project"] = user_project
    return meaning


def collapse(path: str) -> str:
    """The request path with repeated slashes collapsed (the SDKs' ``//ws/``)."""
    return re.sub(r"/{2,}", "/", path)


def full_wire(message: Any) -> dict[str, Any]:
    """What we deliver: the known fields in canonical form plus unknown top-level keys."""
    return {**codec.to_wire(message), **(message.extra or {})}


def only_setup_complete(message: Any) -> bool:
    """True for a plain ``setupComplete`` message (PY consumes it inside connect())."""
    return message.setup_complete is not None and set(codec.to_wire(message)) == {"setupComplete"}


def data_b64(message: Any) -> str | None:
    """``.data`` as standard base64 (how both captures record it)."""
    data = getattr(message, "data", None)
    return None if data is None else b64(data)


# --------------------------------------------------------------------------- 0. the fixtures


def test_every_fixture_file_has_a_plan() -> None:
    """Only scenarios we re-enact are kept; every plan has a capture."""
    captured = set(scenario_names("python")) | set(scenario_names("js"))
    assert captured == set(PLANS)


@pytest.mark.parametrize(
    ("sdk", "scenario"), [(sdk, name) for sdk in SDKS for name in scenario_names(sdk)]
)
def test_script_replay_reproduces_the_captured_server_frames(sdk: str, scenario: str) -> None:
    """``golden.replay`` sends exactly what the capture server sent, and ends the same way."""
    fixture = fixture_of(sdk, scenario)
    for index, connection in enumerate(fixture["connections"]):
        transcript = connection["transcript"]
        sent = [e for e in transcript if e.get("dir") == "s2c"]
        scripted = script_frames(fixture, index)
        data = [f for f in scripted if isinstance(f, str)]
        assert len(data) >= len(sent)
        for frame, entry in zip(data, sent, strict=False):  # the script may send more
            if "large_frame" in entry:
                assert hashlib.sha256(frame.encode()).hexdigest() == entry["large_frame"]["sha256"]
            else:
                assert frame == entry["raw"]
        events = [e["event"] for e in transcript if "event" in e]
        endings = [f[0] for f in scripted if isinstance(f, tuple)]
        assert [e for e in events if e in ("server_close", "server_abort")] == [
            "server_" + e for e in endings
        ]


# --------------------------------------------------------------------------- 1. sent frames


@pytest.mark.parametrize(("sdk", "scenario", "index"), list(step_params()))
def test_sent_frames_match_the_sdk(sdk: str, scenario: str, index: int) -> None:
    """Our frames for a call equal the SDK's canonical frames, or both reject the call."""
    step = PLANS[scenario][index]
    outcome = run(scenario).outcomes[index]
    expected = expected_frames(sdk, scenario, step.ref(sdk))
    if expected is None:
        assert isinstance(outcome.error, REJECTED), f"{step.ours} was not rejected"
        assert outcome.frames == [], "a rejected call must send nothing"
        return
    if sdk == "python" and step.py_fix is not None:
        expected = step.py_fix(expected)
    ref = step.ref(sdk)
    if not (isinstance(ref, F) and ref.n == 0):  # a connect the server refused did send setup
        assert outcome.error is None, f"{step.ours} raised {outcome.error!r}"
    assert outcome.frames == expected


# --------------------------------------------------------------------------- 2. handshake


@pytest.mark.parametrize(("sdk", "scenario", "index"), list(connect_params()))
def test_handshake_path_matches(sdk: str, scenario: str, index: int) -> None:
    """Our WebSocket path is the SDK's, with ``//`` collapsed (we never emit it)."""
    if sdk == "python" and scenario == "connect_ephemeral_token_v1beta":
        pytest.skip(
            "PY 3.6.1 defaults to api_version v1; we default to v1beta like JS (the Live API's "
            "documented version)"
        )
    ours = as_captured(our_request(scenario, index))["path"]
    assert ours == collapse(captured_request(sdk, scenario, index)["path"])
    assert "//" not in ours


@pytest.mark.parametrize(("sdk", "scenario", "index"), list(connect_params()))
def test_handshake_credentials_mean_the_same(sdk: str, scenario: str, index: int) -> None:
    """Key, ephemeral token, bearer token and quota project reach the server alike.

    We put them in headers (JS uses ``?key=`` / ``?access_token=``), and send an ephemeral
    token only as ``Authorization: Token`` (PY repeats it in ``x-goog-api-key``).
    """
    captured = captured_request(sdk, scenario, index)
    ours = as_captured(our_request(scenario, index))
    assert auth_meaning(ours) == auth_meaning(captured)
    assert not {"key", "access_token"} & set(ours["query"]), "credentials must not be in the URL"


IDENTITY_AND_TRANSPORT = {
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "user-agent",
    "x-goog-api-client",
    "x-goog-api-key",
    "authorization",
    "x-goog-user-project",
}


@pytest.mark.parametrize(("sdk", "scenario", "index"), list(connect_params()))
def test_handshake_passes_other_headers_through(sdk: str, scenario: str, index: int) -> None:
    """Content-Type and every header the caller configured arrive unchanged."""
    captured = captured_request(sdk, scenario, index)
    ours = as_captured(our_request(scenario, index))
    for name, value in captured["headers"]:
        if name.lower() not in IDENTITY_AND_TRANSPORT:
            assert header(ours, name) == value, name


def test_custom_user_agent_replaces_ours_like_js() -> None:
    """A configured User-Agent / x-goog-api-client is sent as given (JS); PY prepends its own."""
    ours = as_captured(our_request("connect_custom_headers", 0))
    js = captured_request("js", "connect_custom_headers", 0)
    py = captured_request("python", "connect_custom_headers", 0)
    for name in ("user-agent", "x-goog-api-client"):
        assert header(ours, name) == header(js, name)
        assert (header(py, name) or "").endswith(" " + (header(ours, name) or ""))


def test_default_user_agent_names_this_library() -> None:
    """Without a configured one, the User-Agent says genai-live (not an SDK's identity)."""
    ours = as_captured(our_request("connect_minimal", 0))
    assert (header(ours, "user-agent") or "").startswith("genai-live/")


def test_ephemeral_token_outside_v1alpha_warns_like_both_sdks() -> None:
    """Both SDKs warn that ephemeral tokens are v1alpha-only; so do we."""
    warned = run("connect_ephemeral_token_v1beta").outcomes[0].warnings
    assert any("v1alpha" in str(w.message) for w in warned)
    quiet = run("connect_ephemeral_token_v1alpha").outcomes[0].warnings
    assert not any("v1alpha" in str(w.message) for w in quiet)


@pytest.mark.parametrize("sdk", SDKS)
def test_vertex_proxy_keeps_the_base_url_query(sdk: str) -> None:
    """In proxy mode the base URL is the whole endpoint, query included."""
    index = 1
    captured = captured_request(sdk, "connect_vertex_proxy", index)
    assert as_captured(our_request("connect_vertex_proxy", index))["query"] == captured["query"]


def test_session_id_and_setup_complete_match() -> None:
    """``session_id`` / ``setup_complete`` carry the server's setupComplete, as in both SDKs."""
    session = run("connect_setup_complete_session_id").conns[0].session
    assert session.session_id == "sess-1234"
    py_notes = fixture_of("python", "connect_setup_complete_session_id")["notes"]
    js_notes = fixture_of("js", "connect_setup_complete_session_id")["notes"]
    assert session.session_id == py_notes["session.session_id"]
    ours = codec.to_wire(session.setup_complete)
    assert ours == canonical(py_notes["session.setup_complete"])
    assert ours == canonical(js_notes["session.setupComplete"])


def test_deprecated_generation_config_warns_like_python() -> None:
    """The nested generation_config still works and raises a DeprecationWarning (PY does too)."""
    warned = run("setup_generation_config_deprecated").outcomes[0].warnings
    assert any(issubclass(w.category, DeprecationWarning) for w in warned)


def test_function_declarations_are_gathered_like_python() -> None:
    """Like PY, every declaration goes into one Tool after the other tools; JS keeps the
    caller's grouping. Same declarations and tool kinds either way."""
    scenario = "setup_system_instruction_content_and_tools"
    ours = run(scenario).outcomes[0].frames[0]["setup"]["tools"]
    js = canonical(c2s_frames(fixture_of("js", scenario))[0]["json"])["setup"]["tools"]

    def declarations(tools: list[dict[str, Any]]) -> list[Any]:
        """Every function declaration, in order."""
        return [d for tool in tools for d in tool.get("functionDeclarations", [])]

    def kinds(tools: list[dict[str, Any]]) -> list[str]:
        """The other tool kinds (googleSearch, ...)."""
        return sorted(k for tool in tools for k in tool if k != "functionDeclarations")

    assert declarations(ours) == declarations(js)
    assert kinds(ours) == kinds(js)
    assert list(ours[-1]) == ["functionDeclarations"]
    assert all("functionDeclarations" not in tool for tool in ours[:-1])


def test_callable_declaration_matches_python() -> None:
    """A Python function as a tool declares the same name, description and parameters as PY.

    PY writes the parameters as JSON Schema (``parametersJsonSchema``) and adds a
    ``responseJsonSchema`` from the return type; we write the equivalent OpenAPI ``parameters``
    Schema and no response schema (docs/wire-decisions.md).
    """
    scenario = "setup_system_instruction_content_and_tools"
    py_setup = canonical(c2s_frames(fixture_of("python", scenario))[0]["json"])["setup"]
    (py,) = [
        d
        for tool in py_setup["tools"]
        for d in tool.get("functionDeclarations", [])
        if d["name"] == "get_time"
    ]
    fake = FakeTransport()
    with gemini().live.connect(MODEL, config={"tools": [get_time]}, transport=fake):
        pass
    (tool,) = fake.sent[0]["setup"]["tools"]
    (ours,) = tool["functionDeclarations"]
    assert (ours["name"], ours["description"]) == (py["name"], py["description"])

    def as_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
        """An OpenAPI Schema written as JSON Schema (lower-case type names)."""
        out = {k: v for k, v in schema.items() if k != "properties"}
        out["type"] = schema["type"].lower()
        if "properties" in schema:
            out["properties"] = {k: as_json_schema(v) for k, v in schema["properties"].items()}
        return out

    assert as_json_schema(ours["parameters"]) == py["parametersJsonSchema"]


# --------------------------------------------------------------------------- 3. delivered


RECEIVED_SKIPS = {
    ("python", "error_server_error_payload"): (
        "PY crashes with TypeError on a frame of unknown kind; we deliver it "
        "with the raw object in message.extra (see test_unknown_message_kind_is_kept_in_extra)"
    ),
    ("python", "error_message_over_1mib"): (
        "PY's websockets refuses frames over 1 MiB (close 1009); our limit is 16 MiB (see "
        "test_frame_over_1mib_is_delivered_whole)"
    ),
    ("js", "error_message_over_1mib"): (
        "the 1.2 MB message is stored as a digest (see test_frame_over_1mib_is_delivered_whole)"
    ),
    ("js", "error_unknown_fields_forward_compat"): (
        "JS Gemini mode keeps unknown nested fields; we keep unknown top-level keys only (see "
        "test_unknown_fields_are_dropped_below_top_level_and_kept_at_it)"
    ),
    ("js", "error_empty_messages"): (
        "JS drops an empty frame (JSON.parse fails, unhandled rejection); we deliver it as an "
        "empty message, like PY"
    ),
}


def received_params() -> Iterator[Any]:
    """One item per (sdk, scenario) capture."""
    for scenario in sorted(PLANS):
        for sdk in SDKS:
            if scenario not in scenario_names(sdk):
                continue
            reason = RECEIVED_SKIPS.get((sdk, scenario))
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            yield pytest.param(sdk, scenario, id=f"{sdk}-{scenario}", marks=marks)


@pytest.mark.parametrize(("sdk", "scenario"), list(received_params()))
def test_delivered_messages_match_the_sdk(sdk: str, scenario: str) -> None:
    """Message by message: fields (canonical), ``.text`` and ``.data``.

    PY consumes setupComplete inside connect(), so it is left out for PY; JS
    delivers it first, like us. PY drops unknown top-level keys, JS keeps them: we keep them
    in ``extra``, compared with JS only.
    """
    ours = run(scenario).received
    if sdk == "python":
        ours = [m for m in ours if not only_setup_complete(m)]
    captured = fixture_of(sdk, scenario)["received"]
    assert len(ours) == len(captured), [codec.to_wire(m) for m in ours]
    for message, entry in zip(ours, captured, strict=True):
        if sdk == "python":
            assert codec.to_wire(message) == canonical(entry["dump"])
            if "data_b64" in entry:
                assert data_b64(message) == entry["data_b64"]
        else:
            assert full_wire(message) == canonical(entry["json"])
            if "data" in entry:
                assert data_b64(message) == entry["data"]
        if "text" in entry:
            assert message.text == entry["text"]


def test_receive_turn_stops_where_python_receive_stops() -> None:
    """PY 3.6.1's receive() ends at turnComplete, or at IDLE once interactionStatus is present.

    The capture: turn 1 = 4 messages (its turnComplete carries IN_PROGRESS, the turn ends at a
    later ``interactionStatus: IDLE``), turn 2 = 2 messages.
    """
    fixture = fixture_of("python", "receive_loop_termination")
    notes = fixture["notes"]
    with gemini().live.connect(MODEL, transport=replay(fixture)) as session:
        session.send_client_content(turns=user("Hi"))
        first = session.receive_turn(timeout=5.0)
        assert len(first.messages) == notes["first_receive_loop_messages"]
        assert first.text == "turn1still turn1"
        second = session.receive_turn(timeout=5.0)
        assert len(second.messages) == notes["second_receive_loop_messages"]
        assert second.text == "turn2"


def test_unknown_message_kind_is_kept_in_extra() -> None:
    """``{"error": {...}}`` is not a message kind: kept raw in ``extra`` (as JS shows it), and
    the session goes on (PY crashes with TypeError)."""
    result = run("error_server_error_payload")
    error = json.loads(script_frames(result.fixture)[1])
    unknown = result.received[1]
    assert codec.to_wire(unknown) == {}
    assert unknown.extra == error
    assert result.received[2].server_content.turn_complete is True
    assert (
        fixture_of("python", "error_server_error_payload")["outcome"]["error"]["type"]
        == "TypeError"
    )


def test_unknown_fields_are_dropped_below_top_level_and_kept_at_it() -> None:
    """Nested unknown fields are ignored (like PY); unknown top-level keys go to ``extra``."""
    message = run("error_unknown_fields_forward_compat").received[1]
    py = fixture_of("python", "error_unknown_fields_forward_compat")["received"][0]["dump"]
    js = fixture_of("js", "error_unknown_fields_forward_compat")["received"][1]["json"]
    assert codec.to_wire(message) == canonical(py)
    assert message.extra == {"futureTopLevel": js["futureTopLevel"]}
    assert message.text == "a"


def test_empty_frames_are_empty_messages() -> None:
    """``{}`` and a zero-length frame are both delivered as empty messages (PY does the same)."""
    empty = run("error_empty_messages").received[1:3]
    assert [codec.to_wire(m) for m in empty] == [{}, {}]
    assert [m.extra for m in empty] == [None, None]


def test_frame_over_1mib_is_delivered_whole() -> None:
    """The 1.2 MB frame arrives intact (JS too); PY's 1 MiB limit closes the socket (1009)."""
    result = run("error_message_over_1mib")
    big = result.received[1]
    frame = script_frames(result.fixture)[1]
    js = fixture_of("js", "error_message_over_1mib")["received"][1]
    compact = json.dumps(json.loads(frame), separators=(",", ":"))
    assert hashlib.sha256(compact.encode()).hexdigest() == js["json"]["sha256"]
    assert codec.to_wire(big) == canonical(json.loads(frame))
    assert hashlib.sha256((data_b64(big) or "").encode()).hexdigest() == js["data"]["sha256"]
    assert len(big.data) == 900_000
    assert result.conns[0].end_error is None
    py = fixture_of("python", "error_message_over_1mib")
    assert py["connections"][0]["close"]["client_close_frame"]["code"] == 1009


ENDINGS = [
    # scenario, error we raise (None: a clean end of iteration), close code
    ("error_abort_mid_turn", genai_live.ConnectionLost, 1006),
    ("error_close_1000_mid_turn", None, 1000),
    ("error_close_1008", genai_live.PolicyViolation, 1008),
    ("error_close_1011", genai_live.ServerError, 1011),
    ("error_malformed_json", genai_live.DecodeError, None),
]


@pytest.mark.parametrize(("scenario", "error", "code"), ENDINGS)
def test_session_endings_map_to_typed_errors(
    scenario: str, error: type[genai_live.LiveError] | None, code: int | None
) -> None:
    """The way the server ended the session, as the SDKs saw it, becomes our typed error.

    PY raises APIError(code) for every close, 1000 included, and ValueError for
    non-JSON; JS reports the close code to onclose and drops a non-JSON frame.
    """
    conn = run(scenario).conns[0]
    if error is None:
        assert conn.end_error is None
        assert conn.session.close_event.code == code
    else:
        assert isinstance(conn.end_error, error)
        if code is not None:
            assert conn.end_error.code == code
    py_outcome = fixture_of("python", scenario)["outcome"]
    assert py_outcome["ok"] is False
    if code is not None:
        assert py_outcome["error"]["code"] == code
        js_close = [e for e in fixture_of("js", scenario)["events"] if e["event"] == "close"]
        assert js_close[-1]["code"] == code


def test_close_reason_is_kept() -> None:
    """The server's close reason reaches the caller (PY: details; JS: onclose reason)."""
    conn = run("error_close_1008").conns[0]
    assert isinstance(conn.end_error, genai_live.LiveError)
    expected = fixture_of("python", "error_close_1008")["outcome"]["error"]["details"]
    assert conn.end_error.reason == expected


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("error_setup_close_1008", "API key not valid. Please pass a valid API key."),
        ("music_setup_close_1008", "Music model not available."),
    ],
)
def test_close_before_setup_complete_raises_from_connect(scenario: str, reason: str) -> None:
    """connect() raises PolicyViolation (PY raises too; JS never settles)."""
    outcome = run(scenario).outcomes[0]
    assert isinstance(outcome.error, genai_live.PolicyViolation)
    assert (outcome.error.code, outcome.error.reason) == (1008, reason)
    assert fixture_of("python", scenario)["outcome"]["ok"] is False


def test_music_user_type_error_is_not_masked() -> None:
    """A TypeError raised inside ``with music.connect(...)`` reaches the caller unchanged and
    nothing reconnects (PY's legacy fallback swaps it for another TypeError)."""
    fixture = fixture_of("python", "music_user_typeerror_masked")
    fake = replay(fixture)
    opened: list[ConnectRequest] = []

    def connector(request: ConnectRequest) -> FakeTransport:
        """Count the connections opened."""
        opened.append(request)
        return fake.connect(request)

    client = gemini(api_version="v1alpha")
    with pytest.raises(TypeError, match=r"^bug in user code$"):
        with client.live.music.connect(MUSIC_MODEL, transport=connector, timeout=5.0):
            raise TypeError("bug in user code")
    assert len(opened) == 1
    assert fake.client_close is not None
    masked = fixture["notes"]["caller_sees"]["str"]
    assert "extra_headers" in masked
