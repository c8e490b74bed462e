"""Where the growth is: maps that retained entries, types and sites that grew at every checkpoint.

The target's own probe, when it kept the full checkpoint history, knows best (its `types` and
`sites`); otherwise the top-N lists in the samples' checkpoints are the fallback. A Python
agent in a command target also names who holds the growth (`holders`) and which of the target's
processes it measured (`processes`); entries of a multi-process target carry their `pid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.stats import steady_growth
from leakbench.harness.verdict.node import constructors

ATTRIBUTION_LIMIT = 10


def attribution(
    window: SampleColumns,
    state: Mapping[str, Any] | None,
    target_attribution: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """summary.json's `attribution`: maps, types and sites, largest first; with an agent also
    `holders`, `processes` and, when it could not measure, `agent` (why, in words); for a Node
    target the grown `constructors`."""
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
    for part in ("holders", "processes"):
        if target_attribution is not None and part in target_attribution:
            found[part] = list(target_attribution[part])[:ATTRIBUTION_LIMIT]
    if target_attribution is not None and "agent" in target_attribution:
        found["agent"] = target_attribution["agent"]
    if js_constructors:
        found["constructors"] = js_constructors
    return found


def where_sentence(found: Mapping[str, Any]) -> str:
    """What grows and who holds it, for the headline of a leak: "" when nothing was named."""
    types, holders, sites = found.get("types"), found.get("holders"), found.get("sites")
    if not types and not holders and not sites:
        return ""
    parts = []
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
