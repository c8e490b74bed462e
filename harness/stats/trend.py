"""Trend of one signal after the warm-up, and the three-way outcome against a tolerance δ.

Why this shape (verdict-notes, measured at φ = 0.85, nominal 5%): OLS, Mann-Kendall and the
Theil-Sen CI raise 31% false alarms on autocorrelated memory noise. OLS on ~10 batch means is the
best slope test that stays honest (9%), and four strictly rising block medians the best shape test
(4.2%). Together at alpha = 0.01 they fire on 0.3-3.3% of trend-free series. So:
- estimate: Theil-Sen (robust to spikes), with its rank CI for reference only — that CI assumes
  independent noise and is far too narrow on real curves;
- bounds, p-value, minimum detectable leak: from the OLS slope of batch means, with a t quantile;
- outcome (alpha = 0.01 by default): leak when the 99% lower bound exceeds δ and the blocks rise
  steadily, not in one jump (step.py); inconclusive when only one of the two holds; no-leak
  otherwise.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from leakbench.harness.stats.blocks import block_medians, rises_steadily
from leakbench.harness.stats.saturation import Deceleration, deceleration
from leakbench.harness.stats.slope import ALPHA, SlopeFit, fit_slope
from leakbench.harness.stats.step import one_step_fits_better

MIN_SAMPLES = 20


class Outcome(StrEnum):
    LEAK = "leak"
    NO_LEAK = "no-leak"
    INCONCLUSIVE = "inconclusive"


STEP_NOISE = 0.5
"""Each block median must exceed the one before by this many standard errors of the step.

"Steady" with no minimum step counted a hair's rise as growth: four medians of trend-free
AR(1) noise rose strictly 4.3-11.5% of the time (not 1/4! whatever φ) for φ from 0 to 0.99.
Calibrated on trend-free series only (bench/verdict_montecarlo.py), never on a test's outcome."""


@dataclass(frozen=True)
class TrendAnalysis:
    """Outcome of one signal against its tolerance, with the evidence behind it."""

    outcome: Outcome
    reason: str
    tolerance: float
    n_samples: int
    fit: SlopeFit | None = None
    block_medians: tuple[float, ...] = ()
    blocks_monotone: bool = False
    single_step: bool = False
    p_value: float | None = None
    slowing: Deceleration | None = None


def step_margin(fit: SlopeFit, blocks: int = 4) -> float:
    """The rise between adjacent block medians that noise alone would rarely make.

    A block holds batches/blocks batch means, each with the residual spread of the fit, so the
    difference of two adjacent blocks has standard error residual_sd · √(2 · blocks / batches).
    """
    batches = fit.degrees_of_freedom + 2
    return STEP_NOISE * fit.residual_sd * float(np.sqrt(2 * blocks / batches))


def analyze_trend(
    x: Sequence[float], y: Sequence[float], *, tolerance: float, alpha: float = ALPHA
) -> TrendAnalysis:
    """Decide leak / inconclusive / no-leak for y against x after the warm-up.

    Rising means the (1 - alpha) lower bound is above `tolerance`; steady means four block
    medians each rise by more than the noise could (`step_margin`). Both → leak, unless one
    level shift fits better than a line (a jump is not growth per run) or the growth slows
    significantly (saturation.py: a bounded structure filling up): then inconclusive until the
    later half is shown flat (its upper bound within the tolerance), and no-leak then. One of
    the two → inconclusive; neither → no-leak. Steady growth whose upper bound is itself within
    the tolerance is no-leak: measured, and small.
    """
    n = len(y)
    if n < MIN_SAMPLES:
        return TrendAnalysis(
            Outcome.INCONCLUSIVE,
            f"only {n} samples after the warm-up (at least {MIN_SAMPLES} needed)",
            tolerance,
            n,
        )
    fit = fit_slope(x, y, alpha=alpha)
    medians = tuple(block_medians(y))
    steady = rises_steadily(medians, step_margin(fit))
    rising = fit.lower_bound > tolerance
    jumped = rising and one_step_fits_better(x, y)
    single_step = jumped and steady
    # A jump also "slows" (all its rise in one half), but it is a step, not a cap filling up.
    slowing = deceleration(x, y, alpha=alpha) if (rising or steady) and not jumped else None
    evidence = (fit, medians, steady, single_step, fit.p_value(tolerance), slowing)
    if slowing is not None:
        if slowing.late_upper_bound <= tolerance:
            return TrendAnalysis(
                Outcome.NO_LEAK, "grew, then levelled off", tolerance, n, *evidence
            )
        outcome, reason = Outcome.INCONCLUSIVE, "grows, but the growth is slowing"
    elif rising and steady and not single_step:
        outcome, reason = Outcome.LEAK, "grows faster than the tolerance, and steadily"
    elif rising:
        outcome = Outcome.INCONCLUSIVE
        reason = "grows faster than the tolerance, but " + (
            "in one jump rather than steadily" if single_step else "not steadily (a plateau?)"
        )
    elif steady and fit.upper_bound > tolerance:
        outcome = Outcome.INCONCLUSIVE
        reason = "rises steadily, but not clearly faster than the tolerance"
    else:
        outcome, reason = Outcome.NO_LEAK, "no growth above the tolerance"
    return TrendAnalysis(outcome, reason, tolerance, n, *evidence)
