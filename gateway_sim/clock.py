"""Where gateway time comes from. The core only ever calls `clock.now()`; it never reads wall time.

- `VirtualClock`: time the host sets explicitly (the embedded discrete-event loop jumps it from
  event to event, so hours of gateway time pass in seconds of wall time).
- `ScaledClock`: wall time multiplied by a speed-up, for a real server (`speedup=600` turns the
  60 s maintenance sweep into one every 0.1 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from math import inf
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Gateway seconds since an arbitrary origin; never decreases."""
        ...


class VirtualClock:
    """A clock its host moves forward by assigning `t` (plain attribute: the hot loop sets it)."""

    __slots__ = ("t",)

    def __init__(self, start: float = 0.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance_to(self, t: float) -> None:
        """Move to `t`, refusing to go back in time."""
        if t < self.t:
            raise ValueError(f"virtual clock cannot go back from {self.t} to {t}")
        self.t = t


class ScaledClock:
    """Gateway time: `speedup` times the wall seconds elapsed since creation."""

    __slots__ = ("_origin", "_speedup", "_wall")

    def __init__(self, speedup: float = 1.0, wall: Callable[[], float] = time.monotonic) -> None:
        if not 0 < speedup < inf:  # NaN or inf would turn every sleep into a busy loop
            raise ValueError(f"speedup must be positive and finite, got {speedup}")
        self._wall = wall
        self._speedup = speedup
        self._origin = wall()

    def now(self) -> float:
        return (self._wall() - self._origin) * self._speedup

    def wall_delay(self, gateway_seconds: float) -> float:
        """Wall seconds until `gateway_seconds` of gateway time have passed (for sleeping)."""
        return max(0.0, gateway_seconds) / self._speedup
