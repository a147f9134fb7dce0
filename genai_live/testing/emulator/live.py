"""One Live API connection's conversation: the deterministic model behind `LiveEmulator`.

Sans-IO: `LiveConversation` takes client frames and the time, and plans server messages on a
`Schedule`; the connection loop sends them when they are due. Replies come from
``_model.brain`` (text and tool choice), ``_model.voice`` (speech out and in), ``_model.vad``
(when the user speaks) and ``_model.images`` (video frame sizes).
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs

from ... import codec
from ... import types as t
from ...audio import resample
from .._model.brain import choose_tool, count_tokens, reply_text, split_chunks, tool_result_text
from .._model.images import image_size
from .._model.vad import VadEvent, VoiceActivityDetector
from .._model.voice import recognize as recognize_speech
from .._model.voice import synthesize
from .engine import Close, Outgoing, Reject, Schedule, Send, parse_client_frame
from .routes import Route

__all__ = [
    "AUDIO_CHUNK_SECONDS",
    "OUTPUT_MIME",
    "TEXT_SECONDS_PER_WORD",
    "LiveConversation",
    "ResumptionStore",
    "Snapshot",
    "not_found_reason",
]

OUTPUT_RATE = 24000
OUTPUT_MIME = "audio/pcm;rate=24000"
AUDIO_CHUNK_SECONDS = 0.08
"""Length of one reply audio chunk (3840 bytes of PCM16 at 24 kHz)."""
TEXT_SECONDS_PER_WORD = 0.06
"""Pace of text replies at ``speed=1``: a five-word chunk every 0.3 s."""
DEADLINE_REASON = "Deadline expired before operation could complete."
_GOAWAY_NOTICE_SECONDS = 10.0
_SPEECH_MARGIN_SECONDS = 0.04  # kept around a detected utterance, so whole words are read
_SILENCE_KEPT_SECONDS = 1.0  # audio kept before speech starts (VAD reports starts late)
_RATE = re.compile(r"rate=(\d+)")

# Reply pieces share this tag so that an interruption cancels them all at once.
_REPLY = "reply"
_CONTROL = "control"
_LIFETIME = "lifetime"


def not_found_reason(model: str, route: Route) -> str:
    """The service's close reason for an unknown model (before the 123-byte cut)."""
    shown = model if "/" in model else f"models/{model}"
    return (
        f"{shown} is not found for API version {route.api_version}, or is not supported for "
        f"{route.rpc_name}. Call ListModels to see the list of available models and their "
        "supported methods."
    )


@attrs.define(kw_only=True)
class Snapshot:
    """A conversation as stored for session resumption: its turns as (role, text)."""

    history: list[tuple[str, str]] = attrs.field(factory=list)


