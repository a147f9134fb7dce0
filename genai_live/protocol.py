"""The Live protocol without I/O: config to setup frame, inputs to client frames, closes to errors."""

from __future__ import annotations

import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from . import codec
from . import types as t
from .errors import (
    ConnectionLost,
    InvalidArgument,
    LiveError,
    MessageTooLarge,
    PolicyViolation,
    ServerError,
)

__all__ = [
    "Backend",
    "CloseEvent",
    "build_setup",
    "client_content",
    "coerce_client_message",
    "coerce_contents",
    "encode",
    "error_for_close",
    "normalize_model",
    "realtime_input",
    "tool_response",
    "unwrap",
]

INPUT_AUDIO_MIME = "audio/pcm;rate=16000"
FUNCTION_RESPONSE_REQUIRES_ID = (
    "FunctionResponse request must have an `id` field from the response of a "
    "ToolCall.FunctionalCalls in Google AI."
)

T = TypeVar("T")


@attrs.define(frozen=True, kw_only=True)
class Backend:
    """Which service a session talks to; decides model names and backend-only fields."""

    vertexai: bool = False
    project: str | None = None
    location: str | None = None

    @property
    def name(self) -> str:
        """``"vertex"`` or ``"gemini"``."""
        return "vertex" if self.vertexai else "gemini"


@attrs.define(frozen=True, kw_only=True)
class CloseEvent:
    """How a session ended: the close ``code`` and ``reason``, and the error if it was one.

    ``code`` is 1000 for a normal close (by either side), 1006 when the connection dropped
    without a close frame.
    """

    code: int
    reason: str = ""
    error: LiveError | None = None
    by_client: bool = False

    @property
    def ok(self) -> bool:
        """True when the session ended normally."""
        return self.error is None


# --------------------------------------------------------------------------- close codes

_CLOSE_ERRORS: dict[int, tuple[type[LiveError], str]] = {
    1006: (ConnectionLost, "connection lost without a close frame"),
    1007: (InvalidArgument, "server rejected the request as invalid"),
    1008: (PolicyViolation, "server refused the request"),
    1009: (MessageTooLarge, "message too large"),
    1011: (ServerError, "server error"),
    1012: (ServerError, "service restarting"),
    1013: (ServerError, "service overloaded, try again later"),
    1014: (ServerError, "bad gateway"),
}


def error_for_close(code: int, reason: str = "") -> LiveError | None:
    """The error a close code means, or None for a normal close (1000, 1001, 1005)."""
    if code in (1000, 1001, 1005):
        return None
    cls, text = _CLOSE_ERRORS.get(code, (LiveError, "connection closed with an unexpected code"))
    if code not in _CLOSE_ERRORS:
        return LiveError(text, code=code, reason=reason, retryable=code >= 4000 or code == 1002)
    return cls(text, code=code, reason=reason)


# --------------------------------------------------------------------------- model names


def normalize_model(model: str, backend: Backend, *, music: bool = False) -> str:
    """The ``setup.model`` resource name for ``model`` on ``backend`` (protocol.md §2.2)."""
    if not isinstance(model, str) or not model:
        raise ValueError("model is required: pass e.g. model='gemini-live-2.5-flash-preview'.")
    if ".." in model or "?" in model or "&" in model:
        raise ValueError(f"invalid model name {model!r}: it must not contain '..', '?' or '&'.")
    if not backend.vertexai or music:
        if model.startswith(("models/", "tunedModels/")):
            return model
        return f"models/{model}"
    if model.startswith(("projects/", "models/")):
        return model
    if model.startswith("publishers/"):
        name = model
    elif "/" in model:
        publisher, rest = model.split("/", 1)
        name = f"publishers/{publisher}/models/{rest}"
    else:
        name = f"publishers/google/models/{model}"
    if backend.project and backend.location:
        return f"projects/{backend.project}/locations/{backend.location}/{name}"
    return name


# --------------------------------------------------------------------------- content


