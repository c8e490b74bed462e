"""Node targets in the verdict: the V8 heap after a forced collection, beside RSS.

RSS of a Node service swings in a sawtooth as V8 collects the garbage of large replies, and it
overstates the heap's real growth; the heap after `HeapProfiler.collectGarbage` does neither, so
for Node targets it decides (rules.py). This module puts the two side by side in the summary
(what RSS alone would have said, and what the heap said) and turns the snapshots' census into
the constructor attribution: what kept growing, how much, and what holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.stats import holm_adjust
from leakbench.harness.units import format_amount
from leakbench.harness.verdict.rules import V8_HEAP, combine
from leakbench.harness.verdict.signals import Signal

CONSTRUCTOR_LIMIT = 10
HOLDER_EDGE = "--"


def side_by_side(signals: Mapping[str, Signal], alpha: float) -> dict[str, Any] | None:
    """The verdict RSS alone gives and the one the post-GC heap gives, for summary.json."""
    if V8_HEAP not in signals:
        return None
    entry: dict[str, Any] = {"decided_by": "post_gc_heap"}
    for key, name in (("rss_only", "rss"), ("post_gc_heap", V8_HEAP)):
        if name not in signals:
            continue
        alone = {name: signals[name]}
        p = signals[name].analysis.p_value
        decision = combine(alone, holm_adjust({} if p is None else {name: p}), alpha)
        reason = decision.reason or signals[name].analysis.reason
        entry[key] = {"verdict": str(decision.outcome), "reason": reason}
    return entry


def constructors(window: SampleColumns) -> list[dict[str, Any]]:
    """Constructors that grew at every heap snapshot, from the latest one, with their holders."""
    found = [c for _, c in window.sparse("checkpoint") if "js_census" in c]
    if not found:
        return []
    latest = found[-1]
    paths: dict[str, list[list[str]]] = {}
    for retained in latest.get("retainers", []):
        paths.setdefault(retained["type"], []).append(list(retained["path"]))
    rows = []
    for entry in latest.get("js_growing", [])[:CONSTRUCTOR_LIMIT]:
        held = paths.get(entry["type"], [])
        rows.append({**entry, "held_by": holder(held[0]) if held else None, "retainers": held})
    return rows


def holder(path: list[str]) -> str | None:
    """The nearest named reference above the object: "sessions (Map)" in a Map's path."""
    for step in reversed(path[:-1]):
        if step.startswith(HOLDER_EDGE) and "-->" in step:
            edge, _, node = step[len(HOLDER_EDGE) :].partition("-->")
            if not edge.startswith(("[", "(")):
                return f"{edge} {node.strip().replace(' (object)', '')}".strip()
    return None


def constructor_phrase(rows: list[dict[str, Any]]) -> str:
    """ "; growing: RequestRecord +5,120 (1.4 MB), held by sessions Map" for the headline."""
    named = [row for row in rows if not str(row["type"]).startswith("(")] or rows
    if not named:
        return ""
    top = named[0]
    size = format_amount(max(0, top.get("growth_self_bytes", 0)), "bytes")
    held = f", held by {top['held_by']}" if top.get("held_by") else ""
    return f"; growing: {top['type']} +{top['growth']:,} objects ({size} own size){held}"
