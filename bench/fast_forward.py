"""A day of sampling in seconds: the harness's own RSS over it, judged by leakbench's verdict.

Issue 10 asks that the `leakbench run` process keep no per-sample state, so that its own memory
is flat however long the soak. Waiting a day to show it is not practical, so this drives the
real sampling loop (`harness.runner.run_target`: the sampler, the outside probe, the run
directory's writer, the progress bar and, with `--refresh`, the live report's refresher) with a
synthetic target that never sleeps. Its clock is fake: step i is at i x `--interval` seconds of
target time, so the verdict's per-hour axis is the soak's, not the few seconds it took.

The synthetic target *is* the harness process (its pid is our own), so every sample the runner
writes records the harness's own RSS, and the summary the runner writes at the end is
leakbench's own verdict on the harness, with the default tolerances. `--keep-per-sample N`
makes the target keep N bytes per sample (a deliberate leak) to show the verdict would see one.

    python bench/fast_forward.py [--samples 345600] [--interval 250ms] [--refresh 30s] [--json]

A day at the 250 ms default is 345,600 samples; the long-soak default (at most 200,000 samples
per run, harness/targets/interval.py) samples a day every 432 ms: `--samples 200000
--interval 432ms`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console

from leakbench.harness.commands.live_report import ReportRefresher
from leakbench.harness.rundir import read_columns
from leakbench.harness.runner import LiveSchedule, RunPlan, run_target
from leakbench.harness.targets.base import StepResult, Target
from leakbench.harness.units import format_bytes, parse_duration
from leakbench.harness.verdict import Tolerances


class FastForwardTarget(Target):
    """The harness itself as the target, stepped on a fake clock: no sleep between samples.

    `keep_per_sample` bytes are kept at every step (a leak planted in the harness process) so
    that a run can show the verdict would call per-sample state a leak.
    """

    transport = "command"

    def __init__(self, samples: int, interval: float, keep_per_sample: int = 0) -> None:
        self._samples = samples
        self._interval = interval
        self._keep = keep_per_sample
        self._kept: list[bytes] = []
        self._step = 0

    def start(self) -> None:
        self._step = 0

    @property
    def pid(self) -> int:
        return os.getpid()

    @property
    def finished(self) -> bool:
        return self._step >= self._samples

    def step(self) -> StepResult:
        self._step += 1
        if self._keep:
            self._kept.append(os.urandom(self._keep))
        return StepResult(runs_done=0, t_gateway=self._step * self._interval)

    def stop(self) -> None:
        self._kept.clear()


def fast_forward(
    run_dir: Path,
    samples: int,
    interval: float,
    *,
    keep_per_sample: int = 0,
    refresh_s: float = 0.0,
) -> dict[str, Any]:
    """Run the sampling loop over `samples` fake-clock steps into `run_dir`; the summary back,
    with how many live reports were started (`live_refreshes`)."""
    target = FastForwardTarget(samples, interval, keep_per_sample)
    plan = RunPlan(
        identity={
            "scenario_name": "fast-forward",
            "scenario": {"workload": {"duration": samples * interval, "runs": None}},
            "seed": None,
            "policy": None,
            "transport": "command",
            "target": "command",
        },
        tolerances=Tolerances(),
        fraction=lambda step: step.t_gateway / (samples * interval),
        drain=False,
        title="fast-forward",
    )
    refresher = ReportRefresher(run_dir)
    live = LiveSchedule(refresher, refresh_s) if refresh_s > 0 else None
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        console = Console(file=devnull, force_terminal=True, width=120)
        outcome = run_target(target, plan, run_dir, console=console, show_progress=True, live=live)
    return {**outcome.summary, "live_refreshes": refresher.started}


def _mb(value: float) -> str:
    return f"{value / 1e6:.2f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=345_600, help="samples (a day at 250 ms)")
    parser.add_argument("--interval", default="250ms", help="fake time between samples")
    parser.add_argument("--keep-per-sample", type=int, default=0, help="bytes leaked per sample")
    parser.add_argument("--refresh", default="0s", help="live report every this much wall time")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    interval, refresh_s = parse_duration(args.interval), parse_duration(args.refresh)
    process = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="fast-forward-") as tmp:
        run_dir = Path(tmp) / "run"
        rss_before = process.memory_info().rss
        started = time.monotonic()
        summary = fast_forward(
            run_dir,
            args.samples,
            interval,
            keep_per_sample=args.keep_per_sample,
            refresh_s=refresh_s,
        )
        wall_s = time.monotonic() - started
        samples_mb = (run_dir / "samples.jsonl").stat().st_size / 1e6
        columns, _ = read_columns(run_dir / "samples.jsonl")
    own = columns.column("rss")
    cut = summary["warmup"]["cut_index"]
    rss = summary["signals"]["rss"]
    figures = {
        "samples": args.samples,
        "interval_s": interval,
        "fake_hours": args.samples * interval / 3600,
        "wall_s": wall_s,
        "samples_per_s": args.samples / wall_s,
        "samples_jsonl_mb": samples_mb,
        "rss_before_bytes": rss_before,
        "rss_first_sample": int(own[0]),
        "rss_at_cut": int(own[cut]),
        "rss_last_sample": int(own[-1]),
        "rss_max_sampled": int(own.max()),
        "rss_after_verdict": process.memory_info().rss,
        "warmup_cut_index": cut,
        "live_refreshes": summary["live_refreshes"],
        "verdict": summary["verdict"],
        "headline": summary["headline"],
        "slope_per_hour": rss.get("slope_per_hour"),
        "upper_bound_99": rss.get("upper_bound_99"),
        "tolerance_per_hour": rss.get("tolerance_per_hour"),
        "n_samples": rss.get("n_samples"),
    }
    if args.json:
        json.dump(figures, sys.stdout)
        sys.stdout.write("\n")
        return
    average = psutil.getloadavg()
    print("command:", shlex.join(["python", *sys.argv]))
    print(f"python {sys.version.split()[0]}, load average {average[0]:.1f} at the end\n")
    print("| fast-forwarded soak | value |")
    print("|---|---|")
    print(
        f"| samples | {args.samples:,} at {args.interval} "
        f"({figures['fake_hours']:.1f} h of target time) |"
    )
    print(f"| wall time | {wall_s:.1f} s ({figures['samples_per_s']:,.0f} samples/s) |")
    print(f"| samples.jsonl | {samples_mb:.1f} MB |")
    print(f"| live reports started (`--refresh {args.refresh}`) | {summary['live_refreshes']} |")
    low, high = int(own[cut:].min()), int(own[cut:].max())
    print(
        f"| harness RSS, sampled by itself | first {_mb(figures['rss_first_sample'])}, at the "
        f"warm-up cut (sample {cut:,}) {_mb(figures['rss_at_cut'])}, last "
        f"{_mb(figures['rss_last_sample'])}; after the cut min {_mb(low)}, max {_mb(high)} |"
    )
    print(f"| harness RSS after the verdict | {_mb(figures['rss_after_verdict'])} |")
    print(f"| verdict on the harness's own RSS | {summary['verdict']} |")
    print(f"| RSS slope | {format_bytes(rss.get('slope_per_hour') or 0)}/h |")
    print(f"| 99% upper bound | {format_bytes(rss.get('upper_bound_99') or 0)}/h |")
    print(f"| tolerance | {format_bytes(rss.get('tolerance_per_hour') or 0)}/h |")
    print(f"| headline | {summary['headline']} |")


if __name__ == "__main__":
    main()
