"""The autocorrelation time behind the batch count: checked against statsmodels and AR(1)."""

import numpy as np
import pytest
from statsmodels.tsa.stattools import acf

from leakbench.harness.stats.autocorrelation import (
    MAX_BATCHES,
    MIN_BATCHES,
    autocorrelations,
    batch_count,
    integrated_time,
)
from leakbench.harness.stats.synthetic import ar1_noise


def test_autocorrelations_match_statsmodels_acf():
    series = ar1_noise(500, 0.7, np.random.default_rng(1))
    assert autocorrelations(series)[:50] == pytest.approx(acf(series, nlags=49, fft=True))


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.85, 0.95])
def test_the_estimate_leans_above_the_true_ar1_time(phi):
    """Read too low, τ makes the bound too narrow (a false alarm): it must lean high."""
    true_time = (1 + phi) / (1 - phi)
    estimates = [
        integrated_time(ar1_noise(2000, phi, np.random.default_rng(seed))) for seed in range(40)
    ]
    assert np.mean(np.asarray(estimates) >= true_time) >= 0.75
    assert np.median(estimates) <= 3 * true_time + 2


def test_batches_follow_the_samples_worth_between_the_limits():
    assert batch_count(1000, 1.0) == MAX_BATCHES
    assert batch_count(1000, 1000.0) == MIN_BATCHES
    assert MIN_BATCHES < batch_count(1000, 100.0) < MAX_BATCHES
