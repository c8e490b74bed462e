"""The trend signals of a run, each judged on its own against its tolerance δ.

A signal is a row of `SIGNAL_TABLE`: which sample field it reads, its unit, and which tolerance
applies. Each is judged by `harness.stats.analyze_trend` on the runs axis when runs advance,
else on hours of target time. RSS rising while the heap is flat and mallinfo2 shows in-use
flat, free/arena rising is allocator retention: labelled, and then the RSS signal is no leak.
Under `verdict.scope: tree` the RSS signal reads the tree's total (`tree_rss`: the target and
all its descendants); malloc's counters explain it only while the target has no children.
With `probe.uss` the USS signal (`uss`, or `tree_uss` under `scope: tree`) is judged the same way:
private pages only, so forked workers' shared copy-on-write pages are not counted once per worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.stats import (
    MIN_SAMPLES,
    AllocatorTrend,
    Outcome,
    SlopeFit,
    TrendAnalysis,
    analyze_trend,
    fit_allocator,
    fit_slope,
)
from leakbench.harness.stats.slope import BATCHES
from leakbench.harness.verdict.tolerances import DEFAULT_BYTES_PER_HOUR, Tolerances
from leakbench.harness.verdict.window import hours

MALLOC_COUNTERS = ("in_use", "free", "arena")
OS_SIGNALS = ("rss", "uss")
"""The process's memory as the OS counts it: judged against the byte floor and the per-hour
budget, and explained (or not) by malloc's counters."""


@dataclass(frozen=True)
class SignalSpec:
    name: str
    key: str
    unit: str
    per_run: float
    per_hour: float


@dataclass(frozen=True)
class Signal:
    """One analysed trend signal: the decision plus both slopes."""

    spec: SignalSpec
    analysis: TrendAnalysis
    axis: str  # "runs" | "hours"
    per_run: SlopeFit | None
    per_hour: SlopeFit | None
    allocator: AllocatorTrend | None = None
    allocator_retention: bool | None = None
    tolerance_source: str = "default"
    """Where the tolerance came from: "scenario", "default", "per-hour budget" or "floor"."""
    tolerance_as_per_hour: float | None = None
    """A per-run tolerance at the run rate measured: the growth per hour it lets through."""

    @property
    def outcome(self) -> Outcome:
        return Outcome.NO_LEAK if self.allocator_retention else self.analysis.outcome

    @property
    def fit(self) -> SlopeFit | None:
        return self.per_run if self.axis == "runs" else self.per_hour


SpecRow = Callable[[SampleColumns, Tolerances, float], SignalSpec]


def _heap_spec(load: SampleColumns, tolerances: Tolerances, per_hour: float) -> SignalSpec:
    """Traced bytes when tracemalloc ran, else allocated blocks."""
    if load.has("heap_traced"):
        return SignalSpec("heap", "heap_traced", "bytes", tolerances.bytes_per_run, per_hour)
    return SignalSpec("heap", "heap_blocks", "blocks", tolerances.blocks_per_run, 0.0)


def _os_spec(name: str) -> SpecRow:
    """RSS or USS: the tree's total under `scope: tree` where it was sampled, else the target's."""

    def spec(load: SampleColumns, tolerances: Tolerances, per_hour: float) -> SignalSpec:
        tree = f"tree_{name}"
        key = tree if tolerances.scope == "tree" and load.has(tree) else name
        return SignalSpec(name, key, "bytes", tolerances.bytes_per_run, per_hour)

    return spec


SIGNAL_TABLE: tuple[SpecRow, ...] = (
    _os_spec("rss"),
    _os_spec("uss"),
    _heap_spec,
    lambda load, tol, per_hour: SignalSpec(
        "objects", "gc_objects", "objects", tol.objects_per_run, 0.0
    ),
    # Node targets (harness.targets.node_inspector): the V8 heap after a forced full GC, which
    # decides for them (rules.py), and the heap in use, a sawtooth shown for comparison.
    lambda load, tol, per_hour: SignalSpec(
        "js_heap", "js_heap_post_gc", "bytes", tol.bytes_per_run, per_hour
    ),
    lambda load, tol, per_hour: SignalSpec(
        "js_heap_used", "js_heap_used", "bytes", tol.bytes_per_run, per_hour
    ),
)
"""Every trend signal leakbench knows, in the order the headline prefers them."""


def specs(load: SampleColumns, tolerances: Tolerances) -> list[SignalSpec]:
    """The trend signals this run measured, with their units and tolerances."""
    per_hour = tolerances.rss_per_hour or DEFAULT_BYTES_PER_HOUR
    candidates = [row(load, tolerances, per_hour) for row in SIGNAL_TABLE]
    return [spec for spec in candidates if load.has(spec.key)]


def _advances(axis: np.ndarray) -> bool:
    return np.unique(axis).size >= BATCHES


def trend_signals(
    load: SampleColumns, window: SampleColumns, tolerances: Tolerances
) -> dict[str, Signal]:
    """Analyse every trend signal the load phase measured, on the window after the warm-up cut,
    then label allocator retention."""
    signals = {spec.name: analyze(spec, window, tolerances) for spec in specs(load, tolerances)}
    heap = signals.get("heap")
    for name in OS_SIGNALS:
        memory = signals.get(name)
        if memory is not None and memory.allocator is not None:
            signals[name] = replace(
                memory,
                allocator_retention=rising(memory)
                and not (heap is not None and rising(heap))
                and memory.allocator.retains(memory.analysis.tolerance),
            )
    return signals


