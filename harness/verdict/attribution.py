"""Where the growth is: maps that retained entries, types and sites that grew at every checkpoint.

The target's own probe, when it kept the full checkpoint history, knows best (its `types` and
`sites`); otherwise the top-N lists in the samples' checkpoints are the fallback.
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
) -> dict[str, list[dict[str, Any]]]:
    """summary.json's `attribution`: maps, types and sites, largest first."""
    js_constructors = constructors(window)
    if target_attribution is not None:
        types = list(target_attribution.get("types", []))
        sites = list(target_attribution.get("sites", []))
    elif js_constructors:
        types, sites = [_type_row(row) for row in js_constructors], []
    else:
        types, sites = _checkpoint_growth(window)
    found = {
        "maps": _retaining_maps(state),
        "types": types[:ATTRIBUTION_LIMIT],
        "sites": sites[:ATTRIBUTION_LIMIT],
    }
    if js_constructors:
        found["constructors"] = js_constructors
    return found


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