def _validated(value: Any, cls: type[T]) -> T:
    """Like `codec.from_user`, but an attrs instance is checked through and through too
    (``LiveConnectConfig(speech_config={"voice_config": ...})`` holds dicts in typed fields)."""
    if isinstance(value, cls):
        value = codec.to_wire(value) | _untyped_fields(value)
    return codec.from_user(value, cls)


def _untyped_fields(value: Any) -> dict[str, Any]:
    # Fields typed Any keep their objects (callables in tools, Parts in system_instruction).
    cls = attrs.resolve_types(type(value))
    return {
        codec.to_camel(f.name): getattr(value, f.name)
        for f in attrs.fields(cls)
        if _mentions_any(f.type) and getattr(value, f.name) is not None
    }


def _mentions_any(tp: Any) -> bool:
    return tp is Any or any(_mentions_any(arg) for arg in typing.get_args(tp))


def _part(value: Any) -> t.Part:
    if isinstance(value, str):
        return t.Part(text=value)
    return codec.from_user(value, t.Part)


def _is_content(value: Any) -> bool:
    if isinstance(value, t.Content):
        return True
    return isinstance(value, Mapping) and ("parts" in value or "role" in value)


def coerce_contents(turns: Any) -> list[t.Content]:
    """Turn a str, Part, Content, dict or a list of them into a list of Content.

    Strings and Parts are gathered into one user Content; Contents are kept as they are.
    """
    if isinstance(turns, (str, t.Part, t.Content, Mapping)):
        turns = [turns]
    if not isinstance(turns, Sequence) or not turns:
        raise TypeError(
            "turns must be a str, Part, Content, dict or a non-empty list of them, "
            f"got {type(turns).__name__}"
        )
    contents = [_is_content(item) for item in turns]
    if all(contents):
        return [codec.from_user(item, t.Content) for item in turns]
    if any(contents):
        raise TypeError("turns mixes Contents and Parts: pass a list of Contents or of Parts.")
    return [t.Content(role="user", parts=[_part(item) for item in turns])]


def _content(value: Any) -> t.Content:
    """A system instruction: str, Part, Content or a list → one Content (role user)."""
    if _is_content(value):
        return codec.from_user(value, t.Content)
    items = value if isinstance(value, (list, tuple)) else [value]
    return t.Content(role="user", parts=[_part(item) for item in items])


# --------------------------------------------------------------------------- setup

_GENERATION_FIELDS = tuple(
    f.name
    for f in attrs.fields(t.GenerationConfig)
    if f.name in {g.name for g in attrs.fields(t.LiveConnectConfig)}
)
_SETUP_FIELDS = tuple(
    f.name
    for f in attrs.fields(t.LiveClientSetup)
    if f.name in {g.name for g in attrs.fields(t.LiveConnectConfig)}
    and f.name not in ("system_instruction", "tools", "generation_config")
)

ToolNormalizer = Callable[[Sequence[Any]], list[t.Tool]]


def _default_tools(tools: Sequence[Any]) -> list[t.Tool]:
    return [codec.from_user(tool, t.Tool) for tool in tools]


def build_setup(
    model: str,
    config: Any,
    backend: Backend,
    *,
    tool_normalizer: ToolNormalizer = _default_tools,
) -> t.LiveClientMessage:
    """The ``setup`` message for ``connect(model, config)``; raises before anything is sent.

    ``config`` is a `types.LiveConnectConfig` or a dict with camelCase or snake_case keys.
    """
    cfg = _validated(config or {}, t.LiveConnectConfig)
    if cfg.http_options is not None:
        raise ValueError(
            "http_options are not supported in the connect config: pass them to "
            "genai_live.Client(http_options=...) instead."
        )
    if cfg.tool_config is not None:
        raise ValueError("tool_config is not supported by the Live API; remove it from config.")
    generation = _generation_config(cfg)
    if backend.vertexai and not (generation and generation.response_modalities):
        generation = generation or t.GenerationConfig()
        generation.response_modalities = [t.Modality.AUDIO]
    setup = t.LiveClientSetup(
        model=normalize_model(model, backend),
        generation_config=generation,
        **{name: value for name in _SETUP_FIELDS if (value := getattr(cfg, name)) is not None},
    )
    if cfg.system_instruction is not None:
        setup.system_instruction = _content(cfg.system_instruction)
    if cfg.tools:
        setup.tools = tool_normalizer(cfg.tools)
    _check_backend_fields(setup, backend)
    return t.LiveClientMessage(setup=setup)


