"""Run the benchmarks: genai_live, the official SDK and the bare floor, side by side, one table.

    python benchmarks/run.py                  # everything (~10-12 minutes on 2 cores), `make bench`
    python benchmarks/run.py --quick          # small sizes, a smoke run (~1 minute)
    python benchmarks/run.py --workloads recv send --rounds 3

For each workload one server process (benchmarks/server.py) serves all clients; each client
driver (ours.py, peer.py, floor.py) runs in a fresh process per round, the order rotating from
round to round, so that neither client is charged the other's CPU nor favoured by drift. Medians
over the rounds go into a markdown table with both clients, their ratio, the floor and our ratio
to it; everything, with every run, goes to bench_results/latest.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import math
import os
import platform
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "bench_results" / "latest.json"
DRIVERS = ("ours", "peer", "floor")
WORKLOADS = ("import", "connect", "connect_tls", "rtt", "recv", "send", "scale")
OVER_TLS = {"connect_tls": "connect"}
"""Workloads that are another one over ``wss://``: the server and the drivers run that one."""
PACKAGES = (
    "genai-live",
    "google-genai",
    "websocket-client",
    "websockets",
    "pydantic",
    "attrs",
    "cattrs",
    "orjson",
    "wsaccel",
    "pybase64",
)


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How much work each workload does; `FULL` is the issue's definition, `QUICK` a smoke run."""

    rounds: int
    messages: int
    rtt_iterations: int
    rtt_warmup: int
    connects: int
    import_runs: int
    scale_steps: tuple[int, ...]
    scale_window: float
    scale_settle: float


FULL = Sizes(
    rounds=5,
    messages=20_000,
    rtt_iterations=2_000,
    rtt_warmup=200,
    connects=100,
    import_runs=3,
    scale_steps=(100, 200, 300, 500, 700, 1000),
    scale_window=5.0,
    scale_settle=1.0,
)
QUICK = Sizes(
    rounds=3,
    messages=2_000,
    rtt_iterations=300,
    rtt_warmup=50,
    connects=20,
    import_runs=1,
    scale_steps=(20, 50),
    scale_window=1.5,
    scale_settle=0.5,
)


class Job(NamedTuple):
    """One driver process of a workload: which driver, the workload it runs, the report's label."""

    driver: str
    workload: str
    label: str


EXTRA_JOBS = {
    "recv": (Job("ours", "recv_callbacks", "ours/callbacks"),),
    "scale": (
        Job("ours", "scale_shared", "ours/shared"),
        Job("floor", "scale_selector", "floor/selector"),
    ),
}
"""Variants run besides every driver's own run of a workload."""


def variants(workload: str) -> tuple[Job, ...]:
    """Every job of ``workload``: each driver of `DRIVERS`, then its `EXTRA_JOBS`."""
    extra = EXTRA_JOBS.get(workload, ())
    return tuple(
        job
        for driver in DRIVERS
        for job in (
            Job(driver, OVER_TLS.get(workload, workload), driver),
            *(job for job in extra if job.driver == driver),
        )
    )


# ----------------------------------------------------------------------------- processes


