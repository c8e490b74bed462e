"""Growth of named quantities (objects per type, bytes per allocation site) across checkpoints.

Growth is counted from a reference checkpoint: the one marked as baseline (the end of warm-up),
else the first one taken. A key "grew at every checkpoint" when each checkpoint since the
reference holds strictly more than the one before: CPython's `regrtest -R` rule, which noise
rarely meets over several checkpoints and a leak always does.
"""

from __future__ import annotations

import heapq
from typing import Optional, Union


class GrowthHistory:
    """The reference checkpoint, the latest one, and which keys rose at every step between.

    Only these are kept, not every checkpoint: the history lives in the process it measures,
    and a list of per-type dicts that grows by one per checkpoint would itself show up as heap
    growth in the verdict.
    """

    def __init__(self) -> None:
        self._reference: dict[str, int] = {}
        self._latest: dict[str, int] = {}
        self._rising: Optional[set[str]] = None  # None until a checkpoint follows the reference

    def record(self, values: dict[str, int], *, baseline: bool = False) -> None:
        """Add a checkpoint; a baseline one (or the first) becomes the new reference."""
        if baseline or not self._reference:
            self._reference, self._latest, self._rising = values, values, None
            return
        candidates = self._latest.keys() | values.keys() if self._rising is None else self._rising
        previous = self._latest
        self._rising = {key for key in candidates if values.get(key, 0) > previous.get(key, 0)}
        self._latest = values

    @property
    def latest(self) -> dict[str, int]:
        return self._latest

    def _growth(self, keys: Union[set[str], dict[str, int]]) -> dict[str, int]:
        return {key: self._latest.get(key, 0) - self._reference.get(key, 0) for key in keys}

    def top(self, n: int) -> list[tuple[str, int]]:
        """The n keys that grew most since the reference, with their growth, largest first.

        At the reference checkpoint itself nothing has grown yet: the n largest keys, growth 0.
        """
        latest = self._latest
        if self._rising is None:
            return [(key, 0) for key in heapq.nlargest(n, latest, key=latest.__getitem__)]
        growth = self._growth(latest)
        growers = (key for key, grown in growth.items() if grown > 0)
        return [(key, growth[key]) for key in heapq.nlargest(n, growers, key=growth.__getitem__)]

    def grew_every_time(self, n: int) -> list[tuple[str, int]]:
        """Up to n keys that rose at every checkpoint since the reference, largest growth first."""
        if not self._rising:
            return []
        growth = self._growth(self._rising)
        return [(key, growth[key]) for key in heapq.nlargest(n, growth, key=growth.__getitem__)]
