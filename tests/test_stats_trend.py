"""Trend of one signal: Theil-Sen estimate, batch-means bounds, blocks, the three outcomes."""

import numpy as np
import pytest

from leakbench.harness.stats import Outcome, analyze_trend, fit_slope
from leakbench.harness.stats.blocks import block_medians, rises_steadily
from leakbench.harness.stats.step import one_step_fits_better
from leakbench.harness.stats.synthetic import ar1_noise

N = 160
X = np.arange(N) * 100.0  # runs completed


def noisy(slope: float, seed: int = 0, phi: float = 0.85) -> np.ndarray:
    return slope * X + ar1_noise(N, phi, np.random.default_rng(seed), 1000.0)


def test_the_bounds_bracket_the_true_slope():
    """Each bound is one-sided at 99%: on autocorrelated noise the pair misses the true slope
    in about 2% of series, and is narrow enough to say something (BENCHMARKS.md has coverage)."""
    fits = [fit_slope(X, noisy(2.0, seed)) for seed in range(20)]
    assert sum(f.lower_bound < 2.0 < f.upper_bound for f in fits) >= 18
    assert all(f.lower_bound > 1.5 and f.upper_bound < 2.5 for f in fits)


def test_the_p_value_tests_the_slope_against_the_tolerance():
    fit = fit_slope(X, noisy(2.0))
    assert fit.p_value(0.0) < 0.01 < fit.p_value(2.0)
    assert fit.p_value(fit.lower_bound) == pytest.approx(0.01)


def test_the_minimum_detectable_leak_grows_with_autocorrelation():
    white = np.median([fit_slope(X, noisy(0.0, s, phi=0.0)).mdl for s in range(20)])
    correlated = np.median([fit_slope(X, noisy(0.0, s, phi=0.85)).mdl for s in range(20)])
    assert correlated > 2 * white  # the notes' inflation is sqrt((1+φ)/(1-φ)) ≈ 3.5


def test_a_flat_signal_has_zero_slope_and_no_leak():
    analysis = analyze_trend(X, np.full(N, 5.0), tolerance=0.5)
    assert analysis.outcome is Outcome.NO_LEAK
    assert analysis.fit is not None and analysis.fit.standard_error == 0.0
    assert analysis.p_value == 1.0


def test_a_steady_rise_above_the_tolerance_is_a_leak():
    analysis = analyze_trend(X, noisy(5.0), tolerance=1.0)
    assert analysis.outcome is Outcome.LEAK
    assert analysis.blocks_monotone and not analysis.single_step


def test_a_steady_rise_within_the_tolerance_is_no_leak():
    analysis = analyze_trend(X, noisy(5.0), tolerance=50.0)
    assert analysis.blocks_monotone
    assert analysis.fit is not None and analysis.fit.upper_bound <= 50.0
    assert analysis.outcome is Outcome.NO_LEAK


def test_a_jump_alone_never_rises_steadily():
    """A level shift leaves one pair of adjacent blocks level: not steady growth, not a leak."""
    for at in (3 * N // 8, N // 2, 5 * N // 8):
        jump = np.where(np.arange(N) >= at, 50_000.0, 0.0)
        analysis = analyze_trend(
            X, jump + ar1_noise(N, 0.3, np.random.default_rng(3), 500.0), tolerance=0
        )
        assert not analysis.blocks_monotone, at
        assert analysis.outcome is Outcome.INCONCLUSIVE, at
        assert analysis.reason.endswith("but not steadily (a plateau?)"), at


def test_one_jump_on_a_slower_rise_is_inconclusive_not_a_leak():
    # The blocks rise steadily (a slow rise of 25 KB under a 50 KB jump at 5/8 of the window),
    # which the four-block test alone would take for steady growth; the step test must not.
    jump = np.where(np.arange(N) >= 5 * N // 8, 50_000.0, 0.0) + 25_000.0 * np.arange(N) / N
    analysis = analyze_trend(
        X, jump + ar1_noise(N, 0.3, np.random.default_rng(3), 500.0), tolerance=0
    )
    assert analysis.blocks_monotone
    assert analysis.single_step
    assert analysis.outcome is Outcome.INCONCLUSIVE
    assert analysis.reason.endswith("in one jump rather than steadily")


def test_too_few_samples_is_inconclusive_with_the_count():
    analysis = analyze_trend(X[:12], noisy(5.0)[:12], tolerance=1.0)
    assert analysis.outcome is Outcome.INCONCLUSIVE
    assert "only 12 samples" in analysis.reason
    assert analysis.fit is None


def test_block_medians_and_strict_rise():
    assert block_medians(np.arange(8.0)) == [0.5, 2.5, 4.5, 6.5]
    assert rises_steadily([1, 2, 3, 4])
    assert not rises_steadily([1, 2, 2, 4])


def test_a_step_fits_better_than_a_line_and_a_ramp_does_not():
    rng = np.random.default_rng(4)
    step = np.where(np.arange(N) >= 70, 10.0, 0.0) + rng.normal(0, 1, N)
    ramp = np.linspace(0, 10, N) + rng.normal(0, 1, N)
    assert one_step_fits_better(X, step)
    assert not one_step_fits_better(X, ramp)
