"""Statistics behind the verdict: warm-up cut, robust trend, and allocator-retention checks.

Memory curves are autocorrelated (lag-1 φ of 0.77-0.92 after warm-up), so nothing here trusts
an independent-noise test on its own: a leak needs a batch-means lower bound above the tolerance
*and* block medians that rise steadily (the design's verdict notes; figures measured by
bench/verdict_calibration.py).
"""

from leakbench.harness.stats.allocator import AllocatorTrend, fit_allocator
from leakbench.harness.stats.checkpoints import steady_growth
from leakbench.harness.stats.multiple import holm_adjust
from leakbench.harness.stats.slope import SlopeFit, fit_slope
from leakbench.harness.stats.trend import MIN_SAMPLES, Outcome, TrendAnalysis, analyze_trend
from leakbench.harness.stats.warmup import WarmupCut, changepoint_knee, find_warmup, steady_index

__all__ = [
    "MIN_SAMPLES",
    "AllocatorTrend",
    "Outcome",
    "SlopeFit",
    "TrendAnalysis",
    "WarmupCut",
    "analyze_trend",
    "changepoint_knee",
    "find_warmup",
    "fit_allocator",
    "fit_slope",
    "holm_adjust",
    "steady_growth",
    "steady_index",
]
