"""Warm-up cut: fixed fraction, change-point knee, bounded caches reaching steady size."""

import numpy as np

from leakbench.harness.stats import WarmupCut, changepoint_knee, find_warmup, steady_index
from leakbench.harness.stats.downsample import bin_means
from leakbench.harness.stats.synthetic import ar1_noise


def knee_series(knee: int, n: int = 200, seed: int = 0) -> np.ndarray:
    """A steep rise until `knee`, flat after, with mild autocorrelated noise."""
    rise = np.minimum(np.arange(n), knee) * (20.0 / knee)
    return rise + ar1_noise(n, 0.5, np.random.default_rng(seed), 0.5)


def test_the_knee_is_found_where_the_rise_flattens():
    for knee in (30, 60, 90):
        found = changepoint_knee(knee_series(knee))
        assert found is not None
        assert abs(found - knee) <= 6


def test_a_leak_starting_late_is_not_mistaken_for_a_warm_up():
    n = 200
    late_leak = np.maximum(np.arange(n) - 140, 0) * 0.5
    series = late_leak + ar1_noise(n, 0.5, np.random.default_rng(1), 0.5)
    assert changepoint_knee(series) is None
    assert find_warmup([series]) == WarmupCut(int(0.2 * n), "fraction")


def test_a_constant_series_has_no_knee():
    assert changepoint_knee(np.full(100, 7.0)) is None


def test_long_series_are_binned_and_the_knee_mapped_back():
    series = np.repeat(knee_series(60), 10)  # 2,000 samples, knee at 600
    found = changepoint_knee(series)
    assert found is not None
    assert abs(found - 600) <= 60


def test_a_bounded_cache_reaches_steady_size_and_a_growing_one_gives_no_hint():
    filling = np.minimum(np.arange(200), 40) * 75.0  # full (3,000 entries) at sample 40
    assert steady_index(filling) == 38  # 95% of steady size
    assert steady_index(np.arange(200) * 10.0) is None


def test_the_latest_estimate_wins_and_is_named():
    series = knee_series(60)
    assert find_warmup([series]).method == "changepoint"
    assert find_warmup([series], application_index=150) == find_warmup([], application_index=150)
    early = find_warmup([knee_series(20)], fraction=0.25)
    assert (early.index, early.method) == (50, "fraction")


def test_bin_means_average_contiguous_bins():
    means, size = bin_means(np.arange(10.0), 4)
    assert size == 3
    assert means.tolist() == [1.0, 4.0, 7.0, 9.0]
    same, one = bin_means(np.arange(3.0), 4)
    assert (same.tolist(), one) == ([0.0, 1.0, 2.0], 1)
