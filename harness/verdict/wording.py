"""The verdict in words: one plain sentence a developer can act on (summary.json's headline).

Figures here are rounder than the tables' (`harness.units.format_amount`): a sentence carries
one number to act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from leakbench.harness.stats import Outcome
from leakbench.harness.units import format_amount, format_duration

if TYPE_CHECKING:
    from leakbench.harness.verdict.signals import Signal

FAILED_EXITS = {"target-crashed", "target-hung", "target-refused", "error"}
RERUN_ADVICE = {
    # What to do about an inconclusive run depends on what was soaked: only the built-in
    # gateway has a seed; a user's command has no seed to change, a running process no length.
    "gateway": "rerun twice as long with a new seed",
    "command": "soak twice as long",
    "process": "watch it twice as long",
    "pytest": "give the test twice the iterations",
}
LIMIT_PHRASES = {
    "scenario": "the {limit} limit the scenario sets is reached in about {time}",
    "cgroup": "the {limit} cgroup limit is reached in about {time}",
    "available": "the {limit} this machine had available are gone in about {time}",
}
LABELS = {
    "rss": "RSS",
    "uss": "USS",
    "heap": "the heap",
    "objects": "the gc object count",
    "js_heap": "the V8 heap after GC",
    "js_heap_used": "the V8 heap in use",
}
DECIDING = ("js_heap", "rss")
"""The signal a headline leads with, when measured: for Node targets the post-GC heap."""


def label(name: str) -> str:
    return LABELS.get(name, name)


def _rate(signal: Signal, value: float) -> str:
    per = "run" if signal.axis == "runs" else "h"
    return f"{format_amount(value, signal.spec.unit)}/{per}"


def growth_phrase(signal: Signal) -> str:
    fit = signal.fit
    assert fit is not None
    return (
        f"{label(signal.spec.name)} grows about {_rate(signal, fit.slope)} "
        f"(at least {_rate(signal, fit.lower_bound)} at {1 - fit.alpha:.0%} confidence)"
    )


LARGE_PER_HOUR = 100.0 * 2**20
"""A per-run tolerance letting more than this through per hour (2.4 GB a day) is said aloud."""
SOURCE_WORDS = {
    "scenario": "set by the scenario",
    "default": "the default",
    "per-hour budget": "from the scenario's per-hour budget",
    "floor": "the floor: growth of a few of this series' own steps proves no rate",
}


def _tolerance_phrase(signal: Signal) -> str:
    """The tolerance, where it came from, and what a per-run one means per hour when large."""
    text = f"tolerance {_rate(signal, signal.analysis.tolerance)}, "
    text += SOURCE_WORDS[signal.tolerance_source]
    per_hour = signal.tolerance_as_per_hour
    if per_hour is not None and per_hour > LARGE_PER_HOUR:
        text += (
            f"; at the run rate measured that lets {format_amount(per_hour, 'bytes')}/h "
            "through (verdict.max_rss_growth sets a per-hour budget)"
        )
    return text


def _bound_phrase(signal: Signal) -> str:
    """What a no-leak signal rules out: its upper bound, or its resolution if that is weak."""
    fit = signal.fit
    name = label(signal.spec.name)
    if fit is None:
        return f"{name}: {signal.analysis.reason}"
    tolerance = signal.analysis.tolerance
    if fit.upper_bound <= tolerance:
        return (
            f"no leak above {_rate(signal, max(fit.upper_bound, 0.0))} at "
            f"{1 - fit.alpha:.0%} confidence ({name}, {_tolerance_phrase(signal)})"
        )
    return (
        f"no steady growth above {_rate(signal, tolerance)} in {name} "
        f"({_tolerance_phrase(signal)}), though this run only resolves leaks of about "
        f"{_rate(signal, fit.mdl)} (MDL)"
    )


def _quiet_signals(signals: Mapping[str, Signal]) -> str:
    """The main signal's bound, and a word on the others."""
    main = next((signals[n] for n in DECIDING if n in signals), next(iter(signals.values())))
    others = [s for s in signals.values() if s is not main]
    quiet = [label(s.spec.name) for s in others if s.outcome is Outcome.NO_LEAK]
    verb = "shows" if len(quiet) == 1 else "show"
    tail = f"; {' and '.join(quiet)} {verb} no growth either" if quiet else ""
    for s in others:
        if s.outcome is not Outcome.NO_LEAK:
            tail += f"; {label(s.spec.name)} alone is {s.outcome} ({s.analysis.reason})"
    return _bound_phrase(main) + tail


def rerun_advice(target: str | None) -> str:
    return RERUN_ADVICE.get(target or "gateway", RERUN_ADVICE["command"])


