"""Growth of named quantities (objects per type, bytes per allocation site) across checkpoints.

Growth is counted from a reference checkpoint: the one marked as baseline (the end of warm-up),
else the first one taken. A key "grew at every checkpoint" when each checkpoint since the
reference holds strictly more than the one before: CPython's `regrtest -R` rule, which noise
rarely meets over several checkpoints and a leak always does.
"""

from __future__ import annotations

import heapq
from itertools import pairwise


class GrowthHistory:
    """Values per key at the reference checkpoint and at each checkpoint since."""

    def __init__(self) -> None:
        self._points: list[dict[str, int]] = []

    def record(self, values: dict[str, int], *, baseline: bool = False) -> None:
        """Add a checkpoint; a baseline one (or the first) becomes the new reference."""
        if baseline or not self._points:
            self._points = [values]
        else:
            self._points.append(values)

    @property
    def latest(self) -> dict[str, int]:
        return self._points[-1]

    def top(self, n: int) -> list[tuple[str, int]]:
        """The n keys that grew most since the reference, with their growth, largest first.

        At the reference checkpoint itself nothing has grown yet: the n largest keys, growth 0.
        """
        latest, reference = self._points[-1], self._points[0]
        if len(self._points) == 1:
            return [(key, 0) for key in heapq.nlargest(n, latest, key=latest.__getitem__)]
        growth = {key: value - reference.get(key, 0) for key, value in latest.items()}
        growers = (key for key, grown in growth.items() if grown > 0)
        return [(key, growth[key]) for key in heapq.nlargest(n, growers, key=growth.__getitem__)]

    def grew_every_time(self, n: int) -> list[tuple[str, int]]:
        """Up to n keys that rose at every checkpoint since the reference, largest growth first."""
        if len(self._points) < 2:
            return []
        reference, latest = self._points[0], self._points[-1]
        growth = {
            key: latest[key] - reference.get(key, 0)
            for key in latest
            if all(
                after > before for before, after in pairwise(p.get(key, 0) for p in self._points)
            )
        }
        return [(key, growth[key]) for key in heapq.nlargest(n, growth, key=growth.__getitem__)]