def rising(signal: Signal) -> bool:
    return signal.fit is not None and bool(signal.fit.lower_bound > signal.analysis.tolerance)


def analyze(spec: SignalSpec, window: SampleColumns, tolerances: Tolerances) -> Signal:
    """Judge one signal on the runs axis when runs advance, else on hours of target time."""
    alpha = tolerances.alpha
    measured = ~np.isnan(window.column(spec.key))
    y = window.column(spec.key)[measured]
    hour_axis = hours(window)[measured]
    runs = window.column("runs_done")[measured]
    has_runs = not np.isnan(runs).any()
    enough = len(y) >= MIN_SAMPLES
    per_hour = fit_slope(hour_axis, y, alpha=alpha) if enough and _advances(hour_axis) else None
    source, as_per_hour = _source(spec, tolerances, "hours"), None
    if has_runs and (not enough or _advances(runs)):
        tolerance, source = _tolerance(spec, tolerances, runs, hour_axis, y)
        analysis = analyze_trend(runs, y, tolerance=tolerance, alpha=alpha)
        axis, per_run = "runs", analysis.fit
        as_per_hour = _per_hour(tolerance, runs, hour_axis)
    elif per_hour is not None:
        tolerance, source = _tolerance(spec, tolerances, None, hour_axis, y)
        analysis = analyze_trend(hour_axis, y, tolerance=tolerance, alpha=alpha)
        axis, per_run, per_hour = "hours", None, analysis.fit
    else:
        reason = "neither runs nor time advance" if enough else f"only {len(y)} samples"
        analysis = TrendAnalysis(Outcome.INCONCLUSIVE, reason, spec.per_hour, len(y))
        axis, per_run = "hours", None
    allocator = None
    counters = {name: window.column(f"malloc.{name}")[measured] for name in MALLOC_COUNTERS}
    judged_alone = spec.key in OS_SIGNALS or _childless(window)
    explainable = spec.name in OS_SIGNALS and analysis.fit is not None and judged_alone
    if explainable and _complete(counters):
        if window.has("malloc.mmap"):
            counters["mmap"] = np.nan_to_num(window.column("malloc.mmap")[measured])
        allocator = fit_allocator(runs if axis == "runs" else hour_axis, counters)
    return Signal(spec, analysis, axis, per_run, per_hour, allocator, None, source, as_per_hour)


def _childless(window: SampleColumns) -> bool:
    """No child was alive in the window: the tree's RSS is the process's own, so malloc's
    counters (of that process alone) can explain it."""
    return not np.nan_to_num(window.column("children_rss")).any()


def _complete(counters: dict[str, np.ndarray]) -> bool:
    return all(len(c) and not np.isnan(c).any() for c in counters.values())


SETTING_OF = {
    # Which setting sets a signal's tolerance, per unit and judged axis. Counts have a setting
    # only in the pytest plugin (`objects_per_iteration`), and only per call.
    ("bytes", "runs"): "max_growth_per_run",
    ("bytes", "hours"): "max_rss_growth",
    ("blocks", "runs"): "objects_per_run",
    ("objects", "runs"): "objects_per_run",
}


def _source(spec: SignalSpec, tolerances: Tolerances, axis: str) -> str:
    setting = SETTING_OF.get((spec.unit, axis))
    return "scenario" if setting in tolerances.given else "default"


def _per_hour(tolerance: float, runs: np.ndarray, hour_axis: np.ndarray) -> float | None:
    elapsed_h = float(hour_axis[-1] - hour_axis[0]) if len(hour_axis) > 1 else 0.0
    if elapsed_h <= 0:
        return None
    return tolerance * float(runs[-1] - runs[0]) / elapsed_h


def _tolerance(
    spec: SignalSpec,
    tolerances: Tolerances,
    runs: np.ndarray | None,
    hour_axis: np.ndarray,
    values: np.ndarray,
) -> tuple[float, str]:
    """δ on the judged axis (runs, or hours when `runs` is None), and where it came from.

    For RSS and USS two limits join in: a per-hour budget, when set, tightens the per-run one at the
    run rate measured in the window; and growth totalling less than the floor over the window
    is never enough, however steady (a short run cannot claim a per-hour rate from a few pages;
    Tolerances.floor derives the floor from the series' own steps).
    """
    axis = hour_axis if runs is None else runs
    tolerance = spec.per_hour if runs is None else spec.per_run
    source = _source(spec, tolerances, "hours" if runs is None else "runs")
    if spec.name not in OS_SIGNALS or len(axis) < 2 or axis[-1] <= axis[0]:
        return tolerance, source
    span = float(axis[-1] - axis[0])
    if runs is not None and tolerances.rss_per_hour is not None and hour_axis[-1] > hour_axis[0]:
        elapsed_h = float(hour_axis[-1] - hour_axis[0])
        budget = tolerances.rss_per_hour * elapsed_h / span
        if budget < tolerance:
            tolerance, source = budget, "per-hour budget"
    floor = tolerances.floor(values)
    if floor / span > tolerance:
        return floor / span, "floor"
    return tolerance, source
