"""What the Python agent costs its target (issue 9); prints markdown tables for BENCHMARKS.md.

    python bench/agent_overhead.py                    # about 10 minutes
    python bench/agent_overhead.py --quick            # 100k objects only, 4 CPU pairs
    python bench/agent_overhead.py --parts tick cpu   # no checkpoint pauses

1. tick: the agent's sampling tick (`Agent.sample_line()`: the sample and its JSON line, with
   `probe/agent.py` DEFAULTS; not the socket write) per call, and its share of a core at the
   default interval.
   thread: the agent thread's own CPU time in the CPU-bound target below, as the scheduler
   counts it (`/proc/PID/task/TID/sched`), at 250 ms and 50 ms: the tick, its socket write,
   waking up and waiting for the GIL.
2. checkpoints: the time a checkpoint holds the target (census, holders, tracemalloc sites)
   with 100k and 1M live objects, with and without tracemalloc.
   bounded: of that, what reading the bounded containers (lru_cache, deque, cachetools-style)
   adds on the census's walk.
3. cpu: a CPU-bound command target doing a fixed amount of work (bench/targets/cpu_work.py
   --units), agent on and off, in interleaved pairs (`--control`: off and off); the target's
   own CPU time (user+sys, all threads, start to exit) per pair. The agent is injected as
   `leakbench run` injects it, without the harness's own sampling beside it (`--harness`: under
   `leakbench run`, `probe.inject` true and false). CPU time for fixed work does not depend on
   how much of the machine others take, as wall-clock throughput does; it still scatters from
   one process to the next (memory layout, the host under a VM), which only more pairs cure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from leakbench.harness.targets.python_agent import PythonAgent
from leakbench.probe import InProcessProbe
from leakbench.probe.agent import DEFAULTS, Agent
from leakbench.probe.bounded import BoundedContainers


class Node:
    """A live object of a service's heap: an instance with a dict and a list."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.tags = [number]


def sampling_cost(calls: int) -> tuple[float, float]:
    """Microseconds per sampling tick and percent of a core at the default interval."""
    agent = Agent("unused.sock", {}, None)  # never started: only its tick is timed
    start = time.process_time()
    for _ in range(calls):
        agent.sample_line()
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


