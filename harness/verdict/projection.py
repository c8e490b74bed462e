"""What the measured growth means over a long uptime: RSS after four days of target time."""

from __future__ import annotations

from typing import Any

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.verdict.signals import Signal
from leakbench.harness.verdict.window import hours

PROJECTION_HORIZON_S = 4 * 24 * 3600


def projection(rss: Signal | None, window: SampleColumns) -> dict[str, Any] | None:
    """RSS after 4 days of target time, continuing the measured per-hour slope (never falling)."""
    if rss is None or rss.per_hour is None or not len(window):
        return None
    remaining_h = max(0.0, PROJECTION_HORIZON_S / 3600 - float(hours(window)[-1]))
    slope = max(rss.per_hour.slope, 0.0)
    return {
        "horizon_s": PROJECTION_HORIZON_S,
        "rss_bytes": rss.analysis.block_medians[-1] + slope * remaining_h,
        "rss_slope_per_hour": slope,
        "basis": "Theil-Sen RSS slope per hour of target time after the warm-up, continued "
        "from the last block's median RSS",
    }
