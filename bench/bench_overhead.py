"""Probe overhead on the target at the default interval (250 ms) (design §7: < 1% of a core).

A CPU-bound target (bench/targets/cpu_work.py) runs alone, then as a `leakbench run` command
target with the default probe, in alternating order for `--pairs` pairs, so a change in the
machine's load hits both sides alike. Reported per pair and as medians:

- throughput lost: work units per wall second, harnessed against alone (depends on the load:
  on a busy machine the harness competes for a core with everyone else);
- units per target CPU second: whether the probe slows the target's own execution, which does
  not depend on how much of a core the target got;
- the harness's CPU share: the leakbench process's `cpu_times` while its target ran, per
  second of that time (start-up imports and the verdict are left out and reported apart).

    python bench/bench_overhead.py [--pairs 5] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

TARGET = Path(__file__).resolve().parent / "targets" / "cpu_work.py"
TARGET_LIMIT_S = 600.0
"""The harnessed target's own time limit; leakbench stops it (SIGTERM) long before."""
POLL_S = 0.1


@dataclass
class Result:
    """One run of the target: its own count, and the harness's CPU when there was one."""

    units: int
    wall_s: float
    cpu_s: float
    harness_load_cpu_s: float = 0.0
    harness_load_wall_s: float = 0.0
    harness_total_cpu_s: float = 0.0
    samples: int = 0

    @property
    def per_wall_s(self) -> float:
        return self.units / self.wall_s

    @property
    def per_cpu_s(self) -> float:
        return self.units / self.cpu_s

    @property
    def harness_share(self) -> float:
        return self.harness_load_cpu_s / self.harness_load_wall_s * 100


def run_alone(seconds: float) -> Result:
    out = subprocess.run(
        [sys.executable, str(TARGET), "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    return Result(**json.loads(out))


def write_scenario(directory: Path, seconds: float) -> Path:
    """The target as a command scenario: default probe, stopped by leakbench after `seconds`."""
    scenario = {
        "name": "cpu-work",
        "target": {
            "kind": "command",
            "command": [sys.executable, str(TARGET), "--seconds", str(TARGET_LIMIT_S)],
        },
        "workload": {"duration": f"{seconds}s"},
    }
    path = directory / "cpu-work.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


def run_harnessed(seconds: float, directory: Path) -> Result:
    """The target under `leakbench run`; the harness's CPU is read while the target is alive."""
    run_dir = directory / "run"
    argv = ["leakbench", "run", str(write_scenario(directory, seconds)), "--json", "--no-report"]
    harness = subprocess.Popen(
        [*argv, "-q", "--out", str(run_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    process = psutil.Process(harness.pid)
    load: list[tuple[float, float]] = []  # (monotonic, harness CPU s) while the target runs
    total_cpu = 0.0
    deadline = time.monotonic() + seconds + 120
    while harness.poll() is None and time.monotonic() < deadline:
        try:
            with process.oneshot():
                times = process.cpu_times()
            running = bool(process.children())
        except psutil.NoSuchProcess:
            break
        total_cpu = times.user + times.system
        if running:
            load.append((time.monotonic(), total_cpu))
        time.sleep(POLL_S)
    _, stderr = harness.communicate(timeout=120)
    log = (run_dir / "target.log").read_text(encoding="utf-8").strip()
    if not log:
        raise RuntimeError(f"the target printed nothing; leakbench said: {stderr.decode()}")
    with (run_dir / "samples.jsonl").open(encoding="utf-8") as lines:
        samples = sum(1 for _ in lines)
    return Result(
        **json.loads(log.splitlines()[-1]),
        harness_load_cpu_s=load[-1][1] - load[0][1],
        harness_load_wall_s=load[-1][0] - load[0][0],
        harness_total_cpu_s=total_cpu,
        samples=samples,
    )


def loss(alone: float, harnessed: float) -> float:
    return (alone - harnessed) / alone * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="alone/harnessed pairs")
    parser.add_argument("--seconds", type=float, default=20.0, help="target wall time per run")
    args = parser.parse_args()
    print("command:", shlex.join(["python", *sys.argv]))
    before = psutil.getloadavg()[0]
    rows = []
    for pair in range(args.pairs):
        with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
            if pair % 2 == 0:
                alone = run_alone(args.seconds)
                harnessed = run_harnessed(args.seconds, Path(tmp))
            else:
                harnessed = run_harnessed(args.seconds, Path(tmp))
                alone = run_alone(args.seconds)
        rows.append((alone, harnessed))
    after = psutil.getloadavg()[0]
    print(
        f"python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs, 1-minute load average "
        f"{before:.1f} before, {after:.1f} after; {args.pairs} pairs of {args.seconds:g} s "
        "runs, order alternating; default probe (250 ms, RSS + children)\n"
    )
    print(
        "| pair | alone units/s | harnessed units/s | throughput lost | alone units/CPU-s | "
        "harnessed units/CPU-s | change per CPU-s | harness CPU while target ran | "
        "harness CPU total | samples |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for number, (alone, harnessed) in enumerate(rows, 1):
        print(
            f"| {number} | {alone.per_wall_s:,.0f} | {harnessed.per_wall_s:,.0f} | "
            f"{loss(alone.per_wall_s, harnessed.per_wall_s):+.1f}% | {alone.per_cpu_s:,.0f} | "
            f"{harnessed.per_cpu_s:,.0f} | {-loss(alone.per_cpu_s, harnessed.per_cpu_s):+.1f}% | "
            f"{harnessed.harness_share:.2f}% of a core | {harnessed.harness_total_cpu_s:.2f} s | "
            f"{harnessed.samples} |"
        )
    wall_losses = [loss(a.per_wall_s, h.per_wall_s) for a, h in rows]
    cpu_changes = [-loss(a.per_cpu_s, h.per_cpu_s) for a, h in rows]
    shares = [h.harness_share for _, h in rows]
    print("\n| median over pairs | value |")
    print("|---|---|")
    print(f"| throughput lost (units per wall second) | {statistics.median(wall_losses):+.1f}% |")
    print(f"| change in units per target CPU second | {statistics.median(cpu_changes):+.1f}% |")
    print(f"| harness CPU while the target ran | {statistics.median(shares):.2f}% of a core |")
    print(
        f"| target CPU share alone / harnessed | "
        f"{statistics.median(a.cpu_s / a.wall_s for a, _ in rows) * 100:.0f}% / "
        f"{statistics.median(h.cpu_s / h.wall_s for _, h in rows) * 100:.0f}% of a core |"
    )


if __name__ == "__main__":
    main()
