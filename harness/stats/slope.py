"""The slope of a memory curve and its bounds: Theil-Sen for the estimate, ten batch means for
the bounds (trend.py says why)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from leakbench.harness.stats.downsample import bin_means

ALPHA = 0.01
BATCHES = 10
POWER = 0.8
THEIL_SEN_MAX_POINTS = 2000


@dataclass(frozen=True)
class SlopeFit:
    """Slope of a signal against one axis (runs or hours), in signal units per axis unit."""

    slope: float
    theil_sen_ci: tuple[float, float]
    batch_slope: float
    standard_error: float
    degrees_of_freedom: int
    alpha: float = ALPHA
    residual_sd: float = 0.0
    """Spread of the batch means about their line: the noise a batch mean carries."""

    @property
    def _margin(self) -> float:
        return float(stats.t.ppf(1 - self.alpha, self.degrees_of_freedom)) * self.standard_error

    @property
    def lower_bound(self) -> float:
        """One-sided (1 - alpha) lower bound on the slope: 99% by default."""
        return self.batch_slope - self._margin

    @property
    def upper_bound(self) -> float:
        """One-sided (1 - alpha) upper bound on the slope."""
        return self.batch_slope + self._margin

    @property
    def mdl(self) -> float:
        """Smallest slope the batch-means test detects with 80% power at level alpha.

        (t_{1-alpha} + t_{0.80}) · SE on the batch-means degrees of freedom: the notes'
        3.17 · SE(b) with the small-sample t quantiles the test actually uses.
        """
        quantiles = stats.t.ppf([1 - self.alpha, POWER], self.degrees_of_freedom)
        return float(quantiles.sum()) * self.standard_error

    def p_value(self, tolerance: float) -> float:
        """One-sided p-value of "the slope is at most `tolerance`" (batch-means t test)."""
        if self.standard_error == 0:
            return 0.0 if self.batch_slope > tolerance else 1.0
        statistic = (self.batch_slope - tolerance) / self.standard_error
        return float(stats.t.sf(statistic, self.degrees_of_freedom))


def fit_slope(
    x: Sequence[float], y: Sequence[float], *, alpha: float = ALPHA, batches: int = BATCHES
) -> SlopeFit:
    """Theil-Sen estimate plus batch-means bounds of y against x (x must advance)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    batch_x = np.array([part.mean() for part in np.array_split(x, batches)])
    batch_y = np.array([part.mean() for part in np.array_split(y, batches)])
    if np.ptp(batch_x) == 0:
        raise ValueError("x does not advance: no slope against it")
    residual_sd = 0.0
    if np.ptp(batch_y) == 0:  # a flat signal: linregress's r (and so its SE) is undefined
        batch_slope, standard_error = 0.0, 0.0
    else:
        batch = stats.linregress(batch_x, batch_y)
        batch_slope, standard_error = float(batch.slope), float(batch.stderr)
        fitted = batch.intercept + batch.slope * batch_x
        residual_sd = float(np.sqrt(np.sum((batch_y - fitted) ** 2) / (batches - 2)))
    thin_x, _ = bin_means(x, THEIL_SEN_MAX_POINTS)
    thin_y, _ = bin_means(y, THEIL_SEN_MAX_POINTS)
    theil = stats.theilslopes(thin_y, thin_x, alpha=0.95)
    return SlopeFit(
        slope=float(theil.slope),
        theil_sen_ci=(float(theil.low_slope), float(theil.high_slope)),
        batch_slope=batch_slope,
        standard_error=standard_error,
        degrees_of_freedom=batches - 2,
        alpha=alpha,
        residual_sd=residual_sd,
    )
