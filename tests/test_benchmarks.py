"""The benchmark harness runs end to end and reports both clients side by side (no timings checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


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
