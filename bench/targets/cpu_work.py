"""A CPU-bound target for the probe-overhead benchmark: fixed work units, counted.

Runs work units (a small pure-Python loop) for `--seconds` of wall time or until SIGTERM (how
leakbench stops a command target), or exactly `--units` of them, then prints one JSON line:
units done, wall seconds and this process's CPU seconds (`cpu_total_s`: since the process
started, all threads, so an injected agent's start-up and thread count too). Units per wall
second is the throughput a probe could steal; units per CPU second shows whether the probe slows the
target's own execution (caches, page-table walks) rather than just taking a core from it.

    python bench/targets/cpu_work.py [--seconds 20 | --units 2000]
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time

UNIT_SIZE = 2000
CHECK_EVERY = 50
"""Units between clock reads, so reading the clock costs nothing measurable."""

STOP = threading.Event()


def work_unit() -> int:
    """A fixed amount of interpreter work."""
    total = 0
    for number in range(UNIT_SIZE):
        total += number * number % 7
    return total


def run(seconds: float, limit: int | None = None) -> dict[str, float]:
    """Do units until `seconds` of wall time pass, or until `limit` units are done."""
    units = 0
    wall_start, cpu_start = time.monotonic(), time.process_time()
    deadline = wall_start + seconds
    while time.monotonic() < deadline and not STOP.is_set() and (limit is None or units < limit):
        for _ in range(CHECK_EVERY):
            work_unit()
        units += CHECK_EVERY
    return {
        "units": units,
        "wall_s": time.monotonic() - wall_start,
        "cpu_s": time.process_time() - cpu_start,
        "cpu_total_s": time.process_time(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wall time to work")
    parser.add_argument(
        "--units", type=int, help=f"fixed work instead: a multiple of {CHECK_EVERY}"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    seconds = float("inf") if args.units is not None else args.seconds
    print(json.dumps(run(seconds, args.units)), flush=True)


if __name__ == "__main__":
    main()
