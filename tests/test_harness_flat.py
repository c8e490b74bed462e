"""The harness keeps no per-sample state: its own RSS over a fast-forwarded soak is flat.

`bench/fast_forward.py` drives the real sampling loop (runner, outside probe, run-directory
writer, progress bar) with a synthetic target that is the harness process itself, on a fake
clock, so the run's samples are the harness's own RSS and the summary is leakbench's own verdict
on it. Here a short soak (10,000 samples, 42 min of target time, a few seconds); the day-long
figure is in BENCHMARKS.md. A harness that keeps 256 bytes per sample is called a leak.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "fast_forward.py"
SAMPLES = 10_000


def _fast_forward(*args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--samples", str(SAMPLES), "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_harness_rss_over_a_fast_forwarded_soak_is_no_leak() -> None:
    figures = _fast_forward()
    assert figures["verdict"] == "no-leak", figures["headline"]
    assert figures["n_samples"] > SAMPLES // 2  # judged on the soak, not on a few samples
    assert figures["upper_bound_99"] < figures["tolerance_per_hour"]


def test_a_harness_keeping_state_per_sample_is_called_a_leak() -> None:
    figures = _fast_forward("--keep-per-sample", "256")
    assert figures["verdict"] == "leak", figures["headline"]
