"""Probe costs against the budgets of design §7; prints a markdown table for BENCHMARKS.md.

    python bench/bench_probe.py            # about a minute
    python bench/bench_probe.py --quick    # smaller heap, shorter runs: a smoke test

Outside costs are measured on a separate idle Python process, inside costs in this process after
building a heap of about 300k container objects, the size of a busy gateway child.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import psutil

from leakbench.harness.process_probe import ProcessProbe
from leakbench.probe import HeapProbe, TraceProbe, TypeCensus, mallinfo2

SAMPLES_PER_SECOND = 4


def per_call_us(function: Callable[[], Any], calls: int, repeats: int = 5) -> float:
    """Median over repeats of the mean time per call, in microseconds."""
    means = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        means.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(means)


def cpu_share(function: Callable[[], Any], seconds: float) -> float:
    """Percent of one core this process uses calling `function` at SAMPLES_PER_SECOND."""
    interval = 1 / SAMPLES_PER_SECOND
    wall_start, cpu_start = time.monotonic(), time.process_time()
    deadline = wall_start
    while deadline - wall_start < seconds:
        function()
        deadline += interval
        time.sleep(max(0.0, deadline - time.monotonic()))
    return (time.process_time() - cpu_start) / (time.monotonic() - wall_start) * 100


class Session:
    """A record of the kind a gateway keeps per run: an instance, its dict, a list, strings."""

    def __init__(self, number: int) -> None:
        self.key = f"run-{number}"
        self.chunks = [f"chunk {number} {part}" for part in range(3)]
        self.meta = {"number": number, "state": "streaming"}


def build_heap(sessions: int) -> list[Session]:
    return [Session(number) for number in range(sessions)]


def allocation_heavy(iterations: int) -> None:
    """Short-lived dicts, lists and strings: tracemalloc's worst case."""
    kept: list[dict[str, Any]] = []
    for number in range(iterations):
        record = {"id": number, "text": "x" * (number % 200), "parts": [number, str(number)]}
        if number % 10 == 0:
            kept.append(record)


def measure_outside(rows: list[tuple[str, str]], quick: bool) -> None:
    target = subprocess.Popen(
        [sys.executable, "-c", "import sys; held = bytearray(64 << 20); sys.stdin.read()"],
        stdin=subprocess.PIPE,
    )
    try:
        time.sleep(0.5)
        calls = 500 if quick else 2000
        rss_only = ProcessProbe(target.pid, include_children=False)
        with_children = ProcessProbe(target.pid)
        with_uss = ProcessProbe(target.pid, uss=True, include_children=False)
        process = psutil.Process(target.pid)
        rows.append(
            ("ProcessProbe.sample, RSS only", f"{per_call_us(rss_only.sample, calls):.0f} µs")
        )
        rows.append(
            (
                "ProcessProbe.sample, RSS + children_rss (listing cached 2 s)",
                f"{per_call_us(with_children.sample, calls):.0f} µs",
            )
        )
        rows.append(
            (
                f"listing descendants, psutil children(recursive) ({len(psutil.pids())} processes)",
                f"{per_call_us(lambda: process.children(recursive=True), calls // 10):.0f} µs",
            )
        )
        rows.append(
            (
                "ProcessProbe.sample, RSS + USS",
                f"{per_call_us(with_uss.sample, calls // 10):.0f} µs",
            )
        )
        seconds = 3.0 if quick else 10.0
        rows.append(
            (
                f"sampling loop alone at {SAMPLES_PER_SECOND}/s, no probe ({seconds:.0f} s)",
                f"{cpu_share(lambda: None, seconds):.3f} % of a core",
            )
        )
        rows.append(
            (
                f"sampling loop at {SAMPLES_PER_SECOND}/s with ProcessProbe, RSS only",
                f"{cpu_share(rss_only.sample, seconds):.3f} % of a core",
            )
        )
        rows.append(
            (
                f"sampling loop at {SAMPLES_PER_SECOND}/s with ProcessProbe, RSS + children_rss",
                f"{cpu_share(with_children.sample, seconds):.3f} % of a core",
            )
        )
    finally:
        target.stdin.close()  # type: ignore[union-attr]
        target.wait()


