"""The run verdict (design §6): a run's samples in, the summary.json dict of docs/run-dir.md out.

How it decides, in order:
1. Warm-up: samples before the latest of 20% of the load phase, the change-point knee of each
   trend signal, and the index where the target's bounded caches reach steady size are dropped
   (a scenario may fix the share instead). Drain-phase samples never enter a trend.
2. Each trend signal (`rss`; `heap` = traced bytes, else allocated blocks; `objects` = gc objects)
   is judged against its tolerance δ by `harness.stats.analyze_trend`: leak when the batch-means
   99% lower bound exceeds δ and four block medians rise strictly (and not in one jump);
   inconclusive when only one holds; no-leak otherwise. The axis is runs completed; without a
   run count, hours of target time.
3. RSS rising while the heap is flat and mallinfo2 shows in-use flat, free/arena rising is
   allocator retention: labelled, and the RSS signal is not a leak.
4. Built-in gateway: the exact state check decides on its own — any per-run map entry still held
   after the drain is a leak. Otherwise (command targets, or a gateway run that never drained) the
   trend signals decide together; a signal counts only if its Holm-adjusted p is below alpha:
   - a confirmed heap or objects leak is a leak;
   - a confirmed RSS leak is a leak when no heap is measured, when the heap grows at all (its
     lower bound above zero), or when malloc's in-use bytes grow; with a flat heap and nothing
     from the allocator to explain it, it is inconclusive;
   - else any leak that Holm did not confirm, or any inconclusive signal, is inconclusive;
   - else no-leak, stating the 99% upper bound or, when that exceeds δ, the minimum detectable
     leak (MDL) achieved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from leakbench.harness.exitcodes import VERDICT_EXIT, ExitCode
from leakbench.harness.stats import (
    MIN_SAMPLES,
    AllocatorTrend,
    Outcome,
    SlopeFit,
    TrendAnalysis,
    WarmupCut,
    analyze_trend,
    find_warmup,
    fit_allocator,
    fit_slope,
    holm_adjust,
    steady_growth,
    steady_index,
)
from leakbench.harness.stats.trend import BATCHES
from leakbench.harness.store import RunData

if TYPE_CHECKING:
    from leakbench.harness.scenario import Scenario

DEFAULT_BYTES_PER_HOUR = float(2**20)
PROJECTION_HORIZON_S = 4 * 24 * 3600
ATTRIBUTION_LIMIT = 10
FAILED_EXITS = {"target-crashed", "target-hung", "target-refused", "error"}
RERUN_ADVICE = "rerun twice as long with a new seed"


@dataclass(frozen=True)
class Tolerances:
    """What growth a run may show before it is a leak (δ per signal), and how sure to be.

    bytes_per_run: RSS and traced heap bytes. 64 B/run is the floor that flagged none of the real
      non-leaking runs in the verdict notes yet caught every 256 B/op leak.
    blocks_per_run, objects_per_run: allocated blocks and gc objects. 0.5/run is one leaked object
      every other run: at a typical small object of ~100 B, about the byte floor.
    rss_per_hour: optional RSS growth per hour of target time. With a run count the stricter of
      it and bytes_per_run applies (converted at the measured run rate); without one it is δ for
      byte signals (1 MiB/h when unset). Count signals without a run count are judged at δ = 0.
    rss_floor: RSS growth over the whole analysed window below which nothing is called a leak,
      however steady: one pymalloc arena (1 MiB since CPython 3.10) is the allocator's
      granularity. It matters only for short runs (200k runs: 6.6 B/run, under the 64 B floor).
    alpha: one-sided level of each signal's test, and the family level across signals.
    warmup_fraction: a fixed share of the load phase to cut; None for the automatic cut.
    """

    bytes_per_run: float = 64.0
    blocks_per_run: float = 0.5
    objects_per_run: float = 0.5
    rss_per_hour: float | None = None
    rss_floor: float = float(2**20)
    alpha: float = 0.01
    warmup_fraction: float | None = None


def tolerances_from_settings(settings: Mapping[str, Any]) -> Tolerances:
    """Tolerances from a scenario's resolved `verdict` section (bytes, bytes per second)."""
    rss_per_second = settings.get("max_rss_growth")
    warmup = settings.get("warmup", "auto")
    return Tolerances(
        bytes_per_run=float(settings.get("max_growth_per_run", Tolerances.bytes_per_run)),
        rss_per_hour=None if rss_per_second is None else float(rss_per_second) * 3600,
        alpha=float(settings.get("alpha", Tolerances.alpha)),
        warmup_fraction=None if warmup == "auto" else float(warmup),
    )


