"""Series out of a run's columns for drawing: one signal against gateway time or runs completed.

Samples carry only what a probe measured (absent fields are NaN in their column), so every
helper drops samples without the value instead of inventing zeros. Where nothing is dropped
the column itself is returned, not a copy: a four-day run's columns are drawn without
duplicating them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from leakbench.harness.rundir import SampleColumns

Getter = Callable[[SampleColumns], np.ndarray]


def field(name: str) -> Getter:
    """Read a top-level numeric field such as `rss` or `gc_objects`."""
    return lambda columns: columns.column(name)


def _from_state(columns: SampleColumns, name: str) -> np.ndarray:
    values = np.full(len(columns), np.nan)
    for index, state in columns.sparse("state"):
        entries = ((state or {}).get(name) or {}).get("entries")
        if entries is not None:
            values[index] = entries
    return values


def map_entries(name: str) -> Getter:
    """Read the entries held by one gateway map (`state.<name>.entries`, a sparse field)."""
    return lambda columns: _from_state(columns, name)


def cache_entries(name: str) -> Getter:
    """Read the entries held by one bounded gateway cache (`caches.<name>`)."""
    return lambda columns: columns.column(f"caches.{name}")


def series(
    columns: SampleColumns, value: Getter, x_key: str, load_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) arrays of `value` against `x_key` (`t_gateway` or `runs_done`)."""
    x, y = columns.column(x_key), value(columns)
    keep = ~(np.isnan(x) | np.isnan(y))
    if load_only:
        keep &= ~columns.is_drain
    if keep.all():
        return x, y
    return x[keep], y[keep]


def measured(columns: SampleColumns, key: str) -> bool:
    """Whether any load sample has `key` against runs completed: the x axis of these panels."""
    if not columns.has(key):
        return False  # no all-NaN column of a multi-day run's length made just to find nothing
    return len(series(columns, field(key), "runs_done", load_only=True)[0]) > 0


def state_map_names(columns: SampleColumns) -> list[str]:
    """Gateway maps that ever held an entry, largest peak first."""
    peak: dict[str, float] = {}
    for _, state in columns.sparse("state"):
        for name, value in (state or {}).items():
            count = (value or {}).get("entries") if isinstance(value, dict) else None
            if count:
                peak[name] = max(peak.get(name, 0), count)
    return sorted(peak, key=lambda name: -peak[name])


def cache_names(columns: SampleColumns) -> list[str]:
    """Bounded caches that ever held an entry, largest peak first."""
    peaks = {
        name: float(np.nanmax(values))
        for name, values in columns.prefixed("caches").items()
        if np.any(values > 0)
    }
    return sorted(peaks, key=lambda name: -peaks[name])


def drain_span(columns: SampleColumns) -> tuple[float, float] | None:
    """Gateway-time span of the drain phase (after the workload), if the run had one."""
    times = columns.column("t_gateway")[columns.is_drain]
    times = times[~np.isnan(times)]
    return (float(times.min()), float(times.max())) if len(times) else None


# The fields that say how far a run got: all a report or `watch` reads of the last sample.
PROGRESS_FIELDS = ("t_wall", "t_gateway", "runs_done", "rss")


def last_sample(columns: SampleColumns) -> dict[str, Any]:
    """The last sample's progress fields and phase (how far a run got).

    Only PROGRESS_FIELDS are read: a column of a multi-day run is megabytes, loaded whole from
    the sidecar on first use, and a report must not load the columns it does not draw.
    """
    if not len(columns):
        return {}
    names = [key for key in PROGRESS_FIELDS if columns.has(key)]
    row = {key: columns.column(key)[-1] for key in names}
    last = {key: float(value) for key, value in row.items() if not np.isnan(value)}
    last["phase"] = "drain" if columns.is_drain[-1] else "load"
    return last


@dataclass(frozen=True)
class TypeGrowth:
    """One object type's count at each checkpoint (NaN where it was outside the top list)."""

    type: str
    runs_done: list[float]
    counts: list[float]

    @property
    def growth(self) -> float:
        known = [c for c in self.counts if not np.isnan(c)]
        return known[-1] - known[0] if len(known) > 1 else 0.0


def checkpoint_type_growth(columns: SampleColumns, top: int = 5) -> list[TypeGrowth]:
    """The `top` object types that grew most between the first and last checkpoint."""
    runs_done = columns.column("runs_done")
    checkpoints = [
        (
            0.0 if np.isnan(runs_done[index]) else float(runs_done[index]),
            {t["type"]: t["count"] for t in checkpoint.get("types_top", [])},
        )
        for index, checkpoint in columns.sparse("checkpoint")
        if checkpoint
    ]
    if len(checkpoints) < 2:
        return []
    names = {name for _, counts in checkpoints for name in counts}
    runs = [r for r, _ in checkpoints]
    growths = [
        TypeGrowth(name, runs, [float(counts.get(name, np.nan)) for _, counts in checkpoints])
        for name in names
    ]
    growing = sorted((g for g in growths if g.growth > 0), key=lambda g: (-g.growth, g.type))
    return growing[:top]
