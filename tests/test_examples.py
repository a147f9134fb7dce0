"""The examples run: each script against its embedded emulator, and the quickstart notebook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genai_live import audio

from .processes import clean_environment

pytest.importorskip("websockets", reason="the examples run the emulator: the testing extra")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# What each script must print, in this order.
EXPECTED: dict[str, list[str]] = {
    "text_chat.py": [
        "Connected",
        "Model: You said: What is quantum computing.",
        "Model: You said: Can you explain it more simply.",
        "This is turn 2 of our conversation",
        "Closed: code 1000, by the client: True",
    ],
    "audio_io.py": [
        "Heard: what is the weather like today?",
        "Received audio chunk",
        "Model said: You said: what is the weather like today.",
        "Saved the answer to",
    ],
    "function_calling.py": [
        "Tool call requested:",
        "Looking up the weather in Tokyo",
        "Model: getWeather says temperature 22, condition sunny.",
        "Called automatically: get_weather({'location': 'Paris'})",
        "Model: get_weather says location Paris, temperature 22, condition sunny.",
    ],
    "video_frames.py": [
        "Analysis: You said: Analyze what you see on the screen.",
        "I see a 64x48 image.",
        "The window is now 160x120",
        "I see a 160x120 image.",
        "Sent ",
    ],
    "interruption.py": [
        "User: Actually, just tell me a joke instead",
        "Model response was interrupted",
        "Model: You said: Actually, just tell me a joke instead.",
        "Joke: ",
    ],
    "multi_turn.py": [
        "User: How do I read a file in Python?",
        "This is the start of our conversation",
        "This is turn 2 of our conversation",
        "This is turn 3 of our conversation",
        "History: 6 turns (user model user model user model)",
    ],
    "error_recovery.py": [
        "-- reconnecting by hand",
        "Connected",
        "Connection closed (code 1006)",
        "Reconnecting... (attempt 1)",
        "Connection failed: server refused the WebSocket upgrade with HTTP 503",
        "Connected",
        "Model: You said: Do you remember my name. Let me think about remember and name. "
        "This is the start of our conversation.",
        "Connection closed (code 1000)",
        "-- resume=True",
        "Reconnecting... (attempt 1)",
        "Resumed after connection lost (code 1006) in 1 attempt(s)",
        "This is turn 2 of our conversation",
    ],
    "live_music.py": [
        "Music chunk received: 0.2 s",
        "Saved 3 s of 48 kHz stereo music to",
    ],
    "translation.py": [
        "Speaking: Hello my friend, how are you today?",
        "Heard: hello my friend, how are you today?",
        "Translated: [es] hola mi amigo, cómo estás tú hoy?",
        "of Spanish speech to",
    ],
}

# Scripts that save audio with --out: (sample rate, channels, at least this many seconds).
SAVED_AUDIO = {
    "audio_io.py": (audio.OUTPUT_RATE, 1, 1.0),
    "live_music.py": (audio.MUSIC_RATE, 2, 3.0),
    "translation.py": (audio.OUTPUT_RATE, 1, 1.0),
}


def _assert_in_order(output: str, expected: list[str]) -> None:
    position = 0
    for wanted in expected:
        found = output.find(wanted, position)
        if found < 0:
            pytest.fail(f"{wanted!r} not printed (in order); output was:\n{output}")
        position = found + len(wanted)


def test_every_example_is_tested() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script: str, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--out", str(out)],
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        cwd=tmp_path,
        env=clean_environment(),
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("Using an embedded emulator at http://127.0.0.1:")
    _assert_in_order(result.stdout, EXPECTED[script])
    if script in SAVED_AUDIO:
        rate, channels, seconds = SAVED_AUDIO[script]
        pcm = audio.read_wav(out, rate=rate, channels=channels)
        assert len(pcm) >= seconds * rate * 2 * channels
        assert any(pcm), "the saved audio is silent"
        header = out.read_bytes()[:44]
        assert int.from_bytes(header[24:28], "little") == rate
        assert int.from_bytes(header[22:24], "little") == channels


def test_quickstart_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")

    # A kernel spec naming this interpreter, so that the notebook runs with this environment
    # whatever other "python3" kernels the machine has.
    spec_dir = tmp_path / "jupyter" / "kernels" / "genai-live-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "genai-live tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    for name in list(os.environ):
        if name.startswith(("GOOGLE_", "GEMINI_")):
            monkeypatch.delenv(name)

    notebook = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code_cells), (
        "the notebook must be stored without outputs"
    )
    runner = nbclient.NotebookClient(
        notebook,
        kernel_name="genai-live-test",
        timeout=60,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    runner.execute()

    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    text_turn = next(c for c in code_cells if "receive_turn" in c.source and "TEXT" in c.source)
    shown = [o for o in text_turn.outputs if o.output_type == "execute_result"]
    assert shown, "the text turn cell shows no value"
    assert "quantum computing" in shown[0].data["text/html"]
    audio_cell = next(c for c in code_cells if "audio.play" in c.source)
    players = [o for o in audio_cell.outputs if o.output_type == "execute_result"]
    assert players and "<audio" in players[0].data["text/html"]
