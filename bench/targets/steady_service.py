"""A steady service for soak benchmarks: constant request load, bounded state, no leak.

It stands in for a healthy long-running service so that what grows in a benchmark is the
harness, not the target. Each tick it serves a batch of fake requests (build, encode, cache)
into an LRU capped at `--cache` entries, then sleeps; a few percent of a core at the defaults.

    python bench/targets/steady_service.py [--max-seconds 3600] [--cache 2000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import OrderedDict

BATCH = 50
TICK_S = 0.01


def serve(max_seconds: float, cache_size: int) -> int:
    """Serve batches until `max_seconds` pass; returns the requests served."""
    cache: OrderedDict[int, bytes] = OrderedDict()
    served = 0
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        for _ in range(BATCH):
            request = {"id": served, "user": f"user-{served % 997}", "body": "x" * (served % 512)}
            cache[served] = json.dumps(request).encode()
            if len(cache) > cache_size:
                cache.popitem(last=False)
            served += 1
        time.sleep(TICK_S)
    return served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this long")
    parser.add_argument("--cache", type=int, default=2000, help="LRU entries kept")
    args = parser.parse_args()
    print("ready", flush=True)
    print(f"served {serve(args.max_seconds, args.cache)}", flush=True)


if __name__ == "__main__":
    main()