def _generation_config(cfg: t.LiveConnectConfig) -> t.GenerationConfig | None:
    flat = {name: value for name in _GENERATION_FIELDS if (value := getattr(cfg, name)) is not None}
    nested = cfg.generation_config
    if nested is None:
        if not flat:
            return None
        generation = t.GenerationConfig(**flat)
    else:
        warnings.warn(
            "config.generation_config is deprecated: set its fields (temperature, ...) directly "
            "on the connect config.",
            DeprecationWarning,
            stacklevel=4,
        )
        generation = attrs.evolve(nested)
        for name, value in flat.items():
            existing = getattr(generation, name)
            if existing is not None and existing != value:
                raise ValueError(
                    f"{name} is set both in config.generation_config ({existing!r}) and "
                    f"directly in config ({value!r}); set it once."
                )
            setattr(generation, name, value)
    if generation.response_modalities:
        generation.response_modalities = [
            codec.USER.structure(m, t.Modality) for m in generation.response_modalities
        ]
    speech = generation.speech_config
    if speech is not None and speech.multi_speaker_voice_config is not None:
        raise ValueError(
            "multi_speaker_voice_config is not supported in the Live API: use "
            "speech_config.voice_config with one voice."
        )
    return None if generation == t.GenerationConfig() else generation


def _check_backend_fields(setup: t.LiveClientSetup, backend: Backend) -> None:
    where = "Vertex AI (Client(vertexai=True, ...))"
    if not backend.vertexai:
        if setup.session_resumption is not None and setup.session_resumption.transparent:
            raise ValueError(
                f"session_resumption.transparent is only supported on {where}, not on the "
                "Gemini API; remove it."
            )
        if setup.explicit_vad_signal is not None:
            raise ValueError(f"explicit_vad_signal is only supported on {where}; remove it.")
        for setting in setup.safety_settings or ():
            if setting.method is not None:
                raise ValueError(f"safety_settings[].method is only supported on {where}.")
    elif setup.generation_config and setup.generation_config.translation_config is not None:
        raise ValueError(
            "translation_config is only supported on the Gemini API, not on Vertex AI."
        )


# --------------------------------------------------------------------------- client messages


def coerce_client_message(message: Any) -> t.LiveClientMessage:
    """Any client message given as a dict (either key style) or attrs object, validated."""
    msg = _validated(message, t.LiveClientMessage)
    kinds = [f.name for f in attrs.fields(t.LiveClientMessage) if getattr(msg, f.name) is not None]
    if len(kinds) != 1:
        raise ValueError(
            "a client message must set exactly one of setup, clientContent, realtimeInput, "
            f"toolResponse, contextUpdate; got {len(kinds)}: {kinds}"
        )
    if msg.realtime_input is not None:
        _check_realtime(msg.realtime_input)
    return msg


def client_content(turns: Any = None, turn_complete: bool | None = True) -> t.LiveClientMessage:
    """A ``clientContent`` message from str / Part / Content / dict or a list of them."""
    content = t.LiveClientContent(
        turns=None if turns is None else coerce_contents(turns), turn_complete=turn_complete
    )
    return t.LiveClientMessage(client_content=content)


def _blob(value: Any, default_mime: str | None, field: str) -> t.Blob:
    if isinstance(value, (bytes, bytearray, memoryview)):
        if default_mime is None:
            raise TypeError(
                f"{field} needs a mime type: pass types.Blob(data=..., mime_type='image/jpeg')."
            )
        return t.Blob(data=bytes(value), mime_type=default_mime)
    return codec.from_user(value, t.Blob)


