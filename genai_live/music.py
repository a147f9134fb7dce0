"""Live Music (Lyria RealTime): weighted prompts, generation config and playback, streamed audio."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from . import codec, protocol
from . import types as t
from .session import BaseSession, LiveCallbacks

__all__ = ["LiveMusic", "LiveMusicSession", "music_config", "weighted_prompts"]

# Documented ranges of LiveMusicGenerationConfig (protocol.md §8.2).
RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 3.0),
    "top_k": (1, 1000),
    "guidance": (0.0, 6.0),
    "bpm": (60, 200),
    "density": (0.0, 1.0),
    "brightness": (0.0, 1.0),
}
_SEED_NAMES = {"tempo": "bpm", "mode": "musicGenerationMode"}


def music_config(config: Any) -> t.LiveMusicGenerationConfig:
    """Validate a music generation config (dict or `types.LiveMusicGenerationConfig`).

    The JavaScript documentation's ``{"tempo", "scale", "mode"}`` are read as ``bpm``, ``scale``
    and ``musicGenerationMode``. Values outside the documented ranges raise ``ValueError``.
    """
    if isinstance(config, t.LiveMusicConnectConfig):
        config = codec.to_wire(config)
    if isinstance(config, Mapping):
        config = {_SEED_NAMES.get(k, k): v for k, v in config.items()}
    cfg = codec.from_user(config, t.LiveMusicGenerationConfig)
    for name, (low, high) in RANGES.items():
        value = getattr(cfg, name)
        if value is not None and not low <= value <= high:
            raise ValueError(f"music config {name}={value!r} is outside its range {low}..{high}.")
    return cfg


def weighted_prompts(prompts: Any) -> list[t.WeightedPrompt]:
    """Validate prompts: a list of `types.WeightedPrompt`, dicts, or plain strings (weight 1.0)."""
    if isinstance(prompts, (str, Mapping, t.WeightedPrompt)):
        prompts = [prompts]
    if not isinstance(prompts, Sequence) or not prompts:
        raise ValueError("Weighted prompts must be set and contain at least one entry.")
    result = []
    for item in prompts:
        prompt = (
            t.WeightedPrompt(text=item, weight=1.0)
            if isinstance(item, str)
            else codec.from_user(item, t.WeightedPrompt)
        )
        if not prompt.text:
            raise ValueError("every weighted prompt needs a text.")
        if prompt.weight is None:
            prompt = attrs.evolve(prompt, weight=1.0)
        elif prompt.weight == 0:
            raise ValueError(f"prompt {prompt.text!r} has weight 0; weights must not be 0.")
        result.append(prompt)
    return result


class LiveMusicSession(BaseSession[t.LiveMusicServerMessage]):
    """A Live Music session (``client.live.music.connect``): steer with prompts and config,
    control playback, and read `types.LiveMusicServerMessage` audio chunks (PCM16, 48 kHz,
    stereo) by iteration, `receive` or ``onmessage``. Thread-safe; camelCase aliases exist."""

    _decode = staticmethod(codec.decode_music_message)

    def __enter__(self) -> LiveMusicSession:
        return self

    def _send_music(self, message: t.LiveMusicClientMessage) -> None:
        self._send_frame(protocol.encode(message))

    def set_weighted_prompts(self, prompts: Any) -> None:
        """Set the prompts steering the music, e.g. ``[{"text": "jazz", "weight": 1.0}]``.

        The JavaScript form ``{"weightedPrompts": [...]}`` is accepted too.
        """
        prompts = protocol.unwrap(prompts, "weightedPrompts")
        content = t.LiveMusicClientContent(weighted_prompts=weighted_prompts(prompts))
        self._send_music(t.LiveMusicClientMessage(client_content=content))

    def set_music_generation_config(self, config: Any = None) -> None:
        """Change bpm, scale, density, brightness, ... (``{}`` resets to the defaults).

        The JavaScript form ``{"musicGenerationConfig": {...}}`` is accepted too.
        """
        cfg = music_config(protocol.unwrap(config, "musicGenerationConfig") or {})
        self._send_music(t.LiveMusicClientMessage(music_generation_config=cfg))

    def _playback(self, control: t.LiveMusicPlaybackControl) -> None:
        self._send_music(t.LiveMusicClientMessage(playback_control=control))

    def play(self) -> None:
        """Start or resume streaming."""
        self._playback(t.LiveMusicPlaybackControl.PLAY)

    def pause(self) -> None:
        """Pause streaming (``play()`` resumes from here)."""
        self._playback(t.LiveMusicPlaybackControl.PAUSE)

    def stop(self) -> None:
        """Stop and reset the context (prompts and config are kept)."""
        self._playback(t.LiveMusicPlaybackControl.STOP)

    def reset_context(self) -> None:
        """Reset the context without stopping."""
        self._playback(t.LiveMusicPlaybackControl.RESET_CONTEXT)

    def send(self, message: Any) -> None:
        """Send any music client message (dict or `types.LiveMusicClientMessage`).

        The JavaScript documentation's ``{"clientContent": {"turns": [...]}}`` is accepted: each
        text part becomes a weighted prompt of weight 1.0.
        """
        if isinstance(message, Mapping):
            content = message.get("clientContent", message.get("client_content"))
            if isinstance(content, Mapping) and "turns" in content:
                texts = [
                    p.text
                    for c in protocol.coerce_contents(content["turns"])
                    for p in c.parts or []
                    if p.text
                ]
                self.set_weighted_prompts(texts)
                return
        msg = codec.from_user(message, t.LiveMusicClientMessage)
        if msg.client_content is not None:
            msg.client_content.weighted_prompts = weighted_prompts(
                msg.client_content.weighted_prompts
            )
        if msg.music_generation_config is not None:
            msg.music_generation_config = music_config(msg.music_generation_config)
        self._send_music(msg)

    setWeightedPrompts = set_weighted_prompts
    setMusicGenerationConfig = set_music_generation_config
    resetContext = reset_context


class LiveMusic:
    """``client.live.music``: opens Live Music sessions (Gemini API only)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def connect(
        self,
        model: str = "models/lyria-realtime-exp",
        *,
        config: Any = None,
        callbacks: Any = None,
        timeout: float | None = None,
        max_message_size: int = 16 * 2**20,
        max_queue: int = 1024,
        transport: Any = None,
    ) -> LiveMusicSession:
        """Open a music session and wait for ``setupComplete``; a ``config`` is sent right after.

        ``config`` takes ``bpm``/``scale``/``density``/... or the JavaScript ``tempo``/``scale``/
        ``mode``. Raises ``NotImplementedError`` on Vertex AI, which has no Live Music.
        """
        from .client import _open

        client = self._client
        if client.vertexai:
            raise NotImplementedError(
                "Live Music is not available on Vertex AI: use Client(api_key=...) "
                "for the Gemini API."
            )
        started = time.monotonic()
        timeout = client.default_timeout(timeout)
        setup = t.LiveMusicClientMessage(
            setup=t.LiveMusicClientSetup(
                model=protocol.normalize_model(model, client.backend, music=True)
            )
        )
        initial: t.LiveMusicGenerationConfig | None = (
            None if config is None else music_config(config)
        )
        cbs = LiveCallbacks.coerce(callbacks)
        request = client.connect_request(
            method="BidiGenerateMusic", timeout=timeout, max_message_size=max_message_size
        )
        session = LiveMusicSession(
            _open(transport, request, handshake=False), callbacks=cbs, max_queue=max_queue
        )
        session._start(protocol.encode(setup), timeout, started)
        if initial is not None:
            session.set_music_generation_config(initial)
        return session
