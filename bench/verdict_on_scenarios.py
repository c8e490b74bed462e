"""The verdict on real leakbench runs: false alarms of the non-leaking built-ins, power on leaks.

bench/verdict_calibration.py measures the rules on synthetic series; this runs the embedded
gateway itself, so the noise is the real one (GC, freelists, allocator, a shared machine).

False alarms: every configuration that retains nothing (`clean` and `bounded-caches` under
legacy and fixed, each fault scenario under fixed), seeds 1..N, with the drain. The overall
verdict there is the exact state check; what decides for a user's service is the trend signals,
so each signal's verdict is counted, and so is the verdict the signals reach together without
the state check ("trend-only": the same samples summarised without the drain sample).

Power: `clean` under fixed with a synthetic leak of known size per completed run, injected into
the gateway's process (harness.drivers.embedded_worker, `inject_leak_bytes`), drain off so the
trend signals decide.

Run length: `clean` under fixed, nothing injected, drain off, at 2,000, 4,000 and 20,000 runs
(the built-in's 10,000 is the power table's 0 B row): with no leak the heap still gains a
bounded few thousand blocks over a run, whatever its length, so shorter runs show a steeper slope.

    python bench/verdict_on_scenarios.py [--seeds 15] [--power-seeds 15] [--length-seeds 5]
        [--workers 2] [--part all|false-alarms|power|lengths] [--json FILE]

Prints markdown tables, then the command that produced them. Run directories go to a temporary
directory, each removed as soon as its run is summarised.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from scipy import stats

from leakbench.harness.drivers.embedded_worker import leak_object
from leakbench.harness.rundir import read_samples
from leakbench.harness.runner import plan_for, run_target
from leakbench.harness.scenario import load_scenario
from leakbench.harness.targets.embedded import EmbeddedTarget
from leakbench.harness.targets.factory import expected_runs, gateway_worker_config
from leakbench.harness.verdict import summarize

FAULT_SCENARIOS = (
    "abort-storm",
    "timeouts",
    "suppressed-output",
    "missing-terminal",
    "mixed-faults",
)
NON_LEAKING = (
    ("clean", "legacy"),
    ("clean", "fixed"),
    ("bounded-caches", "legacy"),
    ("bounded-caches", "fixed"),
    *((name, "fixed") for name in FAULT_SCENARIOS),
)
LEAK_SIZES = (0, 16, 32, 64, 128, 256, 1024)
RUN_LENGTHS = (2_000, 4_000, 20_000)
PARTS = ("false-alarms", "power", "lengths")
SIGNALS = ("rss", "heap", "objects")
OUTCOMES = ("leak", "inconclusive", "no-leak")
RELIABLE = 0.9  # share of seeds called leak for a size to count as reliably detected
LIST_SLOT_BYTES = 8  # the pointer each leaked object adds to the worker's list


@dataclass(frozen=True)
class Job:
    """One leakbench run: a built-in scenario, its policy and seed, and the injected leak.

    part: the report section it belongs to; runs: a workload length in place of the scenario's.
    """

    part: str
    scenario: str
    policy: str
    seed: int
    inject_leak_bytes: int = 0
    drain: bool = True
    runs: int | None = None

    @property
    def label(self) -> str:
        length = f"-{self.runs}runs" if self.runs else ""
        return f"{self.scenario}-{self.policy}-{self.inject_leak_bytes}B{length}-seed{self.seed}"


def run_job(job: Job, out: Path) -> dict[str, Any]:
    """Run `job` through the runner, as `leakbench run` would, and keep only the figures."""
    scenario = load_scenario(job.scenario).with_overrides(policy=job.policy, seed=job.seed)
    if job.runs is not None:
        scenario = scenario.with_overrides(duration=job.runs / scenario.workload.rate)
    config = gateway_worker_config(scenario) | {"inject_leak_bytes": job.inject_leak_bytes}
    target = EmbeddedTarget(config, expected_runs(scenario))
    plan = replace(plan_for(scenario), drain=job.drain)
    run_dir = out / job.label
    outcome = run_target(target, plan, run_dir, console=Console(quiet=True), show_progress=False)
    samples, truncated, _ = read_samples(run_dir / "samples.jsonl")
    load = [s for s in samples if s.get("phase") != "drain"]
    # Without the drain sample the state check is not exact, so the trend signals decide.
    trend_only = summarize(load, meta={}, tolerances=plan.tolerances, truncated=truncated)
    shutil.rmtree(run_dir)
    summary = outcome.summary
    return {
        **asdict(job),
        "verdict": summary["verdict"],
        "trend_only": trend_only["verdict"],
        "exit_reason": summary["exit_reason"],
        "runs_completed": summary["runs_completed"],
        "duration_s": summary["duration_s"],
        "warmup": summary["warmup"],
        "signals": {name: _signal_figures(summary["signals"].get(name, {})) for name in SIGNALS},
    }


def _signal_figures(signal: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "verdict",
        "reason",
        "slope_per_run",
        "lower_bound_99",
        "upper_bound_99",
        "tolerance_per_run",
        "mdl_per_run",
        "p_value_adjusted",
        "blocks_monotone",
        "single_step",
        "allocator_retention",
    )
    return {key: signal.get(key) for key in keys}


def run_all(jobs: Sequence[Job], workers: int, out: Path) -> list[dict[str, Any]]:
    """Run the jobs, `workers` at a time, reporting each on stderr as it ends."""
    results = []
    with Pool(workers) as pool:
        for done, record in enumerate(pool.imap_unordered(partial(run_job, out=out), jobs), 1):
            signals = ", ".join(f"{k} {v['verdict']}" for k, v in record["signals"].items())
            print(
                f"[{done}/{len(jobs)}] {Job(**_job_fields(record)).label}: {record['verdict']} "
                f"(trend-only {record['trend_only']}; {signals}) {record['duration_s']:.1f} s",
                file=sys.stderr,
            )
            results.append(record)
    return results


def _job_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in Job.__dataclass_fields__}


# --- tables ----------------------------------------------------------------------------------


def counts(verdicts: Iterable[str | None]) -> str:
    """ "leak / inconclusive / no-leak" counts, plus errors or missing signals when any."""
    tally = Counter(verdicts)
    cell = " / ".join(str(tally[outcome]) for outcome in OUTCOMES)
    other = sum(n for verdict, n in tally.items() if verdict not in OUTCOMES)
    return f"{cell} (+{other} other)" if other else cell


def median(values: Iterable[float | None], fmt: str = "{:.0f}") -> str:
    present = [v for v in values if v is not None]
    return fmt.format(float(np.median(present))) if present else "-"


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def signal_verdicts(runs: Sequence[dict[str, Any]], name: str) -> list[str | None]:
    return [run["signals"][name]["verdict"] for run in runs]


def figure(runs: Sequence[dict[str, Any]], name: str, key: str) -> list[float | None]:
    return [run["signals"][name][key] for run in runs]


def upper95(successes: int, trials: int) -> float:
    """Exact (Clopper-Pearson) 95% upper limit of a rate, in percent."""
    return 100.0 * stats.binomtest(successes, trials).proportion_ci().high if trials else 100.0


def false_alarm_section(results: Sequence[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Per configuration: overall, trend-only and per-signal verdict counts; then pooled rates."""
    rows, data = [], []
    for scenario, policy in NON_LEAKING:
        runs = [r for r in results if (r["scenario"], r["policy"]) == (scenario, policy)]
        if not runs:
            continue
        rows.append(
            [
                f"{scenario} / {policy}",
                len(runs),
                counts(r["verdict"] for r in runs),
                counts(r["trend_only"] for r in runs),
                *(counts(signal_verdicts(runs, name)) for name in SIGNALS),
                median(figure(runs, "rss", "mdl_per_run")),
                median(figure(runs, "rss", "tolerance_per_run")),
                median(figure(runs, "heap", "slope_per_run"), "{:.2f}"),
            ]
        )
        data.append({"scenario": scenario, "policy": policy, **_tallies(runs)})
    header = [
        "configuration",
        "runs",
        "overall (state check)",
        "trend-only",
        *SIGNALS,
        "median RSS MDL B/run",
        "median RSS δ B/run",
        "median heap slope blocks/run",
    ]
    text = (
        "### False alarms on the non-leaking built-ins (drain on; counts leak / inconclusive / "
        "no-leak)\n\n" + table(header, rows) + "\n\n" + pooled_rates(results)
    )
    return text, data


