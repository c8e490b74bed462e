"""Wall time to a confident verdict for every built-in scenario, legacy and fixed.

Each row is one `leakbench run NAME --policy P --transport T --json --no-report -q --out TMP`
as a user would type it: wall time from launch to exit (interpreter start-up, load, drain,
verdict), the load phase and the drain as the samples time them, the verdict, the exit code and
the RSS signal's own verdict. The overall verdict of a gateway run rests on the exact state check
after the drain; a user's own service has only the trend signals, so for each run that leaks by
both, `--halve` reruns it with the workload's gateway time halved until the RSS signal is no
longer `leak`, and reports the shortest run at which it still was.

    python bench/bench_time_to_verdict.py [--transports embedded,websocket] [--halve]

Runs one leakbench at a time (each is two processes: the harness and the gateway).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from leakbench.harness.scenario import load_scenario

SCENARIOS = (
    "abort-storm",
    "timeouts",
    "suppressed-output",
    "missing-terminal",
    "mixed-faults",
    "clean",
    "bounded-caches",
    "uptime-4d",
)
RUN_TIMEOUT_S = 900.0
MAX_HALVINGS = 8


@dataclass
class Run:
    """One leakbench run, timed from outside and read from its run directory."""

    wall_s: float
    exit_code: int
    verdict: str
    rss_verdict: str
    runs: int
    load_wall_s: float
    drain_wall_s: float


def gateway_seconds(name: str) -> float:
    """The scenario's workload in gateway seconds: its duration, or runs over the arrival rate."""
    workload = load_scenario(name).workload
    if workload.duration is not None:
        return workload.duration
    assert workload.runs is not None
    return workload.runs / workload.rate


def run_once(name: str, policy: str, transport: str, duration: str | None = None) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-ttv-") as tmp:
        run_dir = Path(tmp) / "run"
        argv = ["leakbench", "run", name, "--policy", policy, "--transport", transport]
        argv += ["--json", "--no-report", "-q", "--out", str(run_dir)]
        if duration is not None:
            argv += ["--duration", duration]
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        wall = time.perf_counter() - started
        if not done.stdout.strip():
            raise RuntimeError(f"{shlex.join(argv)}: exit {done.returncode}: {done.stderr}")
        summary: dict[str, Any] = json.loads(done.stdout)
        load_s, drain_s = phase_times(run_dir / "samples.jsonl")
    return Run(
        wall_s=wall,
        exit_code=done.returncode,
        verdict=summary["verdict"],
        rss_verdict=summary["signals"].get("rss", {}).get("verdict", "-"),
        runs=summary.get("runs_completed") or 0,
        load_wall_s=load_s,
        drain_wall_s=drain_s,
    )


def phase_times(samples_path: Path) -> tuple[float, float]:
    """Wall seconds of the load phase and of the drain, from the samples' `t_wall`."""
    load_end = drain_end = 0.0
    with samples_path.open(encoding="utf-8") as lines:
        for line in lines:
            sample = json.loads(line)
            if sample.get("phase") == "drain":
                drain_end = sample["t_wall"]
            else:
                load_end = sample["t_wall"]
    return load_end, max(0.0, drain_end - load_end)


def shortest_rss_leak(
    name: str, policy: str, transport: str
) -> tuple[str, Run | None, str, Run | None]:
    """Halve the gateway time until the RSS signal stops saying leak: (last leak, first not)."""
    seconds = gateway_seconds(name)
    last: tuple[str, Run | None] = ("-", None)
    for _ in range(MAX_HALVINGS):
        seconds /= 2
        duration = f"{seconds:.0f}s"
        run = run_once(name, policy, transport, duration)
        if run.rss_verdict != "leak":
            return (*last, duration, run)
        last = (duration, run)
    return (*last, "-", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transports", default="embedded", help="comma-separated")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--halve", action="store_true", help="shortest run whose RSS still leaks")
    args = parser.parse_args()
    print("command:", shlex.join(["python", *sys.argv]))
    print(f"python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs, one run at a time\n")
    leaking: list[tuple[str, str, str, Run]] = []
    for transport in args.transports.split(","):
        print(
            f"\n`leakbench run NAME --policy P --transport {transport} --json --no-report -q "
            f"--out TMP`; 1-minute load average {psutil.getloadavg()[0]:.1f} at the start\n"
        )
        print(
            "| scenario | policy | wall s | load s | drain s | runs | verdict | exit | RSS signal |"
        )
        print("|---|---|---:|---:|---:|---:|---|---:|---|")
        for name in args.scenarios.split(","):
            for policy in ("legacy", "fixed"):
                run = run_once(name, policy, transport)
                print(
                    f"| {name} | {policy} | {run.wall_s:.1f} | {run.load_wall_s:.1f} | "
                    f"{run.drain_wall_s:.1f} | {run.runs:,} | {run.verdict} | {run.exit_code} | "
                    f"{run.rss_verdict} |",
                    flush=True,
                )
                if run.verdict == "leak" and run.rss_verdict == "leak":
                    leaking.append((name, policy, transport, run))
        print(f"\n1-minute load average {psutil.getloadavg()[0]:.1f} at the end")
    if not args.halve:
        return
    print(
        "\nShortest leaking run whose RSS signal still says leak (gateway time halved each step):\n"
    )
    print(
        "| scenario | policy | transport | full: gateway s, wall s | shortest RSS leak: duration, "
        "wall s, load s | next halving: duration, RSS signal, verdict |"
    )
    print("|---|---|---|---|---|---|")
    for name, policy, transport, full in leaking:
        last_duration, last, next_duration, following = shortest_rss_leak(name, policy, transport)
        shortest = (
            f"{last_duration}, {last.wall_s:.1f}, {last.load_wall_s:.1f}" if last else "full run"
        )
        after = (
            f"{next_duration}, {following.rss_verdict}, {following.verdict}"
            if following
            else f"still leak after {MAX_HALVINGS} halvings"
        )
        print(
            f"| {name} | {policy} | {transport} | {gateway_seconds(name):.0f}, {full.wall_s:.1f} | "
            f"{shortest} | {after} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
