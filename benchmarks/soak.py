"""Soak test: many resumable sessions against the emulator while connections drop and go away.

Every session sends numbered turns and reads each reply; the emulator echoes the turn number, so
lost and duplicated turns can be counted exactly. Run: ``python benchmarks/soak.py --sessions 200``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import threading
import time
from typing import Any

import genai_live
from genai_live.testing import LiveEmulator

MODEL = "gemini-live-2.5-flash-preview"
ECHO = re.compile(r"You said: ([^.]*)\.")  # the emulator echoes the user's text
TURN = re.compile(r"\bt(\d+)\b")


def run_soak(
    sessions: int = 100,
    turns: int = 5,
    chaos_every: float = 0.4,
    seed: int = 1,
    max_faults: int | None = None,
    shared_reader: bool = False,
) -> dict[str, Any]:
    """Run the soak and return its counts (losses and duplicates must be 0).

    Every ``chaos_every`` seconds all connections drop or get a goAway, up to ``max_faults``
    times (None: until the sessions are done). ``shared_reader``: every session is read by the
    shared reader thread (and handed back to it after each resumption).
    """
    rng = random.Random(seed)
    threads_before = set(threading.enumerate())
    counts: dict[str, Any] = {
        "sent": 0,
        "answered": 0,
        "lost": 0,
        "duplicates": 0,
        "reconnects": 0,
        "errors": 0,
        "faults": 0,
    }
    lock = threading.Lock()
    policy = genai_live.ResumptionPolicy(
        backoff=0.05, max_backoff=0.5, max_attempts=10, go_away_margin=0.2
    )
    started = time.monotonic()
    with LiveEmulator(speed=0) as emulator:
        done = threading.Event()
        ready = threading.Barrier(sessions + 1)

        def chaos() -> None:
            while not done.wait(chaos_every):
                if max_faults is not None and counts["faults"] >= max_faults:
                    return
                fault = rng.choice(["drop", "goaway"])
                emulator.inject(fault, **({"time_left": 1.0} if fault == "goaway" else {}))
                with lock:
                    counts["faults"] += 1

        def one_session(index: int) -> None:
            def on_resume(info: genai_live.ResumeInfo) -> None:
                with lock:
                    counts["reconnects"] += 1

            seen: dict[int, int] = {}
            try:
                with emulator.client().live.connect(
                    MODEL,
                    config={"responseModalities": ["TEXT"]},
                    resume=policy,
                    callbacks={"onresume": on_resume},
                    timeout=30,
                    shared_reader=shared_reader,
                ) as session:
                    for turn in range(turns):
                        session.send_client_content(turns=f"s{index} t{turn}")
                        with lock:
                            counts["sent"] += 1
                        reply = session.receive_turn(timeout=60)
                        # The last echo answers the turn (a reply cut by a drop is given again
                        # after resuming); user text replayed as context joins the next turn.
                        echoes = ECHO.findall(reply.text)
                        numbers = [int(n) for n in TURN.findall(echoes[-1])] if echoes else []
                        if numbers:
                            seen[max(numbers)] = seen.get(max(numbers), 0) + 1
                        if turn == 0:
                            ready.wait(60)  # chaos starts once every session holds a handle
            except (genai_live.LiveError, TimeoutError) as exc:
                with lock:
                    counts["errors"] += 1
                    kinds = counts.setdefault("error_kinds", {})
                    key = f"{type(exc).__name__}: {str(exc)[:80]}"
                    kinds[key] = kinds.get(key, 0) + 1
            with lock:
                counts["answered"] += sum(1 for n in range(turns) if seen.get(n))
                counts["lost"] += sum(1 for n in range(turns) if not seen.get(n))
                counts["duplicates"] += sum(c - 1 for c in seen.values() if c > 1)

        chaos_thread = threading.Thread(target=chaos, name="soak-chaos")
        workers = [threading.Thread(target=one_session, args=(i,)) for i in range(sessions)]
        for worker in workers:
            worker.start()
        ready.wait(120)
        chaos_thread.start()
        for worker in workers:
            worker.join(300)
        done.set()
        chaos_thread.join()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in threads_before]
        if not leaked:
            break
        time.sleep(0.05)
    counts["leaked_threads"] = len(leaked)
    counts["seconds"] = round(time.monotonic() - started, 1)
    counts["sessions"] = sessions
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--chaos-every", type=float, default=0.5)
    parser.add_argument("--shared-reader", action="store_true", help="one reader thread for all")
    args = parser.parse_args()
    counts = run_soak(args.sessions, args.turns, args.chaos_every, shared_reader=args.shared_reader)
    print(json.dumps(counts, indent=2))
    ok = counts["lost"] == counts["duplicates"] == counts["errors"] == counts["leaked_threads"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
