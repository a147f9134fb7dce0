"""The benchmark harness runs end to end and reports both clients side by side (no timings checked)."""

from __future__ import annotations

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
    rows = {row["metric"]: row for row in report["table"]}
    workloads = ("receive", "round trip", "send", "connect", "import", "scale")
    for name in workloads:
        assert any(metric.startswith(name) for metric in rows), f"no {name} row"
    for metric, row in rows.items():
        assert row["ours"] is not None and row["floor"] is not None, metric
        if row["peer"]:  # a scale step can fail on a slow machine: 0 sessions, no ratio
            assert row["ratio"] == row["ours"] / row["peer"], metric
    targets = [row for row in rows.values() if row["target"]]
    assert len(targets) == 8 and all(row["peer"] is not None for row in targets)
    assert "| metric | genai_live | google-genai |" in report["markdown"]


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
