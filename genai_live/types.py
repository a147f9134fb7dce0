"""The Live and Live Music wire messages as attrs classes (snake_case names, camelCase on the wire)."""

from __future__ import annotations

import enum
from typing import Any

import attrs

__all__ = [
    "ActivityEnd",
    "ActivityHandling",
    "ActivityStart",
    "AudioChunk",
    "AudioTranscriptionConfig",
    "AutomaticActivityDetection",
    "AvatarConfig",
    "Behavior",
    "Blob",
    "CodeExecutionResult",
    "Content",
    "ContextUpdate",
    "ContextWindowCompressionConfig",
    "CustomizedAvatar",
    "EndSensitivity",
    "ExecutableCode",
    "FileData",
    "FunctionCall",
    "FunctionDeclaration",
    "FunctionResponse",
    "FunctionResponseBlob",
    "FunctionResponseFileData",
    "FunctionResponsePart",
    "FunctionResponseScheduling",
    "GenerationConfig",
    "GoogleSearch",
    "GroundingChunk",
    "GroundingChunkWeb",
    "GroundingMetadata",
    "GroundingSupport",
    "HistoryConfig",
    "InteractionStatus",
    "LiveClientContent",
    "LiveClientMessage",
    "LiveClientRealtimeInput",
    "LiveClientSetup",
    "LiveClientToolResponse",
    "LiveConnectConfig",
    "LiveMusicClientContent",
    "LiveMusicClientMessage",
    "LiveMusicClientSetup",
    "LiveMusicConnectConfig",
    "LiveMusicFilteredPrompt",
    "LiveMusicGenerationConfig",
    "LiveMusicPlaybackControl",
    "LiveMusicServerContent",
    "LiveMusicServerMessage",
    "LiveMusicServerSetupComplete",
    "LiveMusicSourceMetadata",
    "LiveServerContent",
    "LiveServerGoAway",
    "LiveServerMessage",
    "LiveServerSessionResumptionUpdate",
    "LiveServerSetupComplete",
    "LiveServerToolCall",
    "LiveServerToolCallCancellation",
    "MediaResolution",
    "Modality",
    "ModalityTokenCount",
    "MusicGenerationMode",
    "Part",
    "PrebuiltVoiceConfig",
    "ProactivityConfig",
    "RealtimeInputConfig",
    "ReplicatedVoiceConfig",
    "SafetySetting",
    "Scale",
    "Schema",
    "SearchEntryPoint",
    "Segment",
    "SessionResumptionConfig",
    "SlidingWindow",
    "SpeechConfig",
    "StartSensitivity",
    "ThinkingConfig",
    "Tool",
    "ToolsUpdate",
    "Transcription",
    "TranscriptionWord",
    "TranslationConfig",
    "TurnCompleteReason",
    "TurnCoverage",
    "UrlContextMetadata",
    "UrlMetadata",
    "UsageMetadata",
    "VadSignalType",
    "VoiceActivity",
    "VoiceActivityDetectionSignal",
    "VoiceActivityType",
    "VoiceConfig",
    "VoiceConsentSignature",
    "WeightedPrompt",
]

# Field metadata read by the codec: "wire" overrides the JSON name, "aliases" are extra accepted
# names, "codec" selects a special wire form ("duration": "1.5s" <-> 1.5 seconds).
WIRE = "wire"
ALIASES = "aliases"
CODEC = "codec"


def _opt(**metadata: Any) -> Any:
    return attrs.field(default=None, metadata=metadata)


def _short_bytes(value: bytes | None) -> str:
    # Audio payloads can be megabytes: never print them whole.
    return "None" if value is None else f"<{len(value)} bytes>"


def _bytes_field() -> Any:
    return attrs.field(default=None, repr=_short_bytes)