def tolerances_for(scenario: Scenario) -> Tolerances:
    """Tolerances of a validated scenario."""
    return tolerances_from_settings(scenario.to_resolved_dict()["verdict"])


@dataclass(frozen=True)
class _SignalSpec:
    name: str
    key: str
    unit: str
    per_run: float
    per_hour: float


@dataclass(frozen=True)
class _Signal:
    """One analysed trend signal: the decision plus both slopes."""

    spec: _SignalSpec
    analysis: TrendAnalysis
    axis: str  # "runs" | "hours"
    per_run: SlopeFit | None
    per_hour: SlopeFit | None
    allocator: AllocatorTrend | None = None
    allocator_retention: bool | None = None

    @property
    def outcome(self) -> Outcome:
        return Outcome.NO_LEAK if self.allocator_retention else self.analysis.outcome

    @property
    def fit(self) -> SlopeFit | None:
        return self.per_run if self.axis == "runs" else self.per_hour


def summarize(
    samples: Sequence[Mapping[str, Any]],
    *,
    meta: Mapping[str, Any],
    tolerances: Tolerances | None = None,
    retained_by_path: Mapping[str, Mapping[str, int]] | None = None,
    target_attribution: Mapping[str, Any] | None = None,
    exit_reason: str | None = None,
    exit_detail: str | None = None,
    duration_s: float | None = None,
    truncated: bool = False,
) -> dict[str, Any]:
    """Build summary.json (without `format`) from a run's samples; never raises on thin data.

    The gateway's exact state check reads the last drain-phase sample's `state` ({map:
    {"entries", "bytes"}} after gateway time has passed the longest TTL plus one sweep).
    retained_by_path: {fault path: {map: entries}} still held after the drain.
    target_attribution: `types`/`sites` the target's own probe found growing at every checkpoint
      (full history, better than the top-N lists in samples, which are the fallback).
    exit_reason, exit_detail: how the run ended; default to meta's.
    """
    tolerances = tolerances or Tolerances()
    exit_reason = exit_reason or meta.get("exit_reason") or "completed"
    exit_detail = exit_detail or meta.get("exit_detail")
    load = [s for s in samples if s.get("phase", "load") != "drain"]
    drain = [s for s in samples if s.get("phase") == "drain"]

    cut = _warmup(load, tolerances.warmup_fraction)
    window = load[cut.index :]
    signals = _trend_signals(load, cut.index, tolerances)
    adjusted = holm_adjust(
        {name: s.analysis.p_value for name, s in signals.items() if s.analysis.p_value is not None}
    )
    state = _state_signal(load, drain, retained_by_path, exit_reason)
    if state is not None and state["exact"]:
        outcome, reason = Outcome(state["verdict"]), ""
    else:
        outcome, reason = _combine(signals, adjusted, tolerances.alpha)
    verdict = "error" if exit_reason in FAILED_EXITS else str(outcome)
    exit_code = ExitCode.INTERRUPTED if exit_reason == "interrupted" else VERDICT_EXIT[verdict]
    projection = _projection(signals.get("rss"), window)
    summary: dict[str, Any] = {
        "scenario": meta.get("scenario_name"),
        "policy": meta.get("policy"),
        "seed": meta.get("seed"),
        "transport": meta.get("transport"),
        "verdict": verdict,
        "exit_code": int(exit_code),
        "exit_reason": exit_reason,
        "exit_detail": exit_detail,
        "headline": _headline(
            outcome, reason, signals, state, projection, exit_reason, exit_detail
        ),
        "runs_completed": max((s.get("runs_done", 0) for s in samples), default=0),
        "duration_s": duration_s if duration_s is not None else _last(samples, "t_wall"),
        "gateway_time_s": _last(samples, "t_gateway"),
        "truncated": truncated,
        "warmup": _warmup_entry(load, cut),
        "signals": {
            name: _signal_entry(s, adjusted.get(name), tolerances.alpha)
            for name, s in signals.items()
        },
        "attribution": _attribution(window, state, target_attribution),
        "projection": projection,
    }
    if state is not None:
        summary["signals"]["state"] = state
    return summary


