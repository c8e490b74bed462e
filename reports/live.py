"""A soak seen while it runs: how far it got, how long is left, and RSS as a sparkline.

Shared by the live report.html (rebuilt during `leakbench run`) and `leakbench watch`. The
position comes from the run directory alone: the planned workload in meta.json against the
last sample, so it works on any run directory, running or finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from leakbench.harness.units import format_bytes, format_duration, format_number
from leakbench.reports.evidence import VERDICT_STYLE
from leakbench.reports.tables import signal_rows

SPARK_BARS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


@dataclass(frozen=True)
class Position:
    """How far a soak is: share of the workload done, wall time so far and the time left."""

    fraction: float | None
    elapsed_s: float
    left_s: float | None


def soak_position(meta: Mapping[str, Any], last: Mapping[str, Any]) -> Position:
    """Where the last sample stands in the planned workload (runs, or gateway/wall duration).

    The time left is extrapolated from the wall time so far at the pace so far, which is exact
    for command targets (their duration is wall time).
    """
    workload = (meta.get("scenario") or {}).get("workload") or {}
    elapsed = float(last.get("t_wall") or 0.0)
    if workload.get("runs"):
        done, planned = float(last.get("runs_done") or 0), float(workload["runs"])
    elif workload.get("duration"):
        done, planned = float(last.get("t_gateway") or 0.0), float(workload["duration"])
    else:
        return Position(None, elapsed, None)
    fraction = min(1.0, done / planned)
    if last.get("phase") == "drain" or fraction >= 1.0:
        return Position(1.0, elapsed, 0.0)
    left = elapsed * (1 - fraction) / fraction if fraction > 0 else None
    return Position(fraction, elapsed, left)


def sparkline(values: np.ndarray, width: int = 60) -> str:
    """`values` as `width` block characters, each the maximum of its bucket (spikes show)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0 or width < 1:
        return ""
    buckets = np.array_split(values, min(width, len(values)))
    peaks = np.array([bucket.max() for bucket in buckets])
    low, high = float(peaks.min()), float(peaks.max())
    if high == low:
        return SPARK_BARS[0] * len(peaks)
    levels = np.round((peaks - low) / (high - low) * (len(SPARK_BARS) - 1)).astype(int)
    return "".join(SPARK_BARS[level] for level in levels)


@dataclass(frozen=True)
class WatchState:
    """One look at a run directory for `leakbench watch`: what to show and whether it is over."""

    label: str
    status: str
    finished: bool
    samples: int
    rss_now: float | None
    rss: np.ndarray
    position: Position
    summary: dict[str, Any] | None


def watch_panel(state: WatchState) -> Panel:
    """The live state of a soak: verdict so far, RSS slope with its interval, sparkline, time."""
    summary = state.summary or {}
    words, colour = VERDICT_STYLE.get(summary.get("verdict"), VERDICT_STYLE[None])
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    verdict = "verdict" if state.finished else "verdict so far"
    grid.add_row(verdict, Text(summary.get("headline") or words, style=colour))
    rss_row = next((row for row in signal_rows(summary) if row["signal"] == "rss"), None)
    if rss_row is not None:
        per_run = (summary.get("signals") or {}).get("rss", {}).get("axis") == "runs"
        slope, ci = (
            ("slope_per_run", "slope_per_run_ci")
            if per_run
            else (
                "slope_per_hour",
                "slope_per_hour_ci",
            )
        )
        grid.add_row("RSS slope", f"{rss_row[slope]}/{'run' if per_run else 'h'}  {rss_row[ci]}")
    spread = ""
    if len(state.rss):
        spread = (
            f"  ({format_bytes(np.nanmin(state.rss))} \u2013 {format_bytes(np.nanmax(state.rss))})"
        )
    grid.add_row("RSS", f"{format_bytes(state.rss_now)}{spread}")
    grid.add_row("", Text(sparkline(state.rss), style="cyan"))
    position = state.position
    done = f"{format_number(state.samples)} samples, {format_duration(position.elapsed_s)}"
    if position.fraction is not None:
        done += f", {position.fraction:.0%} of the workload"
    grid.add_row("progress", done)
    if position.left_s is not None and not state.finished:
        grid.add_row("time left", f"about {format_duration(position.left_s)}")
    return Panel(
        grid,
        title=Text(f"{state.label}: {state.status}", style=f"bold {colour}"),
        border_style=colour,
    )
