"""Growth that levels off is not a leak: a test of deceleration, and where the curve flattens.

A leak's growth after the warm-up is linear; a bounded structure filling up (an LRU cache, a
working set nearing its allocator high-water mark, arenas pinned until a bounded buffer is
full) decelerates. Ended before the plateau, both rise steadily, so the slope test alone calls
the bounded one a leak (verdict notes: every such program tried was, at 10 s).

The test: the window's later half grows significantly more slowly than its earlier half (each
half's slope from its own batch means, the difference judged against both standard errors on a
one-sided t test at alpha). On a straight line that happens with probability alpha, so a real
leak loses at most alpha of its power to it. A saturating curve a + b·(1 - e^(-(x - x0)/s)),
fitted only once deceleration is shown, says where the growth levels off, for the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from leakbench.harness.stats.downsample import bin_means
from leakbench.harness.stats.slope import fit_slope

MIN_HALF = 10
CURVE_POINTS = 200
PLATEAU_SHARE = 0.95
PLATEAU_REACH = 3.0
"""Slowing counts only when the fitted curve levels off within three windows of the start:
real leaks (Babel's pattern cache, a native buffer, the harness keeping RSS per sample) showed
significant bends whose fitted level lay 4x to thousands of windows away, since the halves'
batch means understate their own noise; a cache filling with a 5 s time constant, judged at
10 s, levels off 2.5 windows away. Set between those few cases, not yet swept (stop note)."""


@dataclass(frozen=True)
class Deceleration:
    """Evidence that growth slows, and the level it approaches (None where the curve won't fit)."""

    early_slope: float
    late_slope: float
    late_upper_bound: float
    p_value: float
    level: float | None
    plateau_x: float | None
    """Where a saturating fit reaches 95% of its rise, on the judged axis."""


def deceleration(x: Sequence[float], y: Sequence[float], *, alpha: float) -> Deceleration | None:
    """The evidence when y's later half grows significantly more slowly than its earlier half."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    half = len(y) // 2
    if half < MIN_HALF or np.ptp(x[:half]) == 0 or np.ptp(x[half:]) == 0:
        return None
    early, late = (
        fit_slope(x[:half], y[:half], alpha=alpha),
        fit_slope(x[half:], y[half:], alpha=alpha),
    )
    spread = float(np.hypot(early.standard_error, late.standard_error))
    difference = early.batch_slope - late.batch_slope
    if spread == 0:
        p_value = 0.0 if difference > 0 else 1.0
    else:
        df = min(early.degrees_of_freedom, late.degrees_of_freedom)
        p_value = float(stats.t.sf(difference / spread, df))
    if p_value >= alpha:
        return None
    level, plateau = _saturating_fit(x, y)
    if plateau is None or plateau > x[0] + PLATEAU_REACH * float(np.ptp(x)):
        return None  # a bend with no level in sight is noise about a line, not a cap
    return Deceleration(
        early.batch_slope,
        late.batch_slope,
        late.upper_bound,
        p_value,
        level,
        plateau,
    )


def _saturating_fit(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """Level and 95% point of a + b·(1 - e^(-(x - x0)/s)) fitted to y, or (None, None)."""
    thin_x, _ = bin_means(x, CURVE_POINTS)
    thin_y, _ = bin_means(y, CURVE_POINTS)
    x0, span = float(thin_x[0]), float(np.ptp(thin_x))
    rise = float(np.ptp(thin_y)) or 1.0

    def curve(t: np.ndarray, a: float, b: float, s: float) -> np.ndarray:
        return a + b * (1.0 - np.exp(-(t - x0) / s))

    try:
        (a, b, s), _ = optimize.curve_fit(
            curve,
            thin_x,
            thin_y,
            p0=(float(thin_y[0]), rise, span / 3),
            bounds=([-np.inf, 0.0, span / 1000], [np.inf, 100 * rise, 100 * span]),
            maxfev=2000,
        )
    except (RuntimeError, ValueError):
        return None, None
    return float(a + b), float(x0 - s * np.log(1 - PLATEAU_SHARE))
