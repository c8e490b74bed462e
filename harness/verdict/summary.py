"""summary.json (docs/run-dir.md): a run's samples in, the verdict and its evidence out.

How it decides, in order: the warm-up cut (window.py); each trend signal judged on its own
(signals.py); the built-in gateway's exact state check decides on its own when the run drained
(state.py), otherwise the trend signals decide together (rules.py). Then the attribution, the
projection and the headline. It never raises on thin data: a run too short to judge is
inconclusive, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from leakbench.harness.exitcodes import VERDICT_EXIT, ExitCode
from leakbench.harness.rundir import RunData, SampleColumns
from leakbench.harness.stats import Outcome, holm_adjust
from leakbench.harness.verdict.attribution import attribution, where_sentence
from leakbench.harness.verdict.filling import question_leak
from leakbench.harness.verdict.node import constructor_phrase, side_by_side
from leakbench.harness.verdict.projection import memory_limit
from leakbench.harness.verdict.projection import projection as project
from leakbench.harness.verdict.rules import NATIVE, V8_HEAP, Decision, combine
from leakbench.harness.verdict.signals import Signal, trend_signals
from leakbench.harness.verdict.state import state_signal
from leakbench.harness.verdict.tolerances import Tolerances, tolerances_from_settings
from leakbench.harness.verdict.window import warmup, warmup_entry
from leakbench.harness.verdict.wording import FAILED_EXITS, headline


def summarize(
    samples: SampleColumns | Iterable[Mapping[str, Any]],
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
    """Build summary.json (without `format`) from a run's samples (columns, or sample dicts).

    The gateway's exact state check reads the last drain-phase sample's `state` ({map:
    {"entries", "bytes"}} after gateway time has passed the longest TTL plus one sweep).
    retained_by_path: {fault path: {map: entries}} still held after the drain.
    target_attribution: `types`/`sites` the target's own probe found growing at every checkpoint
      (full history, better than the top-N lists in samples, which are the fallback).
    exit_reason, exit_detail: how the run ended; default to meta's.
    """
    columns = samples if isinstance(samples, SampleColumns) else SampleColumns.from_samples(samples)
    tolerances = tolerances or Tolerances()
    exit_reason = exit_reason or meta.get("exit_reason") or "completed"
    exit_detail = exit_detail or meta.get("exit_detail")
    load, drain = columns.select(~columns.is_drain), columns.select(columns.is_drain)

    cut = warmup(load, tolerances.warmup_fraction)
    window = load.since(cut.index)
    signals = trend_signals(load, window, tolerances)
    adjusted = holm_adjust(
        {name: s.analysis.p_value for name, s in signals.items() if s.analysis.p_value is not None}
    )
    state = state_signal(load, drain, retained_by_path, exit_reason)
    if state is not None and state["exact"]:
        decision = Decision(Outcome(state["verdict"]), "")
    else:
        decision = combine(signals, adjusted, tolerances.alpha)
        bounded = (target_attribution or {}).get("bounded") or []
        decision = question_leak(
            decision, bounded, _growth(window, "heap_blocks"), _growth_by_pid(window)
        )
    outcome, reason = decision.outcome, decision.reason
    verdict = "error" if exit_reason in FAILED_EXITS else str(outcome)
    exit_code = ExitCode.INTERRUPTED if exit_reason == "interrupted" else VERDICT_EXIT[verdict]
    projection = project(signals.get("rss"), window, memory_limit(meta), signals.get(V8_HEAP))
    last_wall = columns.last("t_wall")
    found = attribution(window, state, target_attribution, history=load, tolerances=tolerances)
    text = headline(
        outcome, reason, signals, state, projection, exit_reason, exit_detail, meta.get("target")
    )
    if outcome is Outcome.LEAK and found.get("constructors") and verdict != "error":
        text = text.removesuffix(".") + constructor_phrase(found["constructors"]) + "."
    elif verdict == "leak" and decision.native:
        text += f" The growth is {NATIVE}: malloc's in-use bytes rise, Python objects do not."
    elif verdict == "leak" and state is None:
        text += where_sentence(found)
    summary: dict[str, Any] = {
        "scenario": meta.get("scenario_name"),
        "policy": meta.get("policy"),
        "seed": meta.get("seed"),
        "transport": meta.get("transport"),
        "verdict": verdict,
        "exit_code": int(exit_code),
        "exit_reason": exit_reason,
        "exit_detail": exit_detail,
        "headline": text,
        "runs_completed": int(np.nanmax(columns.column("runs_done"), initial=0)),
        "duration_s": duration_s if duration_s is not None else (last_wall or 0.0),
        "gateway_time_s": columns.last("t_gateway") or 0.0,
        "truncated": truncated,
        "warmup": warmup_entry(load, cut),
        "signals": {
            name: signal_entry(s, adjusted.get(name), tolerances.alpha)
            for name, s in signals.items()
        },
        "attribution": found,
        "projection": projection,
    }
    compared = side_by_side(signals, tolerances.alpha)
    if compared is not None:
        summary["rss_vs_heap"] = compared
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
    drain = run.columns.select(run.columns.is_drain)
    settings = run.meta.get("scenario", {}).get("verdict", {})
    return summarize(
        run.columns,
        meta=run.meta,
        tolerances=tolerances_from_settings(settings, set(run.meta.get("verdict_given") or ())),
        retained_by_path=_last_sparse(drain, "retained_by_path"),
        target_attribution=_last_sparse(drain, "attribution"),
        exit_reason=exit_reason,
        exit_detail=exit_detail,
        truncated=run.truncated,
    )


def _growth(window: SampleColumns, field: str) -> float:
    """How much `field` rose from the window's first sample to its last (0 if unmeasured)."""
    return _rise(window.column(field))