class _Wire:
    """The base of the wire classes: one ``__repr__`` and ``__eq__`` for all of them.

    attrs would compile a repr and an eq for each of the ~80 classes at import (a third of the
    package's import time); these read the same fields attrs would.
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value: unhashable

    def __repr__(self) -> str:
        items = []
        for field in self.__attrs_attrs__:  # type: ignore[attr-defined]
            show = field.repr
            if show is False:
                continue
            value = getattr(self, field.name)
            items.append(f"{field.name}={show(value) if callable(show) else repr(value)}")
        return f"{type(self).__qualname__}({', '.join(items)})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(
            getattr(self, field.name) == getattr(other, field.name)
            for field in self.__attrs_attrs__  # type: ignore[attr-defined]
        )


class _WireEnum(str, enum.Enum):
    """A protocol enum; unknown values received from a newer server stay plain strings."""

    def __str__(self) -> str:
        return str(self.value)


class Modality(_WireEnum):
    """Response modality."""

    MODALITY_UNSPECIFIED = "MODALITY_UNSPECIFIED"
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"


class MediaResolution(_WireEnum):
    """Resolution of media input."""

    MEDIA_RESOLUTION_UNSPECIFIED = "MEDIA_RESOLUTION_UNSPECIFIED"
    MEDIA_RESOLUTION_LOW = "MEDIA_RESOLUTION_LOW"
    MEDIA_RESOLUTION_MEDIUM = "MEDIA_RESOLUTION_MEDIUM"
    MEDIA_RESOLUTION_HIGH = "MEDIA_RESOLUTION_HIGH"


class StartSensitivity(_WireEnum):
    """How readily automatic activity detection starts a user turn."""

    START_SENSITIVITY_UNSPECIFIED = "START_SENSITIVITY_UNSPECIFIED"
    START_SENSITIVITY_HIGH = "START_SENSITIVITY_HIGH"
    START_SENSITIVITY_LOW = "START_SENSITIVITY_LOW"


class EndSensitivity(_WireEnum):
    """How readily automatic activity detection ends a user turn."""

    END_SENSITIVITY_UNSPECIFIED = "END_SENSITIVITY_UNSPECIFIED"
    END_SENSITIVITY_HIGH = "END_SENSITIVITY_HIGH"
    END_SENSITIVITY_LOW = "END_SENSITIVITY_LOW"


class ActivityHandling(_WireEnum):
    """Whether user activity interrupts the model (barge-in)."""

    ACTIVITY_HANDLING_UNSPECIFIED = "ACTIVITY_HANDLING_UNSPECIFIED"
    START_OF_ACTIVITY_INTERRUPTS = "START_OF_ACTIVITY_INTERRUPTS"
    NO_INTERRUPTION = "NO_INTERRUPTION"


class TurnCoverage(_WireEnum):
    """Which input a user turn includes."""

    TURN_COVERAGE_UNSPECIFIED = "TURN_COVERAGE_UNSPECIFIED"
    TURN_INCLUDES_ONLY_ACTIVITY = "TURN_INCLUDES_ONLY_ACTIVITY"
    TURN_INCLUDES_ALL_INPUT = "TURN_INCLUDES_ALL_INPUT"
    TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO = "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO"


class Behavior(_WireEnum):
    """Whether a function call blocks the conversation."""

    UNSPECIFIED = "UNSPECIFIED"
    BLOCKING = "BLOCKING"
    NON_BLOCKING = "NON_BLOCKING"


class FunctionResponseScheduling(_WireEnum):
    """When the model reacts to a NON_BLOCKING function's response."""

    SCHEDULING_UNSPECIFIED = "SCHEDULING_UNSPECIFIED"
    SILENT = "SILENT"
    WHEN_IDLE = "WHEN_IDLE"
    INTERRUPT = "INTERRUPT"


class TurnCompleteReason(_WireEnum):
    """Why the model ended its turn (the common values; others stay strings)."""

    TURN_COMPLETE_REASON_UNSPECIFIED = "TURN_COMPLETE_REASON_UNSPECIFIED"
    MALFORMED_FUNCTION_CALL = "MALFORMED_FUNCTION_CALL"
    RESPONSE_REJECTED = "RESPONSE_REJECTED"
    NEED_MORE_INPUT = "NEED_MORE_INPUT"
    PROHIBITED_INPUT_CONTENT = "PROHIBITED_INPUT_CONTENT"
    BLOCKLIST = "BLOCKLIST"
    GENERATED_CONTENT_SAFETY = "GENERATED_CONTENT_SAFETY"
    GENERATED_AUDIO_SAFETY = "GENERATED_AUDIO_SAFETY"
    GENERATED_OTHER = "GENERATED_OTHER"
    MAX_REGENERATION_REACHED = "MAX_REGENERATION_REACHED"


