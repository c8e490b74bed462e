"""The pytest plugin's soak on real code: false alarms, the smallest leak caught, time per soak.

Each repetition soaks a fresh instance of a pattern (new cache, new seed) through
`harness.pytest_plugin.soak.run_soak`, the code path of the `leak_soak` fixture minus pytest,
with the fixture's default options unless a row says otherwise. Repetitions are spread over
worker processes, so each worker's interpreter has already run earlier repetitions, as a test
session has run earlier tests.

    python bench/bench_pytest_plugin.py [--repetitions 50] [--workers 2]

Prints markdown tables, then the command that produced them.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing import Pool
from typing import Any

from leakbench.harness.pytest_plugin.options import SoakOptions
from leakbench.harness.pytest_plugin.soak import run_soak

Pattern = Callable[[random.Random], Callable[[], object]]
OUTCOMES = ("leak", "inconclusive", "no-leak")


class Record:
    """A small gc-tracked object, as an application would keep per request."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.name = f"record {number}"


# --- patterns that do not leak -------------------------------------------------------------------


def alloc_free(rng: random.Random) -> Callable[[], object]:
    """Builds and drops a JSON document each call."""
    document = {"id": rng.random(), "items": [{"k": i, "v": str(i) * 5} for i in range(20)]}
    return lambda: json.loads(json.dumps(document))


def bounded_cache(rng: random.Random) -> Callable[[], object]:
    """lru_cache(maxsize=256) over 1000 keys: fills, then only evicts."""

    @functools.lru_cache(maxsize=256)
    def lookup(key: int) -> list[str]:
        return [str(key)] * 8

    return lambda: lookup(rng.randrange(1000))


def cyclic_garbage(rng: random.Random) -> Callable[[], object]:
    """Each call makes a parent/child cycle that only the cyclic collector frees."""

    def make() -> None:
        parent: dict[str, Any] = {"children": [], "seed": rng.random()}
        parent["children"].append({"parent": parent})

    return make


def sawtooth(rng: random.Random) -> Callable[[], object]:
    """A batch buffer that grows for up to 200 calls, then is flushed."""
    buffer: list[Record] = []
    flush_at = rng.randrange(100, 200)

    def add() -> None:
        buffer.append(Record(len(buffer)))
        if len(buffer) >= flush_at:
            buffer.clear()

    return add


def big_buffers(rng: random.Random) -> Callable[[], object]:
    """Allocates and frees 4-64 KB buffers (malloc, not pymalloc): RSS churn, no leak."""
    return lambda: bytearray(rng.randrange(4096, 65536))


def slow_cache(rng: random.Random) -> Callable[[], object]:
    """lru_cache(maxsize=1024) over 4000 keys: about 1200 calls to fill."""

    @functools.lru_cache(maxsize=1024)
    def lookup(key: int) -> list[str]:
        return [str(key)] * 8

    return lambda: lookup(rng.randrange(4000))


CLEAN: dict[str, Pattern] = {
    "alloc/free (JSON round trip)": alloc_free,
    "bounded cache (lru_cache 256 of 1000 keys)": bounded_cache,
    "cyclic garbage": cyclic_garbage,
    "sawtooth buffer (flushed every 100-200 calls)": sawtooth,
    "big buffers freed (4-64 KB)": big_buffers,
}


# --- patterns that leak --------------------------------------------------------------------------


def leak_records(every: int) -> Pattern:
    """Keeps one Record (a gc object, ~3 heap blocks) every `every` calls."""

    def pattern(rng: random.Random) -> Callable[[], object]:
        kept: list[Record] = []
        calls = iter(range(rng.randrange(every), 10**12))

        def call() -> None:
            if next(calls) % every == 0:
                kept.append(Record(len(kept)))

        return call

    return pattern


def leak_bytes(size: int) -> Pattern:
    """Keeps a `size`-byte bytes object each call: one heap block, no gc object."""

    def pattern(rng: random.Random) -> Callable[[], object]:
        kept: list[bytes] = []
        return lambda: kept.append(rng.randbytes(size))

    return pattern