def child_env() -> dict[str, str]:
    """The environment for servers and drivers: no API configuration, no proxies, and bytecode
    caching on as in any installation (else every import recompiles our sources, while the
    SDK's, installed by pip, come compiled)."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("GOOGLE_", "GEMINI_")) or name.lower().endswith("_proxy"):
            del env[name]
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@contextmanager
def bench_server(workload: str, *flags: str) -> Iterator[dict[str, Any]]:
    """Start benchmarks/server.py for ``workload``; yields its banner (``url``, ``cert``...);
    stops it after."""
    command = [sys.executable, str(HERE / "server.py"), "--workload", workload, *flags]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env())
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        line = proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"server.py --workload {workload} {' '.join(flags)} did not start")
        banner: dict[str, Any] = json.loads(line)
        yield banner
    finally:
        if proc.poll() is None:
            proc.terminate()  # our own child, by its handle
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def trust_store(cert: str) -> str:
    """A CA bundle of the system's certificates plus the bench server's, so that a client that
    loads its trust store at connect time pays what it pays in real use."""
    import ssl

    bundle = Path(cert).with_name("bundle.pem")
    system = ssl.get_default_verify_paths().openssl_cafile
    parts = [Path(system).read_bytes()] if Path(system).is_file() else []
    bundle.write_bytes(b"\n".join([*parts, Path(cert).read_bytes()]))
    return str(bundle)


def run_driver_process(
    driver: str, args: Sequence[str], timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one driver process (``env``: extra variables); returns its report (``error`` set
    when it failed)."""
    command = [sys.executable, str(HERE / f"{driver}.py"), *args]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=child_env() | (env or {})
        )
    except subprocess.TimeoutExpired:
        return {"runs": [], "error": f"timed out after {timeout:.0f} s"}
    for line in done.stdout.splitlines():
        if line.startswith(server.RESULT_PREFIX):
            report: dict[str, Any] = json.loads(line[len(server.RESULT_PREFIX) :])
            return report
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"runs": [], "error": f"exit status {done.returncode}: {' | '.join(tail)}"}


# ----------------------------------------------------------------------------- workloads


