"""leakbench beside what a user would otherwise do: mprof + a fitted slope, memray, on one workload.

The workload is the gateway's direct soak, every run aborted mid-stream:
`python -m leakbench.gateway_sim soak --policy P --fault abort --runs N` (legacy keeps each
aborted run's raw buffer; fixed keeps nothing after the drain). For each policy:

- plain: the soak alone; its JSON states the bytes each map really retains (ground truth);
- mprof: `mprof run` (memory_profiler, RSS every 0.1 s), then a least-squares slope over its
  samples, as a user would fit it: per second, and per run (slope x duration / runs);
- memray: `PYTHONMALLOC=malloc memray run` (leak tracking needs the system allocator), then
  what `memray flamegraph --leaks` shows (memory not freed when tracking stopped at exit, by
  allocation site) read through memray's FileReader; the peak as `memray stats` prints it and
  the allocator calls recorded (allocations plus frees); capture size, and the time to render
  the leaks flame graph;
- leakbench: `leakbench run` on a scenario with the same workload (same seed, settings and
  fault mix) on the embedded gateway target: verdict, attribution, time.

CPU seconds are the tool's and the target's together (`getrusage` of reaped children), so the
overhead ratio does not depend on how busy the machine is; wall seconds do.

    python bench/compare_tools.py [--runs 50000] [--policies legacy,fixed]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import memray
import numpy as np
import psutil

TIMEOUT_S = 1800.0
MPROF_INTERVAL_S = 0.1
WARMUP_SHARE = 0.2
"""Share of mprof's samples a careful user would leave out of the fit (start-up, first runs)."""


@dataclass
class Timed:
    """A finished command: wall and CPU seconds (it and its reaped children), its stdout."""

    wall_s: float
    cpu_s: float
    stdout: str
    exit_code: int


def timed(argv: list[str], env: dict[str, str] | None = None) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=TIMEOUT_S,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{shlex.join(argv)}: exit {done.returncode}: {done.stderr[-2000:]}")
    return Timed(wall, cpu, done.stdout, done.returncode)


def soak_argv(policy: str, runs: int) -> list[str]:
    """Arguments after the interpreter: the direct soak, every run aborted."""
    return f"-m gateway_sim soak --policy {policy} --fault abort --runs {runs} --json".split()


def fit(t: np.ndarray, mb: np.ndarray) -> float:
    """Least-squares slope in MB per second."""
    return float(np.polyfit(t, mb, 1)[0])


def run_mprof(policy: str, runs: int, directory: Path) -> dict[str, Any]:
    """mprof's RSS series and the slopes a user would fit to it."""
    dat = directory / f"mprof-{policy}.dat"
    argv = ["mprof", "run", "--interval", str(MPROF_INTERVAL_S), "--output", str(dat)]
    run = timed([*argv, sys.executable, *soak_argv(policy, runs)])
    rows = [line.split() for line in dat.read_text().splitlines() if line.startswith("MEM ")]
    rows = [row for row in rows if float(row[1]) > 0]  # a last reading after the exit is 0
    mb = np.array([float(row[1]) for row in rows])
    t = np.array([float(row[2]) for row in rows])
    t -= t[0]
    skip = int(len(t) * WARMUP_SHARE)
    slope_all, slope_late = fit(t, mb), fit(t[skip:], mb[skip:])
    return {
        "run": run,
        "samples": len(t),
        "start_mb": mb[0],
        "max_mb": mb.max(),
        "end_mb": mb[-1],
        "slope_mb_s": slope_all,
        "slope_late_mb_s": slope_late,
        "per_run_b": slope_all * 1e6 * t[-1] / runs,
        "per_run_late_b": slope_late * 1e6 * t[-1] / runs,
        "size_kb": dat.stat().st_size / 1e3,
    }


def top_site(records: list[Any]) -> tuple[str, int, int]:
    """The allocation site holding the most bytes: (function file:line, bytes, allocations)."""
    if not records:
        return ("-", 0, 0)
    biggest = max(records, key=lambda record: record.size)
    frames = biggest.stack_trace(1)
    where = f"{frames[0][0]} {Path(frames[0][1]).name}:{frames[0][2]}" if frames else "?"
    return (where, biggest.size, biggest.n_allocations)


def allocations(count: int) -> str:
    return f"{count:,} allocation{'' if count == 1 else 's'}"


