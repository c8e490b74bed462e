"""Growth that levels off, noise too correlated to judge, and a projection that stops at the
memory there is: the trend verdict on shapes that no exact state check can decide."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from leakbench.harness.stats import Outcome, analyze_trend
from leakbench.harness.stats.synthetic import ar1_noise
from leakbench.harness.verdict import summarize

N = 600
MB = 2**20


def _command_samples(rss_at: Callable[[np.ndarray], np.ndarray], seconds: float) -> list[dict]:
    """A command target's samples (no runs, 250 ms apart): `rss_at(times)` plus noise."""
    rng = np.random.default_rng(int(seconds))
    times = np.arange(0.0, seconds, 0.25)
    rss = 200 * MB + rss_at(times) + ar1_noise(len(times), 0.8, rng, 128 * 1024)
    return [
        {"i": i, "t_wall": float(t), "phase": "load", "rss": float(v)}
        for i, (t, v) in enumerate(zip(times, rss, strict=True))
    ]


def _filling(times: np.ndarray) -> np.ndarray:
    """A cache filling to 50 MB with a 5 s time constant: 95% full after 15 s."""
    return 50 * MB * (1 - np.exp(-times / 5.0))


def test_a_cache_filling_up_is_never_a_leak_and_no_leak_once_its_tail_is_flat() -> None:
    verdicts = {
        seconds: summarize(_command_samples(_filling, seconds), meta={"target": "command"})[
            "verdict"
        ]
        for seconds in (10, 20, 30, 60, 120)
    }
    assert "leak" not in verdicts.values(), verdicts
    # Its exponential tail still bends at 60 s (3 MB over 46 s against 128 KB of noise): judged
    # flat only once that tail is small beside the noise (the note records this shortfall).
    assert verdicts[120] == "no-leak", verdicts


def test_a_straight_leak_is_still_a_leak_beside_the_saturation_test() -> None:
    x = np.arange(N, dtype=float)
    calls = []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        y = 100 * MB + 20 * MB * x / N + ar1_noise(N, 0.8, rng, 0.3 * MB)
        calls.append(analyze_trend(x, y, tolerance=0.0).outcome)
    assert calls == [Outcome.LEAK] * 10


def _linear(rate_per_s: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda times: rate_per_s * times


def test_the_projection_stops_at_the_memory_limit_and_says_when_it_is_reached() -> None:
    rate = 1 * MB  # per second: 3.5 GB/h
    limit = 4 * 2**30
    meta = {"target": "command", "host": {"memory_limit": {"bytes": limit, "source": "cgroup"}}}
    summary = summarize(_command_samples(_linear(rate), 120.0), meta=meta)
    projection = summary["projection"]
    assert summary["verdict"] == "leak"
    assert projection["rss_bytes"] <= limit
    # At the true rate the limit is (limit - last RSS) / rate away; the lower bound is slower.
    at_true_rate_h = (limit - (200 * MB + rate * 120)) / (rate * 3600)
    assert at_true_rate_h <= projection["hours_to_limit"] <= 1.5 * at_true_rate_h
    assert "cgroup limit is reached in about" in summary["headline"]
    assert "after 4 days" not in summary["headline"]


def test_inconclusive_advice_fits_a_command_target_with_no_seed() -> None:
    samples = _command_samples(_linear(0.0), 4.0)  # 16 samples: too few to judge
    summary = summarize(samples, meta={"target": "command"})
    assert summary["verdict"] == "inconclusive"
    assert "seed" not in summary["headline"] and "soak twice as long" in summary["headline"]
