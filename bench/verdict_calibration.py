"""Calibrate the verdict: false alarms, power, shapes, and the 28 labelled real soak traces.

Every figure goes through `harness.verdict.summarize`, the code path of a real run (warm-up cut,
trend, Holm across signals), on series shaped like real memory curves: AR(1) noise with the
lag-1 autocorrelation φ measured on real RSS (0.77-0.92), 200 samples per run.

    python bench/verdict_calibration.py [--seeds 1000] [--workers 2]

Prints markdown tables, then the command that produced them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from leakbench.harness.stats.synthetic import ar1_noise, saturating, trace_samples
from leakbench.harness.verdict import Tolerances, summarize

SAMPLES = 200
RUNS_PER_SAMPLE = 1000  # 200k runs per series, as in the reference traces
SECONDS_PER_SAMPLE = 0.04
SEED_BASE = 20_000
REAL_SIGMA = 3.5e6  # bytes: residual SD of RSS after warm-up on the real 0 B/op traces
REAL_PHI = 0.85
TRACES = Path(__file__).resolve().parent.parent / "tests" / "data" / "soak-traces.json"
OUTCOMES = ("leak", "inconclusive", "no-leak")
SIGMA = "\N{GREEK SMALL LETTER SIGMA}"

Series = dict[str, np.ndarray]


def to_samples(series: Series) -> list[dict[str, Any]]:
    """Samples as the runner writes them: runs and time advance evenly."""
    samples = []
    for i in range(len(series["rss"])):
        sample: dict[str, Any] = {
            "i": i,
            "t_wall": i * SECONDS_PER_SAMPLE,
            "t_gateway": i * SECONDS_PER_SAMPLE,
            "runs_done": i * RUNS_PER_SAMPLE,
            "phase": "load",
        }
        for key, values in series.items():
            if key == "malloc":
                sample[key] = {name: float(v[i]) for name, v in values.items()}
            else:
                sample[key] = float(values[i])
        samples.append(sample)
    return samples


# Series in noise units are judged at δ = 0 with no RSS floor: the test's own level and power.
IN_SIGMA = Tolerances(bytes_per_run=0.0, rss_floor=0.0)
IN_BYTES = Tolerances()


# --- generators: (rng) -> series -------------------------------------------------------------


def noise_with_rise(rng: np.random.Generator, *, phi: float, rise_sigma: float) -> Series:
    """Unit-sd AR(1) noise plus a linear rise of `rise_sigma` sd over the whole series."""
    return {"rss": ar1_noise(SAMPLES, phi, rng) + np.linspace(0, rise_sigma, SAMPLES)}


def realistic_rss(rng: np.random.Generator, *, leak_per_run: float) -> Series:
    """Real-looking RSS: a 35 MB warm-up fill, 3.5 MB AR(1) noise, and a leak in B/run."""
    runs = np.arange(SAMPLES) * RUNS_PER_SAMPLE
    warmup = saturating(SAMPLES, 35e6, 8.0)
    noise = ar1_noise(SAMPLES, REAL_PHI, rng, REAL_SIGMA)
    return {"rss": 20e6 + warmup + noise + leak_per_run * runs}


def three_signals(rng: np.random.Generator, *, phi: float) -> Series:
    """Trend-free RSS, heap bytes and object count, independent noise: the family's level."""
    return {
        "rss": ar1_noise(SAMPLES, phi, rng),
        "heap_traced": ar1_noise(SAMPLES, phi, rng),
        "gc_objects": ar1_noise(SAMPLES, phi, rng),
    }


def cache_fill(rng: np.random.Generator) -> Series:
    """A bounded cache filling to 30 sd with a 25-sample time constant, then flat."""
    return {"rss": saturating(SAMPLES, 30.0, 25.0) + ar1_noise(SAMPLES, REAL_PHI, rng)}


