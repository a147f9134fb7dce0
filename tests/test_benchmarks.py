"""The benchmark harness runs end to end and reports both clients side by side (no timings checked)."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
SERVER = RUN.with_name("server.py")


def _bench_server() -> Any:
    spec = importlib.util.spec_from_file_location("bench_server", SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_row_has_ours_the_sdk_and_the_floor_with_ratios(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, str(RUN), "--quick", "--rounds", "1", "--scale-steps", "10"]
    done = subprocess.run(
        [*command, "--out", str(out)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["errors"] == [] and report["skipped"] == {}
    every = {"import", "connect", "connect_tls", "rtt", "recv", "send", "scale"}
    assert {label: set(runs) for label, runs in report["runs"].items()} == {
        "ours": every,
        "peer": every,
        "floor": every,
        "ours/callbacks": {"recv"},  # genai_live also through onmessage
        "ours/shared": {"scale"},  # and with shared_reader=True, besides a thread per session
        "floor/selector": {"scale"},
    }
    rows = {row["metric"]: row for row in report["table"]}
    # Every row but scale's has genai_live's figure (a scale step can fail on a busy machine).
    assert len([metric for metric in rows if not metric.startswith("scale")]) == 13
    for metric, row in rows.items():
        assert row["floor"] is not None, metric
        assert f"| {metric} |" in report["markdown"]
    targets = [row for row in rows.values() if row["target"]]
    assert len(targets) == 8 and all(row["peer"] is not None for row in targets)


@pytest.mark.parametrize(
    ("received", "sent", "lost"),
    [((0, 1, 3, 4), 5, 1), ((0, 1, 3, 4), 6, 2), ((0, 1, 2), 4, 1)],
    ids=["a gap", "a gap and one lost at the end", "one lost at the end"],
)
def test_scale_summary_counts_each_lost_chunk_once(
    received: tuple[int, ...], sent: int, lost: int
) -> None:
    server = _bench_server()
    check = server.StreamCheck(server.Window())
    template = server.pcm_bytes(server.SCALE_OUT_CHUNK_BYTES)
    for seq in received:  # downstream: the server sent chunks 0 .. sent - 1
        check.chunk(server.stamped_chunk(template, seq, 0))
    # upstream, the same losses: the server saw the client's chunks with the same gaps
    check.sent = sent
    stats = {"sent": sent, "in_received": len(received), "in_lost": check.lost}
    check.reply(json.dumps({**stats, "lag_ms": [], "in_delay_ms": []}))
    figures = server.scale_summary(
        [check],
        cpu_s=0.1,
        window_s=1.0,
        rss_base_kib=0,
        rss_end_kib=0,
        connect_s=0.0,
        max_delay_ms=50.0,
    )
    assert (figures["lost_out"], figures["lost_in"]) == (lost, lost)
    assert (
        not figures["ok"]
        and f"lost chunks: {lost} from the server, {lost} to it" in figures["reason"]
    )


def test_a_scale_run_that_cannot_open_its_sessions_in_time_fails_without_a_window() -> None:
    server = _bench_server()
    args = argparse.Namespace(sessions=3, window=1.0, settle=0.0, max_delay_ms=50.0)
    run = server.ScaleRun(args)
    run.connect_limit_s = -1.0  # already over: the loop stops after the first session
    assert len(list(run.opening())) == 1 and not run.opened
    summary = run.summary()
    assert not summary["ok"] and "(1 of 3 sessions open)" in summary["reason"]


@pytest.mark.parametrize(
    ("verdicts", "tried", "best"),
    [
        # sessions -> verdict of each try: a failure is tried once more, then halfway probed
        (
            {100: [True], 200: [True], 300: [False, False], 250: [True]},
            [100, 200, 300, 300, 250],
            250,
        ),
        ({100: [True], 200: [False, True], 300: [True]}, [100, 200, 200, 300], 300),
        ({100: [False, False]}, [100, 100], 0),  # not even the first step: 0 sessions
    ],
    ids=["probe halfway", "a retry that passes", "none"],
)
def test_the_scale_search(
    monkeypatch: pytest.MonkeyPatch, verdicts: dict[int, list[bool]], tried: list[int], best: int
) -> None:
    monkeypatch.syspath_prepend(str(RUN.parent))
    run = importlib.import_module("run")
    bench = run.Bench(dataclasses.replace(run.FULL, scale_steps=(100, 200, 300)), ["peer"])
    steps: list[int] = []

    def scale_step(driver: str, workload: str, label: str, sessions: int) -> dict[str, Any]:
        steps.append(sessions)
        return {"sessions": sessions, "ok": verdicts[sessions].pop(0), "reason": ""}

    monkeypatch.setattr(bench, "scale_step", scale_step)
    bench.run_scale()
    assert steps == tried
    assert bench.runs["peer"]["scale"][0]["sessions"] == best