class ResumptionStore:
    """Resumption handles of every connection of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[str, Snapshot] = {}

    def save(self, snapshot: Snapshot) -> str:
        """Store a copy of ``snapshot`` under a new handle."""
        handle = "resume-" + uuid.uuid4().hex
        with self._lock:
            self._snapshots[handle] = Snapshot(history=list(snapshot.history))
        return handle

    def load(self, handle: str) -> Snapshot | None:
        """The snapshot stored under ``handle`` (a copy), or None."""
        with self._lock:
            found = self._snapshots.get(handle)
        return None if found is None else Snapshot(history=list(found.history))


def _text_of(content: t.Content) -> str:
    return " ".join(p.text for p in content.parts or [] if p.text and p.thought is not True)


def _rate_of(mime_type: str | None) -> int:
    match = _RATE.search(mime_type or "")
    return int(match.group(1)) if match else 16000


def _is(mime_type: str | None, prefix: str) -> bool:
    return (mime_type or "").lower().startswith(prefix)


class LiveConversation:
    """The deterministic model of one Live connection (see `LiveEmulator` for the rules)."""

    def __init__(
        self,
        route: Route,
        *,
        store: ResumptionStore,
        speed: float = 1.0,
        lifetime: float | None = None,
    ) -> None:
        self._route = route
        self._store = store
        self._speed = speed
        self._lifetime = lifetime
        self._schedule = Schedule()
        self._setup: t.LiveClientSetup | None = None
        self._setup_sent = False
        # the conversation
        self._history: list[tuple[str, str]] = []
        self._unanswered: list[str] = []  # user text given with turnComplete false
        self._image: tuple[int, int] | None = None
        self._system_text: str | None = None
        self._declarations: list[dict[str, Any]] = []
        # what the model is doing
        self._generating = False
        self._pending_calls: dict[str, str] = {}
        self._answers: list[tuple[str, dict[str, Any]]] = []
        self._cancelled_calls: set[str] = set()
        self._calls_made = 0
        self._deferred: deque[Callable[[float], None]] = deque()
        # settings from setup
        self._audio_out = True
        self._interruptible = True
        self._manual_activity = False
        self._transcribe_input = False
        self._transcribe_output = False
        self._history_first = False
        self._resumption = False
        self._transparent = False
        self._last_resumable: bool | None = None
        self._consumed = -1  # index of the last client message after setup
        # realtime audio
        self._vad: VoiceActivityDetector | None = None
        self._vad_rate = 0
        self._heard = bytearray()
        self._heard_start = 0  # sample index of _heard[0] in the detector's stream
        self._speech_start: int | None = None
        self._capture: bytearray | None = None
        self._capture_rate = 0
        self._vad_settings: dict[str, Any] = {}

    # ------------------------------------------------------------------ Engine interface

    @property
    def setup_done(self) -> bool:
        """Whether ``setupComplete`` has been sent."""
        return self._setup_sent

    def next_due(self) -> float | None:
        """When the next planned message is due."""
        return self._schedule.next_due()

    def pop(self, now: float) -> list[Outgoing]:
        """The messages due at ``now``."""
        return self._schedule.pop(now)

    def go_away(self, time_left: float, now: float) -> None:
        """Send ``goAway`` now and close with 1011 once ``time_left`` has passed."""
        self._schedule.cancel(_LIFETIME)
        self._plan_end(now, now + time_left)

    def receive(self, frame: bytes | str, now: float) -> dict[str, Any]:
        """Take one client frame; returns its canonical form. Raises `Reject`."""
        message, canonical = parse_client_frame(frame, t.LiveClientMessage)
        if self._setup is None:
            if message.setup is None:
                raise Reject(1007, "The first message must be a setup message.")
            self._begin(message.setup, now)
            return canonical
        if message.setup is not None:
            raise Reject(1007, "setup may only be sent once, as the first message.")
        self._consumed += 1
        if message.client_content is not None:
            content = message.client_content
            self._activity(now, lambda at: self._take_turns(content, at))
        elif message.realtime_input is not None:
            self._take_realtime(message.realtime_input, now)
        elif message.tool_response is not None:
            self._take_tool_response(message.tool_response, now)
        elif message.context_update is not None:
            self._take_context_update(message.context_update)
        return canonical

    # ------------------------------------------------------------------ setup

    def _begin(self, setup: t.LiveClientSetup, now: float) -> None:
        model = setup.model or ""
        if not model:
            raise Reject(1007, "setup.model is required.")
        if not model.rsplit("/", 1)[-1].startswith("gemini-"):
            raise Reject(1008, not_found_reason(model, self._route))
        resumption = setup.session_resumption
        if resumption is not None and resumption.handle:
            snapshot = self._store.load(resumption.handle)
            if snapshot is None:
                raise Reject(1008, "Session resumption handle is not valid or has expired.")
            self._history = snapshot.history
        self._resumption = resumption is not None
        self._transparent = bool(resumption and resumption.transparent and self._route.vertex)
        modalities = [
            str(m).upper()
            for m in (setup.generation_config or t.GenerationConfig()).response_modalities or []
        ]
        self._audio_out = not modalities or "AUDIO" in modalities
        if setup.system_instruction is not None:
            self._system_text = _text_of(setup.system_instruction) or None
        self._declarations = _declarations(setup.tools)
        self._configure_realtime(setup.realtime_input_config)
        self._transcribe_input = setup.input_audio_transcription is not None
        self._transcribe_output = setup.output_audio_transcription is not None
        history = setup.history_config
        self._history_first = bool(history and history.initial_history_in_client_content)
        self._setup = setup
        reply: dict[str, Any] = {"sessionId": str(uuid.uuid4())} if self._route.vertex else {}

        def setup_complete() -> list[Outgoing]:
            self._setup_sent = True
            return [Send({"setupComplete": reply})]

        self._schedule.add(now, _CONTROL, setup_complete)
        self._resumption_update(now, resumable=True)
        if self._lifetime is not None:
            self._plan_end(now + max(0.0, self._lifetime - self._notice()), now + self._lifetime)

    def _notice(self) -> float:
        assert self._lifetime is not None
        return min(_GOAWAY_NOTICE_SECONDS, self._lifetime / 2)

    def _plan_end(self, warn_at: float, end_at: float) -> None:
        time_left = codec.format_duration(max(0.0, end_at - warn_at))
        self._schedule.send(warn_at, _LIFETIME, {"goAway": {"timeLeft": time_left}})
        self._schedule.add(end_at, _LIFETIME, lambda: [Close(1011, DEADLINE_REASON)])

    def _configure_realtime(self, config: t.RealtimeInputConfig | None) -> None:
        config = config or t.RealtimeInputConfig()
        detection = config.automatic_activity_detection or t.AutomaticActivityDetection()
        self._manual_activity = bool(detection.disabled)
        self._interruptible = str(config.activity_handling or "") != "NO_INTERRUPTION"
        self._vad_settings = {
            "start_sensitivity": _enum_text(detection.start_of_speech_sensitivity),
            "end_sensitivity": _enum_text(detection.end_of_speech_sensitivity),
            "prefix_padding_ms": detection.prefix_padding_ms,
            "silence_duration_ms": detection.silence_duration_ms,
        }
        try:  # reject bad settings at setup, not at the first audio chunk
            VoiceActivityDetector(rate=16000, **self._vad_settings)
        except ValueError as exc:
            raise Reject(1007, f"Invalid realtimeInputConfig: {exc}") from None

    # ------------------------------------------------------------------ input

    def _busy(self) -> bool:
        return self._generating or bool(self._pending_calls)

    def _activity(self, now: float, then: Callable[[float], None] | None) -> None:
        """New user activity: it interrupts the model (barge-in) unless NO_INTERRUPTION, in
        which case ``then`` waits until the model's turn is over."""
        if self._busy():
            if not self._interruptible:
                if then is not None:
                    self._deferred.append(then)
                return
            self._interrupt(now)
        if then is not None:
            then(now)

    def _take_turns(self, content: t.LiveClientContent, now: float) -> None:
        for turn in content.turns or []:
            text = _text_of(turn)
            for part in turn.parts or []:
                blob = part.inline_data
                if blob is not None and _is(blob.mime_type, "image/") and blob.data:
                    self._image = image_size(blob.data) or self._image
            if turn.role == "model":
                if text:
                    self._history.append(("model", text))
            elif text:
                self._unanswered.append(text)
        if content.turn_complete:
            text = " ".join(self._unanswered)
            self._unanswered = []
            if self._history_first:  # historyConfig: this turn only loads the history
                self._history_first = False
                if text:
                    self._history.append(("user", text))
                return
            self._respond(text, now, from_audio=False)

    def _take_realtime(self, realtime: t.LiveClientRealtimeInput, now: float) -> None:
        blobs = [b for b in [realtime.audio, realtime.video, *(realtime.media_chunks or [])] if b]
        for blob in blobs:
            if _is(blob.mime_type, "audio/"):
                self._take_audio(blob, now)
            elif _is(blob.mime_type, "image/") and blob.data:
                self._image = image_size(blob.data) or self._image
        if realtime.text is not None:
            text = realtime.text
            self._activity(now, lambda at: self._respond(text, at, from_audio=False))
        if realtime.activity_start is not None or realtime.activity_end is not None:
            if not self._manual_activity:
                raise Reject(
                    1007,
                    "activityStart/activityEnd need automaticActivityDetection.disabled = true.",
                )
            if realtime.activity_start is not None:
                self._activity(now, None)
                self._capture = bytearray()
                self._capture_rate = 0
            if realtime.activity_end is not None and self._capture is not None:
                pcm, rate = bytes(self._capture), self._capture_rate or 16000
                self._capture = None
                self._activity(now, lambda at: self._hear(pcm, rate, at))
        if realtime.audio_stream_end and self._vad is not None:
            self._on_vad_events(self._vad.flush(), now)

    def _take_audio(self, blob: t.Blob, now: float) -> None:
        pcm = blob.data or b""
        rate = _rate_of(blob.mime_type)
        if self._manual_activity:
            if self._capture is not None:
                if not self._capture_rate:
                    self._capture_rate = rate
                self._capture += _at_rate(pcm, rate, self._capture_rate)
            return
        if self._vad is None:
            self._vad = VoiceActivityDetector(rate=rate, **self._vad_settings)
            self._vad_rate = rate
        pcm = _at_rate(pcm, rate, self._vad_rate)
        self._heard += pcm
        self._on_vad_events(self._vad.feed(pcm), now)
        if self._speech_start is None:
            keep = 2 * int(_SILENCE_KEPT_SECONDS * self._vad_rate)
            if len(self._heard) > keep:
                drop = len(self._heard) - keep
                del self._heard[:drop]
                self._heard_start += drop // 2

    def _on_vad_events(self, events: list[VadEvent], now: float) -> None:
        rate = self._vad_rate
        margin = int(_SPEECH_MARGIN_SECONDS * rate)
        for event in events:
            sample = round(event.offset * rate)
            if event.kind == "start":
                self._speech_start = sample
                self._activity(now, None)
                continue
            speech_start = sample if self._speech_start is None else self._speech_start
            start = max(self._heard_start, speech_start - margin)
            begin = 2 * (start - self._heard_start)
            end = 2 * (sample + margin - self._heard_start)
            pcm = bytes(self._heard[begin:end])
            self._speech_start = None
            self._activity(now, functools.partial(self._hear, pcm, rate))

    def _hear(self, pcm: bytes, rate: int, now: float) -> None:
        text = recognize_speech(pcm, rate) if rate >= 4000 else ""
        if self._transcribe_input:
            transcription = {"inputTranscription": {"text": text, "finished": True}}
            self._schedule.send(now, _CONTROL, {"serverContent": transcription})
        self._respond(text, now, from_audio=True)

    def _take_tool_response(self, response: t.LiveClientToolResponse, now: float) -> None:
        answers = response.function_responses or []
        if not answers:
            raise Reject(1007, "toolResponse.functionResponses must not be empty.")
        for answer in answers:
            call_id = answer.id
            if call_id is None and self._route.vertex:  # Vertex AI allows responses without id
                call_id = next(
                    (i for i, n in self._pending_calls.items() if n == answer.name), None
                )
            if call_id in self._cancelled_calls:
                continue  # answered after the user interrupted: too late, and harmless
            if call_id is None or call_id not in self._pending_calls:
                pending = ", ".join(self._pending_calls) or "none"
                raise Reject(
                    1007,
                    f"FunctionResponse id {call_id!r} matches no pending function call "
                    f"(pending: {pending}).",
                )
            name = self._pending_calls.pop(call_id)
            self._answers.append((name, answer.response or {}))
        if self._answers and not self._pending_calls:
            reply = " ".join(tool_result_text(name, result) for name, result in self._answers)
            self._answers = []
            self._stream_reply(reply, now, from_audio=False)

    def _take_context_update(self, update: t.ContextUpdate) -> None:
        if update.system_instruction is not None:
            self._system_text = _text_of(update.system_instruction) or None
        if update.tools is not None:
            self._declarations = _declarations(update.tools.tools)

    # ------------------------------------------------------------------ output

    def _respond(self, user_text: str, now: float, *, from_audio: bool) -> None:
        if user_text:
            self._history.append(("user", user_text))
        choice = choose_tool(user_text, self._declarations) if user_text else None
        if choice is None:
            model_turns = sum(1 for role, _ in self._history if role == "model")
            reply = reply_text(
                user_text,
                system_instruction=self._system_text,
                history_turns=model_turns,
                image=self._image,
            )
            self._image = None
            self._stream_reply(reply, now, from_audio=from_audio)
            return
        self._calls_made += 1
        call_id = f"function-call-{self._calls_made}"
        self._pending_calls[call_id] = choice.name
        self._resumption_update(now, resumable=False)
        call = {"id": call_id, "name": choice.name, "args": choice.args}
        self._schedule.send(now, _REPLY, {"toolCall": {"functionCalls": [call]}})

    def _model_turn(self, part: dict[str, Any]) -> dict[str, Any]:
        turn: dict[str, Any] = {"parts": [part]}
        if self._route.vertex:
            turn["role"] = "model"
        return {"serverContent": {"modelTurn": turn}}

    def _stream_reply(self, reply: str, now: float, *, from_audio: bool) -> None:
        self._generating = True
        self._resumption_update(now, resumable=False)
        due = now
        if self._audio_out:
            pcm = synthesize(reply, OUTPUT_RATE)
            step = 2 * int(AUDIO_CHUNK_SECONDS * OUTPUT_RATE)
            pieces = [pcm[i : i + step] for i in range(0, len(pcm), step)] or [b""]
            captions = split_chunks(reply) if self._transcribe_output else []
            places = [k * len(pieces) // len(captions) for k in range(len(captions))]
            for index, piece in enumerate(pieces):
                for caption, place in zip(captions, places, strict=True):
                    if place == index:
                        self._schedule.send(
                            due,
                            _REPLY,
                            {"serverContent": {"outputTranscription": {"text": caption}}},
                        )
                seconds = len(piece) / 2 / OUTPUT_RATE
                blob = {"mimeType": OUTPUT_MIME, "data": codec.encode_base64(piece)}
                self._schedule.send(due, _REPLY, self._model_turn({"inlineData": blob}), seconds)
                due += seconds * self._speed
        else:
            for chunk in split_chunks(reply):
                self._schedule.send(due, _REPLY, self._model_turn({"text": chunk}))
                due += len(chunk.split()) * TEXT_SECONDS_PER_WORD * self._speed
        usage = self._usage(reply, from_audio)
        end = due

        def finish() -> list[Outgoing]:
            self._generating = False
            self._history.append(("model", reply))
            done: list[Outgoing] = [
                Send({"serverContent": {"generationComplete": True}}),
                Send({"serverContent": {"turnComplete": True}, "usageMetadata": usage}),
            ]
            self._resumption_update(end, resumable=True)
            self._run_deferred(end)
            return done

        self._schedule.add(end, _REPLY, finish)

    def _run_deferred(self, now: float) -> None:
        while self._deferred and not self._busy():
            self._deferred.popleft()(now)

    def _interrupt(self, now: float) -> None:
        self._schedule.cancel(_REPLY)
        if self._pending_calls:
            ids = list(self._pending_calls)
            self._cancelled_calls.update(ids)
            self._pending_calls.clear()
            self._answers = []
            self._schedule.send(now, _CONTROL, {"toolCallCancellation": {"ids": ids}})
        if self._generating:
            self._generating = False
            self._schedule.send(now, _CONTROL, {"serverContent": {"interrupted": True}})
            usage = self._usage("", False)
            done = {"serverContent": {"turnComplete": True}, "usageMetadata": usage}
            self._schedule.send(now, _CONTROL, done)
        self._resumption_update(now, resumable=True)

    def _usage(self, reply: str, from_audio: bool) -> dict[str, Any]:
        prompt_text = " ".join([self._system_text or "", *(text for _, text in self._history)])
        prompt = count_tokens(prompt_text)
        response = count_tokens(reply)
        name = "candidates" if self._route.vertex else "response"
        return {
            "promptTokenCount": prompt,
            f"{name}TokenCount": response,
            "totalTokenCount": prompt + response,
            "promptTokensDetails": [
                {"modality": "AUDIO" if from_audio else "TEXT", "tokenCount": prompt}
            ],
            f"{name}TokensDetails": [
                {"modality": "AUDIO" if self._audio_out else "TEXT", "tokenCount": response}
            ],
        }

    def _resumption_update(self, now: float, *, resumable: bool) -> None:
        if not self._resumption or (not resumable and self._last_resumable is False):
            return
        self._last_resumable = resumable
        update: dict[str, Any] = {"resumable": resumable}
        if resumable:
            update["newHandle"] = self._store.save(Snapshot(history=self._history))
        if self._transparent and self._consumed >= 0:
            update["lastConsumedClientMessageIndex"] = str(self._consumed)
        self._schedule.send(now, _CONTROL, {"sessionResumptionUpdate": update})


def _enum_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _at_rate(pcm: bytes, rate: int, wanted: int) -> bytes:
    pcm = pcm[: len(pcm) // 2 * 2]
    return pcm if rate == wanted or not pcm else resample(pcm, rate, wanted)


def _declarations(tools: list[t.Tool] | None) -> list[dict[str, Any]]:
    found = []
    for tool in tools or []:
        for declaration in tool.function_declarations or []:
            if declaration.name:
                found.append(codec.to_wire(declaration))
    return found
