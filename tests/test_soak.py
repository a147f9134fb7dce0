"""A short soak in CI: 100 resumable sessions while every connection drops or goes away."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parent.parent / "benchmarks" / "soak.py"


@pytest.mark.parametrize("shared_reader", [False, True], ids=["own readers", "shared reader"])
def test_soak_loses_and_duplicates_nothing_and_leaks_no_thread(shared_reader: bool) -> None:
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    assert spec is not None and spec.loader is not None
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    # A bounded number of faults: each can cost a session one reconnect attempt, so a slow
    # machine (more faults per turn) cannot exhaust the resumption policy's attempts.
    counts = soak.run_soak(
        sessions=100, turns=20, chaos_every=0.3, max_faults=6, shared_reader=shared_reader
    )
    print(counts)
    assert counts["sent"] == 100 * 20
    assert counts["faults"] > 0 and counts["reconnects"] > 0  # the chaos really happened
    assert counts["lost"] == 0
    assert counts["duplicates"] == 0
    assert counts["errors"] == 0
    assert counts["leaked_threads"] == 0