def pooled_rates(results: Sequence[dict[str, Any]]) -> str:
    """Leak and inconclusive rates over every non-leaking run, with exact 95% upper limits."""
    rows = []
    for name, verdicts in (
        ("overall (state check)", [r["verdict"] for r in results]),
        ("trend-only", [r["trend_only"] for r in results]),
        *((name, signal_verdicts(results, name)) for name in SIGNALS),
    ):
        n, tally = len(verdicts), Counter(verdicts)
        rows.append(
            [
                name,
                n,
                f"{100 * tally['leak'] / n:.1f}%",
                f"{upper95(tally['leak'], n):.1f}%",
                f"{100 * tally['inconclusive'] / n:.1f}%",
            ]
        )
    header = ["verdict", "runs", "leak", "leak 95% upper", "inconclusive"]
    return "Pooled over all non-leaking runs:\n\n" + table(header, rows)


def _tallies(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": len(runs),
        "overall": dict(Counter(r["verdict"] for r in runs)),
        "trend_only": dict(Counter(r["trend_only"] for r in runs)),
        **{name: dict(Counter(signal_verdicts(runs, name))) for name in SIGNALS},
    }


def leaked_bytes_per_run(payload: int) -> int:
    """What one run really leaks: the object (header included) and its list slot."""
    return sys.getsizeof(leak_object(payload)) + LIST_SLOT_BYTES if payload else 0