def summarize_run(
    run: RunData, *, exit_reason: str | None = None, exit_detail: str | None = None
) -> dict[str, Any]:
    """Recompute the verdict of a stored run directory (for a report when summary.json is gone).

    Only what the run directory holds is used: the scenario's tolerances from meta.json, and the
    drain's findings (retained_by_path, the target's attribution) from the drain sample.
    """
    drain = next((s for s in reversed(run.samples) if s.get("phase") == "drain"), {})
    settings = run.meta.get("scenario", {}).get("verdict", {})
    return summarize(
        run.samples,
        meta=run.meta,
        tolerances=tolerances_from_settings(settings),
        retained_by_path=drain.get("retained_by_path"),
        target_attribution=drain.get("attribution"),
        exit_reason=exit_reason,
        exit_detail=exit_detail,
        truncated=run.truncated,
    )


def _last(samples: Sequence[Mapping[str, Any]], key: str) -> float:
    return next((float(s[key]) for s in reversed(samples) if key in s), 0.0)


def _hours(sample: Mapping[str, Any]) -> float:
    return float(sample.get("t_gateway", sample.get("t_wall", 0.0))) / 3600.0


# --- warm-up ---------------------------------------------------------------------------------


def _warmup(load: Sequence[Mapping[str, Any]], fraction: float | None) -> WarmupCut:
    """The cut into the load phase: fixed when the scenario says so, else automatic."""
    if fraction is not None:
        return WarmupCut(int(fraction * len(load)), "fixed")
    keys = ("rss", "heap_traced", "heap_blocks", "gc_objects")
    series = [[s[k] for s in load] for k in keys if load and all(k in s for s in load)]
    return find_warmup(series, application_index=_caches_steady(load))


def _caches_steady(load: Sequence[Mapping[str, Any]]) -> int | None:
    """Index at which every bounded cache that plateaus in this run has reached steady size."""
    names = sorted({name for s in load for name in s.get("caches", {})})
    indices = [steady_index([s.get("caches", {}).get(name, 0) for s in load]) for name in names]
    return max((i for i in indices if i is not None), default=None)


def _warmup_entry(load: Sequence[Mapping[str, Any]], cut: WarmupCut) -> dict[str, Any]:
    first = load[cut.index] if cut.index < len(load) else {}
    return {
        "cut_index": first.get("i", cut.index),
        "cut_runs": first.get("runs_done"),
        "cut_t_gateway": first.get("t_gateway"),
        "method": cut.method,
    }


# --- trend signals ---------------------------------------------------------------------------


def _specs(load: Sequence[Mapping[str, Any]], tolerances: Tolerances) -> list[_SignalSpec]:
    """The trend signals this run measured, with their units and tolerances."""
    bytes_per_hour = tolerances.rss_per_hour or DEFAULT_BYTES_PER_HOUR
    heap = (
        _SignalSpec("heap", "heap_traced", "bytes", tolerances.bytes_per_run, bytes_per_hour)
        if any("heap_traced" in s for s in load)
        else _SignalSpec("heap", "heap_blocks", "blocks", tolerances.blocks_per_run, 0.0)
    )
    specs = [
        _SignalSpec("rss", "rss", "bytes", tolerances.bytes_per_run, bytes_per_hour),
        heap,
        _SignalSpec("objects", "gc_objects", "objects", tolerances.objects_per_run, 0.0),
    ]
    return [spec for spec in specs if any(spec.key in s for s in load)]


def _advances(axis: Sequence[float]) -> bool:
    return np.unique(axis).size >= BATCHES


def _trend_signals(
    load: Sequence[Mapping[str, Any]], cut: int, tolerances: Tolerances
) -> dict[str, _Signal]:
    """Analyse every measured trend signal after the cut, then label allocator retention."""
    window = load[cut:]
    signals = {
        spec.name: _analyze(spec, [s for s in window if spec.key in s], tolerances)
        for spec in _specs(load, tolerances)
    }
    rss, heap = signals.get("rss"), signals.get("heap")
    if rss is not None and rss.allocator is not None:
        signals["rss"] = replace(
            rss,
            allocator_retention=_rising(rss)
            and not (heap is not None and _rising(heap))
            and rss.allocator.retains(rss.analysis.tolerance),
        )
    return signals