class InteractionStatus(_WireEnum):
    """Whether the model is still working on the interaction."""

    INTERACTION_STATUS_UNSPECIFIED = "INTERACTION_STATUS_UNSPECIFIED"
    IN_PROGRESS = "IN_PROGRESS"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    IDLE = "IDLE"


class VadSignalType(_WireEnum):
    """Start or end of speech, as detected by the server."""

    VAD_SIGNAL_TYPE_UNSPECIFIED = "VAD_SIGNAL_TYPE_UNSPECIFIED"
    VAD_SIGNAL_TYPE_SOS = "VAD_SIGNAL_TYPE_SOS"
    VAD_SIGNAL_TYPE_EOS = "VAD_SIGNAL_TYPE_EOS"


class VoiceActivityType(_WireEnum):
    """Voice activity event kind."""

    TYPE_UNSPECIFIED = "TYPE_UNSPECIFIED"
    ACTIVITY_START = "ACTIVITY_START"
    ACTIVITY_END = "ACTIVITY_END"


class Scale(_WireEnum):
    """Musical scale for Live Music (a major key and its relative minor)."""

    SCALE_UNSPECIFIED = "SCALE_UNSPECIFIED"
    C_MAJOR_A_MINOR = "C_MAJOR_A_MINOR"
    D_FLAT_MAJOR_B_FLAT_MINOR = "D_FLAT_MAJOR_B_FLAT_MINOR"
    D_MAJOR_B_MINOR = "D_MAJOR_B_MINOR"
    E_FLAT_MAJOR_C_MINOR = "E_FLAT_MAJOR_C_MINOR"
    E_MAJOR_D_FLAT_MINOR = "E_MAJOR_D_FLAT_MINOR"
    F_MAJOR_D_MINOR = "F_MAJOR_D_MINOR"
    G_FLAT_MAJOR_E_FLAT_MINOR = "G_FLAT_MAJOR_E_FLAT_MINOR"
    G_MAJOR_E_MINOR = "G_MAJOR_E_MINOR"
    A_FLAT_MAJOR_F_MINOR = "A_FLAT_MAJOR_F_MINOR"
    A_MAJOR_G_FLAT_MINOR = "A_MAJOR_G_FLAT_MINOR"
    B_FLAT_MAJOR_G_MINOR = "B_FLAT_MAJOR_G_MINOR"
    B_MAJOR_A_FLAT_MINOR = "B_MAJOR_A_FLAT_MINOR"


class MusicGenerationMode(_WireEnum):
    """What Live Music optimises for."""

    MUSIC_GENERATION_MODE_UNSPECIFIED = "MUSIC_GENERATION_MODE_UNSPECIFIED"
    QUALITY = "QUALITY"
    DIVERSITY = "DIVERSITY"
    VOCALIZATION = "VOCALIZATION"


class LiveMusicPlaybackControl(_WireEnum):
    """Playback commands for a Live Music session."""

    PLAYBACK_CONTROL_UNSPECIFIED = "PLAYBACK_CONTROL_UNSPECIFIED"
    PLAY = "PLAY"
    PAUSE = "PAUSE"
    STOP = "STOP"
    RESET_CONTEXT = "RESET_CONTEXT"


# --------------------------------------------------------------------------- content