def run_memray(policy: str, runs: int, directory: Path) -> dict[str, Any]:
    """memray's capture, its leaks-at-exit and peak views, and the leaks flame graph's cost."""
    capture = directory / f"memray-{policy}.bin"
    argv = ["memray", "run", "-q", "-f", "-o", str(capture), *soak_argv(policy, runs)]
    run = timed(argv, env={"PYTHONMALLOC": "malloc"})
    reader = memray.FileReader(str(capture))
    leaks = list(reader.get_leaked_allocation_records(merge_threads=True))
    peak_site = top_site(list(reader.get_high_watermark_allocation_records(merge_threads=True)))
    metadata = reader.metadata
    reader.close()
    html = directory / f"memray-{policy}-leaks.html"
    graph = timed(["memray", "flamegraph", "--leaks", "-f", "-o", str(html), str(capture)])
    return {
        "run": run,
        "capture_mb": capture.stat().st_size / 1e6,
        "calls": metadata.total_allocations,  # allocations and frees, so about 2x `stats`
        "peak_mb": metadata.peak_memory / 1e6,
        "leaked_mb": sum(record.size for record in leaks) / 1e6,
        "leak_site": top_site(leaks),
        "peak_site": peak_site,
        "flamegraph_s": graph.wall_s,
        "flamegraph_mb": html.stat().st_size / 1e6,
    }


def run_leakbench(policy: str, runs: int, directory: Path) -> dict[str, Any]:
    """leakbench on the same workload (embedded gateway target, seed 0 like the soak)."""
    scenario = {
        "name": "abort-soak",
        "seed": 0,
        "target": {"kind": "gateway", "policy": policy},
        "workload": {"runs": runs, "faults": {"abort": 1.0}},
    }
    path = directory / f"abort-soak-{policy}.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    out = directory / f"leakbench-{policy}"
    argv = ["leakbench", "run", str(path), "--json", "--no-report", "-q", "--out", str(out)]
    run = timed(argv)
    summary = json.loads(run.stdout)
    rss = summary["signals"]["rss"]
    maps = summary.get("attribution", {}).get("maps", [])
    return {
        "run": run,
        "verdict": summary["verdict"],
        "headline": summary["headline"],
        "rss_verdict": rss["verdict"],
        "rss_per_run": rss.get("slope_per_run"),
        "rss_ci": rss.get("slope_per_run_ci"),
        "maps": ", ".join(f"{m['name']} {m['entries']:,} via {'/'.join(m['paths'])}" for m in maps),
    }


def measure(policy: str, runs: int, directory: Path) -> dict[str, Any]:
    plain = timed([sys.executable, *soak_argv(policy, runs)])
    truth = json.loads(plain.stdout)
    return {
        "plain": plain,
        "retained_mb": sum(truth["retained_bytes"].values()) / 1e6,
        "retained": {name: n for name, n in truth["retained"].items() if n},
        "mprof": run_mprof(policy, runs, directory),
        "memray": run_memray(policy, runs, directory),
        "leakbench": run_leakbench(policy, runs, directory),
    }


def print_measurements(policy: str, runs: int, result: dict[str, Any]) -> None:
    plain, mprof, mem, lb = (result[k] for k in ("plain", "mprof", "memray", "leakbench"))

    def cost(run: Timed) -> str:
        return f"{run.wall_s:.1f} | {run.cpu_s:.1f} | {run.cpu_s / plain.cpu_s:.1f}x"

    site, site_bytes, site_count = mem["leak_site"]
    peak_site, peak_bytes, _ = mem["peak_site"]
    ci = lb["rss_ci"] or [float("nan")] * 2
    print(f"\n### `{policy}`: {runs:,} runs, every one aborted\n")
    print("| tool | wall s | CPU s | CPU vs plain | output | what it reports |")
    print("|---|---:|---:|---:|---|---|")
    print(
        f"| plain soak | {plain.wall_s:.1f} | {plain.cpu_s:.1f} | 1.0x | JSON | ground truth: "
        f"{result['retained_mb']:.1f} MB retained ({result['retained'] or 'nothing'}) |"
    )
    print(
        f"| mprof + OLS fit | {cost(mprof['run'])} | {mprof['size_kb']:.0f} KB .dat, "
        f"{mprof['samples']} samples | RSS {mprof['start_mb']:.1f} -> max "
        f"{mprof['max_mb']:.0f} -> end {mprof['end_mb']:.0f} MB; slope "
        f"{mprof['slope_mb_s']:.2f} MB/s = {mprof['per_run_b']:,.0f} B/run (after the first "
        f"{WARMUP_SHARE:.0%}: {mprof['slope_late_mb_s']:.2f} MB/s = "
        f"{mprof['per_run_late_b']:,.0f} B/run) |"
    )
    print(
        f"| memray run (PYTHONMALLOC=malloc) | {cost(mem['run'])} | {mem['capture_mb']:.0f} MB "
        f"capture; leaks flame graph {mem['flamegraph_mb']:.1f} MB HTML in "
        f"{mem['flamegraph_s']:.0f} s | {mem['calls']:,} allocator calls, peak "
        f"{mem['peak_mb']:.1f} MB (largest site at peak: {peak_site}, {peak_bytes / 1e6:.1f} "
        f"MB); not freed at exit {mem['leaked_mb']:.1f} MB, largest site {site}: "
        f"{site_bytes / 1e6:.1f} MB in {allocations(site_count)} |"
    )
    print(
        f"| leakbench run | {cost(lb['run'])} | run directory | {lb['verdict']} (exit "
        f"{lb['run'].exit_code}); RSS {lb['rss_verdict']}, {lb['rss_per_run'] or 0:,.0f} B/run "
        f'[{ci[0]:,.0f}, {ci[1]:,.0f}]; maps: {lb["maps"] or "none"}; "{lb["headline"]}" |'
    )