def _rising(signal: _Signal) -> bool:
    return signal.fit is not None and signal.fit.lower_bound > signal.analysis.tolerance


def _analyze(
    spec: _SignalSpec, rows: Sequence[Mapping[str, Any]], tolerances: Tolerances
) -> _Signal:
    """Judge one signal on the runs axis when runs advance, else on hours of target time."""
    alpha = tolerances.alpha
    y = [float(s[spec.key]) for s in rows]
    hours = [_hours(s) for s in rows]
    runs = [float(s["runs_done"]) for s in rows if "runs_done" in s]
    enough = len(rows) >= MIN_SAMPLES
    per_hour = fit_slope(hours, y, alpha=alpha) if enough and _advances(hours) else None
    if len(runs) == len(rows) and (not enough or _advances(runs)):
        tolerance = _tolerance(spec, tolerances, runs, hours)
        analysis = analyze_trend(runs, y, tolerance=tolerance, alpha=alpha)
        axis, per_run = "runs", analysis.fit
    elif per_hour is not None:
        tolerance = _tolerance(spec, tolerances, None, hours)
        analysis = analyze_trend(hours, y, tolerance=tolerance, alpha=alpha)
        axis, per_run, per_hour = "hours", None, analysis.fit
    else:
        reason = "neither runs nor time advance" if enough else f"only {len(rows)} samples"
        analysis = TrendAnalysis(Outcome.INCONCLUSIVE, reason, spec.per_hour, len(rows))
        axis, per_run = "hours", None
    allocator = None
    if spec.name == "rss" and analysis.fit is not None and all("malloc" in s for s in rows):
        allocator = fit_allocator(runs if axis == "runs" else hours, [s["malloc"] for s in rows])
    return _Signal(spec, analysis, axis, per_run, per_hour, allocator)


def _tolerance(
    spec: _SignalSpec,
    tolerances: Tolerances,
    runs: Sequence[float] | None,
    hours: Sequence[float],
) -> float:
    """δ on the judged axis (runs, or hours when `runs` is None).

    For RSS two limits join in: a per-hour tolerance, when set, tightens the per-run one at the
    run rate measured in the window; and growth totalling less than `rss_floor` over the window
    is never enough, however steady (a short run cannot claim a per-hour rate from a few pages).
    """
    axis = hours if runs is None else runs
    tolerance = spec.per_hour if runs is None else spec.per_run
    if spec.name != "rss" or len(axis) < 2 or axis[-1] <= axis[0]:
        return tolerance
    span = axis[-1] - axis[0]
    if runs is not None and tolerances.rss_per_hour is not None and hours[-1] > hours[0]:
        tolerance = min(tolerance, tolerances.rss_per_hour * (hours[-1] - hours[0]) / span)
    return max(tolerance, tolerances.rss_floor / span)


def _signal_entry(signal: _Signal, p_adjusted: float | None, alpha: float) -> dict[str, Any]:
    """The signal's summary.json entry; bounds and CIs are the batch-means (1 - alpha) ones."""
    analysis = signal.analysis
    reason = analysis.reason
    if signal.allocator_retention:
        reason = "RSS grows while the heap is flat and malloc keeps freed memory"
    entry: dict[str, Any] = {
        "verdict": str(signal.outcome),
        "reason": reason,
        "unit": signal.spec.unit,
        "axis": signal.axis,
        "confidence": 1 - alpha,
        "n_samples": analysis.n_samples,
        "tolerance_per_run": analysis.tolerance if signal.axis == "runs" else None,
        "tolerance_per_hour": analysis.tolerance if signal.axis == "hours" else None,
        "p_value": analysis.p_value,
        "p_value_adjusted": p_adjusted,
        "blocks_monotone": analysis.blocks_monotone,
        "block_medians": list(analysis.block_medians),
        "single_step": analysis.single_step,
        "allocator_retention": signal.allocator_retention,
    }
    if signal.fit is not None:
        entry["lower_bound_99"] = signal.fit.lower_bound
        entry["upper_bound_99"] = signal.fit.upper_bound
    for suffix, fit in (("per_run", signal.per_run), ("per_hour", signal.per_hour)):
        if fit is not None:
            entry[f"slope_{suffix}"] = fit.slope
            entry[f"slope_{suffix}_ci"] = [fit.lower_bound, fit.upper_bound]
            entry[f"theil_sen_{suffix}_ci_95"] = list(fit.theil_sen_ci)
            entry[f"mdl_{suffix}"] = fit.mdl
    return entry


