"""Allocator retention, checkpoint growth, and Holm-Bonferroni across signals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from leakbench.harness.stats import fit_allocator, holm_adjust, steady_growth
from leakbench.harness.stats.synthetic import ar1_noise

N = 120
X = np.arange(N) * 100.0


def malloc_readings(in_use_per_run: float, free_per_run: float) -> dict[str, np.ndarray]:
    """mallinfo2 counters as the run's columns (`malloc.in_use`, ...) hold them."""
    rng = np.random.default_rng(0)
    in_use = 5e7 + in_use_per_run * X + ar1_noise(N, 0.85, rng, 2e5)
    free = 1e6 + free_per_run * X + ar1_noise(N, 0.85, rng, 2e5)
    return {"in_use": in_use, "free": free, "arena": in_use + free, "mmap": np.zeros(N)}


def test_freed_memory_kept_by_malloc_is_retention():
    allocator = fit_allocator(X, malloc_readings(in_use_per_run=0.0, free_per_run=500.0))
    assert allocator.retains(64.0)
    assert not allocator.in_use_rising(64.0)


def test_memory_in_use_growing_is_not_retention():
    allocator = fit_allocator(X, malloc_readings(in_use_per_run=500.0, free_per_run=0.0))
    assert allocator.in_use_rising(64.0)
    assert not allocator.retains(64.0)


def test_mmapped_chunks_count_as_in_use():
    readings = malloc_readings(in_use_per_run=0.0, free_per_run=0.0)
    readings["mmap"] = 500.0 * X
    assert fit_allocator(X, readings).in_use_rising(64.0)


def census(counts: dict[str, int]) -> list[dict]:
    return [{"type": name, "count": count} for name, count in counts.items()]


def test_only_items_growing_at_every_checkpoint_are_attributed():
    checkpoints = [
        census({"str": 10, "dict": 5, "tuple": 8}),
        census({"str": 20, "dict": 9, "tuple": 7}),
        census({"str": 30, "dict": 12}),  # tuple fell out of the top list
        census({"str": 45, "dict": 13, "tuple": 9}),
    ]
    assert steady_growth(checkpoints, key="type", value="count") == [("str", 35), ("dict", 8)]


def test_two_checkpoints_are_not_a_pattern():
    two = [census({"str": 1}), census({"str": 2})]
    assert steady_growth(two, key="type", value="count") == []


def test_holm_adjusts_step_down_and_keeps_order():
    adjusted = holm_adjust({"rss": 0.01, "heap": 0.04, "objects": 0.03})
    assert adjusted == pytest.approx({"rss": 0.03, "objects": 0.06, "heap": 0.06})
    assert holm_adjust({"rss": 0.004}) == {"rss": 0.004}
    assert holm_adjust({"a": 0.6, "b": 0.9}) == pytest.approx({"a": 1.0, "b": 1.0})


@settings(max_examples=30)  # statsmodels takes ~30 ms a call: 100 examples cost 7 s
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=6))
def test_holm_matches_statsmodels_multipletests(p_values):
    names = [f"signal{i}" for i in range(len(p_values))]
    ours = holm_adjust(dict(zip(names, p_values, strict=True)))
    _, reference, _, _ = multipletests(p_values, method="holm")
    assert [ours[name] for name in names] == pytest.approx(list(reference))