def realtime_input(**fields: Any) -> t.LiveClientMessage:
    """A ``realtimeInput`` message with exactly one of its fields set.

    ``audio`` and ``media`` take a Blob, a blob dict or raw bytes (PCM16 at 16 kHz for ``audio``);
    ``video`` a Blob or blob dict with an ``image/*`` mime type.
    """
    given = {k: v for k, v in fields.items() if v is not None}
    if len(given) != 1:
        raise ValueError(
            "send_realtime_input takes exactly one of media, audio, video, text, activity_start, "
            f"activity_end, audio_stream_end; got {len(given)}: {sorted(given)}"
        )
    ((name, value),) = given.items()
    rt = t.LiveClientRealtimeInput()
    if name == "audio":
        rt.audio = _blob(value, INPUT_AUDIO_MIME, "audio")
    elif name == "video":
        rt.video = _blob(value, None, "video")
    elif name == "media":
        items = value if isinstance(value, list) else [value]
        rt.media_chunks = [_blob(v, INPUT_AUDIO_MIME, "media") for v in items]
    elif name == "text":
        if not isinstance(value, str):
            raise TypeError(f"text must be a str, got {type(value).__name__}")
        rt.text = value
    elif name in ("activity_start", "activity_end"):
        cls = t.ActivityStart if name == "activity_start" else t.ActivityEnd
        setattr(rt, name, codec.from_user(value if value is not True else {}, cls))
    elif name == "audio_stream_end":
        rt.audio_stream_end = bool(value)
    else:
        raise TypeError(f"unknown realtime input {name!r}")
    # One field was checked above; only the mime type of audio/video is left to check.
    _check_mime(rt.audio, "audio/", "audio")
    _check_mime(rt.video, "image/", "video")
    return t.LiveClientMessage(realtime_input=rt)


def _check_mime(blob: t.Blob | None, prefix: str, field: str) -> None:
    if blob is None:
        return
    mime = blob.mime_type
    if not mime or not mime.startswith(prefix):
        raise ValueError(
            f"Unsupported mime type for {field}: {mime!r}; it must start with {prefix!r} "
            f"(e.g. {INPUT_AUDIO_MIME!r} or 'image/jpeg')."
        )


def _check_realtime(rt: t.LiveClientRealtimeInput) -> None:
    present = [
        f.name for f in attrs.fields(t.LiveClientRealtimeInput) if getattr(rt, f.name) is not None
    ]
    if len(present) != 1:
        raise ValueError(
            f"realtimeInput must carry exactly one field per message; got {len(present)}: {present}"
        )
    _check_mime(rt.audio, "audio/", "audio")
    _check_mime(rt.video, "image/", "video")


def tool_response(function_responses: Any, *, require_id: bool) -> t.LiveClientMessage:
    """A ``toolResponse`` message; on the Gemini API every response needs the call's ``id``."""
    items = function_responses
    if items is None or (isinstance(items, Sequence) and not isinstance(items, str) and not items):
        raise ValueError("send_tool_response needs at least one function response.")
    if isinstance(items, (Mapping, t.FunctionResponse)):
        items = [items]
    responses = [codec.from_user(item, t.FunctionResponse) for item in items]
    for response in responses:
        if response.name is None:
            raise ValueError("every function response needs the function's name.")
        if require_id and not response.id:
            raise ValueError(FUNCTION_RESPONSE_REQUIRES_ID + " Copy it from the tool call's id.")
        if response.response is None:
            response.response = {}
    return t.LiveClientMessage(tool_response=t.LiveClientToolResponse(function_responses=responses))


def unwrap(value: Any, key: str) -> Any:
    """The JavaScript SDK wraps arguments in one named key (``{"toolResponse": {...}}``):
    return what is inside when ``value`` has ``key`` (camelCase or snake_case), else ``value``."""
    if isinstance(value, Mapping):
        for name in (key, codec.to_snake(key)):
            if name in value:
                return value[name]
    return value


def encode(message: Any) -> bytes:
    """The JSON text of a client message (canonical camelCase, standard base64)."""
    return codec.dumps(codec.to_wire(message))
