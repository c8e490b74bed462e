"""Series out of samples.jsonl for drawing: one signal against gateway time or runs completed.

Samples carry only what a probe measured (absent fields are absent, not null), so every helper
skips samples without the value instead of inventing zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

Sample = dict[str, Any]
Getter = Callable[[Sample], float | None]


def field(name: str) -> Getter:
    """Read a top-level numeric field such as `rss` or `gc_objects`."""
    return lambda sample: sample.get(name)


def map_entries(name: str) -> Getter:
    """Read the entries held by one gateway map (`state.<name>.entries`)."""
    return lambda sample: ((sample.get("state") or {}).get(name) or {}).get("entries")


def cache_entries(name: str) -> Getter:
    """Read the entries held by one bounded gateway cache (`caches.<name>`)."""
    return lambda sample: (sample.get("caches") or {}).get(name)


def is_load(sample: Sample) -> bool:
    """Samples without a phase are load samples (command targets have no drain)."""
    return sample.get("phase", "load") == "load"


def series(
    samples: Iterable[Sample], value: Getter, x_key: str, load_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) arrays of `value` against `x_key` (`t_gateway` or `runs_done`)."""
    xs: list[float] = []
    ys: list[float] = []
    for sample in samples:
        if load_only and not is_load(sample):
            continue
        x, y = sample.get(x_key), value(sample)
        if x is None or y is None:
            continue
        xs.append(x)
        ys.append(y)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def _names_ever_nonzero(samples: Iterable[Sample], key: str, entries: Callable) -> list[str]:
    peak: dict[str, float] = {}
    for sample in samples:
        for name, value in (sample.get(key) or {}).items():
            count = entries(value)
            if count:
                peak[name] = max(peak.get(name, 0), count)
    return sorted(peak, key=lambda name: -peak[name])


def state_map_names(samples: Iterable[Sample]) -> list[str]:
    """Gateway maps that ever held an entry, largest peak first."""
    return _names_ever_nonzero(samples, "state", lambda value: (value or {}).get("entries"))


def cache_names(samples: Iterable[Sample]) -> list[str]:
    """Bounded caches that ever held an entry, largest peak first."""
    return _names_ever_nonzero(samples, "caches", lambda value: value)


def drain_span(samples: list[Sample]) -> tuple[float, float] | None:
    """Gateway-time span of the drain phase (after the workload), if the run had one."""
    times = [s["t_gateway"] for s in samples if not is_load(s) and "t_gateway" in s]
    return (min(times), max(times)) if times else None


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


def checkpoint_type_growth(samples: Iterable[Sample], top: int = 5) -> list[TypeGrowth]:
    """The `top` object types that grew most between the first and last checkpoint."""
    checkpoints = [
        (
            s.get("runs_done", 0),
            {t["type"]: t["count"] for t in s["checkpoint"].get("types_top", [])},
        )
        for s in samples
        if s.get("checkpoint")
    ]
    if len(checkpoints) < 2:
        return []
    names = {name for _, counts in checkpoints for name in counts}
    runs = [float(r) for r, _ in checkpoints]
    growths = [
        TypeGrowth(name, runs, [float(counts.get(name, np.nan)) for _, counts in checkpoints])
        for name in names
    ]
    growing = sorted((g for g in growths if g.growth > 0), key=lambda g: (-g.growth, g.type))
    return growing[:top]
