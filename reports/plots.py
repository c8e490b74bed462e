"""PNG plots of a run (rss.png, state.png, objects.png) and of a before/after pair (compare.png).

Figures are built with matplotlib's object API on an Agg canvas, never through pyplot, so no
figure outlives its plot and nothing leaks between renders in a long-lived process. Long
series are thinned for drawing with `minmax_downsample`, so spikes survive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from leakbench.harness.units import (
    byte_unit,
    format_interval,
    format_number,
    format_quantity,
    format_tick,
    time_unit,
)
from leakbench.reports.downsample import minmax_downsample
from leakbench.reports.evidence import Evidence
from leakbench.reports.series import (
    cache_entries,
    cache_names,
    checkpoint_type_growth,
    drain_span,
    field,
    map_entries,
    measured,
    series,
    state_map_names,
)

WIDTH_IN = 11.0
DPI = 100
WARMUP_COLOUR = "#d5d8dc"
DRAIN_COLOUR = "#d6eaf8"
TREND_COLOUR = "#17202a"
BEFORE_COLOUR = "#d35400"
AFTER_COLOUR = "#2471a3"
USS_STYLE = {"color": "#1e8449", "label": "USS (private pages)"}
# Lines whose peaks differ by more than this factor are drawn on a symlog axis.
LOG_RANGE = 100.0
COUNT_TICKS = FuncFormatter(lambda value, _pos: format_tick(value))


def _figure(rows: int, cols: int, height_in: float) -> tuple[Figure, list[Axes]]:
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, cols, squeeze=False)
    return figure, list(axes.ravel())


def save_png(figure: Figure, path: Path) -> Path:
    """Write a figure as PNG at its own size and resolution."""
    figure.savefig(path, format="png")
    return path


def _line(
    axes: Axes, x: np.ndarray, y: np.ndarray, scale: tuple[float, float] = (1.0, 1.0), **style: Any
) -> None:
    """Draw y over x divided by `scale`, thinned first (a long run's columns are not copied)."""
    x, y = minmax_downsample(x, y)
    axes.plot(x / scale[0], y / scale[1], linewidth=1.1, **style)


def _warmup(evidence: Evidence, key: str) -> float | None:
    """Where the verdict cut the warm-up, on the `cut_runs` or `cut_t_gateway` axis."""
    return ((evidence.summary or {}).get("warmup") or {}).get(key)


def _shade_warmup(axes: Axes, start: float, cut: float | None) -> None:
    if cut is not None and cut > start:
        axes.axvspan(start, cut, color=WARMUP_COLOUR, alpha=0.6, label="warm-up (cut)", lw=0)


def _shade_drain(axes: Axes, evidence: Evidence, seconds_per_unit: float) -> None:
    span = drain_span(evidence.run.columns)
    if span is not None:
        start, end = (t / seconds_per_unit for t in span)
        axes.axvspan(start, end, color=DRAIN_COLOUR, alpha=0.8, label="drain", lw=0)


def _after_cut(x: np.ndarray, y: np.ndarray, cut: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The points at or after the warm-up cut: views when x never decreases (gateway time and
    runs completed only grow), so a multi-day column is not copied; a selection otherwise."""
    if cut is None:
        return x, y
    if np.all(x[1:] >= x[:-1]):
        start = int(np.searchsorted(x, cut, side="left"))
        return x[start:], y[start:]
    post = x >= cut
    return x[post], y[post]


def _draw_trend(
    axes: Axes,
    x: np.ndarray,
    y: np.ndarray,
    cut: float | None,
    slope: float | None,
    interval: list[float] | None,
    scale: tuple[float, float],
) -> None:
    """The Theil-Sen trend through the post-warm-up median point, with its slope interval."""
    x, y = _after_cut(x, y, cut)
    if slope is None or len(x) < 2:
        return
    x_scale, y_scale = scale
    x0, y0 = float(np.median(x)), float(np.median(y))
    xs = np.array([x.min(), x0, x.max()])
    axes.plot(
        xs / x_scale,
        (y0 + slope * (xs - x0)) / y_scale,
        color=TREND_COLOUR,
        lw=1.6,
        ls="--",
        label="trend (Theil\u2013Sen)",
    )
    if interval and None not in interval:
        low, high = (y0 + s * (xs - x0) for s in interval)
        axes.fill_between(
            xs / x_scale,
            np.minimum(low, high) / y_scale,
            np.maximum(low, high) / y_scale,
            color=TREND_COLOUR,
            alpha=0.12,
            lw=0,
            label="slope interval",
        )


def _title(figure: Figure, evidence: Evidence, what: str, detail: str = "") -> None:
    text = f"{what} \u2014 {evidence.label}: {evidence.verdict_words}"
    figure.suptitle(
        f"{text}\n{detail}" if detail else text,
        color=evidence.verdict_colour,
        fontsize=12,
        fontweight="bold",
    )


def _rss_detail(summary: dict[str, Any] | None) -> str:
    rss = ((summary or {}).get("signals") or {}).get("rss") or {}
    if rss.get("slope_per_run") is None:
        return ""
    ci = rss.get("slope_per_run_ci") or [None, None]
    slope = format_quantity(rss["slope_per_run"], "bytes")
    return f"RSS slope {slope}/run, interval {format_interval(*ci, 'bytes')}"


def _judged_field(evidence: Evidence, signal: str) -> str | None:
    """The field the verdict judged for `signal` (`tree_rss`, `tree_uss` under `scope: tree`),
    else the process's own, when sampled: the line drawn is the one the trend was fitted to.
    USS (`probe.uss`) counts private pages, beside RSS, which counts shared pages per process."""
    judged = (((evidence.summary or {}).get("signals") or {}).get(signal) or {}).get("field")
    for key in (judged, signal):
        if isinstance(key, str) and evidence.run.columns.has(key):
            return key
    return None


def plot_rss(evidence: Evidence) -> Figure | None:
    """RSS (and USS, when sampled) over gateway time and over runs completed, warm-up shaded,
    RSS's trend and the verdict drawn."""
    columns = evidence.run.columns
    rss = _judged_field(evidence, "rss") or "rss"
    label = "RSS (process tree)" if rss == "tree_rss" else "RSS"
    t, rss_t = series(columns, field(rss), "t_gateway")
    runs, rss_r = series(columns, field(rss), "runs_done", load_only=True)
    if not len(rss_t):
        return None
    signal = ((evidence.summary or {}).get("signals") or {}).get("rss") or {}
    unit, bytes_per_unit = byte_unit(float(np.max(rss_t)))
    t_unit, seconds_per_unit = time_unit(float(np.max(t)))
    rss_scale = (seconds_per_unit, bytes_per_unit)
    figure, (by_time, by_runs) = _figure(1, 2, 4.4)
    _title(figure, evidence, "RSS", _rss_detail(evidence.summary))

    cut_t = _warmup(evidence, "cut_t_gateway")
    _shade_warmup(
        by_time, t[0] / seconds_per_unit, None if cut_t is None else cut_t / seconds_per_unit
    )
    _shade_drain(by_time, evidence, seconds_per_unit)
    _line(by_time, t, rss_t, rss_scale, color=AFTER_COLOUR, label=label)
    uss = _judged_field(evidence, "uss")
    if uss is not None:
        _line(by_time, *series(columns, field(uss), "t_gateway"), rss_scale, **USS_STYLE)
    load_t, load_rss = series(columns, field(rss), "t_gateway", load_only=True)
    per_hour, per_hour_ci = signal.get("slope_per_hour"), signal.get("slope_per_hour_ci")
    _draw_trend(
        by_time,
        load_t,
        load_rss,
        cut_t,
        None if per_hour is None else per_hour / 3600,
        [s / 3600 for s in per_hour_ci] if per_hour_ci else None,
        (seconds_per_unit, bytes_per_unit),
    )
    by_time.set(
        xlabel=f"gateway time ({t_unit})", ylabel=f"RSS ({unit})", title="over gateway time"
    )

    if len(rss_r):
        _shade_warmup(by_runs, runs[0], _warmup(evidence, "cut_runs"))
        _line(by_runs, runs, rss_r, (1.0, bytes_per_unit), color=AFTER_COLOUR, label=label)
        if uss is not None:
            uss_r = series(columns, field(uss), "runs_done", load_only=True)
            _line(by_runs, *uss_r, (1.0, bytes_per_unit), **USS_STYLE)
        _draw_trend(
            by_runs,
            runs,
            rss_r,
            _warmup(evidence, "cut_runs"),
            signal.get("slope_per_run"),
            signal.get("slope_per_run_ci"),
            (1.0, bytes_per_unit),
        )
    by_runs.xaxis.set_major_formatter(COUNT_TICKS)
    by_runs.set(xlabel="runs completed", ylabel=f"RSS ({unit})", title="over runs completed (load)")
    for axes in (by_time, by_runs):
        axes.grid(alpha=0.3)
    by_runs.legend(loc="best", fontsize=8)
    return figure


def _wide_range(peaks: list[float]) -> bool:
    positive = [p for p in peaks if p > 0]
    return len(positive) > 1 and max(positive) / min(positive) >= LOG_RANGE


def plot_state(evidence: Evidence) -> Figure | None:
    """Entries held per gateway map over gateway time (maps ever non-zero), drain shaded."""
    columns = evidence.run.columns
    maps, caches = state_map_names(columns), cache_names(columns)
    if not maps and not caches:
        return None
    retained = (((evidence.summary or {}).get("signals") or {}).get("state") or {}).get(
        "retained"
    ) or {}
    lines = [
        (
            name,
            map_entries(name),
            "-",
            f"{name} ({format_number(retained[name])} retained)" if retained.get(name) else name,
        )
        for name in maps
    ]
    lines += [(name, cache_entries(name), ":", f"{name} (bounded cache)") for name in caches]
    t_max = float(np.nanmax(columns.column("t_gateway"), initial=0.0))
    t_unit, seconds_per_unit = time_unit(t_max)
    figure, (axes,) = _figure(1, 1, 4.4)
    _title(figure, evidence, "Gateway state")
    _shade_drain(axes, evidence, seconds_per_unit)
    peaks = []
    for _name, getter, style, label in lines:
        t, entries = series(columns, getter, "t_gateway")
        peaks.append(float(entries.max()) if len(entries) else 0.0)
        _line(axes, t, entries, (seconds_per_unit, 1.0), ls=style, label=label)
    if _wide_range(peaks):
        axes.set_yscale("symlog", linthresh=1)
    axes.yaxis.set_major_formatter(COUNT_TICKS)
    axes.set(
        xlabel=f"gateway time ({t_unit})",
        ylabel="entries held",
        title="entries per gateway map (after the workload: drain, then the exact count)",
    )
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return figure


def _plot_counts(axes: Axes, evidence: Evidence) -> None:
    columns = evidence.run.columns
    runs, objects = series(columns, field("gc_objects"), "runs_done", load_only=True)
    block_runs, blocks = series(columns, field("heap_blocks"), "runs_done", load_only=True)
    start = min(np.concatenate([runs, block_runs]))
    _shade_warmup(axes, start, _warmup(evidence, "cut_runs"))
    if len(objects):
        _line(axes, runs, objects, color="#117a65", label="gc objects")
        axes.set_ylabel("gc objects", color="#117a65")
    blocks_axes = axes.twinx() if len(objects) and len(blocks) else axes
    if len(blocks):
        _line(blocks_axes, block_runs, blocks, color="#7d3c98", label="heap blocks")
        blocks_axes.set_ylabel("allocated heap blocks", color="#7d3c98")
        blocks_axes.yaxis.set_major_formatter(COUNT_TICKS)
    axes.set_title("gc object count and allocated heap blocks over runs completed")
    handles = axes.get_legend_handles_labels()[0]
    if blocks_axes is not axes:  # a twin axis keeps its own legend entries
        handles += blocks_axes.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="upper left", fontsize=8)


def _plot_traced(axes: Axes, evidence: Evidence) -> None:
    runs, traced = series(evidence.run.columns, field("heap_traced"), "runs_done", load_only=True)
    unit, bytes_per_unit = byte_unit(float(traced.max()))
    _shade_warmup(axes, runs[0], _warmup(evidence, "cut_runs"))
    _line(axes, runs, traced, (1.0, bytes_per_unit), color="#a04000", label="tracemalloc traced")
    axes.set(ylabel=f"traced heap ({unit})", title="traced heap (tracemalloc) over runs completed")


def _plot_types(axes: Axes, evidence: Evidence) -> None:
    for growth in checkpoint_type_growth(evidence.run.columns):
        counts = np.asarray(growth.counts)
        axes.plot(
            growth.runs_done,
            counts - counts[~np.isnan(counts)][0],
            marker="o",
            ms=3,
            label=f"{growth.type} (+{format_number(growth.growth)})",
        )
    axes.set(
        ylabel="objects since first checkpoint",
        title="top growing types between checkpoints (gc census)",
    )
    axes.legend(loc="upper left", fontsize=8)


def plot_objects(evidence: Evidence) -> Figure | None:
    """Object count and heap blocks, traced heap and top growing types: those measured."""
    columns = evidence.run.columns
    panels = []
    if measured(columns, "gc_objects") or measured(columns, "heap_blocks"):
        panels.append(_plot_counts)
    if measured(columns, "heap_traced"):
        panels.append(_plot_traced)
    if checkpoint_type_growth(columns):
        panels.append(_plot_types)
    if not panels:
        return None
    figure, axes_list = _figure(len(panels), 1, 0.4 + 3.2 * len(panels))
    _title(figure, evidence, "Python objects")
    for draw, axes in zip(panels, axes_list, strict=True):
        draw(axes, evidence)
        axes.xaxis.set_major_formatter(COUNT_TICKS)
        axes.yaxis.set_major_formatter(COUNT_TICKS)
        axes.grid(alpha=0.3)
    axes_list[-1].set_xlabel("runs completed")
    return figure


def _peak(evidence: Evidence, key: str) -> float:
    """The largest value of a numeric field over a run, 0 when it was never measured."""
    return float(np.nanmax(evidence.run.columns.column(key), initial=0.0))


def plot_compare(before: Evidence, after: Evidence) -> Figure:
    """RSS of both runs on shared axes: over gateway time and over runs completed."""
    runs = ((before, BEFORE_COLOUR, "before"), (after, AFTER_COLOUR, "after"))
    unit, bytes_per_unit = byte_unit(max(_peak(ev, "rss") for ev, _, _ in runs))
    t_unit, seconds_per_unit = time_unit(max(_peak(ev, "t_gateway") for ev, _, _ in runs))
    figure, (by_time, by_runs) = _figure(1, 2, 4.4)
    figure.suptitle(
        f"RSS before and after \u2014 {before.label} vs {after.label}",
        fontsize=12,
        fontweight="bold",
    )
    for evidence, colour, role in runs:
        label = f"{role}: {evidence.run.run_dir.name} ({evidence.verdict_words.lower()})"
        t, rss_t = series(evidence.run.columns, field("rss"), "t_gateway")
        _line(by_time, t, rss_t, (seconds_per_unit, bytes_per_unit), color=colour, label=label)
        done, rss_r = series(evidence.run.columns, field("rss"), "runs_done", load_only=True)
        _line(by_runs, done, rss_r, (1.0, bytes_per_unit), color=colour, label=label)
    by_time.set(
        xlabel=f"gateway time ({t_unit})", ylabel=f"RSS ({unit})", title="over gateway time"
    )
    by_runs.set(xlabel="runs completed", ylabel=f"RSS ({unit})", title="over runs completed (load)")
    by_runs.xaxis.set_major_formatter(COUNT_TICKS)
    for axes in (by_time, by_runs):
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
    return figure