@attrs.define(kw_only=True, repr=False, eq=False)
class Blob(_Wire):
    """Inline bytes with a MIME type (audio chunk, video frame, image)."""

    data: bytes | None = _bytes_field()
    mime_type: str | None = None
    display_name: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FileData(_Wire):
    """A reference to a file by URI."""

    file_uri: str | None = None
    mime_type: str | None = None
    display_name: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FunctionCall(_Wire):
    """A function call requested by the model."""

    id: str | None = None
    name: str | None = None
    args: dict[str, Any] | None = None
    partial_args: list[dict[str, Any]] | None = None
    will_continue: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FunctionResponseBlob(_Wire):
    """Inline bytes attached to a function response."""

    data: bytes | None = _bytes_field()
    mime_type: str | None = None
    display_name: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FunctionResponseFileData(_Wire):
    """A file reference attached to a function response."""

    file_uri: str | None = None
    mime_type: str | None = None
    display_name: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FunctionResponsePart(_Wire):
    """Media attached to a function response."""

    inline_data: FunctionResponseBlob | None = None
    file_data: FunctionResponseFileData | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FunctionResponse(_Wire):
    """The result of a function call, sent back to the model."""

    id: str | None = None
    name: str | None = None
    response: dict[str, Any] | None = None
    will_continue: bool | None = None
    scheduling: FunctionResponseScheduling | str | None = None
    parts: list[FunctionResponsePart] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ExecutableCode(_Wire):
    """Code the model wrote for the code-execution tool."""

    language: str | None = None
    code: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class CodeExecutionResult(_Wire):
    """Result of running `ExecutableCode`."""

    outcome: str | None = None
    output: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class Part(_Wire):
    """One part of a `Content`: text, inline data, a function call or response, ..."""

    text: str | None = None
    inline_data: Blob | None = None
    file_data: FileData | None = None
    function_call: FunctionCall | None = None
    function_response: FunctionResponse | None = None
    executable_code: ExecutableCode | None = None
    code_execution_result: CodeExecutionResult | None = None
    thought: bool | None = None
    thought_signature: bytes | None = _bytes_field()
    video_metadata: dict[str, Any] | None = None
    media_resolution: dict[str, Any] | None = None
    part_metadata: dict[str, Any] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class Content(_Wire):
    """A turn of the conversation: a role and its parts."""

    role: str | None = None
    parts: list[Part] | None = None


# --------------------------------------------------------------------------- tools


@attrs.define(kw_only=True, repr=False, eq=False)
class Schema(_Wire):
    """An OpenAPI-style schema for function parameters (types such as "OBJECT", "STRING")."""

    type: str | None = None
    format: str | None = None
    title: str | None = None
    description: str | None = None
    nullable: bool | None = None
    enum: list[str] | None = None
    items: Schema | None = None
    properties: dict[str, Schema] | None = None
    required: list[str] | None = None
    property_ordering: list[str] | None = None
    any_of: list[Schema] | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_properties: int | None = None
    max_properties: int | None = None
    pattern: str | None = None
    default: Any | None = None
    example: Any | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class FunctionDeclaration(_Wire):
    """A function the model may call."""

    name: str | None = None
    description: str | None = None
    parameters: Schema | None = None
    parameters_json_schema: Any | None = None
    response: Schema | None = None
    response_json_schema: Any | None = None
    behavior: Behavior | str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class GoogleSearch(_Wire):
    """The Google Search grounding tool."""

    search_types: dict[str, Any] | None = None
    time_range_filter: dict[str, Any] | None = None
    blocking_confidence: str | None = None
    exclude_domains: list[str] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class Tool(_Wire):
    """One tool: function declarations or a built-in tool such as Google Search."""

    function_declarations: list[FunctionDeclaration] | None = None
    google_search: GoogleSearch | None = None
    google_search_retrieval: dict[str, Any] | None = None
    code_execution: dict[str, Any] | None = None
    url_context: dict[str, Any] | None = None
    google_maps: dict[str, Any] | None = None
    computer_use: dict[str, Any] | None = None
    file_search: dict[str, Any] | None = None
    mcp_servers: list[dict[str, Any]] | None = None
    retrieval: dict[str, Any] | None = None
    enterprise_web_search: dict[str, Any] | None = None
    parallel_ai_search: dict[str, Any] | None = None
    exa_ai_search: dict[str, Any] | None = None


# --------------------------------------------------------------------------- setup


@attrs.define(kw_only=True, repr=False, eq=False)
class PrebuiltVoiceConfig(_Wire):
    """One of the service's prebuilt voices, by name (e.g. "Kore")."""

    voice_name: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class VoiceConsentSignature(_Wire):
    """Proof of consent for a replicated voice."""

    signature: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ReplicatedVoiceConfig(_Wire):
    """A voice cloned from a sample (24 kHz 16-bit WAV)."""

    mime_type: str | None = None
    voice_sample_audio: bytes | None = _bytes_field()
    consent_audio: bytes | None = _bytes_field()
    voice_consent_signature: VoiceConsentSignature | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class VoiceConfig(_Wire):
    """The voice of the model's audio.

    ``preset_voice`` is the JavaScript documentation's spelling; it is sent as
    ``prebuiltVoiceConfig.voiceName``.
    """

    prebuilt_voice_config: PrebuiltVoiceConfig | None = None
    replicated_voice_config: ReplicatedVoiceConfig | None = None
    preset_voice: str | None = attrs.field(default=None, metadata={WIRE: ""})

    def __attrs_post_init__(self) -> None:
        if self.preset_voice is not None and self.prebuilt_voice_config is None:
            self.prebuilt_voice_config = PrebuiltVoiceConfig(voice_name=self.preset_voice)


