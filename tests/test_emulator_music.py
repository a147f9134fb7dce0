"""LiveEmulator's Live Music route over real sockets: streaming, playback control, filtering."""

from __future__ import annotations

import array
import json
import math
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
import websocket

import genai_live
from genai_live import types as t
from genai_live.music import LiveMusicSession
from genai_live.testing import LiveEmulator

pytestmark = pytest.mark.usefixtures("no_thread_leak")

LYRIA = "models/lyria-realtime-exp"
MUSIC_PATH = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateMusic"
CHUNK_BYTES = 48000 * 4 // 5  # 0.2 s of 48 kHz stereo PCM16
JAZZ = {"text": "jazz piano", "weight": 1.0}


@pytest.fixture
def emu() -> Iterator[LiveEmulator]:
    with LiveEmulator(speed=0) as emulator:
        yield emulator


def next_chunk(session: LiveMusicSession) -> t.AudioChunk:
    """The next audio chunk, skipping other messages."""
    while True:
        chunk = session.receive(timeout=5).audio_chunk
        if chunk is not None:
            return chunk


def wait_for_filtered_prompt(session: LiveMusicSession) -> t.LiveMusicFilteredPrompt:
    """Read up to the next filteredPrompt: a marker that every earlier message has been handled."""
    while True:
        message = session.receive(timeout=5)
        if message.filtered_prompt is not None:
            return message.filtered_prompt


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def test_play_streams_stereo_48k_chunks_with_their_source(emu: LiveEmulator) -> None:
    with emu.client().live.music.connect(LYRIA) as session:
        session.set_weighted_prompts([JAZZ])
        session.set_music_generation_config({"bpm": 100, "scale": "D_MAJOR_B_MINOR"})
        session.play()
        chunks = [next_chunk(session) for _ in range(3)]
    for chunk in chunks:
        assert chunk.mime_type == "audio/l16;rate=48000;channels=2"
        assert len(chunk.data or b"") == CHUNK_BYTES
        assert rms(chunk.data or b"") > 300  # music, not silence
        source = chunk.source_metadata
        assert source is not None and source.client_content is not None
        assert source.client_content.weighted_prompts == [
            t.WeightedPrompt(text="jazz piano", weight=1.0)
        ]
        assert source.music_generation_config is not None
        assert source.music_generation_config.bpm == 100
    assert emu.received[1:4] == [
        {"clientContent": {"weightedPrompts": [JAZZ]}},
        {"musicGenerationConfig": {"bpm": 100, "scale": "D_MAJOR_B_MINOR"}},
        {"playbackControl": "PLAY"},
    ]


def test_nothing_streams_before_play(emu: LiveEmulator) -> None:
    with emu.client().live.music.connect(LYRIA) as session:
        session.set_weighted_prompts([JAZZ, {"text": "forbidden noise", "weight": 0.5}])
        wait_for_filtered_prompt(session)
        with pytest.raises(TimeoutError):
            session.receive(timeout=0.2)


def test_blocked_prompts_come_back_as_filtered_prompts(emu: LiveEmulator) -> None:
    with emu.client().live.music.connect(LYRIA) as session:
        session.set_weighted_prompts([JAZZ, {"text": "Violence and drums", "weight": 0.5}])
        filtered = wait_for_filtered_prompt(session)
    assert filtered.text == "Violence and drums"
    assert "violence" in (filtered.filtered_reason or "")


def test_pause_stops_the_stream_and_play_resumes_it(emu: LiveEmulator) -> None:
    with emu.client().live.music.connect(LYRIA) as session:
        session.set_weighted_prompts([JAZZ])
        session.play()
        next_chunk(session)
        session.pause()
        session.set_weighted_prompts([JAZZ, "forbidden marker"])  # answered after the pause
        wait_for_filtered_prompt(session)
        with pytest.raises(TimeoutError):
            session.receive(timeout=0.3)
        session.play()
        assert len(next_chunk(session).data or b"") == CHUNK_BYTES


@pytest.mark.parametrize("controls", [["stop"], ["pause", "reset_context"]])
def test_stop_or_reset_context_starts_the_music_again(
    emu: LiveEmulator, controls: list[str]
) -> None:
    with emu.client().live.music.connect(LYRIA) as session:
        session.set_weighted_prompts([JAZZ])
        session.play()
        first = next_chunk(session).data
        later = next_chunk(session).data
        assert later != first
        for control in controls:
            getattr(session, control)()
        session.set_weighted_prompts([JAZZ, "forbidden marker"])
        wait_for_filtered_prompt(session)
        session.play()
        assert next_chunk(session).data == first


def test_speed_zero_runs_at_most_two_seconds_ahead_of_the_reader(emu: LiveEmulator) -> None:
    gate = threading.Event()
    chunks: list[t.AudioChunk] = []
    enough = threading.Event()

    def on_message(message: t.LiveMusicServerMessage) -> None:
        if message.audio_chunk is not None:
            chunks.append(message.audio_chunk)
            gate.wait(5)  # the reader stops reading: nothing more is acknowledged
            if len(chunks) >= 15:
                enough.set()

    session = emu.client().live.music.connect(LYRIA, callbacks={"onmessage": on_message})
    try:
        session.play()
        sent = -1
        while sent != emu.messages_sent:  # wait until the emulator stops sending
            sent = emu.messages_sent
            time.sleep(0.2)
        audio_sent = sent - 1  # minus setupComplete
        assert 2 <= audio_sent <= 2.0 / 0.2 + 1
        gate.set()
        assert enough.wait(5)  # reading again lets the stream go on
    finally:
        gate.set()
        session.close()


def test_music_needs_numpy(emu: LiveEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from genai_live.testing import music_synth

    monkeypatch.setattr(music_synth, "_NUMPY_MISSING", ImportError("no numpy here"))
    with pytest.raises(genai_live.ServerError) as info:
        emu.client().live.music.connect(LYRIA)
    assert info.value.code == 1011
    assert "numpy" in info.value.reason


def test_unknown_music_model_closes_with_1008(emu: LiveEmulator) -> None:
    with pytest.raises(genai_live.PolicyViolation) as info:
        emu.client().live.music.connect("models/gemini-live-2.5-flash-preview")
    assert "not supported for bidiGenerateMusic" in info.value.reason


def test_invalid_playback_control_closes_with_1007(emu: LiveEmulator) -> None:
    ws = websocket.create_connection(
        "ws" + emu.url[len("http") :] + MUSIC_PATH, header=["x-goog-api-key: k"], timeout=5
    )
    ws.send(json.dumps({"setup": {"model": LYRIA}}))
    assert json.loads(ws.recv()) == {"setupComplete": {}}
    ws.send(json.dumps({"playbackControl": "REWIND"}))
    opcode, frame = ws.recv_data_frame(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(frame.data[:2], "big") == 1007
    cast(Any, ws).shutdown()
