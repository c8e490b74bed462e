"""The part of a run the trend may judge: the load phase after the warm-up cut.

Drain-phase samples never enter a trend. The cut is the latest of 20% of the load phase, the
change-point knee of each trend signal, and the index where the target's bounded caches reach
steady size (a scenario may fix the share instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.stats import WarmupCut, find_warmup, steady_index

WARMUP_KEYS = ("rss", "heap_traced", "heap_blocks", "gc_objects")


def hours(columns: SampleColumns) -> np.ndarray:
    """Hours of target time per sample: gateway time where measured, else wall time."""
    gateway, wall = columns.column("t_gateway"), columns.column("t_wall")
    seconds = np.where(np.isnan(gateway), np.where(np.isnan(wall), 0.0, wall), gateway)
    return seconds / 3600.0


def value_at(columns: SampleColumns, key: str, index: int) -> float | None:
    """Field `key` of sample `index`, or None where the sample lacks it."""
    if index >= len(columns) or not columns.has(key):
        return None
    value = columns.column(key)[index]
    return None if np.isnan(value) else float(value)


def warmup(load: SampleColumns, fraction: float | None) -> WarmupCut:
    """The cut into the load phase: fixed when the scenario says so, else automatic."""
    if fraction is not None:
        return WarmupCut(int(fraction * len(load)), "fixed")
    series = [
        load.column(key)
        for key in WARMUP_KEYS
        if len(load) and load.has(key) and not np.isnan(load.column(key)).any()
    ]
    return find_warmup(series, application_index=caches_steady(load))


def caches_steady(load: SampleColumns) -> int | None:
    """Index at which every bounded cache that plateaus in this run has reached steady size."""
    indices = [
        steady_index(np.nan_to_num(entries))
        for _, entries in sorted(load.prefixed("caches").items())
    ]
    return max((i for i in indices if i is not None), default=None)


def warmup_entry(load: SampleColumns, cut: WarmupCut) -> dict[str, Any]:
    """summary.json's `warmup`: where the cut fell, in samples, runs and gateway time."""
    index = value_at(load, "i", cut.index)
    runs = value_at(load, "runs_done", cut.index)
    return {
        "cut_index": int(index) if index is not None else cut.index,
        "cut_runs": int(runs) if runs is not None else None,
        "cut_t_gateway": value_at(load, "t_gateway", cut.index),
        "method": cut.method,
    }
