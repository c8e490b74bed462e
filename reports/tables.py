"""summary.json and meta.json turned into rows of display strings.

The HTML report and the terminal summary show the same evidence; building the rows once here
keeps their numbers and wording identical. Every reader of summary.json tolerates missing keys:
a summary from an older or partial run still renders, with em dashes where figures are absent.
"""

from __future__ import annotations

from typing import Any

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.units import (
    MISSING,
    format_bytes,
    format_duration,
    format_interval,
    format_number,
    format_p_value,
    format_quantity,
)
from leakbench.reports.series import last_sample

SIGNAL_ORDER = ("rss", "uss", "heap", "objects", "state")
Row = dict[str, str]


def _signals(summary: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    signals = (summary or {}).get("signals") or {}
    ordered = [name for name in SIGNAL_ORDER if name in signals]
    return {name: signals[name] for name in ordered + sorted(set(signals) - set(ordered))}


def warmup_text(summary: dict[str, Any] | None) -> str:
    """`4,000 runs (16.7 min of gateway time, changepoint)`, or an em dash."""
    warmup = (summary or {}).get("warmup") or {}
    if warmup.get("cut_runs") is None:
        return MISSING
    parts = [f"{format_number(warmup['cut_runs'])} runs"]
    details = []
    if warmup.get("cut_t_gateway") is not None:
        details.append(f"{format_duration(warmup['cut_t_gateway'])} of gateway time")
    if warmup.get("method"):
        details.append(str(warmup["method"]))
    return f"{parts[0]} ({', '.join(details)})" if details else parts[0]


def _verdict_text(signal: dict[str, Any]) -> str:
    verdict = str(signal.get("verdict", MISSING))
    return f"{verdict} (allocator retention)" if signal.get("allocator_retention") else verdict


def signal_rows(summary: dict[str, Any] | None) -> list[Row]:
    """One row per signal: slopes per run and per hour with intervals, bound, p, MDL, verdict.
    The warm-up cut is common to all signals: see `warmup_text`."""
    rows = []
    for name, signal in _signals(summary).items():
        unit = signal.get("unit")
        # Sizes carry their own unit; counts show theirs once, in the signal column.
        size = "bytes" if unit == "bytes" else None
        monotone = signal.get("blocks_monotone")
        run_ci = signal.get("slope_per_run_ci") or [None, None]
        hour_ci = signal.get("slope_per_hour_ci") or [None, None]
        rows.append(
            {
                "signal": f"{name} ({unit})" if unit and not size else name,
                "verdict": _verdict_text(signal),
                "verdict_key": str(signal.get("verdict", "")),
                "slope_per_run": format_quantity(signal.get("slope_per_run"), size),
                "slope_per_run_ci": format_interval(*run_ci, size),
                "slope_per_hour": format_quantity(signal.get("slope_per_hour"), size),
                "slope_per_hour_ci": format_interval(*hour_ci, size),
                "lower_bound_99": format_quantity(signal.get("lower_bound_99"), size),
                "p_value": format_p_value(signal.get("p_value")),
                "blocks_monotone": {True: "yes", False: "no"}.get(monotone, MISSING),
                "tolerance": format_quantity(signal.get("tolerance_per_run"), size),
                "mdl": format_quantity(signal.get("mdl_per_run"), size),
                "mdl_per_hour": format_quantity(signal.get("mdl_per_hour"), size),
                "axis": signal.get("axis"),
                "n_samples": format_number(signal.get("n_samples")),
            }
        )
    return rows


def _state(summary: dict[str, Any] | None) -> dict[str, Any]:
    return _signals(summary).get("state") or {}


def retained_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Entries and bytes each gateway map still held after the drain, most first."""
    state = _state(summary)
    entries = state.get("retained") or {}
    sizes = state.get("retained_bytes") or {}
    paths: dict[str, set[str]] = {}
    for path, maps in (state.get("retained_by_path") or {}).items():
        for name, count in maps.items():
            if count:
                paths.setdefault(name, set()).add(path)
    for entry in ((summary or {}).get("attribution") or {}).get("maps") or []:
        paths.setdefault(entry["name"], set()).update(entry.get("paths") or [])
    names = sorted(set(entries) | set(sizes), key=lambda n: (-(entries.get(n) or 0), n))
    return [
        {
            "map": name,
            "entries": format_number(entries.get(name)),
            "bytes": format_bytes(sizes.get(name)),
            "paths": ", ".join(sorted(paths.get(name, ()))) or MISSING,
            "leaks": "yes" if entries.get(name) else "",
        }
        for name in names
    ]


def retained_by_path_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Retained entries split by the fault path (abort, timeout, ...) that left them."""
    by_path = _state(summary).get("retained_by_path") or {}
    return [
        {"path": path, "map": name, "entries": format_number(count)}
        for path, maps in sorted(by_path.items())
        for name, count in sorted(maps.items(), key=lambda item: -item[1])
        if count
    ]


def cache_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Bounded caches at the end: they fill and plateau, which is not a leak."""
    caches = _state(summary).get("caches") or {}
    return [{"cache": name, "entries": format_number(count)} for name, count in caches.items()]


def type_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Object types that grew most (attribution.types)."""
    types = ((summary or {}).get("attribution") or {}).get("types") or []
    return [
        {
            "type": str(entry.get("type")),
            "growth": format_number(entry.get("growth")),
            "deep_bytes": format_bytes(entry.get("deep_bytes")),
        }
        for entry in types
    ]


def holder_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Who holds the growth (attribution.holders, from a Python agent's checkpoints): the named
    root a developer looks for, and one referrer chain from it down to a grown object."""
    holders = ((summary or {}).get("attribution") or {}).get("holders") or []
    return [
        {
            "type": str(entry.get("type")),
            "holder": str(entry.get("holder")),
            "kind": str(entry.get("kind") or MISSING),
            "path": str(entry.get("path") or MISSING),
            "samples": f"{entry['samples']} of {entry['sampled']}"
            if entry.get("samples") is not None and entry.get("sampled") is not None
            else MISSING,
            "pid": str(entry["pid"]) if entry.get("pid") is not None else "",
        }
        for entry in holders
    ]


def bounded_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Containers with a cap of their own that grew (attribution.bounded, from a Python agent):
    how full each is, since growth below a cap may stop there."""
    bounded = ((summary or {}).get("attribution") or {}).get("bounded") or []
    return [
        {
            "kind": str(entry.get("kind")),
            "name": str(entry.get("name")),
            "fill": f"{_exact(entry.get('size'))} of {_exact(entry.get('capacity'))}",
            "growth": _exact(entry.get("growth")),
            "pid": str(entry["pid"]) if entry.get("pid") is not None else "",
        }
        for entry in bounded
    ]


def _exact(count: Any) -> str:
    """A count in full (19,601 of 20,000: how near its cap a cache is, which 19.6k hides)."""
    return f"{count:,}" if isinstance(count, int) else MISSING


def site_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Allocation sites that grew most (attribution.sites, with tracemalloc on)."""
    sites = ((summary or {}).get("attribution") or {}).get("sites") or []
    return [
        {"site": str(entry.get("site")), "growth": format_bytes(entry.get("growth_bytes"))}
        for entry in sites
    ]


def run_facts(
    summary: dict[str, Any] | None, meta: dict[str, Any], columns: SampleColumns
) -> list[Row]:
    """The run at a glance: how much it ran and what the verdict projects. Without a summary
    the last sample still says how far the run got."""
    summary = summary or {}
    told = all(key in summary for key in ("runs_completed", "gateway_time_s", "duration_s"))
    last = {} if told else last_sample(columns)  # a sidecar column loads whole on first use
    projection = summary.get("projection") or {}
    facts = [
        ("runs completed", format_number(summary.get("runs_completed", last.get("runs_done")))),
        ("gateway time", format_duration(summary.get("gateway_time_s", last.get("t_gateway")))),
        ("wall time", format_duration(summary.get("duration_s", last.get("t_wall")))),
        ("samples", format_number(len(columns))),
        ("warm-up cut", warmup_text(summary)),
        ("exit reason", str(summary.get("exit_reason") or meta.get("exit_reason") or MISSING)),
    ]
    if projection.get("rss_bytes") is not None:
        horizon = format_duration(projection.get("horizon_s"))
        facts.append((f"projected RSS after {horizon}", format_bytes(projection["rss_bytes"])))
    return [{"name": name, "value": value} for name, value in facts]


def environment_rows(meta: dict[str, Any]) -> list[Row]:
    """Where and with what the run ran, so a result can be reproduced."""
    versions = meta.get("versions") or {}
    host = meta.get("host") or {}
    rows = [
        ("scenario", meta.get("scenario_name")),
        ("policy", meta.get("policy")),
        ("target", meta.get("target")),
        ("transport", meta.get("transport")),
        ("seed", meta.get("seed")),
        ("started", meta.get("started_at")),
        ("ended", meta.get("ended_at")),
        ("exit detail", meta.get("exit_detail")),
        ("leakbench", versions.get("leakbench")),
        ("python", versions.get("python")),
        ("platform", versions.get("platform")),
        ("host", host.get("hostname")),
        ("cpus", host.get("cpus")),
        ("memory", format_bytes(host["memory_bytes"]) if host.get("memory_bytes") else None),
    ]
    rows += [
        (f"package {name}", version) for name, version in (versions.get("packages") or {}).items()
    ]
    return [{"name": name, "value": str(value)} for name, value in rows if value is not None]


def rss_vs_heap_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Node targets: the verdict of RSS alone beside that of the post-GC heap, which decides."""
    compared = (summary or {}).get("rss_vs_heap") or {}
    names = (("rss_only", "RSS alone"), ("post_gc_heap", "V8 heap after GC (decides)"))
    return [
        {
            "signal": title,
            "verdict": str(compared[key].get("verdict")),
            "verdict_key": str(compared[key].get("verdict")),
            "reason": str(compared[key].get("reason") or ""),
        }
        for key, title in names
        if key in compared
    ]


def constructor_rows(summary: dict[str, Any] | None) -> list[Row]:
    """Node targets: constructors that grew at every heap snapshot, and what holds them."""
    found = ((summary or {}).get("attribution") or {}).get("constructors") or []
    return [
        {
            "type": str(entry.get("type")),
            "growth": format_number(entry.get("growth")),
            "bytes": format_bytes(entry.get("growth_self_bytes")),
            "held_by": str(entry.get("held_by") or MISSING),
            "path": " ".join((entry.get("retainers") or [[]])[0]),
        }
        for entry in found
    ]
