"""How many runs may stream at once over WebSocket: as many as stay well inside their expiry.

On a scaled clock a server that falls behind stretches every run in gateway time (each wall
second it is late is `speedup` gateway seconds). A run stretched past its abort controller's
expiry is aborted for timeout: a fault the workload never drew, which would leak under legacy
and be attributed to the wrong path. More runs in flight do not make a saturated server
faster, only later, so the cap behaves like TCP's congestion window: it starts small and grows
by one per run finished in time (slow start, doubling per window of `limit` runs) until a run
takes longer than `budget` gateway seconds; then it shrinks to 70% (at most once per window)
and grows by one per window of runs finished in time (AIMD), never above `ceiling`.
"""

from __future__ import annotations

import asyncio

BACK_OFF = 0.7
SLOW_START = 4


class StreamCap:
    """A counting semaphore whose size follows how long runs take."""

    def __init__(self, ceiling: int, budget: float) -> None:
        self.ceiling = ceiling
        self.budget = budget
        self.limit = float(min(ceiling, SLOW_START))
        self.active = 0
        self.cuts = 0
        self._since_cut = 0
        self._freed = asyncio.Event()

    async def acquire(self) -> None:
        while self.active >= int(self.limit):
            self._freed.clear()
            await self._freed.wait()
        self.active += 1

    def release(self, duration: float | None = None) -> None:
        """Free a slot; `duration` is the run's gateway seconds when it finished streaming."""
        self.active -= 1
        if duration is not None:
            self._since_cut += 1
            if duration > self.budget:
                if self._since_cut >= self.limit:
                    self.limit = max(1.0, self.limit * BACK_OFF)
                    self._since_cut = 0
                    self.cuts += 1
            else:
                growth = 1.0 if self.cuts == 0 else 1 / self.limit
                self.limit = min(float(self.ceiling), self.limit + growth)
        self._freed.set()