def _projection_phrase(projection: Mapping[str, Any] | None) -> str:
    """When the proven growth exhausts the memory there is, else where it is after 4 days."""
    if projection is None or projection["rss_slope_per_hour"] <= 0:
        return ""
    rate = f"{format_amount(projection['rss_slope_per_hour'], 'bytes')}/h"
    hours_left = projection.get("hours_to_limit")
    if hours_left is not None and hours_left * 3600 < projection["horizon_s"]:
        limit = format_amount(projection["limit_bytes"], "bytes")
        phrase = LIMIT_PHRASES[projection["limit_source"]]
        return f"; at least {rate}: " + phrase.format(
            limit=limit, time=format_duration(hours_left * 3600)
        )
    return (
        f"; at least {rate}, so RSS reaches "
        f"{format_amount(projection['rss_bytes'], 'bytes')} after 4 days"
    )


SOAK_AT_LEAST = "soak at least"


def slowing_phrase(signal: Signal) -> str:
    """Growth that decelerates: the level it approaches, and how long to soak to see it flat
    (twice the point where a saturating fit reaches 95% of its rise)."""
    slowing = signal.analysis.slowing
    assert slowing is not None
    text = f"{label(signal.spec.name)} grows, but the growth is slowing"
    if slowing.level is not None:
        text += f": levelling off near {format_amount(slowing.level, signal.spec.unit)}"
    if slowing.plateau_x is not None:
        length = (
            f"{2 * slowing.plateau_x:,.0f} runs"
            if signal.axis == "runs"
            else format_duration(2 * slowing.plateau_x * 3600)
        )
        text += f"; {SOAK_AT_LEAST} {length}"
    return text


def headline(
    outcome: Outcome,
    reason: str,
    signals: Mapping[str, Signal],
    state: Mapping[str, Any] | None,
    projection: Mapping[str, Any] | None,
    exit_reason: str,
    exit_detail: str | None,
    target: str | None = None,
) -> str:
    """One plain sentence a developer can act on."""
    if exit_reason in FAILED_EXITS:
        what = exit_reason.removeprefix("target-").replace("-", " ")
        return f"Error: the target {what}" + (f": {exit_detail}." if exit_detail else ".")
    if state is not None and state["exact"]:
        text = _state_headline(state, signals, projection)
    elif outcome is Outcome.LEAK:
        leaking = [s for s in signals.values() if s.outcome is Outcome.LEAK and s.fit]
        main = next((s for n in DECIDING for s in leaking if s.spec.name == n), leaking[0])
        agree = [label(s.spec.name) for s in leaking if s is not main]
        also = f", and {' and '.join(agree)} too" if agree else ""
        text = f"Leak: {growth_phrase(main)}{also}{_projection_phrase(projection)}."
    elif outcome is Outcome.INCONCLUSIVE:
        advice = "" if SOAK_AT_LEAST in reason else f"; {rerun_advice(target)}"
        text = f"Inconclusive: {reason}{advice}."
    elif signals.get("rss") is not None and signals["rss"].allocator_retention:
        text = (
            f"No leak: {growth_phrase(signals['rss'])}, but the heap is flat and malloc keeps "
            "freed memory (allocator retention)."
        )
    else:
        text = f"No leak: {_quiet_signals(signals)}."
    if exit_reason == "interrupted":
        text += " Interrupted: this covers the partial run."
    return text


def _state_headline(
    state: Mapping[str, Any],
    signals: Mapping[str, Signal],
    projection: Mapping[str, Any] | None,
) -> str:
    """Headline of the exact gateway check: what is held, where, and what it costs."""
    maps = [name for name, entries in state["retained"].items() if entries > 0]
    if maps:
        per_run = (
            f"about {format_amount(state['bytes_per_run'], 'bytes')} per run"
            if state["bytes_per_run"]
            else f"{format_amount(state['slope_per_run'] or 0.0, 'entries')} per run"
        )
        if state.get("bytes_per_leaked_run"):
            per_run = (
                f"about {format_amount(state['bytes_per_leaked_run'], 'bytes')} per leaking run "
                f"({state['leaked_runs']:,} runs, {per_run} overall)"
            )
        paths = sorted({p for p, held in state["retained_by_path"].items() if any(held.values())})
        via = f" via {', '.join(paths)}" if paths else ""
        return f"Leak: {per_run}, held in {', '.join(maps)}{via}{_projection_phrase(projection)}."
    text = "No leak: no per-run entries retained after the drain"
    rss = signals.get("rss")
    if rss is not None and rss.outcome is Outcome.LEAK:
        text += f" (yet {growth_phrase(rss)}, outside per-run state: see signals)"
    elif signals:
        text += f"; {_quiet_signals(signals)}"
    return text + "."