def print_what_each_tells(legacy: dict[str, Any], fixed: dict[str, Any]) -> None:
    """The side-by-side summary, filled in from the legacy and fixed measurements."""
    lm, fm = legacy["mprof"], fixed["mprof"]
    lr, fr = legacy["memray"], fixed["memray"]
    ll, fl = legacy["leakbench"], fixed["leakbench"]

    def site(result: dict[str, Any]) -> str:
        where, size, count = result["leak_site"]
        return f"{where} ({size / 1e6:.1f} MB in {allocations(count)})"

    def cpu(result: dict[str, Any], policy: dict[str, Any]) -> str:
        return f"{result['run'].cpu_s / policy['plain'].cpu_s:.1f}x"

    rows = [
        (
            "leak? (legacy / fixed)",
            f"no verdict: slopes {lm['per_run_b']:,.0f} / {fm['per_run_b']:,.0f} B/run; "
            "the user decides what is too much",
            f"no verdict: {lr['leaked_mb']:.0f} / {fr['leaked_mb']:.0f} MB not freed at exit, "
            "leaks and exit-time residue (imports, module state) alike",
            f"{ll['verdict']} / {fl['verdict']}, exit {ll['run'].exit_code} / "
            f"{fl['run'].exit_code}",
        ),
        (
            "how much per run",
            "only if the user divides by a run count they know and the rate was steady",
            "bytes and allocation count per site at exit, not a rate",
            f"legacy {ll['rss_per_run']:,.0f} B/run, 99% interval "
            f"[{ll['rss_ci'][0]:,.0f}, {ll['rss_ci'][1]:,.0f}]",
        ),
        (
            "where is it held",
            "nowhere: one RSS number",
            f"where it was allocated, not what holds it: legacy {site(lr)}",
            f"the map and the fault path: {ll['maps']}",
        ),
        (
            "healthy growth (fixed keeps aborted-run markers for 1 h, longer than the run)",
            f"fixed fits {fm['per_run_b']:,.0f} B/run: looks like a leak without legacy beside it",
            f"fixed's largest site not freed at exit: {site(fr)}",
            f"fixed's RSS signal: {fl['rss_verdict']} at {fl['rss_per_run']:,.0f} B/run; "
            "verdict from the drain's exact check (no per-run entry left)"
            + (", the headline names the RSS growth" if fl["rss_verdict"] == "leak" else ""),
        ),
        (
            "cost (CPU vs the plain run, output)",
            f"{cpu(lm, legacy)} / {cpu(fm, fixed)}; {lm['size_kb']:.0f} KB",
            f"{cpu(lr, legacy)} / {cpu(fr, fixed)}; {lr['capture_mb']:.0f} MB capture, "
            f"{lr['flamegraph_s']:.0f} s to render the leaks flame graph",
            f"{cpu(ll, legacy)} / {cpu(fl, fixed)}; a run directory (no report here)",
        ),
    ]
    print("\n### What each tells the user\n")
    print("| question | mprof + least-squares slope | memray (leaks at exit, peak) | leakbench |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50000)
    parser.add_argument("--policies", default="legacy,fixed", help="comma-separated")
    args = parser.parse_args()
    print("command:", shlex.join(["python", *sys.argv]))
    print(
        f"python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs, memory_profiler "
        f"{version('memory_profiler')}, memray {memray.__version__}, 1-minute load "
        f"average {psutil.getloadavg()[0]:.1f} at the start; one command at a time"
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-compare-tools-") as tmp:
        for policy in args.policies.split(","):
            results[policy] = measure(policy, args.runs, Path(tmp))
            print_measurements(policy, args.runs, results[policy])
    print(f"\n1-minute load average {psutil.getloadavg()[0]:.1f} at the end")
    if {"legacy", "fixed"} <= results.keys():
        print_what_each_tells(results["legacy"], results["fixed"])


if __name__ == "__main__":
    main()