class Bench:
    """Runs the workloads and keeps every report."""

    def __init__(self, sizes: Sizes, drivers: Sequence[str]) -> None:
        self.sizes = sizes
        self.drivers = list(drivers)
        self.runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
        """label ("ours", "ours/callbacks", "peer", "floor") -> workload -> measured runs."""
        self.info: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.skipped: dict[str, str] = {}
        self.scale: dict[str, dict[str, Any]] = {}

    def log(self, text: str) -> None:
        """Progress on stderr (stdout ends with the table)."""
        print(text, file=sys.stderr, flush=True)

    def jobs(self, workload: str) -> list[Job]:
        """The jobs of one workload, of the chosen drivers, skipped drivers left out."""
        return [
            job
            for job in variants(workload)
            if job.driver in self.drivers and job.driver not in self.skipped
        ]

    def driver_args(self, workload: str) -> list[str]:
        """The size flags of a workload."""
        s = self.sizes
        if workload == "import":
            return ["--warmup-runs", "1", "--runs", str(s.import_runs)]
        flags = ["--warmup-runs", "1", "--runs", "1"]
        if workload in ("recv", "recv_callbacks", "send"):
            return [*flags, "--messages", str(s.messages)]
        if workload == "rtt":
            iterations = ["--iterations", str(s.rtt_iterations)]
            return [*flags, *iterations, "--warmup-iterations", str(s.rtt_warmup)]
        if workload == "connect":
            return [*flags, "--connects", str(s.connects)]
        return flags

    def record(self, label: str, workload: str, report: dict[str, Any]) -> None:
        """Keep a driver's runs, note its failure or skip."""
        driver = label.split("/")[0]
        if report.get("skipped"):
            if driver == label:
                self.skipped[driver] = report["skipped"]
                self.log(f"  {label}: skipped: {report['skipped']}")
            return
        if report.get("error"):
            self.errors.append(f"{label} {workload}: {report['error']}")
            self.log(f"  {label} {workload}: FAILED: {report['error']}")
            return
        self.info.setdefault(label, report.get("info", {}))
        self.runs.setdefault(label, {}).setdefault(workload, []).extend(report["runs"])

    def run_rounds(self, workload: str) -> None:
        """All rounds of one workload against one server process."""
        started = time.monotonic()
        try:
            with _maybe_server(workload, self.sizes.messages) as banner:
                self._rounds(workload, banner)
        except RuntimeError as exc:  # e.g. --tls without the cryptography package
            self.errors.append(f"{workload}: {exc}")
            self.log(f"{workload}: FAILED: {exc}")
            return
        self.log(f"{workload}: done in {time.monotonic() - started:.0f} s")

    def _rounds(self, workload: str, banner: dict[str, Any]) -> None:
        env = {"SSL_CERT_FILE": trust_store(banner["cert"])} if banner.get("cert") else {}
        for round_index in range(self.sizes.rounds):
            jobs = self.jobs(workload)
            shift = round_index % max(1, len(jobs))
            for driver, driver_workload, label in jobs[shift:] + jobs[:shift]:
                args = ["--workload", driver_workload, *self.driver_args(driver_workload)]
                if banner.get("url"):
                    args += ["--url", banner["url"]]
                report = run_driver_process(driver, args, timeout=300, env=env)
                self.record(label, workload, report)

    def run_scale(self) -> None:
        """For each client, the largest N (of the steps) that keeps real time, and its cost."""
        s = self.sizes
        for driver, driver_workload, label in self.jobs("scale"):
            steps: list[dict[str, Any]] = []
            best: dict[str, Any] | None = None
            candidates = list(s.scale_steps)
            refined = False
            while candidates:
                sessions = candidates.pop(0)
                result = self.scale_step(driver, driver_workload, label, sessions)
                if result is not None and not result["ok"]:
                    # Other processes can only slow a step down: a failure gets one more try.
                    result = self.scale_step(driver, driver_workload, label, sessions)
                if result is None:
                    break
                steps.append(result)
                if result["ok"]:
                    best = result
                    continue
                # One extra probe between the last pass and this failure sharpens the answer.
                low = best["sessions"] if best else 0
                middle = (low + sessions) // 2 // 10 * 10
                if not refined and low < middle < sessions and best is not None:
                    refined = True
                    candidates = [middle]
                    continue
                break
            self.scale[label] = {"steps": steps, "best": best}
            if steps:  # 0 sessions: not even the first step kept real time
                self.runs.setdefault(label, {})["scale"] = [best or {"sessions": 0}]

    def scale_step(
        self, driver: str, driver_workload: str, label: str, sessions: int
    ) -> dict[str, Any] | None:
        """One scale run with ``sessions`` sessions against a fresh server."""
        s = self.sizes
        args = [
            "--workload",
            driver_workload,
            "--sessions",
            str(sessions),
            "--window",
            str(s.scale_window),
            "--settle",
            str(s.scale_settle),
            "--warmup-runs",
            "0",
            "--runs",
            "1",
        ]
        with bench_server("scale") as banner:
            url = ["--url", banner["url"]]
            report = run_driver_process(driver, [*args, *url], 120 + sessions * 0.2)
        if report.get("skipped") or report.get("error"):
            self.record(label, "scale", report)
            return None
        self.info.setdefault(label, report.get("info", {}))
        result: dict[str, Any] = report["runs"][0]
        verdict = "ok" if result["ok"] else f"FAILED ({result['reason']})"
        if "out_p99_ms" in result:  # not when it could not open every session in time
            verdict = (
                f"delay p99 {result['out_p99_ms']:.1f} ms, "
                f"CPU {result['cpu_core_pct']:.0f}% of a core: {verdict}"
            )
        self.log(f"  scale {label} N={sessions}: {verdict}")
        return result

    def run(self, workloads: Sequence[str]) -> None:
        """Every chosen workload, in order."""
        for workload in WORKLOADS:
            if workload not in workloads:
                continue
            self.log(f"{workload}: running")
            if workload == "scale":
                self.run_scale()
            else:
                self.run_rounds(workload)


@contextmanager
def _maybe_server(workload: str, messages: int) -> Iterator[dict[str, Any]]:
    if workload == "import":
        yield {}
        return
    flags = ["--messages", str(messages)]
    if workload in OVER_TLS:
        workload, flags = OVER_TLS[workload], [*flags, "--tls"]
    with bench_server(workload, *flags) as banner:
        yield banner


# ----------------------------------------------------------------------------- the report


