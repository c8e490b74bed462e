"""Where the growth is: maps that retained entries, types and sites that grew at every checkpoint.

The target's own probe, when it kept the full checkpoint history, knows best (its `types` and
`sites`); otherwise the top-N lists in the samples' checkpoints are the fallback. A Python
agent in a command target also names who holds the growth (`holders`) and which of the target's
processes it measured (`processes`); entries of a multi-process target carry their `pid`.

The outside probe records the RSS of the process tree's largest members by pid (`members.<pid>`
columns); each member's growth is fitted over that pid's own samples only, so a worker that
ends and a new one that starts are two short series, never one false slope. Those fits extend
`processes` (merged with the agent's entry of the same pid), largest growth first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.stats import MIN_SAMPLES, fit_slope, steady_growth
from leakbench.harness.units import format_amount
from leakbench.harness.verdict.node import constructors
from leakbench.harness.verdict.tolerances import DEFAULT_BYTES_PER_HOUR, Tolerances
from leakbench.harness.verdict.window import hours

ATTRIBUTION_LIMIT = 10


def attribution(
    window: SampleColumns,
    state: Mapping[str, Any] | None,
    target_attribution: Mapping[str, Any] | None,
    history: SampleColumns | None = None,
    tolerances: Tolerances | None = None,
) -> dict[str, Any]:
    """summary.json's `attribution`: maps, types and sites, largest first; with an agent also
    `holders`, `processes` and, when it could not measure, `agent` (why, in words); for a Node
    target the grown `constructors`. `history`, the whole load phase (where each pid's command
    line was recorded, maybe before the warm-up cut), adds the process tree's members, each
    judged against the RSS tolerance of `tolerances`."""
    js_constructors = constructors(window)
    if target_attribution is not None:
        types = list(target_attribution.get("types", []))
        sites = list(target_attribution.get("sites", []))
    elif js_constructors:
        types, sites = [_type_row(row) for row in js_constructors], []
    else:
        types, sites = _checkpoint_growth(window)
    found: dict[str, Any] = {
        "maps": _retaining_maps(state),
        "types": types[:ATTRIBUTION_LIMIT],
        "sites": sites[:ATTRIBUTION_LIMIT],
    }
    for part in ("holders", "bounded", "processes"):
        if target_attribution is not None and part in target_attribution:
            found[part] = list(target_attribution[part])[:ATTRIBUTION_LIMIT]
    if history is not None:
        members = tree_members(history, window, tolerances or Tolerances())
        if members:
            found["processes"] = _merged(members, found.get("processes", []))
    if target_attribution is not None and "agent" in target_attribution:
        found["agent"] = target_attribution["agent"]
    if js_constructors:
        found["constructors"] = js_constructors
    return found


def tree_members(
    history: SampleColumns, window: SampleColumns, tolerances: Tolerances
) -> list[dict[str, Any]]:
    """The process tree's recorded members with their RSS growth per hour over the window,
    largest lower bound first: [{pid, command, ppid, target, rss_bytes, samples,
    rss_growth_per_hour, rss_growth_per_hour_lower, grew}]; [] for a single-process run.

    A member `grew` when the lower bound of its slope is above the RSS tolerance per hour over
    its own span (the per-hour budget, and never less than the RSS floor over that span), the
    same test the tree's total passes to be a leak; so a worker's start-up creep is not named.
    """
    known: dict[str, dict[str, Any]] = {}
    for _, recorded in history.sparse("member_commands"):
        known.update(recorded)
    if len(known) < 2:
        return []
    axis = hours(window)
    members = [_member_growth(pid, who, window, axis, tolerances) for pid, who in known.items()]
    found = [member for member in members if member is not None]
    return sorted(found, key=lambda m: m["rss_growth_per_hour_lower"] or -np.inf, reverse=True)


def _member_growth(
    pid: str,
    who: Mapping[str, Any],
    window: SampleColumns,
    axis: np.ndarray,
    tolerances: Tolerances,
) -> dict[str, Any] | None:
    """One member's entry, or None when it was not recorded in the window."""
    rss = window.column(f"members.{pid}")
    measured = ~np.isnan(rss)
    if not measured.any():
        return None
    entry: dict[str, Any] = {
        "pid": int(pid),
        "command": who.get("command"),
        "ppid": who.get("ppid"),
        "target": bool(who.get("target", False)),
        "rss_bytes": int(rss[measured][-1]),
        "samples": int(measured.sum()),
        "rss_growth_per_hour": None,
        "rss_growth_per_hour_lower": None,
        "grew": False,
    }
    x, y = axis[measured], rss[measured]
    if len(y) >= MIN_SAMPLES and np.ptp(x) > 0:
        fit = fit_slope(x, y, alpha=tolerances.alpha)
        per_hour = tolerances.rss_per_hour or DEFAULT_BYTES_PER_HOUR
        tolerance = max(per_hour, tolerances.floor(y) / float(np.ptp(x)))
        entry["rss_growth_per_hour"] = fit.slope
        entry["rss_growth_per_hour_lower"] = fit.lower_bound
        entry["grew"] = bool(fit.lower_bound > tolerance)
    return entry


def _merged(
    members: list[dict[str, Any]], agent_processes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Tree members with the agent's entry of the same pid folded in; the agent's other
    processes after them."""
    by_pid = {entry["pid"]: entry for entry in agent_processes}
    merged = [{**by_pid.pop(member["pid"], {}), **member} for member in members]
    return (merged + list(by_pid.values()))[:ATTRIBUTION_LIMIT]


def process_phrase(found: Mapping[str, Any]) -> str:
    """The tree member that grew most, for the headline: "" when none grew for certain."""
    grown = [entry for entry in found.get("processes", []) if entry.get("grew")]
    if not grown:
        return ""
    top = grown[0]
    role = "target" if top["target"] else "child"
    rate = format_amount(top["rss_growth_per_hour"] / 60, "bytes")
    return f"{role} pid {top['pid']} `{top['command']}` grew {rate}/min"


def where_sentence(found: Mapping[str, Any]) -> str:
    """Which process grew, what grows and who holds it, for the headline of a leak: "" when
    nothing was named."""
    types, holders, sites = found.get("types"), found.get("holders"), found.get("sites")
    process = process_phrase(found)
    if not types and not holders and not sites and not process:
        return ""
    parts = [process] if process else []
    if holders:
        held = holders[0]
        parts.append(f"held in {held['holder']} ({held['kind']}, {held['type']})")
    elif types:
        parts.append(f"{types[0]['type']} grows by {types[0]['growth']:,} objects")
    if sites:
        parts.append(f"allocated at {sites[0]['site']}")
    text = "; ".join(parts)
    return f" Where: {text}."


def _type_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A V8 constructor as a `types` row (what the type tables show)."""
    return {"type": row["type"], "growth": row["growth"], "count": row["count"]}


def _checkpoint_growth(
    window: SampleColumns,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Types and sites growing at every checkpoint sample in the window (top-N lists only)."""
    checkpoints = [checkpoint for _, checkpoint in window.sparse("checkpoint")]
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
