"""Embedded gateway throughput: complete runs per wall second, 40-chunk replies (design §7).

Budget: at least 5,000 runs per second on one core. Each figure is the best of `--repeat`
timings of `EmbeddedHost.advance(runs)` (the drain is not timed: it is a few sweeps).

    python bench/bench_embedded.py [--runs 20000] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from leakbench.gateway_sim import EmbeddedHost, Workload, resolve_policy

CASES: dict[str, tuple[str, dict[str, float], bool]] = {
    "legacy, normal runs": ("legacy", {}, False),
    "fixed, normal runs": ("fixed", {}, False),
    "fixed, 20% aborts + 10% lost terminals": (
        "fixed",
        {"abort": 0.2, "missing_terminal": 0.1},
        False,
    ),
    "fixed, normal runs, weak-ref object tracking": ("fixed", {}, True),
}


def runs_per_second(
    policy: str, faults: dict[str, float], track: bool, runs: int, seed: int
) -> float:
    workload = Workload(runs=runs, chunks=(40, 40), faults=faults)
    host = EmbeddedHost(None, resolve_policy(policy), workload, seed, track_objects=track)
    start = time.perf_counter()
    host.advance(runs)
    return host.runs_done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("command:", shlex.join(["python", *sys.argv]))
    print(f"python {sys.version.split()[0]}, {args.runs:,} runs per timing, best of {args.repeat}")
    for label, (policy, faults, track) in CASES.items():
        best = max(
            runs_per_second(policy, faults, track, args.runs, args.seed + attempt)
            for attempt in range(args.repeat)
        )
        print(f"{label:<48} {best:>9,.0f} runs/s")


if __name__ == "__main__":
    main()