def _growth_by_pid(window: SampleColumns) -> dict[int, float]:
    """How much each Python process's heap blocks rose over the window (tree_heap_blocks)."""
    by_pid = window.prefixed("tree_heap_blocks")
    return {int(pid): _rise(values) for pid, values in by_pid.items() if pid.isdigit()}


def _rise(values: np.ndarray) -> float:
    """Last measured value minus the first (0 with fewer than two: a process seen once)."""
    values = values[np.isfinite(values)]
    return float(values[-1] - values[0]) if values.size >= 2 else 0.0


def _last_sparse(columns: SampleColumns, key: str) -> Any:
    found = columns.sparse(key)
    return found[-1][1] if found else None


def signal_entry(signal: Signal, p_adjusted: float | None, alpha: float) -> dict[str, Any]:
    """The signal's summary.json entry; bounds and CIs are the batch-means (1 - alpha) ones."""
    analysis = signal.analysis
    reason = analysis.reason
    if signal.allocator_retention:
        reason = "RSS grows while the heap is flat and malloc keeps freed memory"
    entry: dict[str, Any] = {
        "verdict": str(signal.outcome),
        "reason": reason,
        "unit": signal.spec.unit,
        "field": signal.spec.key,
        "axis": signal.axis,
        "confidence": 1 - alpha,
        "n_samples": analysis.n_samples,
        "tolerance_per_run": analysis.tolerance if signal.axis == "runs" else None,
        "tolerance_per_hour": analysis.tolerance if signal.axis == "hours" else None,
        "tolerance_source": signal.tolerance_source,
        "tolerance_as_per_hour": signal.tolerance_as_per_hour,
        "p_value": analysis.p_value,
        "p_value_adjusted": p_adjusted,
        "blocks_monotone": bool(analysis.blocks_monotone),
        "block_medians": [float(m) for m in analysis.block_medians],
        "single_step": bool(analysis.single_step),
        "allocator_retention": (
            None if signal.allocator_retention is None else bool(signal.allocator_retention)
        ),
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