@attrs.define(kw_only=True, repr=False, eq=False)
class SpeechConfig(_Wire):
    """Voice and language of the model's audio."""

    voice_config: VoiceConfig | None = None
    language_code: str | None = None
    multi_speaker_voice_config: dict[str, Any] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ThinkingConfig(_Wire):
    """Thinking budget and whether to include thoughts."""

    include_thoughts: bool | None = None
    thinking_budget: int | None = None
    thinking_level: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class TranslationConfig(_Wire):
    """Speech-to-speech translation (Gemini API only)."""

    target_language_code: str | None = None
    echo_target_language: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class GenerationConfig(_Wire):
    """Generation parameters of the setup message."""

    response_modalities: list[Modality | str] | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    candidate_count: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop_sequences: list[str] | None = None
    response_mime_type: str | None = None
    media_resolution: MediaResolution | str | None = None
    speech_config: SpeechConfig | None = None
    thinking_config: ThinkingConfig | None = None
    enable_affective_dialog: bool | None = None
    translation_config: TranslationConfig | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class AutomaticActivityDetection(_Wire):
    """Server-side voice activity detection settings."""

    disabled: bool | None = None
    start_of_speech_sensitivity: StartSensitivity | str | None = None
    end_of_speech_sensitivity: EndSensitivity | str | None = None
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class RealtimeInputConfig(_Wire):
    """How realtime input is turned into turns."""

    automatic_activity_detection: AutomaticActivityDetection | None = None
    activity_handling: ActivityHandling | str | None = None
    turn_coverage: TurnCoverage | str | None = None
    interim_transcript_timestamp_enabled: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class SessionResumptionConfig(_Wire):
    """Ask for resumption handles; ``handle`` resumes an earlier session."""

    handle: str | None = None
    transparent: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class SlidingWindow(_Wire):
    """Sliding-window context compression."""

    target_tokens: int | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ContextWindowCompressionConfig(_Wire):
    """Context window compression."""

    trigger_tokens: int | None = None
    sliding_window: SlidingWindow | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class AudioTranscriptionConfig(_Wire):
    """Transcription of input or output audio (``{}`` turns it on)."""

    language_codes: list[str] | None = None
    language_auto: dict[str, Any] | None = None
    language_hints: dict[str, Any] | None = None
    custom_vocabulary: list[str] | None = None
    adaptation_phrases: list[str] | None = None
    word_timestamp: bool | None = None
    diarization: bool | None = None
    mode: str | None = None
    source_text: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ProactivityConfig(_Wire):
    """Let the model decide not to answer (proactive audio/video)."""

    proactive_audio: bool | None = None
    proactive_video: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class HistoryConfig(_Wire):
    """Send initial history as clientContent before the first model turn."""

    initial_history_in_client_content: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class CustomizedAvatar(_Wire):
    """A custom avatar image."""

    image_mime_type: str | None = None
    image_data: bytes | None = _bytes_field()


@attrs.define(kw_only=True, repr=False, eq=False)
class AvatarConfig(_Wire):
    """Avatar video output settings."""

    avatar_name: str | None = None
    customized_avatar: CustomizedAvatar | None = None
    audio_bitrate_bps: int | None = None
    video_bitrate_bps: int | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class SafetySetting(_Wire):
    """A safety filter threshold."""

    category: str | None = None
    threshold: str | None = None
    method: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveClientSetup(_Wire):
    """The first client message: model and session configuration."""

    model: str | None = None
    generation_config: GenerationConfig | None = None
    system_instruction: Content | None = None
    tools: list[Tool] | None = None
    realtime_input_config: RealtimeInputConfig | None = None
    session_resumption: SessionResumptionConfig | None = None
    context_window_compression: ContextWindowCompressionConfig | None = None
    input_audio_transcription: AudioTranscriptionConfig | None = None
    output_audio_transcription: AudioTranscriptionConfig | None = None
    proactivity: ProactivityConfig | None = None
    explicit_vad_signal: bool | None = None
    history_config: HistoryConfig | None = None
    avatar_config: AvatarConfig | None = None
    safety_settings: list[SafetySetting] | None = None
    labels: dict[str, str] | None = None