def power_section(results: Sequence[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Per injected size: verdict counts, measured slopes and the MDL achieved.

    The RSS slope is also given above the 0 B runs' median: what the injection added.
    """
    rows, data = [], []
    baseline = [r["signals"]["rss"]["slope_per_run"] for r in results if not r["inject_leak_bytes"]]
    for size in sorted({r["inject_leak_bytes"] for r in results}):
        runs = [r for r in results if r["inject_leak_bytes"] == size]
        slopes = figure(runs, "rss", "slope_per_run")
        added = [None if v is None else v - float(np.median(baseline)) for v in slopes if baseline]
        rows.append(
            [
                size,
                leaked_bytes_per_run(size),
                len(runs),
                counts(r["verdict"] for r in runs),
                *(counts(signal_verdicts(runs, name)) for name in SIGNALS),
                median(slopes),
                median(added),
                median(figure(runs, "rss", "mdl_per_run")),
                median(figure(runs, "rss", "tolerance_per_run")),
                median(figure(runs, "heap", "slope_per_run"), "{:.2f}"),
                median(figure(runs, "heap", "mdl_per_run"), "{:.2f}"),
            ]
        )
        data.append(
            {"inject_leak_bytes": size, "leaked_bytes_per_run": leaked_bytes_per_run(size)}
            | _tallies(runs)
        )
    header = [
        "payload B/run",
        "leaked B/run",
        "runs",
        "overall",
        *SIGNALS,
        "median RSS slope B/run",
        "above 0 B",
        "median RSS MDL B/run",
        "median RSS δ B/run",
        "median heap slope blocks/run",
        "median heap MDL blocks/run",
    ]
    title = (
        "### Power: clean / fixed with one leaked `bytes` object per run (drain off; counts "
        "leak / inconclusive / no-leak)\n\n"
    )
    return title + table(header, rows), data


def smallest_detected(results: Sequence[dict[str, Any]]) -> tuple[str, dict[str, int | None]]:
    """Per verdict, the smallest size called leak on ≥ RELIABLE of seeds, as every larger one is."""
    found: dict[str, int | None] = {}
    for name in ("overall", *SIGNALS):
        smallest = None
        for size in sorted({r["inject_leak_bytes"] for r in results}, reverse=True):
            runs = [r for r in results if r["inject_leak_bytes"] == size]
            verdicts = [
                r["verdict"] if name == "overall" else r["signals"][name]["verdict"] for r in runs
            ]
            if verdicts.count("leak") < RELIABLE * len(verdicts):
                break
            smallest = size
        found[name] = smallest
    rows = [
        [name, "none" if size is None else f"{size} B ({leaked_bytes_per_run(size)} B leaked)"]
        for name, size in found.items()
    ]
    header = ["verdict", f"smallest payload/run called leak on ≥ {RELIABLE:.0%} of seeds"]
    return "### Smallest reliably detected leak\n\n" + table(header, rows), found


def length_section(results: Sequence[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Per workload length: verdicts with nothing injected, and the heap's drift per run."""
    rows, data = [], []
    for runs_count in sorted({r["runs"] for r in results}):
        runs = [r for r in results if r["runs"] == runs_count]
        rows.append(
            [
                runs_count,
                len(runs),
                counts(r["verdict"] for r in runs),
                *(counts(signal_verdicts(runs, name)) for name in SIGNALS),
                median(figure(runs, "heap", "slope_per_run"), "{:.2f}"),
                median(figure(runs, "heap", "upper_bound_99"), "{:.2f}"),
                median(figure(runs, "rss", "tolerance_per_run")),
            ]
        )
        data.append({"runs_per_workload": runs_count} | _tallies(runs))
    header = [
        "runs per workload",
        "seeds",
        "overall",
        *SIGNALS,
        "median heap slope blocks/run",
        "median heap 99% upper",
        "median RSS δ B/run",
    ]
    title = (
        "### Run length: clean / fixed, nothing injected (drain off; counts leak / inconclusive "
        "/ no-leak; 10,000 runs is the power table's 0 B row)\n\n"
    )
    return title + table(header, rows), data


# --- main ------------------------------------------------------------------------------------


def build_jobs(parts: Sequence[str], args: argparse.Namespace) -> list[Job]:
    """Jobs of the chosen parts; false alarms with the drain, the others without it."""
    jobs = []
    if "false-alarms" in parts:
        jobs += [
            Job("false-alarms", scenario, policy, seed)
            for seed in range(1, args.seeds + 1)
            for scenario, policy in NON_LEAKING
        ]
    if "power" in parts:
        jobs += [
            Job("power", "clean", "fixed", seed, size, drain=False)
            for seed in range(1, args.power_seeds + 1)
            for size in LEAK_SIZES
        ]
    if "lengths" in parts:
        jobs += [
            Job("lengths", "clean", "fixed", seed, drain=False, runs=runs)
            for seed in range(1, args.length_seeds + 1)
            for runs in RUN_LENGTHS
        ]
    return jobs


def report_sections(results: Sequence[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    """The markdown sections and their figures, for the parts that ran."""
    by_part = {part: [r for r in results if r["part"] == part] for part in PARTS}
    sections, report = [], {}
    if by_part["false-alarms"]:
        text, report["false_alarms"] = false_alarm_section(by_part["false-alarms"])
        sections.append(text)
    if by_part["power"]:
        text, report["power"] = power_section(by_part["power"])
        sections.append(text)
        text, report["smallest_detected"] = smallest_detected(by_part["power"])
        sections.append(text)
    if by_part["lengths"]:
        text, report["lengths"] = length_section(by_part["lengths"])
        sections.append(text)
    return sections, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=15, help="seeds per non-leaking config")
    parser.add_argument("--power-seeds", type=int, default=15, help="seeds per injected size")
    parser.add_argument("--length-seeds", type=int, default=5, help="seeds per run length")
    parser.add_argument("--workers", type=int, default=2, help="leakbench runs in parallel")
    parser.add_argument("--part", choices=("all", *PARTS), default="all")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    started = time.perf_counter()
    jobs = build_jobs(PARTS if args.part == "all" else (args.part,), args)
    out = Path(tempfile.mkdtemp(prefix="leakbench-verdict-"))
    try:
        results = run_all(jobs, args.workers, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    sections, report = report_sections(results)
    command = " ".join(["python", "bench/verdict_on_scenarios.py", *sys.argv[1:]])
    elapsed = time.perf_counter() - started
    print("\n\n".join(sections))
    print(f"\n`{command}` — {len(results)} runs, {args.workers} in parallel, {elapsed:.0f} s")
    if args.json:
        report |= {"command": command, "elapsed_s": elapsed, "runs": results}
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
