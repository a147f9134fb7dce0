"""The `genai-live` command, run as a real process (pipes) against the embedded emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import wave
from pathlib import Path

import pytest

import genai_live
from genai_live import audio
from genai_live.testing._model import voice

ENV = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}


def run(*args: str, stdin: str = "", timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genai_live", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        check=False,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"genai-live {genai_live.__version__}"


def test_demo_runs_a_text_turn_a_tool_call_and_saves_audio(tmp_path: Path) -> None:
    out = tmp_path / "reply.wav"
    result = run("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "< You said: What is quantum computing" in result.stdout
    assert "[tool call] get_weather({'location': 'Tokyo'})" in result.stdout
    assert "get_weather says location Tokyo, temperature 22" in result.stdout
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 24000 and wav.getnchannels() == 1
        assert wav.getnframes() > 24000  # more than a second of speech


def test_chat_reads_lines_from_stdin_and_streams_replies() -> None:
    result = run("chat", "--tools", stdin="Hello there\nWhat is the weather in Paris?\n\n")
    assert result.returncode == 0, result.stderr
    assert "You said: Hello there" in result.stdout
    assert "[tool get_weather({'location': 'Paris'})]" in result.stdout
    assert "get_weather says location Paris" in result.stdout


def test_talk_streams_a_wav_prints_transcripts_and_saves_the_reply(tmp_path: Path) -> None:
    speech = tmp_path / "speech.wav"
    audio.write_wav(speech, voice.synthesize("hello from the command line"), 24000)
    out = tmp_path / "reply.wav"
    result = run("talk", str(speech), "--fast", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "you said: hello from the command line" in result.stdout
    assert "model said: You said: hello from the command line" in result.stdout
    assert out.stat().st_size > 44


def test_music_writes_a_stereo_wav(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    out = tmp_path / "song.wav"
    result = run(
        "music",
        "--prompt",
        "upbeat electronic",
        "--bpm",
        "128",
        "--scale",
        "D_MAJOR_B_MINOR",
        "--seconds",
        "2",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    with wave.open(str(out)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (48000, 2, 2)
        assert wav.getnframes() == 2 * 48000


def test_emulator_command_prints_its_url_first_and_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "genai_live", "emulator", "--port", "0", "--speed", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        client = genai_live.Client(api_key="k", http_options={"base_url": url})
        config = {"responseModalities": ["TEXT"]}
        with client.live.connect("gemini-live-2.5-flash-preview", config=config) as session:
            session.send_client_content(turns="ping")
            assert "ping" in session.receive_turn(timeout=10).text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_live_without_a_key_says_what_is_missing() -> None:
    result = run("chat", "--live", stdin="")
    assert result.returncode != 0
    assert "GEMINI_API_KEY" in result.stderr