# --------------------------------------------------------------------------- client messages


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveClientContent(_Wire):
    """Turns appended to the conversation; ``turn_complete`` asks the model to answer."""

    turns: list[Content] | None = None
    turn_complete: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ActivityStart(_Wire):
    """Start of user activity (manual activity detection)."""


@attrs.define(kw_only=True, repr=False, eq=False)
class ActivityEnd(_Wire):
    """End of user activity (manual activity detection)."""


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveClientRealtimeInput(_Wire):
    """Realtime input: audio, video frames, text or activity markers."""

    media_chunks: list[Blob] | None = None
    audio: Blob | None = None
    video: Blob | None = None
    text: str | None = None
    activity_start: ActivityStart | None = None
    activity_end: ActivityEnd | None = None
    audio_stream_end: bool | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveClientToolResponse(_Wire):
    """Responses to the model's function calls."""

    function_responses: list[FunctionResponse] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ToolsUpdate(_Wire):
    """The tool list of a context update (an empty list clears all tools)."""

    tools: list[Tool] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ContextUpdate(_Wire):
    """Mid-session change of the system instruction and/or tools."""

    system_instruction: Content | None = None
    tools: ToolsUpdate | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveClientMessage(_Wire):
    """Any message the client sends to the Live API (exactly one field set)."""

    setup: LiveClientSetup | None = None
    client_content: LiveClientContent | None = None
    realtime_input: LiveClientRealtimeInput | None = None
    tool_response: LiveClientToolResponse | None = None
    context_update: ContextUpdate | None = None


# --------------------------------------------------------------------------- connect config


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveConnectConfig(_Wire):
    """The flat session configuration given to ``client.live.connect(config=...)``.

    Generation fields (``response_modalities``, ``temperature``, ...) are placed in
    ``setup.generationConfig``; the rest map to ``setup`` fields of the same name.
    ``system_instruction`` takes a str, Part, Content or a list of them; ``tools`` takes Tool
    objects, dicts, or plain Python callables (automatic function calling).
    """

    response_modalities: list[Modality | str] | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    media_resolution: MediaResolution | str | None = None
    speech_config: SpeechConfig | None = None
    thinking_config: ThinkingConfig | None = None
    enable_affective_dialog: bool | None = None
    translation_config: TranslationConfig | None = None
    generation_config: GenerationConfig | None = None
    system_instruction: Any | None = None
    tools: list[Any] | None = None
    realtime_input_config: RealtimeInputConfig | None = None
    session_resumption: SessionResumptionConfig | None = None
    context_window_compression: ContextWindowCompressionConfig | None = None
    input_audio_transcription: AudioTranscriptionConfig | None = None
    output_audio_transcription: AudioTranscriptionConfig | None = None
    proactivity: ProactivityConfig | None = None
    explicit_vad_signal: bool | None = None
    history_config: HistoryConfig | None = None
    avatar_config: AvatarConfig | None = None
    safety_settings: list[SafetySetting] | None = None
    labels: dict[str, str] | None = None
    http_options: Any | None = None
    tool_config: Any | None = None


# --------------------------------------------------------------------------- server messages


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerSetupComplete(_Wire):
    """The server accepted the setup."""

    session_id: str | None = None
    voice_consent_signature: VoiceConsentSignature | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class TranscriptionWord(_Wire):
    """One transcribed word with its timing (seconds)."""

    word: str | None = None
    start_offset: float | None = _opt(**{CODEC: "duration"})
    end_offset: float | None = _opt(**{CODEC: "duration"})


@attrs.define(kw_only=True, repr=False, eq=False)
class Transcription(_Wire):
    """A piece of input or output audio transcription."""

    text: str | None = None
    finished: bool | None = None
    language_code: str | None = None
    speaker_label: str | None = None
    words: list[TranscriptionWord] | None = None
    start_offset: float | None = _opt(**{CODEC: "duration"})
    end_offset: float | None = _opt(**{CODEC: "duration"})


