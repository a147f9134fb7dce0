"""The Live Music client: validation, the JavaScript config spelling, and a session on the emulator."""

from __future__ import annotations

import pytest

import genai_live
from genai_live import types as t
from genai_live.music import music_config, weighted_prompts
from genai_live.testing import FakeTransport

pytestmark = pytest.mark.usefixtures("no_thread_leak")


def test_seed_config_spelling_maps_to_wire_names() -> None:
    config = music_config(
        {"tempo": 120, "scale": t.Scale.C_MAJOR_A_MINOR, "mode": t.MusicGenerationMode.QUALITY}
    )
    assert genai_live.codec.to_wire(config) == {
        "bpm": 120,
        "scale": "C_MAJOR_A_MINOR",
        "musicGenerationMode": "QUALITY",
    }


@pytest.mark.parametrize(
    "config",
    [
        {"bpm": 59},
        {"bpm": 201},
        {"density": 1.5},
        {"brightness": -0.1},
        {"temperature": 3.5},
        {"topK": 0},
        {"guidance": 7},
    ],
)
def test_out_of_range_values_are_refused(config: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="outside its range"):
        music_config(config)


def test_prompt_validation() -> None:
    assert weighted_prompts("jazz") == [t.WeightedPrompt(text="jazz", weight=1.0)]
    with pytest.raises(ValueError, match="weight 0"):
        weighted_prompts([{"text": "x", "weight": 0}])
    with pytest.raises(ValueError, match="at least one"):
        weighted_prompts([])
    with pytest.raises(ValueError, match="unknown field"):
        weighted_prompts([{"txt": "x"}])


def test_vertex_is_refused_with_a_clear_error() -> None:
    client = genai_live.Client(vertexai=True, api_key="k")
    with pytest.raises(NotImplementedError, match="not available on Vertex AI"):
        client.live.music.connect("models/lyria-realtime-exp")


def test_frames_and_seed_send_form() -> None:
    fake = FakeTransport()
    client = genai_live.Client(api_key="k")
    with client.live.music.connect(
        "lyria-realtime-exp", config={"tempo": 100}, transport=fake
    ) as music:
        music.send(
            {
                "clientContent": {
                    "turns": [
                        {"role": "user", "parts": [{"text": "Generate upbeat electronic music"}]}
                    ],
                    "turnComplete": True,
                }
            }
        )
        music.play()
        music.pause()
        music.stop()
        music.reset_context()
        music.set_music_generation_config({})
    assert fake.request is not None and fake.request.url.endswith(
        "GenerativeService.BidiGenerateMusic"
    )
    assert fake.sent == [
        {"setup": {"model": "models/lyria-realtime-exp"}},
        {"musicGenerationConfig": {"bpm": 100}},
        {
            "clientContent": {
                "weightedPrompts": [{"text": "Generate upbeat electronic music", "weight": 1}]
            }
        },
        {"playbackControl": "PLAY"},
        {"playbackControl": "PAUSE"},
        {"playbackControl": "STOP"},
        {"playbackControl": "RESET_CONTEXT"},
        {"musicGenerationConfig": {}},
    ]


def test_music_session_on_the_emulator_streams_audio_and_filters_prompts() -> None:
    pytest.importorskip("numpy")
    from genai_live.testing import LiveEmulator

    with LiveEmulator(speed=0) as emu:
        client = emu.client()
        with client.live.music.connect("models/lyria-realtime-exp", config={"bpm": 90}) as music:
            assert music.receive(timeout=5).setup_complete is not None
            music.set_weighted_prompts(
                [{"text": "calm piano", "weight": 1.0}, {"text": "forbidden noise", "weight": 0.5}]
            )
            music.play()
            chunks = []
            filtered = []
            for message in music:
                if message.filtered_prompt is not None:
                    filtered.append(message.filtered_prompt.text)
                if message.audio_chunk is not None:
                    chunks.append(message.audio_chunk)
                if len(chunks) >= 5:
                    break
            music.pause()
    assert filtered == ["forbidden noise"]
    assert all(c.mime_type == "audio/l16;rate=48000;channels=2" and c.data for c in chunks)
    metadata = chunks[0].source_metadata
    assert metadata is not None and metadata.music_generation_config is not None
    assert metadata.music_generation_config.bpm == 90
