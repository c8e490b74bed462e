"""When the post-GC heap is read: enough points for the verdict in a one-minute soak, within
the pause budget, on a sampling loop whose steps jitter (a simulated clock, no timing)."""

from __future__ import annotations

import itertools
import random

import pytest

from leakbench.harness.inspector.schedule import PAUSE_BUDGET, GcSchedule
from leakbench.harness.stats import MIN_SAMPLES


def simulate(duration: float, interval: float, pause: float, seed: int = 1) -> list[float]:
    """Times of the forced collections over a sampling loop with ±10% jitter per step."""
    rng = random.Random(seed)
    schedule = GcSchedule(duration, interval)
    now, taken = 0.0, []
    while now < duration:
        if schedule.due(now):
            taken.append(now)
            schedule.taken(now, pause)
            now += pause
        now += interval * rng.uniform(0.9, 1.1)
    return taken


@pytest.mark.parametrize("seed", range(5))
def test_a_one_minute_soak_leaves_enough_post_gc_points_after_a_late_warm_up(seed: int) -> None:
    """A warm-up cut at half the soak, plus 10 s of snapshot pauses, still leaves MIN_SAMPLES."""
    taken = simulate(60.0, 0.25, pause=0.01, seed=seed)
    after_cut = [t for t in taken if 30.0 <= t < 50.0]
    assert len(after_cut) >= MIN_SAMPLES


@pytest.mark.parametrize("pause", [0.05, 0.2, 0.8])
def test_forced_collections_stay_within_the_pause_budget(pause: float) -> None:
    taken = simulate(120.0, 0.25, pause=pause)
    assert len(taken) * pause <= PAUSE_BUDGET * 120.0 + pause


def test_long_soaks_keep_one_read_a_second() -> None:
    taken = simulate(3600.0, 0.25, pause=0.001)
    assert 3500 <= len(taken) <= 3600


def test_reads_are_never_closer_than_the_sampling_interval() -> None:
    taken = simulate(5.0, 0.5, pause=0.001)
    assert min(b - a for a, b in itertools.pairwise(taken)) >= 0.45
