"""What growth a run may show before it is a leak, and how sure the verdict must be."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from leakbench.harness.scenario import Scenario

DEFAULT_BYTES_PER_HOUR = float(2**20)
FLOOR_STEPS = 4
"""Growth of fewer than this many of the series' own steps over the window proves no rate."""
MIN_FLOOR = float(2**20)
"""One pymalloc arena (1 MiB since CPython 3.10), the unit a Python heap grows by; also above
the creep the injected agent itself causes in a flat target: none from sampling, 440-470 KB
over a run's first 4-6 checkpoints (glibc and pymalloc keep their heap walks' working set),
levelling off at about 630 KB (bench/agent_memory.py)."""


@dataclass(frozen=True)
class Tolerances:
    """What growth a run may show before it is a leak (δ per signal), and how sure to be.

    bytes_per_run: RSS and traced heap bytes. 64 B/run is the floor that flagged none of the real
      non-leaking runs in the verdict notes yet caught every 256 B/op leak.
    blocks_per_run, objects_per_run: allocated blocks and gc objects. 0.5/run is one leaked object
      every other run: at a typical small object of ~100 B, about the byte floor.
    rss_per_hour: optional RSS growth per hour of target time. With a run count the stricter of
      it and bytes_per_run applies (converted at the measured run rate); without one it is δ for
      byte signals (1 MiB/h when unset). Count signals without a run count are judged at δ = 0.
    rss_floor: RSS growth over the whole analysed window below which nothing is called a leak,
      however steady; None derives it from the run (`growth_floor`). It matters only for short
      runs (a per-hour rate is not proven by a few pages).
    alpha: one-sided level of each signal's test, and the family level across signals.
    warmup_fraction: a fixed share of the load phase to cut; None for the automatic cut.
    scope: "tree" judges the RSS of the target and all its descendants (`tree_rss`) where it
      was sampled, "process" the target's own.
    """

    bytes_per_run: float = 64.0
    blocks_per_run: float = 0.5
    objects_per_run: float = 0.5
    rss_per_hour: float | None = None
    rss_floor: float | None = None
    alpha: float = 0.01
    warmup_fraction: float | None = None
    scope: str = "process"
    given: frozenset[str] = frozenset()
    """The `verdict` settings the scenario set itself (the rest are defaults), for the words."""

    def floor(self, values: np.ndarray) -> float:
        """RSS growth over a window below which nothing is a leak: `rss_floor`, else derived."""
        return growth_floor(values) if self.rss_floor is None else self.rss_floor


def tolerances_from_settings(
    settings: Mapping[str, Any], given: frozenset[str] | set[str] = frozenset()
) -> Tolerances:
    """Tolerances from a scenario's resolved `verdict` section (bytes, bytes per second);
    `given` names the settings the scenario wrote itself."""
    rss_per_second = settings.get("max_rss_growth")
    warmup = settings.get("warmup", "auto")
    return Tolerances(
        bytes_per_run=float(settings.get("max_growth_per_run", Tolerances.bytes_per_run)),
        rss_per_hour=None if rss_per_second is None else float(rss_per_second) * 3600,
        alpha=float(settings.get("alpha", Tolerances.alpha)),
        warmup_fraction=None if warmup == "auto" else float(warmup),
        scope=settings.get("scope") or Tolerances.scope,
        given=frozenset(given),
    )


def tolerances_for(scenario: Scenario) -> Tolerances:
    """Tolerances of a validated scenario."""
    return tolerances_from_settings(
        scenario.to_resolved_dict()["verdict"], scenario.verdict.model_fields_set
    )


def growth_floor(values: np.ndarray) -> float:
    """The least growth over a window that can prove a rate: FLOOR_STEPS of the series' own
    step (the median non-zero change between adjacent samples: RSS moves by pages, by
    allocator arenas, by the GC's swings), and never under MIN_FLOOR.

    A steady rise of a few such steps is steady only because the allocator is granular: 16 KiB
    over a 6 s run is 10 MB/h, and four 4 KiB pages."""
    steps = np.abs(np.diff(values[~np.isnan(values)]))
    steps = steps[steps > 0]
    step = float(np.median(steps)) if steps.size else 0.0
    return max(FLOOR_STEPS * step, MIN_FLOOR)
