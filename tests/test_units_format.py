"""Readable numbers in reports: sizes, counts, durations, intervals."""

from __future__ import annotations

import pytest

from leakbench.harness.units import (
    byte_unit,
    format_bytes,
    format_duration,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_quantity,
    format_tick,
    time_unit,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0 B"), (6.5566, "6.56 B"), (2043.4, "2.04 KB"), (-512, "-512 B"), (8.5e6, "8.50 MB")],
)
def test_format_bytes(value: float, text: str) -> None:
    assert format_bytes(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0321, "0.0321"), (54.0, "54"), (3971, "3,971"), (12_345, "12.3k"), (2.5e6, "2.50M")],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_missing_values_are_an_em_dash() -> None:
    assert format_bytes(None) == format_number(None) == format_duration(None) == "\u2014"
    assert format_interval(None, 1.0, "bytes") == "\u2014"


@pytest.mark.parametrize(
    ("seconds", "text"), [(30, "30 s"), (5400, "90 min"), (7200, "2 h"), (345_600, "4 d")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_axis_units_switch_at_two_whole_units() -> None:
    assert time_unit(119) == ("s", 1.0)
    assert time_unit(5000) == ("min", 60.0)
    assert time_unit(3 * 86400) == ("d", 86400.0)
    assert byte_unit(85e6) == ("MB", 1e6)


def test_quantities_intervals_and_p_values() -> None:
    assert format_quantity(0.2, "entries") == "0.200 entries"
    assert format_interval(1900.0, 2200.0, "bytes") == "[1.90 KB, 2.20 KB]"
    assert format_p_value(1e-6) == "< 0.0001"
    assert format_p_value(0.087) == "0.087"
    assert format_percent(0.9967) == "99.7%"
    assert format_tick(12_500) == "12.5k" and format_tick(2500) == "2,500"