def median(runs: list[dict[str, Any]], key: str) -> float | None:
    """The median of one metric over runs (None when there are none)."""
    values = [float(r[key]) for r in runs if key in r and not math.isnan(float(r[key]))]
    return statistics.median(values) if values else None


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of the table: a metric, and the targets it is judged by (if any): a ratio to the
    SDK's or the floor's figure, ``(">=" or "<=", bound)``, and a least value of ours."""

    workload: str
    key: str
    title: str
    fmt: str
    _: dataclasses.KW_ONLY
    label: str = "ours"
    floor_label: str = "floor"
    vs_peer: tuple[str, float] | None = None
    vs_floor: tuple[str, float] | None = None
    at_least: float | None = None


ROWS = (
    Row("recv", "msgs_per_s", "receive: messages/s", "{:,.0f}", vs_peer=(">=", 3.0)),
    Row("recv", "cpu_us_per_msg", "receive: CPU µs/message", "{:.1f}", vs_floor=("<=", 1.25)),
    Row(
        "recv", "msgs_per_s", "receive via onmessage: messages/s", "{:,.0f}", label="ours/callbacks"
    ),
    Row(
        "recv",
        "cpu_us_per_msg",
        "receive via onmessage: CPU µs/message",
        "{:.1f}",
        label="ours/callbacks",
    ),
    Row("rtt", "p50_us", "round trip: p50 µs", "{:.0f}", vs_peer=("<=", 0.6)),
    Row("rtt", "p99_us", "round trip: p99 µs", "{:.0f}"),
    Row("rtt", "cpu_us_per_iter", "round trip: CPU µs/iteration", "{:.0f}"),
    Row(
        "send",
        "msgs_per_s",
        "send: messages/s (until the server's count)",
        "{:,.0f}",
        vs_peer=(">=", 2.5),
    ),
    Row("send", "cpu_us_per_msg", "send: CPU µs/message", "{:.1f}", vs_floor=("<=", 1.25)),
    Row(
        "connect",
        "p50_ms",
        "connect: median ms (open + setup + setupComplete)",
        "{:.2f}",
        vs_peer=("<=", 0.5),
    ),
    Row("connect", "p90_ms", "connect: p90 ms", "{:.2f}"),
    Row("connect_tls", "p50_ms", "connect over TLS (wss://): median ms", "{:.2f}"),
    Row("import", "import_ms", "import: ms (fresh process)", "{:.0f}", vs_peer=("<=", 0.25)),
    Row(
        "scale",
        "sessions",
        "scale: sessions kept real-time (shared_reader=True; floor: one reader thread)",
        "{:.0f}",
        label="ours/shared",
        floor_label="floor/selector",
        vs_peer=(">=", 2.0),
        at_least=500,
    ),
    Row(
        "scale",
        "cpu_pct_per_session",
        "scale: CPU % of a core per session (shared reader)",
        "{:.3f}",
        label="ours/shared",
        floor_label="floor/selector",
    ),
    Row(
        "scale",
        "rss_kib_per_session",
        "scale: RSS KiB per session (shared reader)",
        "{:.0f}",
        label="ours/shared",
        floor_label="floor/selector",
    ),
    Row(
        "scale",
        "out_p99_ms",
        "scale: delivery delay p99 ms at that N (shared reader)",
        "{:.1f}",
        label="ours/shared",
        floor_label="floor/selector",
    ),
    Row(
        "scale",
        "sessions",
        "scale: sessions kept real-time, a reader thread each (default; floor: the same)",
        "{:.0f}",
    ),
    Row(
        "scale",
        "cpu_pct_per_session",
        "scale: CPU % of a core per session (a reader thread each)",
        "{:.3f}",
    ),
)


def _value(bench: Bench, label: str, row: Row) -> float | None:
    return median(bench.runs.get(label, {}).get(row.workload, []), row.key)


def _verdict(ours: float, other: float | None, target: tuple[str, float]) -> str:
    """The target ``ours / other`` ``op`` ``bound``, and whether it was met (said only when the
    ratio is known; ``other`` 0 makes it infinite when ``ours`` is not 0)."""
    op, bound = target
    text = f"{'≥' if op == '>=' else '≤'} {bound:g}×"
    if other is None or other == ours == 0:
        return text
    ratio = ours / other if other else math.inf
    met = ratio >= bound if op == ">=" else ratio <= bound
    return f"{text} {'met' if met else 'MISSED'}"


def table_rows(bench: Bench) -> list[dict[str, Any]]:
    """The table's cells, also kept in the JSON report."""
    rows = []
    for row in ROWS:
        ours = _value(bench, row.label, row)
        if ours is None:
            continue
        peer = _value(bench, "peer", row)
        floor = _value(bench, row.floor_label, row)
        targets = []
        if row.vs_peer:
            targets.append(_verdict(ours, peer, row.vs_peer))
        if row.vs_floor:
            targets.append(_verdict(ours, floor, row.vs_floor) + " (vs floor)")
        if row.at_least is not None:
            targets.append(f"≥ {row.at_least:g} {'met' if ours >= row.at_least else 'MISSED'}")
        rows.append(
            {
                "metric": row.title,
                "ours": ours,
                "peer": peer,
                "ratio": ours / peer if peer else None,
                "target": "; ".join(targets),
                "floor": floor,
                "vs_floor": ours / floor if floor else None,
                "fmt": row.fmt,
            }
        )
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a GitHub markdown table."""

    def cell(value: float | None, fmt: str) -> str:
        return "–" if value is None else fmt.format(value)

    lines = [
        "| metric | genai_live | google-genai | ours ÷ SDK | target | floor | ours ÷ floor |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['metric']} | {cell(r['ours'], r['fmt'])} | {cell(r['peer'], r['fmt'])} "
            f"| {cell(r['ratio'], '{:.2f}×')} | {r['target']} | {cell(r['floor'], r['fmt'])} "
            f"| {cell(r['vs_floor'], '{:.2f}×')} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    memory = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
        with open("/proc/meminfo") as info:
            kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": versions,
        "load_average_at_start": os.getloadavg(),
    }


def describe(info: dict[str, Any], date: str) -> str:
    """The machine as a markdown paragraph."""
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    load = ", ".join(f"{x:.2f}" for x in info["load_average_at_start"])
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM; {info['os']}; "
        f"{info['python']}; load average at start {load}. Date: {date}.\n\n"
        f"Packages: {packages}."
    )


def _finite(value: Any) -> Any:
    """``value`` with NaN/inf as None, so that the report is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a ~1 minute smoke run")
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--drivers", nargs="+", choices=DRIVERS, default=list(DRIVERS))
    parser.add_argument("--rounds", type=int, help="fresh-process rounds per workload")
    parser.add_argument("--scale-steps", type=int, nargs="+", help="session counts to try")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON report")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.rounds:
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    if args.scale_steps:
        sizes = dataclasses.replace(sizes, scale_steps=tuple(args.scale_steps))
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    started = time.monotonic()
    bench = Bench(sizes, args.drivers)
    bench.run(args.workloads)
    elapsed = time.monotonic() - started
    rows = table_rows(bench)
    table = markdown_table(rows)
    report = {
        "date": date,
        "elapsed_s": round(elapsed, 1),
        "machine": info,
        "sizes": dataclasses.asdict(sizes),
        "workloads": args.workloads,
        "clients": bench.info,
        "skipped": bench.skipped,
        "errors": bench.errors,
        "table": rows,
        "markdown": table,
        "scale": bench.scale,
        "runs": bench.runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_finite(report), indent=2, allow_nan=False) + "\n")
    print(describe(info, date))
    print()
    print(table)
    print()
    for driver, reason in bench.skipped.items():
        print(f"{driver}: skipped: {reason}")
    for error in bench.errors:
        print(f"error: {error}")
    print(f"({elapsed:.0f} s; every run in {args.out})")
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())
