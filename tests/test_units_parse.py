"""Quantities with units: what each spelling means, and one clear message for what is not one."""

import re

import pytest
from pydantic import BaseModel, ValidationError

from leakbench.harness.units import (
    format_duration_spec,
    parse_duration,
    parse_rate,
    parse_size,
    parse_size_rate,
)
from leakbench.harness.units.fields import Duration, Size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("90s", 90.0),
        ("10m", 600.0),
        ("10min", 600.0),
        ("1h", 3600.0),
        ("4d", 345_600.0),
        ("1h30m", 5400.0),
        ("1d 12h", 129_600.0),
        ("1.5h", 5400.0),
        (" 2 s ", 2.0),
        (90, 90.0),
        (0.5, 0.5),
        ("42", 42.0),
        (0, 0.0),
    ],
)
def test_durations_become_seconds(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["10 parsecs", "1H", "h", "1h30", "-5s", "", True, None, [1]])
def test_bad_durations_say_what_was_expected(bad):
    with pytest.raises(ValueError, match=r"duration"):
        parse_duration(bad)


def test_duration_message_quotes_the_input():
    with pytest.raises(ValueError) as info:
        parse_duration("10 parsecs")
    assert str(info.value) == (
        "expected a duration like 250ms, 90s, 10m, 1h30m, 4d; got '10 parsecs'"
    )


@pytest.mark.parametrize("bad", [-1, float("inf"), float("nan")])
def test_negative_or_infinite_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="non-negative, finite"):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("64B", 64),
        ("64", 64),
        (64, 64),
        ("10KB", 10_000),
        ("10kb", 10_000),
        ("10KiB", 10_240),
        ("10MB", 10_000_000),
        ("1.5MiB", 1_572_864),
        ("1GiB", 1_073_741_824),
        ("2GB", 2_000_000_000),
        ("1TiB", 1024**4),
        ("0.5B", 0),
    ],
)
def test_sizes_become_bytes_and_each_prefix_means_what_it_says(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["10XB", "MB", "10 M", "-1KB", False])
def test_bad_sizes_say_what_was_expected(bad):
    with pytest.raises(ValueError, match=r"expected a size like 64B"):
        parse_size(bad)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("50/s", 50.0),
        ("3000/m", 50.0),
        ("1000/h", 1000 / 3600),
        ("0.1/s", 0.1),
        (7, 7.0),
        ("7", 7.0),
    ],
)
def test_rates_become_per_second(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("bad", ["50/y", "/s", "fast", "-3/s"])
def test_bad_rates_say_what_was_expected(bad):
    with pytest.raises(ValueError, match=r"expected a rate like 50/s"):
        parse_rate(bad)


@pytest.mark.parametrize(
    ("text", "bytes_per_second"),
    [("10MB/h", 10e6 / 3600), ("1KiB/s", 1024.0), ("60B/m", 1.0), (5, 5.0)],
)
def test_size_rates_become_bytes_per_second(text, bytes_per_second):
    assert parse_size_rate(text) == pytest.approx(bytes_per_second)


def test_bad_size_rate_says_what_was_expected():
    with pytest.raises(ValueError, match=r"expected a size per time like 10MB/h"):
        parse_size_rate("10MB per hour")


@pytest.mark.parametrize("seconds", [0.25, 1, 90, 600, 5400, 345_600, 129_601, 2.5])
def test_format_duration_spec_round_trips(seconds):
    assert parse_duration(format_duration_spec(seconds)) == pytest.approx(seconds)


def test_format_duration_spec_is_compact():
    assert format_duration_spec(5400) == "1h30m"
    assert format_duration_spec(345_600) == "4d"
    assert format_duration_spec(0.25) == "250ms"


class _Settings(BaseModel):
    timeout: Duration
    limit: Size


def test_annotated_types_validate_in_pydantic():
    settings = _Settings.model_validate({"timeout": "2m", "limit": "1KiB"})
    assert (settings.timeout, settings.limit) == (120.0, 1024)


def test_annotated_types_report_the_parse_error():
    with pytest.raises(ValidationError, match="expected a duration like"):
        _Settings.model_validate({"timeout": "soon", "limit": 1})


def test_json_schema_accepts_what_the_parsers_accept():
    """Editors validate scenario files with the schema: its patterns must match the parsers."""
    properties = _Settings.model_json_schema()["properties"]
    for field, good, bad in [("timeout", "1h 30m", "10 parsecs"), ("limit", "1.5MiB", "10XB")]:
        number, string = properties[field]["anyOf"]
        assert number == {"type": "number", "minimum": 0}
        assert re.search(string["pattern"], good)
        assert not re.search(string["pattern"], bad)
