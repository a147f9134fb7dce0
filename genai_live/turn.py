"""`Turn`: everything the model produced for one turn, gathered from its messages (no I/O)."""

from __future__ import annotations

import attrs

from . import types as t

__all__ = ["Turn"]


@attrs.define(kw_only=True, eq=False)
class Turn:
    """The messages of one model turn and what they add up to.

    ``text`` and ``audio`` (PCM16 mono 24 kHz) concatenate the model's output; ``tool_calls`` lists
    the function calls; the transcripts concatenate transcription pieces. ``complete`` is True when
    the turn ended with ``turnComplete``; it is False when it stopped at a tool call that the
    caller must answer. In Jupyter a Turn shows its text and an audio player.
    """

    messages: list[t.LiveServerMessage] = attrs.field(factory=list)
    complete: bool = False
    interrupted: bool = False
    usage: t.UsageMetadata | None = None
    _text: list[str] = attrs.field(factory=list, init=False, repr=False)
    _audio: list[bytes] = attrs.field(factory=list, init=False, repr=False)
    _input: list[str] = attrs.field(factory=list, init=False, repr=False)
    _output: list[str] = attrs.field(factory=list, init=False, repr=False)
    _awaiting_idle: bool = attrs.field(default=False, init=False, repr=False)
    tool_calls: list[t.FunctionCall] = attrs.field(factory=list)

    def add(self, message: t.LiveServerMessage) -> bool:
        """Add one message; True when it ends the turn."""
        self.messages.append(message)
        if message.usage_metadata is not None:
            self.usage = message.usage_metadata
        if message.tool_call is not None and message.tool_call.function_calls:
            self.tool_calls.extend(message.tool_call.function_calls)
        content = message.server_content
        if content is None:
            return message.tool_call is not None
        for part in (content.model_turn.parts or []) if content.model_turn else []:
            if part.text is not None and part.thought is not True:
                self._text.append(part.text)
            blob = part.inline_data
            if blob is not None and blob.data and (blob.mime_type or "audio/").startswith("audio/"):
                self._audio.append(blob.data)
        if content.input_transcription is not None and content.input_transcription.text:
            self._input.append(content.input_transcription.text)
        if content.output_transcription is not None and content.output_transcription.text:
            self._output.append(content.output_transcription.text)
        if content.interrupted:
            self.interrupted = True
        # A turnComplete ends the turn, unless it says the interaction is still in progress:
        # then the turn ends when the status becomes IDLE.
        status = content.interaction_status
        idle = status == t.InteractionStatus.IDLE
        if (content.turn_complete and (status is None or idle)) or (self._awaiting_idle and idle):
            self.complete = True
            return True
        if content.turn_complete:
            self._awaiting_idle = True
        return False

    @property
    def text(self) -> str:
        """The model's text for this turn (thoughts excluded)."""
        return "".join(self._text)

    @property
    def audio(self) -> bytes:
        """The model's audio for this turn: PCM16 mono at 24 kHz."""
        return b"".join(self._audio)

    @property
    def input_transcript(self) -> str:
        """Transcription of the user's audio."""
        return "".join(self._input)

    @property
    def output_transcript(self) -> str:
        """Transcription of the model's audio."""
        return "".join(self._output)

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return (
            f"Turn(text={text!r}, audio=<{len(self.audio)} bytes>, tool_calls="
            f"{[c.name for c in self.tool_calls]}, interrupted={self.interrupted}, "
            f"complete={self.complete})"
        )

    def _repr_html_(self) -> str:
        import html

        parts = [f"<p>{html.escape(self.text)}</p>"] if self.text else []
        if self.tool_calls:
            calls = ", ".join(html.escape(f"{c.name}({c.args})") for c in self.tool_calls)
            parts.append(f"<p><em>tool calls:</em> {calls}</p>")
        audio = self.audio
        if audio:
            import base64

            from .audio import OUTPUT_RATE, wav_bytes

            src = base64.b64encode(wav_bytes(audio, OUTPUT_RATE)).decode()
            parts.append(f'<audio controls src="data:audio/wav;base64,{src}"></audio>')
        return "".join(parts) or "<p><em>(empty turn)</em></p>"