def grow_buffer(size: int) -> Pattern:
    """Extends one bytearray by `size` bytes each call: no new object, so no heap block either;
    only RSS and malloc's in-use bytes (or tracemalloc) see it."""

    def pattern(rng: random.Random) -> Callable[[], object]:
        buffer = bytearray()
        return lambda: buffer.extend(rng.randbytes(size))

    return pattern


# --- the rows: label -> (pattern, options other than the defaults) ------------------------------

SECTIONS: dict[str, dict[str, tuple[Pattern, dict[str, Any]]]] = {
    "No leak, default options (a leak or inconclusive verdict is a false alarm)": {
        label: (pattern, {}) for label, pattern in CLEAN.items()
    },
    "No leak, tracemalloc=True": {
        f"{label}, tracemalloc": (pattern, {"tracemalloc": True})
        for label, pattern in CLEAN.items()
    },
    "A cache that takes ~1200 calls to fill (the first soak may see it filling)": {
        "lru_cache 1024 of 4000 keys": (slow_cache, {}),
        "lru_cache 1024 of 4000 keys, warmup=3000": (slow_cache, {"warmup": 3000}),
        "lru_cache 1024 of 4000 keys, warmup=3000, objects signal on": (
            slow_cache,
            {"warmup": 3000, "signals": ("heap", "objects", "rss")},
        ),
    },
    "Leaked gc objects, default options (δ = 0.5 blocks or objects per call)": {
        f"1 Record every {every} calls": (leak_records(every), {}) for every in (8, 6, 5, 4, 2, 1)
    },
    "A buffer growing in place, default options (RSS: δ = 64 B per call, 1 MiB over the window)": {
        f"{size} B per call{label}": (grow_buffer(size), options)
        for size in (256, 600, 1024, 2048)
        for label, options in (("", {}), (", iterations=10000", {"iterations": 10_000}))
    },
    "A buffer growing in place, tracemalloc=True (δ = 64 B per call)": {
        f"{size} B per call, tracemalloc": (grow_buffer(size), {"tracemalloc": True})
        for size in (48, 96)
    },
    "Leaked small bytes objects, tracemalloc=True (a bytes object is 33 B + its size)": {
        f"{size} B per call, tracemalloc": (leak_bytes(size), {"tracemalloc": True})
        for size in (16, 32)
    },
}
ROWS = {label: row for rows in SECTIONS.values() for label, row in rows.items()}
HEADER = [
    "pattern",
    "soaks",
    *OUTCOMES,
    "confirmation soaks",
    "wall time median / max",
    "CPU time median",
]


# --- running -------------------------------------------------------------------------------------


def one(job: tuple[str, int]) -> dict[str, Any]:
    """Soak one fresh instance of a row's pattern; return what the tables need."""
    label, seed = job
    pattern, options = ROWS[label]
    fn = pattern(random.Random(seed))
    started, cpu_started = time.perf_counter(), time.process_time()
    result = run_soak(fn, SoakOptions(**options), name=label)
    return {
        "label": label,
        "verdict": result.verdict,
        "attempts": result.attempts,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
    }


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def row(label: str, results: list[dict[str, Any]]) -> list[Any]:
    counts = Counter(r["verdict"] for r in results)
    seconds = sorted(r["seconds"] for r in results)
    cpu = sorted(r["cpu_seconds"] for r in results)
    return [
        label,
        len(results),
        *(counts[outcome] for outcome in OUTCOMES),
        sum(r["attempts"] > 1 for r in results),
        f"{seconds[len(seconds) // 2]:.2f} s / {seconds[-1]:.2f} s",
        f"{cpu[len(cpu) // 2]:.2f} s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with Pool(args.workers) as pool:
        for title, rows in SECTIONS.items():
            jobs = [(label, seed) for label in rows for seed in range(args.repetitions)]
            results = pool.map(one, jobs, chunksize=1)
            lines = [row(label, [r for r in results if r["label"] == label]) for label in rows]
            print(f"### {title}\n\n{table(HEADER, lines)}\n")
    print(f"Produced by: python bench/bench_pytest_plugin.py {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
