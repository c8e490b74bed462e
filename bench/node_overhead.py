"""What the Node runtime costs the target: requests per second with and without the inspector.

Soaks the capped-cache service (steady state, no leak) with the HTTP driver unthrottled, once
with `probe.inject: false` (RSS from outside only) and once with the inspector (heap used per
sample, post-GC heap about once a second, three snapshots), alternating, and prints requests
per second of each run plus the forced-GC and snapshot times the inspector runs recorded.

    python bench/node_overhead.py [--repeats 2] [--duration 20]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGETS = Path(__file__).resolve().parent.parent / "tests" / "targets"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def soak(inject: bool, duration: float, out: Path, index: int) -> dict[str, object]:
    port = _port()
    scenario = out / f"overhead-{index}.yaml"
    scenario.write_text(
        json.dumps(
            {
                "name": f"overhead-{index}",
                "target": {
                    "kind": "command",
                    "command": ["node", str(TARGETS / "node_capped_cache.js")],
                    "env": {"PORT": str(port)},
                    "ready": {"tcp": f"127.0.0.1:{port}"},
                    "driver": "http_load:drive",
                    "driver_args": {"port": port, "rate": 0},
                    "cwd": str(TARGETS),
                },
                "workload": {"duration": duration},
                "probe": {"inject": inject},
            }
        ),
        encoding="utf-8",
    )
    run_dir = out / f"overhead-{index}"
    subprocess.run(
        [sys.executable, "-m", "leakbench", "run", str(scenario), "--out", str(run_dir), "-q"],
        capture_output=True,
        check=False,
    )
    samples = [json.loads(line) for line in (run_dir / "samples.jsonl").open(encoding="utf-8")]
    last = samples[-1]
    pauses = [s["js_gc_pause_ms"] for s in samples if "js_gc_pause_ms" in s]
    snaps = [
        s["checkpoint"]["js_census"]["snapshot_ms"]
        for s in samples
        if "js_census" in s.get("checkpoint", {})
    ]
    return {
        "inspector": inject,
        "requests_per_s": last["runs_done"] / last["t_gateway"],
        "gc_ms_median": statistics.median(pauses) if pauses else None,
        "gc_ms_max": max(pauses, default=None),
        "snapshot_ms": snaps,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.repeats * 2):
            row = soak(index % 2 == 1, args.duration, Path(tmp), index)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
