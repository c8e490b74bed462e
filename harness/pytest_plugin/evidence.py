"""The text a failing soak puts in the test report: the verdict and the numbers behind it.

A developer reading a red test needs: how fast each signal grows per call and how sure that is
(one-sided 99% bounds), what the tolerance was, what the soak could resolve at all (MDL), and what
grows (types, allocation sites) when the attribution pass found it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leakbench.harness.pytest_plugin.result import SoakResult
from leakbench.harness.units import format_bytes, format_duration


def describe(result: SoakResult) -> str:
    """Multi-line evidence of a soak's verdict, one signal per line."""
    summary = result.summary
    again = " (confirmation soak, twice as long)" if result.attempts > 1 else ""
    lines = [
        f"leak_soak: {result.verdict} after {result.calls} calls in "
        f"{format_duration(summary['duration_s'] or 0.0)}{again}",
        f"  {summary['headline']}  (a run is one call)",
        _warmup_line(summary["warmup"]),
    ]
    lines += [_signal_line(name, signal) for name, signal in summary["signals"].items()]
    lines += _attribution_lines(summary["attribution"], result.attribution_calls)
    return "\n".join(lines)


def _warmup_line(warmup: Mapping[str, Any]) -> str:
    cut = warmup["cut_runs"] or 0
    return f"  warm-up: the first {cut} calls are not judged ({warmup['method']})"


def _amount(value: float, unit: str) -> str:
    """A per-call amount in the signal's unit: "1.5 KB", "0.98 blocks"."""
    return format_bytes(value) if unit == "bytes" else f"{value:.3g} {unit}"


def _signal_line(name: str, signal: Mapping[str, Any]) -> str:
    """Theil-Sen slope, the batch-means bounds the decision used, tolerance, MDL and reason."""
    head = f"  {name:<8}{signal['verdict']:<13}"
    if "slope_per_run" not in signal:
        return f"{head}{signal['reason']}"
    unit = signal["unit"]
    low, high = signal["slope_per_run_ci"]
    return (
        f"{head}{_amount(signal['slope_per_run'], unit)}/call; "
        f"{signal['confidence']:.0%} bounds {_amount(low, unit)} to {_amount(high, unit)}, "
        f"tolerance {_amount(signal['tolerance_per_run'], unit)}, "
        f"MDL {_amount(signal['mdl_per_run'], unit)}: {signal['reason']}"
    )


def _holder_lines(holders: list[Mapping[str, Any]], type_name: str) -> list[str]:
    """Who keeps the new instances of `type_name` alive: the root and the chain down to one."""
    return [
        f"      held in {held['holder']} ({held['kind']}, {held['samples']} of "
        f"{held['sampled']} sampled): {held['path']}"
        for held in holders
        if held["type"] == type_name
    ]


def _attribution_lines(attribution: Mapping[str, Any], calls: int) -> list[str]:
    """Types (with their holders) and sites that grew over the attribution pass, per call;
    none if it did not run."""
    if not calls:
        return []
    found = []
    for entry in attribution.get("types", []):
        growth, count = entry["growth"], entry["count"]
        deep = entry.get("deep_bytes")
        held = f", about {format_bytes(deep * growth / count / calls)}/call" if deep else ""
        found.append(f"    type {entry['type']}: +{growth} ({growth / calls:.3g}/call{held})")
        found += _holder_lines(attribution.get("holders", []), entry["type"])
    for entry in attribution.get("sites", []):
        growth = entry["growth_bytes"]
        per_call = format_bytes(growth / calls)
        found.append(f"    site {entry['site']}: +{format_bytes(growth)} ({per_call}/call)")
    what = "grew" if found else "nothing grew by more than the tolerance"
    return [f"  {what} over {calls} more calls (gc census, tracemalloc):", *found]