@attrs.define(kw_only=True, repr=False, eq=False)
class GroundingChunkWeb(_Wire):
    """A web source used for grounding."""

    uri: str | None = None
    title: str | None = None
    domain: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class GroundingChunk(_Wire):
    """A grounding source."""

    web: GroundingChunkWeb | None = None
    maps: dict[str, Any] | None = None
    image: dict[str, Any] | None = None
    retrieved_context: dict[str, Any] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class Segment(_Wire):
    """A span of the response text."""

    start_index: int | None = None
    end_index: int | None = None
    part_index: int | None = None
    text: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class GroundingSupport(_Wire):
    """Which grounding chunks support a segment."""

    segment: Segment | None = None
    grounding_chunk_indices: list[int] | None = None
    confidence_scores: list[float] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class SearchEntryPoint(_Wire):
    """Search suggestions to display."""

    rendered_content: str | None = None
    sdk_blob: bytes | None = _bytes_field()


@attrs.define(kw_only=True, repr=False, eq=False)
class GroundingMetadata(_Wire):
    """How the response was grounded (e.g. Google Search)."""

    web_search_queries: list[str] | None = None
    grounding_chunks: list[GroundingChunk] | None = None
    grounding_supports: list[GroundingSupport] | None = None
    search_entry_point: SearchEntryPoint | None = None
    retrieval_queries: list[str] | None = None
    image_search_queries: list[str] | None = None
    retrieval_metadata: dict[str, Any] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class UrlMetadata(_Wire):
    """Retrieval status of one URL."""

    retrieved_url: str | None = None
    url_retrieval_status: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class UrlContextMetadata(_Wire):
    """URLs retrieved by the URL context tool."""

    url_metadata: list[UrlMetadata] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerContent(_Wire):
    """Model output: content parts, transcriptions and turn markers."""

    model_turn: Content | None = None
    turn_complete: bool | None = None
    interrupted: bool | None = None
    generation_complete: bool | None = None
    grounding_metadata: GroundingMetadata | None = None
    input_transcription: Transcription | None = None
    output_transcription: Transcription | None = None
    interim_input_transcription: Transcription | None = None
    url_context_metadata: UrlContextMetadata | None = None
    turn_complete_reason: TurnCompleteReason | str | None = None
    waiting_for_input: bool | None = None
    interaction_status: InteractionStatus | str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerToolCall(_Wire):
    """The model asks the client to run functions."""

    function_calls: list[FunctionCall] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerToolCallCancellation(_Wire):
    """Earlier function calls that should no longer be run or answered."""

    ids: list[str] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class ModalityTokenCount(_Wire):
    """Token count of one modality."""

    modality: Modality | str | None = None
    token_count: int | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class UsageMetadata(_Wire):
    """Token usage (Vertex AI's ``candidates*`` names are read into the ``response*`` fields)."""

    prompt_token_count: int | None = None
    cached_content_token_count: int | None = None
    response_token_count: int | None = _opt(**{ALIASES: ("candidatesTokenCount",)})
    tool_use_prompt_token_count: int | None = None
    thoughts_token_count: int | None = None
    total_token_count: int | None = None
    prompt_tokens_details: list[ModalityTokenCount] | None = None
    cache_tokens_details: list[ModalityTokenCount] | None = None
    response_tokens_details: list[ModalityTokenCount] | None = _opt(
        **{ALIASES: ("candidatesTokensDetails",)}
    )
    tool_use_prompt_tokens_details: list[ModalityTokenCount] | None = None
    service_tier: str | None = None
    traffic_type: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerGoAway(_Wire):
    """The server will close the connection in ``time_left`` seconds."""

    time_left: float | None = _opt(**{CODEC: "duration"})


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerSessionResumptionUpdate(_Wire):
    """A new resumption handle (valid when ``resumable``)."""

    new_handle: str | None = None
    resumable: bool | None = None
    last_consumed_client_message_index: int | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class VoiceActivityDetectionSignal(_Wire):
    """Start/end of speech detected by the server."""

    vad_signal_type: VadSignalType | str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class VoiceActivity(_Wire):
    """Voice activity event (``type`` on the wire)."""

    voice_activity_type: VoiceActivityType | str | None = _opt(**{WIRE: "type"})
    audio_offset: float | None = _opt(**{CODEC: "duration"})


def _text_of(content: Content | None) -> str | None:
    if content is None or not content.parts:
        return None
    text = "".join(p.text for p in content.parts if p.text is not None and p.thought is not True)
    return text or None


