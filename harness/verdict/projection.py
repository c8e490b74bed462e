"""What the measured growth means over a long uptime: RSS after four days of target time."""

from __future__ import annotations

from typing import Any

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.verdict.signals import Signal
from leakbench.harness.verdict.window import hours

PROJECTION_HORIZON_S = 4 * 24 * 3600


def projection(
    rss: Signal | None, window: SampleColumns, v8_heap: Signal | None = None
) -> dict[str, Any] | None:
    """RSS after 4 days of target time, continuing the measured per-hour slope (never falling).

    For a Node target the slope is the post-GC heap's: RSS swings with V8's collections and
    overstates the growth, so continuing RSS's own slope would overstate the four days too."""
    grows = v8_heap if v8_heap is not None and v8_heap.per_hour is not None else rss
    if rss is None or grows is None or grows.per_hour is None or not len(window):
        return None
    remaining_h = max(0.0, PROJECTION_HORIZON_S / 3600 - float(hours(window)[-1]))
    slope = max(grows.per_hour.slope, 0.0)
    basis = "slope of the V8 heap after GC" if grows is v8_heap else "RSS slope"
    return {
        "horizon_s": PROJECTION_HORIZON_S,
        "rss_bytes": rss.analysis.block_medians[-1] + slope * remaining_h,
        "rss_slope_per_hour": slope,
        "basis": f"Theil-Sen {basis} per hour of target time after the warm-up, "
        "continued from the last block's median RSS",
    }
