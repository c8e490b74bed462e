"""A synthetic run directory of a long `command` soak, written through the real RunStore.

Days of samples at the default probe interval take days to record, but the reader, the verdict
and the report must be measured on them. This writes what `leakbench run` would have written for
a command target without a driver (meta.json as the runner writes it, one `samples.jsonl` line
per sample with `i`, `t_wall`, `t_gateway`, `runs_done`, `phase`, `rss`, `children_rss`), with a
realistic RSS curve: a warm-up that fills caches, page-granular AR(1) noise, rare GC-sized
spikes and an optional steady leak.

    python bench/make_long_run.py OUT_DIR --days 4 [--interval 250ms] [--leak 2MB/h] [--seed 1]
        [--crashed]

It ends as `leakbench run` ends a run: meta.json finished, the samples read back once (which
keeps the columnar sidecar samples.columns.npz) and summary.json. `--crashed` leaves what a
harness killed mid-soak leaves: samples.jsonl and meta.json saying running, nothing else, so
`leakbench report` streams the samples and recomputes the verdict.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

from leakbench.harness.environment import describe_environment
from leakbench.harness.rundir import SAMPLES, RunStore
from leakbench.harness.rundir.sidecar import read_columns_cached
from leakbench.harness.runner import plan_for
from leakbench.harness.scenario import parse_scenario
from leakbench.harness.units import parse_duration, parse_size_rate
from leakbench.harness.verdict import summarize

STARTED = datetime.fromisoformat("2026-11-24T09:00:00+00:00")
PAGE = 4096
BASE_RSS = 180e6
WARMUP_RISE = 40e6
WARMUP_TAU_S = 1200.0
NOISE_SD = 3.5e6
NOISE_PHI = 0.85
SPIKE_RATE = 1 / 3000
SPIKE_SIZE = 12e6
CHILDREN_RSS = 9 * 1024 * 1024
CHUNK = 100_000


def scenario_for(days: float, interval: float) -> dict[str, object]:
    """The command scenario such a soak would run: a service, its duration, the probe."""
    return {
        "name": "long-soak",
        "description": "synthetic long soak (bench/make_long_run.py)",
        "target": {"kind": "command", "command": ["my-service", "--port", "8080"]},
        "workload": {"duration": f"{days * 86400:g}s"},
        "probe": {"interval": f"{interval:g}s"},
    }


def rss_curve(
    rng: np.random.Generator, t: np.ndarray, state: float, leak_per_s: float
) -> tuple[np.ndarray, float]:
    """RSS at times `t` (bytes, page-rounded); `state` carries the AR(1) noise across chunks."""
    shocks = rng.normal(0.0, NOISE_SD * np.sqrt(1 - NOISE_PHI**2), len(t))
    noise, final = lfilter([1.0], [1.0, -NOISE_PHI], shocks, zi=[NOISE_PHI * state])
    spikes = (rng.random(len(t)) < SPIKE_RATE) * rng.uniform(0.3, 1.0, len(t)) * SPIKE_SIZE
    warm = WARMUP_RISE * (1 - np.exp(-t / WARMUP_TAU_S))
    rss = BASE_RSS + warm + leak_per_s * t + noise + spikes
    return (np.round(rss / PAGE) * PAGE).astype(np.int64), float(final[0])


def write_run(
    out: Path, *, days: float, interval: float, leak_per_hour: float, seed: int, crashed: bool
) -> int:
    """Write the run directory; returns the number of samples."""
    scenario = parse_scenario(json.dumps(scenario_for(days, interval)), source="make_long_run")
    plan = plan_for(scenario)
    store = RunStore(out)
    meta = {
        **plan.identity,
        **describe_environment(),
        "started_at": STARTED.isoformat(),
        "ended_at": None,
        "status": "running",
        "exit_reason": None,
        "exit_detail": None,
    }
    store.write_meta(meta)
    rng = np.random.default_rng(seed)
    count = int(days * 86400 / interval)
    state = 0.0
    for start in range(0, count, CHUNK):
        t = (np.arange(start, min(count, start + CHUNK)) + 1) * interval
        rss, state = rss_curve(rng, t, state, leak_per_hour / 3600)
        for index, (when, value) in enumerate(zip(t.tolist(), rss.tolist(), strict=True)):
            elapsed = round(when, 4)
            store.append_sample(
                {
                    "i": start + index,
                    "t_wall": elapsed,
                    "t_gateway": elapsed,
                    "runs_done": 0,
                    "phase": "load",
                    "rss": value,
                    "children_rss": CHILDREN_RSS,
                }
            )
    store.close()
    if crashed:  # the harness was killed: meta.json still says running, nothing else written
        return count
    ended = (STARTED + timedelta(seconds=count * interval)).isoformat()
    meta.update(ended_at=ended, status="finished", exit_reason="completed")
    store.write_meta(meta)
    # What the runner does at the end: read the samples back (keeping the columnar sidecar)
    # and write the verdict.
    columns, scan = read_columns_cached(out / SAMPLES, keep=True)
    summary = summarize(columns, meta=meta, tolerances=plan.tolerances, truncated=scan.truncated)
    store.write_summary(summary)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="run directory to write (replaced)")
    parser.add_argument("--days", type=float, default=4.0, help="soak length in days")
    parser.add_argument("--interval", default="250ms", help="probe interval (default 250ms)")
    parser.add_argument("--leak", default="0MB/h", help="steady RSS growth, e.g. 2MB/h")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--crashed", action="store_true", help="leave it as a killed harness would (no summary)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    count = write_run(
        args.out,
        days=args.days,
        interval=parse_duration(args.interval),
        leak_per_hour=parse_size_rate(args.leak),
        seed=args.seed,
        crashed=args.crashed,
    )
    size = (args.out / "samples.jsonl").stat().st_size
    print(
        f"{args.out}: {count:,} samples, {size / 1e6:.0f} MB, {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