# --- the combined verdict --------------------------------------------------------------------


def _combine(
    signals: Mapping[str, _Signal], adjusted: Mapping[str, float], alpha: float
) -> tuple[Outcome, str]:
    """Overall trend verdict, the family of signals controlled by Holm-Bonferroni."""
    if not signals:
        return Outcome.INCONCLUSIVE, "no memory samples"
    confirmed = {
        name
        for name, s in signals.items()
        if s.outcome is Outcome.LEAK and adjusted.get(name, 1.0) < alpha
    }
    python_growth = [name for name in ("heap", "objects") if name in confirmed]
    if python_growth:
        return Outcome.LEAK, f"{' and '.join(map(_label, python_growth))} grow"
    if "rss" in confirmed:
        rss, heap = signals["rss"], signals.get("heap")
        if heap is None:
            return Outcome.LEAK, "RSS grows"
        if heap.fit is not None and heap.fit.lower_bound > 0:
            return Outcome.LEAK, "RSS grows, and the heap grows with it"
        if rss.allocator is None:
            return Outcome.INCONCLUSIVE, (
                "RSS grows but the heap does not, and without allocator statistics native "
                "growth cannot be told from allocator retention"
            )
        if rss.allocator.in_use_rising(rss.analysis.tolerance):
            return Outcome.LEAK, "RSS and malloc's in-use bytes grow (native memory)"
        return Outcome.INCONCLUSIVE, "RSS grows but neither the heap nor malloc's in-use bytes do"
    for name, s in signals.items():
        if s.outcome is Outcome.LEAK:
            return Outcome.INCONCLUSIVE, (
                f"{_label(name)} alone is not enough evidence once {len(adjusted)} signals are "
                f"tested (Holm-adjusted p = {adjusted[name]:.2g})"
            )
    for name, s in signals.items():
        if s.outcome is Outcome.INCONCLUSIVE:
            return Outcome.INCONCLUSIVE, f"{_label(name)} {s.analysis.reason}"
    return Outcome.NO_LEAK, ""


# --- gateway state ---------------------------------------------------------------------------


def _state_signal(
    load: Sequence[Mapping[str, Any]],
    drain: Sequence[Mapping[str, Any]],
    retained_by_path: Mapping[str, Mapping[str, int]] | None,
    exit_reason: str,
) -> dict[str, Any] | None:
    """Exact per-run state check after the drain, or the partial picture when it never drained."""
    drained = [s for s in drain if "state" in s]
    with_state = [s for s in load if "state" in s]
    if not drained and not with_state:
        return None
    last = (drained or with_state)[-1]
    runs = max((s.get("runs_done", 0) for s in (*load, *drain)), default=0)
    entry: dict[str, Any] = {"unit": "entries", "caches": dict(last.get("caches", {}))}
    if "controllers" in last:
        entry["controllers"] = last["controllers"]
    if not drained or exit_reason != "completed":
        held = with_state[-1]["state"] if with_state else {}
        entry.update(
            verdict=str(Outcome.INCONCLUSIVE),
            exact=False,
            reason="the run did not complete its drain, so retained state cannot be counted",
            entries={name: m.get("entries", 0) for name, m in held.items()},
        )
        return entry
    final_state = last["state"]
    retained = {name: int(m.get("entries", 0)) for name, m in final_state.items()}
    retained_bytes = {name: int(m.get("bytes", 0)) for name, m in final_state.items()}
    total = sum(retained.values())
    by_path = {path: dict(maps) for path, maps in (retained_by_path or {}).items()}
    # A leaked run holds one entry in each map it leaks into: count runs, not entries.
    leaked_runs = sum(max(maps.values(), default=0) for maps in by_path.values())
    entry.update(
        verdict=str(Outcome.LEAK if total else Outcome.NO_LEAK),
        exact=True,
        retained=retained,
        retained_bytes=retained_bytes,
        retained_by_path=by_path,
        leaked_runs=leaked_runs,
        slope_per_run=total / runs if runs else None,
        bytes_per_run=sum(retained_bytes.values()) / runs if runs else None,
        bytes_per_leaked_run=sum(retained_bytes.values()) / leaked_runs if leaked_runs else None,
    )
    return entry


