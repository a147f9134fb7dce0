"""One Live Music connection: prompts, generation config and playback steering `MusicSynth`."""

from __future__ import annotations

import re
from typing import Any

from ... import codec
from ... import types as t
from .engine import Close, Outgoing, Reject, Send, parse_client_frame
from .live import DEADLINE_REASON, not_found_reason
from .routes import Route

__all__ = ["BLOCKED_PROMPT_WORDS", "CHUNK_SECONDS", "MUSIC_MIME", "MusicSession"]

MUSIC_RATE = 48000
MUSIC_MIME = "audio/l16;rate=48000;channels=2"
CHUNK_SECONDS = 0.2
"""Length of one ``audioChunks`` entry (38400 bytes of 48 kHz stereo PCM16)."""
BLOCKED_PROMPT_WORDS = ("forbidden", "violence", "violent", "gore", "hateful")
"""Prompts containing one of these words (whole word, any case) come back as ``filteredPrompt``."""

_DEFAULTS: dict[str, Any] = {
    "bpm": 120,
    "scale": "C_MAJOR_A_MINOR",
    "density": 0.5,
    "brightness": 0.5,
    "mute_bass": False,
    "mute_drums": False,
    "only_bass_and_drums": False,
    "seed": None,
    "temperature": 1.1,
}


def blocked_word(text: str) -> str | None:
    """The first blocked word in a prompt, or None."""
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    return next((w for w in BLOCKED_PROMPT_WORDS if w in words), None)


class MusicSession:
    """The Live Music engine of one connection (sans-IO, see `engine.Engine`).

    Audio streams only while playing: a chunk every ``CHUNK_SECONDS × speed`` seconds (as fast
    as the link allows with ``speed=0``). Each ``musicGenerationConfig`` message is a whole
    config: fields it leaves out return to their defaults (so ``{}`` resets them).
    """

    def __init__(self, route: Route, *, speed: float = 1.0, lifetime: float | None = None) -> None:
        self._route = route
        self._speed = speed
        self._lifetime = lifetime
        self._synth: Any = None
        self._setup_sent = False
        self._outbox: list[Outgoing] = []
        self._playing = False
        self._next_chunk = 0.0
        self._close_at: float | None = None
        self._prompts: list[dict[str, Any]] = []
        self._config: dict[str, Any] = {}

    @property
    def setup_done(self) -> bool:
        """Whether ``setupComplete`` has been sent."""
        return self._setup_sent

    def next_due(self) -> float | None:
        """When the next message (or the end of the connection) is due."""
        if self._outbox:
            return 0.0
        due = [
            d
            for d in (self._next_chunk if self._playing else None, self._close_at)
            if d is not None
        ]
        return min(due) if due else None

    def go_away(self, time_left: float, now: float) -> None:
        """Live Music has no goAway message: the connection just ends after ``time_left``."""
        self._close_at = now + time_left

    def pop(self, now: float) -> list[Outgoing]:
        """Queued replies first, then the next audio chunk when it is due."""
        if self._outbox:
            out, self._outbox = self._outbox, []
            self._setup_sent = self._synth is not None
            return out
        if self._close_at is not None and now >= self._close_at:
            return [Close(1011, DEADLINE_REASON)]
        if not self._playing or now < self._next_chunk:
            return []
        self._next_chunk = max(self._next_chunk, now - 1.0) + CHUNK_SECONDS * self._speed
        pcm = self._synth.render(int(CHUNK_SECONDS * MUSIC_RATE))
        chunk = {
            "data": codec.encode_base64(pcm),
            "mimeType": MUSIC_MIME,
            "sourceMetadata": {
                "clientContent": {"weightedPrompts": self._prompts},
                "musicGenerationConfig": self._config,
            },
        }
        return [Send({"serverContent": {"audioChunks": [chunk]}}, CHUNK_SECONDS)]

    def receive(self, frame: bytes | str, now: float) -> dict[str, Any]:
        """Take one client frame; returns its canonical form. Raises `Reject`."""
        message, canonical = parse_client_frame(frame, t.LiveMusicClientMessage)
        if self._synth is None:
            if message.setup is None:
                raise Reject(1007, "The first message must be a setup message.")
            self._begin(message.setup, now)
        elif message.setup is not None:
            raise Reject(1007, "setup may only be sent once, as the first message.")
        elif message.client_content is not None:
            self._take_prompts(message.client_content.weighted_prompts or [])
        elif message.music_generation_config is not None:
            self._take_config(message.music_generation_config)
        elif message.playback_control is not None:
            self._take_playback(str(message.playback_control), now)
        return canonical

    def _begin(self, setup: t.LiveMusicClientSetup, now: float) -> None:
        model = setup.model or ""
        if not model.rsplit("/", 1)[-1].startswith("lyria-"):
            raise Reject(1008, not_found_reason(model, self._route))
        try:
            from ..music_synth import MusicSynth

            self._synth = MusicSynth()
        except ImportError:
            raise Reject(
                1011, "The emulator's Live Music needs numpy: pip install 'genai-live[numpy]'."
            ) from None
        self._outbox.append(Send({"setupComplete": {}}))
        if self._lifetime is not None:
            self._close_at = now + self._lifetime

    def _take_prompts(self, prompts: list[t.WeightedPrompt]) -> None:
        kept = []
        for prompt in prompts:
            text = prompt.text or ""
            word = blocked_word(text)
            if word is not None:
                reason = f"The prompt was filtered because it contains the blocked word {word!r}."
                self._outbox.append(
                    Send({"filteredPrompt": {"text": text, "filteredReason": reason}})
                )
                continue
            if prompt.weight == 0:
                raise Reject(1007, f"Weighted prompt {text!r} has weight 0.")
            kept.append(prompt)
        self._prompts = [codec.to_wire(p) for p in kept]
        self._synth.set_prompts(
            [(p.text or "", 1.0 if p.weight is None else p.weight) for p in kept]
        )

    def _take_config(self, config: t.LiveMusicGenerationConfig) -> None:
        settings = dict(_DEFAULTS)
        for name in settings:
            value = getattr(config, name)
            if value is not None:
                settings[name] = str(value) if name == "scale" else value
        try:
            self._synth.configure(**settings)
        except (ValueError, TypeError) as exc:
            raise Reject(1007, f"Invalid musicGenerationConfig: {exc}") from None
        self._config = codec.to_wire(config)

    def _take_playback(self, control: str, now: float) -> None:
        if control == "PLAY":
            if not self._playing:
                self._playing = True
                self._next_chunk = now
        elif control == "PAUSE":
            self._playing = False
        elif control == "STOP":
            self._playing = False
            self._synth.reset()
        elif control == "RESET_CONTEXT":
            self._synth.reset()
        else:
            raise Reject(1007, f"Invalid playbackControl value {control!r}.")
