"""The harness's own RSS over a long soak stays flat (design §7): samples stream to disk.

Runs `leakbench run` on a command target (bench/targets/steady_service.py, a steady service with
bounded state) for `--duration` of wall time at the default probe interval (250 ms), and samples
the leakbench process's RSS from outside every `--every` seconds. With `--attach`, a second
leakbench (`leakbench attach <harness pid>`) judges the harness's RSS with its own verdict.

    python bench/bench_harness_memory.py [--duration 10m] [--every 2] [--attach]

Prints a markdown table and the command; the slope is an OLS fit over the samples after
`--skip` seconds (imports and the first allocations), in KB per hour.
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

import numpy as np
import psutil

from leakbench.harness.units import parse_duration

SERVICE = Path(__file__).resolve().parent / "targets" / "steady_service.py"
GRACE_S = 120.0
"""Time allowed beyond the soak for start-up, the summary and the attach run to finish."""


def write_scenario(directory: Path, duration: str) -> Path:
    """A command-target scenario for the steady service, default probe interval."""
    limit = parse_duration(duration) + GRACE_S
    scenario = {
        "name": "steady-service",
        "target": {
            "kind": "command",
            "command": [sys.executable, str(SERVICE), "--max-seconds", str(limit)],
            "ready": {"log": "ready", "timeout": "30s"},
        },
        "workload": {"duration": duration},
    }
    path = directory / "steady-service.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


@dataclass
class Sample:
    """One outside reading of the harness; `loaded` while its target runs (the load phase)."""

    t: float
    rss: int
    cpu_s: float
    loaded: bool


def sample_harness(harness: subprocess.Popen[bytes], every: float, deadline: float) -> list[Sample]:
    """Samples of the harness every `every` seconds until it exits (or the deadline); t = 0 now."""
    process = psutil.Process(harness.pid)
    started = time.monotonic()
    samples: list[Sample] = []
    while harness.poll() is None and time.monotonic() < deadline:
        try:
            with process.oneshot():
                rss = process.memory_info().rss
                times = process.cpu_times()
            loaded = bool(process.children())
        except psutil.NoSuchProcess:
            break
        samples.append(Sample(time.monotonic() - started, rss, times.user + times.system, loaded))
        time.sleep(every)
    return samples


def wait_for_target(harness: subprocess.Popen[bytes], deadline: float) -> None:
    """Return once the harness has started its target (past its imports and start-up)."""
    process = psutil.Process(harness.pid)
    while not process.children() and harness.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)


def ols_slope_per_hour(samples: list[Sample]) -> float:
    """Least-squares slope of RSS against time, bytes per hour."""
    t = np.array([s.t for s in samples])
    rss = np.array([s.rss for s in samples], dtype=float)
    return float(np.polyfit(t, rss, 1)[0]) * 3600


def start_attach(pid: int, watch: float, out: Path) -> subprocess.Popen[bytes]:
    """`leakbench attach` on the harness itself, 1 s interval, ending before the soak does."""
    argv = ["leakbench", "attach", str(pid), "--duration", f"{watch:.0f}s"]
    argv += ["--interval", "1s", "--out", str(out), "--no-report", "-q"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="10m", help="soak length (wall time)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between RSS samples")
    parser.add_argument("--skip", type=float, default=30.0, help="seconds left out of the slope")
    parser.add_argument("--attach", action="store_true", help="also `leakbench attach` it")
    args = parser.parse_args()
    soak_s = parse_duration(args.duration)
    with tempfile.TemporaryDirectory(prefix="bench-harness-memory-") as tmp:
        directory = Path(tmp)
        scenario = write_scenario(directory, args.duration)
        run_dir = directory / "run"
        argv = ["leakbench", "run", str(scenario), "--json", "--no-report", "-q"]
        harness = subprocess.Popen([*argv, "--out", str(run_dir)], stdout=subprocess.PIPE)
        deadline = time.monotonic() + soak_s + GRACE_S
        wait_for_target(harness, deadline)
        watcher = None
        if args.attach:
            watcher = start_attach(harness.pid, soak_s - 15, directory / "attach")
        samples = sample_harness(harness, args.every, deadline)
        stdout, _ = harness.communicate(timeout=GRACE_S)
        summary = json.loads(stdout)
        attach_summary = None
        if watcher is not None:
            watcher.wait(timeout=GRACE_S)
            attach_summary = json.loads((directory / "attach" / "summary.json").read_text())
        with (run_dir / "samples.jsonl").open(encoding="utf-8") as lines:
            sample_lines = sum(1 for _ in lines)
        samples_mb = (run_dir / "samples.jsonl").stat().st_size / 1e6
    load = [s for s in samples if s.loaded]
    first, last = load[0], load[-1]
    kept = [s for s in load if s.t >= first.t + args.skip]
    after = [s.rss for s in samples if s.t > last.t] or [0]
    cpu_share = (last.cpu_s - first.cpu_s) / (last.t - first.t) * 100
    average = psutil.getloadavg()
    print("command:", shlex.join(["python", *sys.argv]))
    print(
        f"python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs, load average "
        f"{average[0]:.1f}/{average[1]:.1f}/{average[2]:.1f} at the end; harness = "
        f"`leakbench run` on bench/targets/steady_service.py for {args.duration}, probe "
        f"interval 250 ms; harness RSS read from outside every {args.every:g} s\n"
    )
    print("| harness (`leakbench run` process) | value |")
    print("|---|---|")
    print(f"| RSS when the target is up | {first.rss / 1e6:.1f} MB |")
    print(f"| RSS {args.skip:g} s later | {kept[0].rss / 1e6:.1f} MB |")
    print(f"| RSS at the end of the load phase ({last.t:.0f} s later) | {last.rss / 1e6:.1f} MB |")
    low, high = min(s.rss for s in load), max(s.rss for s in load)
    print(f"| RSS max during the load phase | {high / 1e6:.1f} MB (min to max {high - low:,} B) |")
    print(
        f"| OLS slope, load phase after the first {args.skip:g} s ({len(kept)} readings) | "
        f"{ols_slope_per_hour(kept) / 1e3:+,.0f} KB/h |"
    )
    print(f"| RSS max after the load (verdict, summary) | {max(after) / 1e6:.1f} MB |")
    print(f"| CPU during the load phase | {cpu_share:.2f}% of a core |")
    print(f"| samples.jsonl | {sample_lines:,} lines, {samples_mb:.2f} MB |")
    print(f"| verdict on the steady service | {summary['verdict']} (exit {summary['exit_code']}) |")
    if attach_summary is not None:
        rss = attach_summary["signals"]["rss"]
        print(
            f"| `leakbench attach` on the harness | {attach_summary['verdict']}: "
            f"{rss['slope_per_hour'] / 1e3:+,.0f} KB/h, 99% upper bound "
            f"{rss['upper_bound_99'] / 1e3:+,.0f} KB/h, tolerance "
            f"{rss['tolerance_per_hour'] / 1e3:,.0f} KB/h |"
        )


if __name__ == "__main__":
    main()