# --- attribution and projection --------------------------------------------------------------


def _attribution(
    window: Sequence[Mapping[str, Any]],
    state: Mapping[str, Any] | None,
    target_attribution: Mapping[str, Any] | None,
) -> dict[str, list[dict[str, Any]]]:
    """Maps that retained entries; types and sites that grew at every post-warm-up checkpoint."""
    if target_attribution is not None:
        types = list(target_attribution.get("types", []))
        sites = list(target_attribution.get("sites", []))
    else:
        types, sites = _checkpoint_growth(window)
    return {
        "maps": _retaining_maps(state),
        "types": types[:ATTRIBUTION_LIMIT],
        "sites": sites[:ATTRIBUTION_LIMIT],
    }


def _checkpoint_growth(
    window: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Types and sites growing at every checkpoint sample in the window (top-N lists only)."""
    checkpoints = [s["checkpoint"] for s in window if "checkpoint" in s]
    type_rows = [c.get("types_top", []) for c in checkpoints]
    site_rows = [c.get("sites_top", []) for c in checkpoints]
    types = [
        {"type": name, "growth": growth}
        for name, growth in steady_growth(type_rows, key="type", value="count")
    ]
    sites = [
        {"site": name, "growth_bytes": growth}
        for name, growth in steady_growth(site_rows, key="site", value="bytes")
    ]
    return types, sites


def _retaining_maps(state: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if state is None or not state["exact"]:
        return []
    by_path = state["retained_by_path"]
    maps = [
        {
            "name": name,
            "entries": entries,
            "bytes": state["retained_bytes"].get(name, 0),
            "paths": sorted(path for path, held in by_path.items() if held.get(name, 0) > 0),
        }
        for name, entries in state["retained"].items()
        if entries > 0
    ]
    return sorted(maps, key=lambda m: (m["bytes"], m["entries"]), reverse=True)


def _projection(rss: _Signal | None, window: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """RSS after 4 days of target time, continuing the measured per-hour slope (never falling)."""
    if rss is None or rss.per_hour is None:
        return None
    remaining_h = max(0.0, PROJECTION_HORIZON_S / 3600 - _hours(window[-1]))
    slope = max(rss.per_hour.slope, 0.0)
    return {
        "horizon_s": PROJECTION_HORIZON_S,
        "rss_bytes": rss.analysis.block_medians[-1] + slope * remaining_h,
        "rss_slope_per_hour": slope,
        "basis": "Theil-Sen RSS slope per hour of target time after the warm-up, continued "
        "from the last block's median RSS",
    }


# --- headline --------------------------------------------------------------------------------


def _label(name: str) -> str:
    return {"rss": "RSS", "heap": "the heap", "objects": "the gc object count"}.get(name, name)


def _figures(value: float) -> str:
    """Two significant figures below 10, whole numbers above: "4.1", "14", "261"."""
    return f"{value:.2g}" if abs(value) < 10 else f"{value:.0f}"


def _amount(value: float, unit: str) -> str:
    """Plain-words quantity in decimal byte units ("4.1 KB", "14 GB") or counts."""
    if unit != "bytes":
        return f"{_figures(value)} {unit}"
    for scale, suffix in ((1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
        if abs(value) >= scale:
            return f"{_figures(value / scale)} {suffix}"
    return f"{value:.0f} B"


def _rate(signal: _Signal, value: float) -> str:
    per = "run" if signal.axis == "runs" else "h"
    return f"{_amount(value, signal.spec.unit)}/{per}"


def _growth_phrase(signal: _Signal) -> str:
    fit = signal.fit
    assert fit is not None
    return (
        f"{_label(signal.spec.name)} grows about {_rate(signal, fit.slope)} "
        f"(at least {_rate(signal, fit.lower_bound)} at {1 - fit.alpha:.0%} confidence)"
    )


def _bound_phrase(signal: _Signal) -> str:
    """What a no-leak signal rules out: its upper bound, or its resolution if that is weak."""
    fit = signal.fit
    label = _label(signal.spec.name)
    if fit is None:
        return f"{label}: {signal.analysis.reason}"
    tolerance = signal.analysis.tolerance
    if fit.upper_bound <= tolerance:
        return (
            f"no leak above {_rate(signal, max(fit.upper_bound, 0.0))} at "
            f"{1 - fit.alpha:.0%} confidence ({label}, tolerance {_rate(signal, tolerance)})"
        )
    return (
        f"no steady growth above {_rate(signal, tolerance)} in {label}, though this run only "
        f"resolves leaks of about {_rate(signal, fit.mdl)} (MDL)"
    )


def _quiet_signals(signals: Mapping[str, _Signal]) -> str:
    """The main signal's bound, and a word on the others."""
    main = signals.get("rss") or next(iter(signals.values()))
    others = [_label(name) for name in signals if signals[name] is not main]
    verb = "shows" if len(others) == 1 else "show"
    tail = f"; {' and '.join(others)} {verb} no growth either" if others else ""
    return _bound_phrase(main) + tail


def _projection_phrase(projection: Mapping[str, Any] | None) -> str:
    if projection is None or projection["rss_slope_per_hour"] <= 0:
        return ""
    return f"; at this rate RSS reaches {_amount(projection['rss_bytes'], 'bytes')} after 4 days"


def _headline(
    outcome: Outcome,
    reason: str,
    signals: Mapping[str, _Signal],
    state: Mapping[str, Any] | None,
    projection: Mapping[str, Any] | None,
    exit_reason: str,
    exit_detail: str | None,
) -> str:
    """One plain sentence a developer can act on."""
    if exit_reason in FAILED_EXITS:
        what = exit_reason.removeprefix("target-").replace("-", " ")
        return f"Error: the target {what}" + (f": {exit_detail}." if exit_detail else ".")
    if state is not None and state["exact"]:
        text = _state_headline(state, signals, projection)
    elif outcome is Outcome.LEAK:
        leaking = [s for s in signals.values() if s.outcome is Outcome.LEAK and s.fit]
        main = next((s for s in leaking if s.spec.name == "rss"), leaking[0])
        agree = [_label(s.spec.name) for s in leaking if s is not main]
        also = f", and {' and '.join(agree)} too" if agree else ""
        text = f"Leak: {_growth_phrase(main)}{also}{_projection_phrase(projection)}."
    elif outcome is Outcome.INCONCLUSIVE:
        text = f"Inconclusive: {reason}; {RERUN_ADVICE}."
    elif signals.get("rss") is not None and signals["rss"].allocator_retention:
        text = (
            f"No leak: {_growth_phrase(signals['rss'])}, but the heap is flat and malloc keeps "
            "freed memory (allocator retention)."
        )
    else:
        text = f"No leak: {_quiet_signals(signals)}."
    if exit_reason == "interrupted":
        text += " Interrupted: this covers the partial run."
    return text


def _state_headline(
    state: Mapping[str, Any],
    signals: Mapping[str, _Signal],
    projection: Mapping[str, Any] | None,
) -> str:
    """Headline of the exact gateway check: what is held, where, and what it costs."""
    maps = [name for name, entries in state["retained"].items() if entries > 0]
    if maps:
        per_run = (
            f"about {_amount(state['bytes_per_run'], 'bytes')} per run"
            if state["bytes_per_run"]
            else f"{_figures(state['slope_per_run'] or 0.0)} entries per run"
        )
        if state.get("bytes_per_leaked_run"):
            per_run = (
                f"about {_amount(state['bytes_per_leaked_run'], 'bytes')} per leaking run "
                f"({state['leaked_runs']:,} runs, {per_run} overall)"
            )
        paths = sorted({p for p, held in state["retained_by_path"].items() if any(held.values())})
        via = f" via {', '.join(paths)}" if paths else ""
        return f"Leak: {per_run}, held in {', '.join(maps)}{via}{_projection_phrase(projection)}."
    text = "No leak: no per-run entries retained after the drain"
    rss = signals.get("rss")
    if rss is not None and rss.outcome is Outcome.LEAK:
        text += f" (yet {_growth_phrase(rss)}, outside per-run state: see signals)"
    elif signals:
        text += f"; {_quiet_signals(signals)}"
    return text + "."