def bounded_scan_cost(live: int, rounds: int = 5) -> list[float]:
    """Seconds the bounded-container reading adds to a checkpoint's heap walk (probe/bounded.py),
    with `live` objects: the scan alone, on the walk the census has already made."""
    heap = [Node(number) for number in range(live // 3)]
    bounded = BoundedContainers()
    costs = []
    for round_number in range(rounds):
        objects = gc.get_objects()
        classes = set(map(type, objects))
        start = time.perf_counter()
        bounded.scan(objects, classes, baseline=round_number == 0)
        costs.append(time.perf_counter() - start)
        del objects
    del heap
    return costs


PARTS = ["tick", "thread", "checkpoints", "bounded", "cpu"]
TARGET = Path(__file__).resolve().parent / "targets" / "cpu_work.py"


def target_cpu(work: Path, units: int, inject: bool, harness: bool) -> dict[str, float]:
    """The fixed-work target's own report, agent on or off: `cpu_total_s` (user+sys of all its
    threads from its start to its exit), `cpu_s` and `wall_s` (the work alone).

    The agent's import, thread and sampling count in these, the machine's other load does not.
    `harness`: under `leakbench run` (no checkpoints: their pauses are part 2; the run ends when
    the target does); else started here, the agent injected as `leakbench run` injects it
    (`PythonAgent`), so that the harness's own sampling does not share the machine with it."""
    command = [sys.executable, str(TARGET), "--units", str(units)]
    out = work / f"run-{inject}-{time.monotonic_ns()}"
    if harness:
        scenario = work / f"cpu-{inject}.yaml"
        scenario.write_text(
            "name: cpu-fixed-work\n"
            f"target: {{kind: command, command: [{', '.join(command)}]}}\n"
            "workload: {duration: 3600s}\n"
            f"probe: {{inject: {str(inject).lower()}, checkpoints: 0}}\n"
        )
        leakbench = [sys.executable, "-m", "leakbench", "run", scenario, "--out", out]
        subprocess.run([*leakbench, "--no-report"], capture_output=True, check=False)
        report = (out / "target.log").read_text()
    else:
        out.mkdir()
        agent = PythonAgent(out, {}) if inject else None
        env = agent.prepare(dict(os.environ)) if agent is not None else None
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        finally:
            if agent is not None:
                agent.close()
        report = done.stdout
    result: dict[str, float] = json.loads(report.splitlines()[-1])
    assert result["units"] == units, result
    return result


def thread_runtime_ms(pid: int, tid: int) -> float:
    """CPU time of one thread so far, ms to the ns (`se.sum_exec_runtime`, the scheduler's own
    account; Linux with CONFIG_SCHED_DEBUG)."""
    with open(f"/proc/{pid}/task/{tid}/sched", encoding="ascii") as lines:
        for line in lines:
            if line.startswith("se.sum_exec_runtime"):
                return float(line.split(":")[1])
    raise LookupError("no se.sum_exec_runtime")


def agent_thread_share(interval: float, seconds: float) -> float:
    """Percent of a core the agent's thread takes in the CPU-bound target, over `seconds` from
    2 s after the start: its own CPU time as the scheduler counts it, so neither the machine's
    other load nor the target's own run-to-run scatter enters."""
    with tempfile.TemporaryDirectory() as work:
        agent = PythonAgent(Path(work), {"interval": interval})
        env = agent.prepare(dict(os.environ))
        command = [sys.executable, str(TARGET), "--seconds", str(seconds + 4)]
        target = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            time.sleep(2.0)
            (tid,) = (
                int(t) for t in os.listdir(f"/proc/{target.pid}/task") if int(t) != target.pid
            )
            start, started = thread_runtime_ms(target.pid, tid), time.monotonic()
            time.sleep(seconds)
            used = thread_runtime_ms(target.pid, tid) - start
            return used / ((time.monotonic() - started) * 1000) * 100
        finally:
            target.kill()
            target.wait()
            agent.close()


Pair = tuple[dict[str, float], dict[str, float]]


def cpu_pairs(units: int, pairs: int, harness: bool, control: bool) -> list[Pair]:
    """`pairs` of (agent off, agent on) reports, interleaved, which goes first alternating;
    `control`: both runs of each pair without the agent, the noise floor of the ratio."""
    found = []
    with tempfile.TemporaryDirectory() as work:
        for pair in range(pairs):
            order = (False, True) if pair % 2 == 0 else (True, False)
            runs = {on: target_cpu(Path(work), units, on and not control, harness) for on in order}
            found.append((runs[False], runs[True]))
    return found


def spread(values: list[float], digits: int) -> str:
    """Median, interquartile range and range, as one table cell."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (
        f"{median:.{digits}f} (IQR {q1:.{digits}f} to {q3:.{digits}f}; "
        f"range {min(values):.{digits}f} to {max(values):.{digits}f})"
    )


def print_cpu(found: list[Pair], units: int, control: bool) -> None:
    """Each pair, then the on/off ratios and what the agent adds: at start-up (importing and
    starting it) and while the target works (its sampling thread), as a share of a core."""
    on_label = "off again" if control else "on"
    print(f"\n| pair ({units} units) | CPU s off | CPU s {on_label} | ratio | wall s |")
    print("|---|---|---|---|---|")
    for number, (off, on) in enumerate(found, 1):
        ratio = on["cpu_total_s"] / off["cpu_total_s"]
        print(
            f"| {number} | {off['cpu_total_s']:.3f} | {on['cpu_total_s']:.3f} | {ratio:.4f} | "
            f"{off['wall_s']:.2f}, {on['wall_s']:.2f} |"
        )
    total = [on["cpu_total_s"] / off["cpu_total_s"] for off, on in found]
    work = [on["cpu_s"] / off["cpu_s"] for off, on in found]
    start_ms = [
        ((on["cpu_total_s"] - on["cpu_s"]) - (off["cpu_total_s"] - off["cpu_s"])) * 1000
        for off, on in found
    ]
    share = [(on["cpu_s"] - off["cpu_s"]) / on["wall_s"] * 100 for off, on in found]
    print("\n| on / off, over the pairs | median (IQR; range) |\n|---|---|")
    print(f"| CPU time, start to exit | {spread(total, 4)} |")
    print(f"| CPU time during the work | {spread(work, 4)} |")
    print(f"| extra CPU at start-up, ms | {spread(start_ms, 1)} |")
    print(f"| extra CPU during the work, % of a core | {spread(share, 2)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=PARTS)
    parser.add_argument("--pairs", type=int, default=10, help="on/off pairs of the CPU part")
    parser.add_argument("--units", type=int, default=40_000, help="the CPU target's work")
    parser.add_argument("--harness", action="store_true", help="CPU runs under leakbench run")
    parser.add_argument("--control", action="store_true", help="CPU pairs both without agent")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, load average before: {os.getloadavg()}")
    if "tick" in args.parts:
        per_call_us, core_percent = sampling_cost(2000 if args.quick else 20000)
        print("\n| measure | value |\n|---|---|")
        print(f"| sampling tick (defaults) | {per_call_us:.0f} µs/call |")
        interval_ms = DEFAULTS["interval"] * 1000
        print(f"| share of a core at {interval_ms:.0f} ms | {core_percent:.3f}% |")
    if "thread" in args.parts:
        seconds = 10.0 if args.quick else 60.0
        print(f"\n| agent thread in the CPU-bound target, {seconds:.0f} s | share of a core |")
        print("|---|---|")
        for interval in (float(DEFAULTS["interval"]), 0.05):
            share = agent_thread_share(interval, seconds)
            print(f"| interval {interval * 1000:.0f} ms | {share:.4f}% |")
    if "checkpoints" in args.parts:
        print("\n| live objects | tracemalloc | checkpoint pause (median, max) |\n|---|---|---|")
        for live in (100_000,) if args.quick else (100_000, 1_000_000):
            for traced in (False, True):
                pauses = checkpoint_pauses(live, traced, rounds=3)
                print(
                    f"| {live:,} | {'on' if traced else 'off'} | "
                    f"{statistics.median(pauses):.2f} s, {max(pauses):.2f} s |"
                )
    if "bounded" in args.parts:
        print("\n| live objects | bounded-container scan per checkpoint (median, max) |\n|---|---|")
        for live in (100_000,) if args.quick else (100_000, 1_000_000):
            median_ms, max_ms = (
                1000 * f(bounded_scan_cost(live)) for f in (statistics.median, max)
            )
            print(f"| {live:,} | {median_ms:.0f} ms, {max_ms:.0f} ms |")
    if "cpu" in args.parts:
        units = args.units // 4 if args.quick else args.units
        pairs = 4 if args.quick else args.pairs
        print_cpu(cpu_pairs(units, pairs, args.harness, args.control), units, args.control)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