def measure_tree(rows: list[tuple[str, str]], quick: bool) -> None:
    """The tree fields on a shell with eight children (a pre-fork server's shape)."""
    target = subprocess.Popen(["sh", "-c", "for n in 1 2 3 4 5 6 7 8; do sleep 600 & done; wait"])
    try:
        time.sleep(0.5)
        calls = 500 if quick else 2000
        tree = ProcessProbe(target.pid)
        tree_uss = ProcessProbe(target.pid, uss=True)
        members = len(tree.sample()["members"])
        rows.append(
            (
                f"ProcessProbe.sample, tree of 9 ({members} members, listing cached 2 s)",
                f"{per_call_us(tree.sample, calls):.0f} µs",
            )
        )
        rows.append(
            (
                "ProcessProbe.sample, tree of 9 with USS (tree_uss)",
                f"{per_call_us(tree_uss.sample, calls // 10) / 1000:.1f} ms",
            )
        )
        seconds = 3.0 if quick else 10.0
        rows.append(
            (
                f"sampling loop at {SAMPLES_PER_SECOND}/s with ProcessProbe, tree of 9",
                f"{cpu_share(tree.sample, seconds):.3f} % of a core",
            )
        )
    finally:
        for child in psutil.Process(target.pid).children(recursive=True):
            child.kill()
        target.wait()


def measure_inside(rows: list[tuple[str, str]], quick: bool) -> None:
    heap = build_heap(20_000 if quick else 140_000)
    gc.collect()
    objects = len(gc.get_objects())
    calls = 20 if quick else 50
    rows.append(
        (
            f"HeapProbe.sample, objects off ({objects / 1000:.0f}k gc objects)",
            f"{per_call_us(HeapProbe(objects=False).sample, calls * 100):.1f} µs",
        )
    )
    rows.append(
        (
            "HeapProbe.sample, objects on",
            f"{per_call_us(HeapProbe(objects=True).sample, calls) / 1000:.1f} ms",
        )
    )
    if mallinfo2() is not None:
        rows.append(("mallinfo2()", f"{per_call_us(mallinfo2, calls * 100):.1f} µs"))

    census = TypeCensus()
    census.checkpoint(baseline=True)
    heap += build_heap(len(heap) // 10)
    start = time.perf_counter()
    top = census.checkpoint(deep_sample=20)
    rows.append(
        (
            f"TypeCensus.checkpoint (collect + census + deep sample 20 of {len(top)} growers)",
            f"{(time.perf_counter() - start) * 1000:.0f} ms",
        )
    )
    census_only = TypeCensus()
    start = time.perf_counter()
    census_only.checkpoint(baseline=True, deep_sample=0)
    rows.append(
        (
            "TypeCensus.checkpoint, collect + census, no deep sizes",
            f"{(time.perf_counter() - start) * 1000:.0f} ms",
        )
    )


def measure_tracemalloc(rows: list[tuple[str, str]], quick: bool) -> None:
    iterations = 100_000 if quick else 500_000
    start = time.perf_counter()
    allocation_heavy(iterations)
    untraced = time.perf_counter() - start
    tracer = TraceProbe(frames=1)
    tracer.start()
    try:
        start = time.perf_counter()
        allocation_heavy(iterations)
        traced = time.perf_counter() - start
        live = build_heap(20_000 if quick else 140_000)
        traces = len(tracemalloc.take_snapshot().traces)
        bookkeeping = tracemalloc.get_tracemalloc_memory()
        start = time.perf_counter()
        tracer.checkpoint()
        checkpoint_s = time.perf_counter() - start
    finally:
        tracer.stop()
    rows.append(
        (
            f"tracemalloc (1 frame) on an allocation-heavy loop ({iterations // 1000}k iterations)",
            f"{traced / untraced:.1f}x slower ({untraced:.2f} s → {traced:.2f} s)",
        )
    )
    rows.append(
        (
            f"tracemalloc bookkeeping ({traces // 1000}k live traces)",
            f"{bookkeeping / traces:.0f} B per live block",
        )
    )
    rows.append(
        (
            f"TraceProbe.checkpoint ({len(live) // 1000}k sessions traced)",
            f"{checkpoint_s * 1000:.0f} ms",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller heap, shorter runs")
    quick = parser.parse_args().quick
    rows: list[tuple[str, str]] = []
    measure_outside(rows, quick)
    measure_tree(rows, quick)
    measure_inside(rows, quick)
    measure_tracemalloc(rows, quick)
    command = "python bench/bench_probe.py" + (" --quick" if quick else "")
    print(f"Command: `{command}`  ")
    print(
        f"Python {platform.python_version()}, psutil {psutil.__version__}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores\n"
    )
    print("| measurement | cost |")
    print("|---|---|")
    for name, figure in rows:
        print(f"| {name} | {figure} |")


if __name__ == "__main__":
    main()
