"""A CPU-bound target for the probe-overhead benchmark: fixed work units, counted.

Runs work units (a small pure-Python loop) for `--seconds` of wall time or until SIGTERM (how
leakbench stops a command target), then prints one JSON line: units done, wall seconds and this
process's CPU seconds. Units per wall second is the
throughput a probe could steal; units per CPU second shows whether the probe slows the
target's own execution (caches, page-table walks) rather than just taking a core from it.

    python bench/targets/cpu_work.py [--seconds 20]
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


def run(seconds: float) -> dict[str, float]:
    """Do units until `seconds` of wall time pass."""
    units = 0
    wall_start, cpu_start = time.monotonic(), time.process_time()
    deadline = wall_start + seconds
    while time.monotonic() < deadline and not STOP.is_set():
        for _ in range(CHECK_EVERY):
            work_unit()
        units += CHECK_EVERY
    return {
        "units": units,
        "wall_s": time.monotonic() - wall_start,
        "cpu_s": time.process_time() - cpu_start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wall time to work")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    print(json.dumps(run(args.seconds)), flush=True)


if __name__ == "__main__":
    main()
