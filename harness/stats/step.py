"""One jump or a trend? A level shift (an arena grown once, a cache resized) is not a leak.

Four block medians cannot tell them apart: a step inside the window makes two or three block
medians rise, so "strictly rising blocks" fires on 25-50% of trend-free series with one step
(measured in bench/verdict_calibration.py). The check here compares the best single step
(`ruptures.Binseg`, piecewise-constant, one break) with a straight line: growth is steady only
when the line fits at least as well. At low signal-to-noise the two fit alike and the run comes
out inconclusive, which a longer run resolves.
"""

from collections.abc import Sequence

import numpy as np
import ruptures
from scipy import stats

from leakbench.harness.stats.downsample import bin_means

MAX_POINTS = 400
MIN_SEGMENT = 10


def one_step_fits_better(x: Sequence[float], y: Sequence[float]) -> bool:
    """Whether one level shift explains y (against x) better than a straight line does."""
    x_thin, _ = bin_means(np.asarray(x, dtype=float), MAX_POINTS)
    y_thin, _ = bin_means(np.asarray(y, dtype=float), MAX_POINTS)
    if len(y_thin) < 2 * MIN_SEGMENT or np.ptp(y_thin) == 0:
        return False
    line = stats.linregress(x_thin, y_thin)
    line_error = np.sum((y_thin - line.intercept - line.slope * x_thin) ** 2)
    search = ruptures.Binseg(model="l2", min_size=MIN_SEGMENT, jump=2).fit(y_thin)
    split = search.predict(n_bkps=1)[0]
    before, after = y_thin[:split], y_thin[split:]
    step_error = np.sum((before - before.mean()) ** 2) + np.sum((after - after.mean()) ** 2)
    return bool(step_error < line_error)
