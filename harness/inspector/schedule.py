"""When to force a full collection: often enough to judge the post-GC heap, within a pause budget.

The post-GC heap is the signal that decides a Node verdict, and the trend test needs
MIN_SAMPLES points after the warm-up cut, which may fall as late as half the load phase, while
the heap snapshots at checkpoints stop the target (and the reads) for seconds. So a soak aims
at POST_GC_POINTS reads: spread evenly over its duration, but never further apart than
MAX_SPACING_S (long soaks keep one read a second) and never closer than the sampling interval.
Each forced collection pauses the target, so the reads are spread further when the median of
the recent pauses would exceed PAUSE_BUDGET of the target's time: a large heap gets fewer
points rather than a slower service.

Reads happen on sampling steps, so spacings are whole numbers of sampling intervals: the even
spacing is rounded to the nearest one and a read on it is due half an interval early (a step's
jitter must not cost a whole interval per read); the budget's spacing is rounded up and never
taken early.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Callable

from leakbench.harness.stats import MIN_SAMPLES

POST_GC_POINTS = 4 * MIN_SAMPLES
"""Twice the MIN_SAMPLES·2 a warm-up cut at half the load phase leaves room for: the other half
is what the snapshot pauses and a loaded machine's slower collections may take."""
MAX_SPACING_S = 1.0
PAUSE_BUDGET = 0.10
PAUSES_KEPT = 5


class GcSchedule:
    """Decides at each sampling step whether a forced collection is due."""

    def __init__(self, duration: float, interval: float) -> None:
        self._interval = interval
        even = min(MAX_SPACING_S, duration / POST_GC_POINTS) if duration > 0 else MAX_SPACING_S
        self.spacing = self._grid(even, round)
        self._pauses: deque[float] = deque(maxlen=PAUSES_KEPT)
        self._next = 0.0
        self._early = 0.0

    def due(self, now: float) -> bool:
        return now >= self._next - self._early

    def taken(self, now: float, pause: float) -> None:
        """A collection was taken at `now` and paused the target for `pause` seconds."""
        self._pauses.append(pause)
        budgeted = self._grid(statistics.median(self._pauses) / PAUSE_BUDGET, math.ceil)
        self._next = now + max(self.spacing, budgeted)
        self._early = self._interval / 2 if self.spacing >= budgeted else 0.0

    def _grid(self, seconds: float, rounding: Callable[[float], int]) -> float:
        """`seconds` as a whole number (at least one) of sampling intervals."""
        return max(1, rounding(seconds / self._interval)) * self._interval
