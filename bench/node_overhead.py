"""What the Node runtime costs the target: requests per second with and without the inspector.

Soaks the capped-cache service (steady state, no leak) with the HTTP driver unthrottled, once
with `probe.inject: false` (RSS from outside only) and once with the inspector (heap used per
sample, post-GC heap about once a second, three snapshots), alternating, and prints requests
per second of each run plus the forced-GC and snapshot times the inspector runs recorded, each
with the load average at its end; then the median and range of each arm over the repeats.

The load driver is the harness's own Python HTTP client (one keep-alive connection), so the
figure is the throughput of driver and service together, and the harness's CDP reads run in
the same process as the driver: an upper bound on what the inspector costs the service alone.

    python bench/node_overhead.py [--repeats 5] [--duration 20]
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
        "load_1min": round(os.getloadavg()[0], 2),
    }


def spread(rows: list[dict[str, object]]) -> None:
    """Median and range of requests/s per arm, and the inspector's pauses over all its runs."""
    for inspector in (False, True):
        rates = [float(r["requests_per_s"]) for r in rows if r["inspector"] is inspector]
        name = "with inspector" if inspector else "without"
        print(
            f"{name}: median {statistics.median(rates):.0f} req/s, "
            f"range {min(rates):.0f}-{max(rates):.0f} over {len(rates)} runs"
        )
    with_gc = [r for r in rows if r["gc_ms_median"] is not None]
    snaps = [ms for r in with_gc for ms in r["snapshot_ms"]]  # type: ignore[attr-defined]
    print(
        "forced GC per run: median "
        + ", ".join(f"{r['gc_ms_median']:.1f}" for r in with_gc)
        + f" ms; max {max(float(r['gc_ms_max']) for r in with_gc):.1f} ms"
    )
    print(f"snapshots: median {statistics.median(snaps):.0f} ms, max {max(snaps):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.repeats * 2):
            row = soak(index % 2 == 1, args.duration, Path(tmp), index)
            rows.append(row)
            print(json.dumps(row), flush=True)
    spread(rows)


if __name__ == "__main__":
    main()