def _data_of(content: Content | None) -> bytes | None:
    if content is None or not content.parts:
        return None
    chunks = [p.inline_data.data for p in content.parts if p.inline_data and p.inline_data.data]
    return b"".join(chunks) or None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveServerMessage(_Wire):
    """Any message received from the Live API.

    Unknown top-level keys from a newer server are kept, raw, in ``extra``.
    """

    setup_complete: LiveServerSetupComplete | None = None
    server_content: LiveServerContent | None = None
    tool_call: LiveServerToolCall | None = None
    tool_call_cancellation: LiveServerToolCallCancellation | None = None
    usage_metadata: UsageMetadata | None = None
    go_away: LiveServerGoAway | None = None
    session_resumption_update: LiveServerSessionResumptionUpdate | None = None
    voice_activity_detection_signal: VoiceActivityDetectionSignal | None = None
    voice_activity: VoiceActivity | None = None
    extra: dict[str, Any] | None = None

    @property
    def text(self) -> str | None:
        """The text of the model turn's parts (thoughts excluded), or None."""
        sc = self.server_content
        return None if sc is None else _text_of(sc.model_turn)

    @property
    def data(self) -> bytes | None:
        """The concatenated inline data (e.g. PCM audio) of the model turn, or None."""
        sc = self.server_content
        return None if sc is None else _data_of(sc.model_turn)


# --------------------------------------------------------------------------- Live Music


@attrs.define(kw_only=True, repr=False, eq=False)
class WeightedPrompt(_Wire):
    """A text prompt and its weight (must not be 0) for Live Music."""

    text: str | None = None
    weight: float | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicGenerationConfig(_Wire):
    """Live Music generation settings (ranges are checked by the music session)."""

    temperature: float | None = None
    top_k: int | None = None
    seed: int | None = None
    guidance: float | None = None
    bpm: int | None = None
    density: float | None = None
    brightness: float | None = None
    scale: Scale | str | None = None
    mute_bass: bool | None = None
    mute_drums: bool | None = None
    only_bass_and_drums: bool | None = None
    music_generation_mode: MusicGenerationMode | str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicConnectConfig(_Wire):
    """The JavaScript documentation's music ``config``: ``tempo``, ``scale``, ``mode``."""

    tempo: int | None = None
    scale: Scale | str | None = None
    mode: MusicGenerationMode | str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicClientSetup(_Wire):
    """Live Music setup: the model."""

    model: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicClientContent(_Wire):
    """The weighted prompts steering the music."""

    weighted_prompts: list[WeightedPrompt] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicClientMessage(_Wire):
    """Any message the client sends to Live Music (exactly one field set)."""

    setup: LiveMusicClientSetup | None = None
    client_content: LiveMusicClientContent | None = None
    music_generation_config: LiveMusicGenerationConfig | None = None
    playback_control: LiveMusicPlaybackControl | str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicSourceMetadata(_Wire):
    """The prompts and config that produced an audio chunk."""

    client_content: LiveMusicClientContent | None = None
    music_generation_config: LiveMusicGenerationConfig | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class AudioChunk(_Wire):
    """A chunk of generated music (PCM16, 48 kHz, stereo)."""

    data: bytes | None = _bytes_field()
    mime_type: str | None = None
    source_metadata: LiveMusicSourceMetadata | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicServerContent(_Wire):
    """Generated audio chunks."""

    audio_chunks: list[AudioChunk] | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicFilteredPrompt(_Wire):
    """A prompt the service refused, and why."""

    text: str | None = None
    filtered_reason: str | None = None


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicServerSetupComplete(_Wire):
    """The music server accepted the setup."""


@attrs.define(kw_only=True, repr=False, eq=False)
class LiveMusicServerMessage(_Wire):
    """Any message received from Live Music; unknown keys are kept in ``extra``."""

    setup_complete: LiveMusicServerSetupComplete | None = None
    server_content: LiveMusicServerContent | None = None
    filtered_prompt: LiveMusicFilteredPrompt | None = None
    extra: dict[str, Any] | None = None

    @property
    def audio_chunk(self) -> AudioChunk | None:
        """The first audio chunk, or None."""
        sc = self.server_content
        return sc.audio_chunks[0] if sc is not None and sc.audio_chunks else None
