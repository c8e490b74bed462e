"""What the Python agent costs its target (issue 9); prints markdown tables for BENCHMARKS.md.

    python bench/agent_overhead.py            # a few minutes
    python bench/agent_overhead.py --quick    # 100k objects only, short throughput runs

1. Sampling: the agent's `sample()` (default settings, as `probe/agent.py` DEFAULTS) per call,
   and the share of a core it takes at the default interval.
2. Checkpoint pauses: the time a checkpoint holds the target (census, holders, tracemalloc
   sites) with 100k and 1M live objects, with and without tracemalloc.
3. Throughput: a CPU-bound target run by `leakbench run` as a command target with the agent on
   and off (`probe.inject`), runs interleaved; the target counts its own loop rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from leakbench.probe import InProcessProbe
from leakbench.probe.agent import DEFAULTS


class Node:
    """A live object of a service's heap: an instance with a dict and a list."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.tags = [number]


def sampling_cost(calls: int) -> tuple[float, float]:
    """Microseconds per `sample()` and percent of a core at the default interval."""
    probe = InProcessProbe(
        objects=DEFAULTS["objects"],
        count_objects=DEFAULTS["count_objects"],
        tracemalloc=DEFAULTS["tracemalloc"],
    )
    start = time.process_time()
    for _ in range(calls):
        probe.sample()
    per_call_s = (time.process_time() - start) / calls
    return per_call_s * 1e6, per_call_s / DEFAULTS["interval"] * 100


def checkpoint_pauses(live: int, tracemalloc: bool, rounds: int) -> list[float]:
    """Seconds of each checkpoint after the baseline, with `live` objects and steady growth."""
    with InProcessProbe(objects=True, tracemalloc=tracemalloc) as probe:
        heap = [Node(number) for number in range(live // 3)]  # instance, its dict, its list
        probe.checkpoint(baseline=True)
        pauses = []
        for round_number in range(rounds):
            heap.extend(Node(-round_number) for _ in range(1000))
            start = time.perf_counter()
            probe.checkpoint()
            pauses.append(time.perf_counter() - start)
    return pauses


TARGET = """
    import json, sys, time
    end = time.monotonic() + float(sys.argv[1])
    rounds = 0
    while time.monotonic() < end:
        sum(i * i for i in range(1000))
        rounds += 1
    open(sys.argv[2], "w").write(json.dumps(rounds))
"""


def throughput(seconds: float, inject: bool, work: Path) -> float:
    """Loop rounds per second of the CPU-bound target under `leakbench run`."""
    script = work / "cpu_target.py"
    script.write_text(textwrap.dedent(TARGET))
    result = work / f"rounds-{inject}.json"
    scenario = work / f"cpu-{inject}.yaml"
    scenario.write_text(
        "name: cpu-bound\n"
        f"target: {{kind: command, command: [{sys.executable}, {script}, {seconds}, {result}]}}\n"
        f"workload: {{duration: {seconds + 5}s}}\n"
        f"probe: {{inject: {str(inject).lower()}}}\n"
    )
    out = work / f"run-{inject}-{time.monotonic_ns()}"
    subprocess.run(
        [sys.executable, "-m", "leakbench", "run", scenario, "--out", out, "--no-report"],
        capture_output=True,
        check=False,
    )
    return json.loads(result.read_text()) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    print(f"load average before: {os.getloadavg()}")
    per_call_us, core_percent = sampling_cost(2000 if quick else 20000)
    print("\n| measure | value |\n|---|---|")
    print(f"| `sample()` (defaults) | {per_call_us:.0f} µs/call |")
    interval_ms = DEFAULTS["interval"] * 1000
    print(f"| share of a core at {interval_ms:.0f} ms | {core_percent:.3f}% |")
    print("\n| live objects | tracemalloc | checkpoint pause (median, max) |\n|---|---|---|")
    for live in (100_000,) if quick else (100_000, 1_000_000):
        for traced in (False, True):
            pauses = checkpoint_pauses(live, traced, rounds=3)
            print(
                f"| {live:,} | {'on' if traced else 'off'} | "
                f"{statistics.median(pauses):.2f} s, {max(pauses):.2f} s |"
            )
    seconds = 5.0 if quick else 15.0
    rates: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(2 if quick else 3):
            for inject in (False, True):
                rates[inject].append(throughput(seconds, inject, Path(work)))
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print("\n| CPU-bound target | rounds/s (median) | each run |\n|---|---|---|")
    for inject, rate in ((False, off), (True, on)):
        runs = ", ".join(f"{r:.0f}" for r in rates[inject])
        print(f"| agent {'on' if inject else 'off'} | {rate:.0f} | {runs} |")
    print(f"\nagent on / off: {on / off:.3f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
