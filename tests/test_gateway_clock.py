"""Clocks: the virtual clock only moves forward; the scaled clock multiplies wall time."""

from __future__ import annotations

import pytest

from leakbench.gateway_sim import ScaledClock, VirtualClock


def test_virtual_clock_moves_only_forward() -> None:
    clock = VirtualClock(5.0)
    clock.advance_to(7.5)
    assert clock.now() == 7.5
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(7.0)


def test_scaled_clock_runs_speedup_times_faster_than_the_wall() -> None:
    wall = iter([100.0, 100.5, 101.0]).__next__
    clock = ScaledClock(600.0, wall=wall)
    assert clock.now() == 300.0
    assert clock.now() == 600.0
    assert clock.wall_delay(60.0) == 0.1
    assert clock.wall_delay(-5.0) == 0.0
    with pytest.raises(ValueError, match="speedup must be positive"):
        ScaledClock(0.0)