def step(rng: np.random.Generator) -> Series:
    """One level shift of 4 sd at the middle of the series: not growth per run."""
    level = np.where(np.arange(SAMPLES) >= SAMPLES // 2, 4.0, 0.0)
    return {"rss": level + ar1_noise(SAMPLES, REAL_PHI, rng)}


def allocator_retention(rng: np.random.Generator) -> Series:
    """RSS and malloc's free bytes rise 300 B/run; heap and malloc's in-use bytes stay flat."""
    runs = np.arange(SAMPLES) * RUNS_PER_SAMPLE
    retained = 300.0 * runs
    in_use = 50e6 + ar1_noise(SAMPLES, REAL_PHI, rng, 1e6)
    free = 5e6 + retained + ar1_noise(SAMPLES, REAL_PHI, rng, 1e6)
    return {
        "rss": 80e6 + retained + ar1_noise(SAMPLES, REAL_PHI, rng, REAL_SIGMA),
        "heap_blocks": 2e5 + ar1_noise(SAMPLES, REAL_PHI, rng, 500.0),
        "malloc": {"in_use": in_use, "free": free, "arena": in_use + free, "mmap": 0 * runs},
    }


# --- running many seeds ----------------------------------------------------------------------


def _one(
    seed: int, generator: Callable[[np.random.Generator], Series], tolerances: Tolerances
) -> dict[str, Any]:
    series = generator(np.random.default_rng(seed))
    summary = summarize(to_samples(series), meta={}, tolerances=tolerances)
    rss = summary["signals"]["rss"]
    bound, tolerance = rss.get("lower_bound_99"), rss.get("tolerance_per_run")
    return {
        "verdict": summary["verdict"],
        "blocks_only": bound is not None and bound > tolerance and rss["blocks_monotone"],
        "mdl": rss.get("mdl_per_run"),
        "retention": rss.get("allocator_retention"),
        "ci": rss.get("slope_per_run_ci"),
        "theil_sen_ci": rss.get("theil_sen_per_run_ci_95"),
    }


def trials(
    pool: Any, generator: Callable[..., Series], seeds: int, tolerances: Tolerances
) -> list[dict[str, Any]]:
    work = partial(_one, generator=generator, tolerances=tolerances)
    return pool.map(work, range(SEED_BASE, SEED_BASE + seeds), chunksize=25)


def rates(results: list[dict[str, Any]]) -> dict[str, float]:
    counts = Counter(r["verdict"] for r in results)
    return {outcome: 100.0 * counts[outcome] / len(results) for outcome in OUTCOMES}


def blocks_only(results: list[dict[str, Any]]) -> str:
    """RSS leak rate by the notes' rule alone: no one-jump check, no allocator-retention label."""
    return pct(100.0 * sum(r["blocks_only"] for r in results) / len(results))


def upper95(results: list[dict[str, Any]]) -> float:
    """Exact (Clopper-Pearson) 95% upper limit of the leak rate, in percent."""
    leaks = sum(r["verdict"] == "leak" for r in results)
    return 100.0 * stats.binomtest(leaks, len(results)).proportion_ci().high


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(value: float) -> str:
    return f"{value:.1f}%"


# --- the report sections ---------------------------------------------------------------------


def false_alarms(pool: Any, seeds: int) -> str:
    rows = []
    for phi in (0.0, 0.85, 0.95):
        results = trials(pool, partial(noise_with_rise, phi=phi, rise_sigma=0.0), seeds, IN_SIGMA)
        r = rates(results)
        rows.append(
            [
                phi,
                pct(r["leak"]),
                pct(upper95(results)),
                blocks_only(results),
                pct(r["inconclusive"]),
            ]
        )
    for phi in (0.85,):
        results = trials(pool, partial(three_signals, phi=phi), seeds, IN_SIGMA)
        r = rates(results)
        rows.append(
            [f"{phi}, 3 signals", pct(r["leak"]), pct(upper95(results)), "", pct(r["inconclusive"])]
        )
    return "### False alarms: no trend, δ = 0, 200 samples\n\n" + table(
        ["φ", "leak", "leak 95% upper", "RSS leak by the blocks rule alone", "inconclusive"], rows
    )


def power_sigma(pool: Any, seeds: int) -> str:
    rows = []
    for rise in (2.0, 4.0, 8.0, 16.0):
        generator = partial(noise_with_rise, phi=0.85, rise_sigma=rise)
        results = trials(pool, generator, seeds, IN_SIGMA)
        r = rates(results)
        rows.append(
            [
                f"{rise:g} {SIGMA}",
                pct(r["leak"]),
                blocks_only(results),
                pct(r["inconclusive"]),
                pct(r["no-leak"]),
            ]
        )
    return "### Power vs rise over the series (φ = 0.85, δ = 0, 200 samples)\n\n" + table(
        ["rise", "leak", "RSS leak by the blocks rule alone", "inconclusive", "no-leak"], rows
    )


def power_bytes(pool: Any, seeds: int) -> str:
    rows = []
    for leak in (0.0, 16.0, 32.0, 64.0, 96.0, 128.0, 256.0):
        results = trials(pool, partial(realistic_rss, leak_per_run=leak), seeds, IN_BYTES)
        r = rates(results)
        mdl = np.median([x["mdl"] for x in results if x["mdl"] is not None])
        rows.append(
            [
                f"{leak:g}",
                pct(r["leak"]),
                blocks_only(results),
                pct(r["inconclusive"]),
                pct(r["no-leak"]),
                f"{mdl:.0f}",
            ]
        )
    title = (
        f"### Power in B/run at real noise ({SIGMA} = 3.5 MB, φ = 0.85, 35 MB warm-up, "
        "200 samples over 200k runs, δ = 64 B/run)\n\n"
    )
    return title + table(
        [
            "leak B/run",
            "leak",
            "RSS leak by the blocks rule alone",
            "inconclusive",
            "no-leak",
            "median MDL",
        ],
        rows,
    )


def shapes(pool: Any, seeds: int) -> str:
    rows = []
    for name, generator, tolerances in (
        (f"bounded cache fill (30 {SIGMA}, 25-sample time constant)", cache_fill, IN_SIGMA),
        (f"one 4 {SIGMA} step at mid-run", step, IN_SIGMA),
        ("allocator retention (300 B/run into free)", allocator_retention, IN_BYTES),
    ):
        results = trials(pool, generator, seeds, tolerances)
        r = rates(results)
        labelled = 100.0 * sum(bool(x["retention"]) for x in results) / len(results)
        rows.append(
            [
                name,
                pct(r["leak"]),
                blocks_only(results),
                pct(r["inconclusive"]),
                pct(r["no-leak"]),
                pct(labelled),
            ]
        )
    return "### Shapes (φ = 0.85)\n\n" + table(
        [
            "shape",
            "leak",
            "RSS leak by the blocks rule alone",
            "inconclusive",
            "no-leak",
            "labelled retention",
        ],
        rows,
    )


def coverage(pool: Any, seeds: int) -> str:
    """How often each interval holds the true slope (rise of 8 sd over 200 samples)."""
    truth = 8.0 / (SAMPLES - 1) / RUNS_PER_SAMPLE
    rows = []
    for phi in (0.0, 0.85):
        results = trials(pool, partial(noise_with_rise, phi=phi, rise_sigma=8.0), seeds, IN_SIGMA)
        batch = np.mean([lo <= truth <= hi for lo, hi in (x["ci"] for x in results)])
        theil = np.mean([lo <= truth <= hi for lo, hi in (x["theil_sen_ci"] for x in results)])
        rows.append([phi, pct(100 * batch), pct(100 * theil)])
    return "### Slope interval coverage (true slope inside)\n\n" + table(
        ["φ", "batch-means 98% CI (reported)", "Theil-Sen 95% CI (independence)"], rows
    )


def real_traces() -> str:
    traces = json.loads(TRACES.read_text())
    groups: dict[tuple[int, bool], list[dict[str, Any]]] = {}
    for trace in traces:
        summary = summarize(trace_samples(trace), meta={}, tolerances=IN_BYTES)
        groups.setdefault((trace["leak_bytes"], trace["tm_on"]), []).append(
            {**summary, "seed": trace["seed"]}
        )
    rows = []
    for (leak, tm_on), runs in sorted(groups.items()):
        counts = Counter(run["verdict"] for run in runs)
        mdl = [run["signals"]["rss"]["mdl_per_run"] for run in runs]
        caught = [run["seed"] for run in runs if run["verdict"] == "leak"]
        rows.append(
            [
                leak,
                "on" if tm_on else "off",
                len(runs),
                *(counts[outcome] for outcome in OUTCOMES),
                f"{min(mdl):.0f}-{max(mdl):.0f}",
                ", ".join(map(str, caught)) or "-",
            ]
        )
    header = ["leak B/op", "tracemalloc", "runs", *OUTCOMES, "RSS MDL B/op", "seeds called leak"]
    return "### The 28 real soak traces (δ = 64 B/run)\n\n" + table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    with Pool(args.workers) as pool:
        sections = [
            false_alarms(pool, args.seeds),
            power_sigma(pool, args.seeds),
            power_bytes(pool, args.seeds),
            shapes(pool, args.seeds),
            coverage(pool, args.seeds),
        ]
    sections.append(real_traces())
    print("\n\n".join(sections))
    command = " ".join(["python", "bench/verdict_calibration.py", *sys.argv[1:]])
    print(
        f"\n`{command}` — {args.seeds} seeds from {SEED_BASE}, {args.workers} workers, "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
