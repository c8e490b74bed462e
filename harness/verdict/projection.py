"""What the measured growth means over a long uptime, bounded by the memory there is.

A straight line has no end ("RSS reaches 1093 GB after 4 days" on a 24 GB machine). The
projection here continues RSS at the *lower bound* of its per-hour slope (the growth the run
proves, not its best guess) from the last block's median, until the memory the service can
have is gone: the scenario's `verdict.memory_limit`, else the cgroup limit, else the memory
available when the run started. Past that point there is no line to draw, only the time left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.verdict.signals import Signal
from leakbench.harness.verdict.window import hours

PROJECTION_HORIZON_S = 4 * 24 * 3600


def memory_limit(meta: Mapping[str, Any]) -> tuple[float, str] | None:
    """The limit the projection runs into, and where it came from."""
    configured = meta.get("scenario", {}).get("verdict", {}).get("memory_limit")
    if configured:
        return float(configured), "scenario"
    found = meta.get("host", {}).get("memory_limit")
    if found and found.get("bytes"):
        return float(found["bytes"]), str(found["source"])
    return None


def projection(
    rss: Signal | None,
    window: SampleColumns,
    limit: tuple[float, str] | None,
    v8_heap: Signal | None = None,
) -> dict[str, Any] | None:
    """RSS after 4 days of target time at the proven rate, or when the memory is gone first.

    For a Node target the rate is the post-GC heap's: RSS swings with V8's collections and
    overstates the growth, so continuing RSS's own slope would overstate the four days too."""
    grows = v8_heap if v8_heap is not None and v8_heap.per_hour is not None else rss
    if rss is None or grows is None or grows.per_hour is None or not len(window):
        return None
    remaining_h = max(0.0, PROJECTION_HORIZON_S / 3600 - float(hours(window)[-1]))
    proven = max(grows.per_hour.lower_bound, 0.0)
    start = rss.analysis.block_medians[-1] if rss.analysis.block_medians else 0.0
    basis = "V8 heap after GC" if grows is v8_heap else "RSS"
    entry: dict[str, Any] = {
        "horizon_s": PROJECTION_HORIZON_S,
        "rss_bytes": start + proven * remaining_h,
        "rss_slope_per_hour": proven,
        "basis": f"the {1 - grows.per_hour.alpha:.0%} lower bound of the {basis} slope per hour "
        "of target time after the warm-up, continued from the last block's median RSS",
        "limit_bytes": None,
        "limit_source": None,
        "hours_to_limit": None,
    }
    if limit is not None:
        limit_bytes, source = limit
        entry["limit_bytes"], entry["limit_source"] = limit_bytes, source
        if proven > 0:
            entry["hours_to_limit"] = max(0.0, (limit_bytes - start) / proven)
        entry["rss_bytes"] = min(entry["rss_bytes"], limit_bytes)
    return entry
