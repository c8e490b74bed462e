"""The verdict on the JavaScript test services: false alarms, power and soak length, per seed.

Soaks each service of tests/targets (a Map that keeps every request, an LRU cache that fills
to its cap, a sawtooth of large short-lived replies) as a `command` target under the Node
runtime, with the HTTP driver at a fixed request rate, and records the overall verdict, the
RSS-only and post-GC-heap verdicts side by side, the heap slope, the constructor attributed,
and what the checkpoints cost (forced-GC round trips, snapshot times). Soak length needed: the
same samples summarised on their first 50% and 75%.

    python bench/node_verdict.py [--seeds 5] [--first-seed 1] [--duration 60] [--rate 500]
        [--services leaky-map,capped-cache,sawtooth] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from leakbench.harness.rundir import load_run
from leakbench.harness.verdict import summarize

TARGETS = Path(__file__).resolve().parent.parent / "tests" / "targets"
SERVICES = {
    "leaky-map": "node_leaky_map.js",
    "capped-cache": "node_capped_cache.js",
    "sawtooth": "node_sawtooth.js",
}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def soak(service: str, seed: int, duration: float, rate: float, out: Path) -> dict[str, Any]:
    port = _port()
    scenario = out / f"{service}-{seed}.yaml"
    scenario.write_text(
        json.dumps(
            {
                "name": f"{service}-{seed}",
                "seed": seed,
                "target": {
                    "kind": "command",
                    "command": ["node", str(TARGETS / SERVICES[service])],
                    "env": {"PORT": str(port), "SEED": str(seed)},
                    "ready": {"tcp": f"127.0.0.1:{port}", "timeout": "20s"},
                    "driver": "http_load:drive",
                    "driver_args": {"port": port, "rate": rate},
                    "cwd": str(TARGETS),
                },
                "workload": {"duration": duration},
            }
        ),
        encoding="utf-8",
    )
    run_dir = out / f"{service}-{seed}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "leakbench",
            "run",
            str(scenario),
            "--out",
            str(run_dir),
            "--no-report",
            "-q",
            "--json",
        ],
        capture_output=True,
        check=False,
    )
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    run = load_run(run_dir)
    samples = [json.loads(line) for line in (run_dir / "samples.jsonl").open(encoding="utf-8")]
    prefixes = {}
    for share in (0.5, 0.75):
        part = samples[: int(len(samples) * share)]
        prefixes[f"{share:.0%}"] = summarize(part, meta=run.meta)["verdict"]
    pauses = [s["js_gc_pause_ms"] for s in samples if "js_gc_pause_ms" in s]
    snaps = [
        s["checkpoint"]["js_census"]["snapshot_ms"]
        for s in samples
        if "js_census" in s.get("checkpoint", {})
    ]
    heap = summary["signals"].get("js_heap", {})
    constructors = summary["attribution"].get("constructors", [])
    named = [c for c in constructors if not c["type"].startswith("(")]
    return {
        "service": service,
        "seed": seed,
        "verdict": summary["verdict"],
        "rss_only": summary.get("rss_vs_heap", {}).get("rss_only", {}).get("verdict"),
        "heap": heap.get("verdict"),
        "heap_slope": heap.get("slope_per_run"),
        "heap_n": heap.get("n_samples"),
        "runs": summary["runs_completed"],
        "constructor": named[0]["type"] if named else None,
        "held_by": named[0].get("held_by") if named else None,
        "prefix": prefixes,
        "gc_ms_median": statistics.median(pauses) if pauses else None,
        "gc_ms_max": max(pauses, default=None),
        "snapshot_ms": snaps,
        "headline": summary["headline"],
        "warmup_cut": summary["warmup"],
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--services", default=",".join(SERVICES))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for service in args.services.split(","):
                row = soak(service, seed, args.duration, args.rate, Path(tmp))
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
