"""Parsing quantities with units, as people write them in scenario files and on the command line.

Everything is converted to SI base units so the rest of leakbench never sees a unit:

| kind       | examples                          | becomes                 | bare number means |
|------------|-----------------------------------|-------------------------|-------------------|
| duration   | `250ms` `90s` `10m` `1h30m` `4d`  | float seconds           | seconds           |
| size       | `64B` `10KB` `1.5MiB` `1GiB`      | int bytes (rounded)     | bytes             |
| rate       | `50/s` `3000/m` `1000/h`          | float per second        | per second        |
| size rate  | `10MB/h` `512KiB/m`               | float bytes per second  | bytes per second  |

Time units are lowercase: `ms`, `s`, `m` or `min` (minutes), `h`, `d`; a duration may chain
them in any order (`1h30m`, `1d12h`). Size units follow the standard, whatever their case:
`KB`, `MB`, `GB`, `TB` are powers of 1000 and `KiB`, `MiB`, `GiB`, `TiB` powers of 1024, so
each spelling means what it says; `B` is bytes. Negative quantities are refused everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
BYTES_PER_UNIT = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_TIME_UNIT = r"(?:ms|min|s|m|h|d)"
_SIZE_UNIT = r"(?:[kKmMgGtT][iI]?[bB]|[bB])"
_DURATION_PART = re.compile(rf"\s*({_NUMBER})\s*({_TIME_UNIT})")
_DURATION = re.compile(rf"(?:\s*{_NUMBER}\s*{_TIME_UNIT})+\s*")
_SIZE = re.compile(rf"\s*({_NUMBER})\s*({_SIZE_UNIT})?\s*")
_RATE = re.compile(rf"\s*({_NUMBER})\s*/\s*({_TIME_UNIT})\s*")
_SIZE_RATE = re.compile(rf"\s*({_NUMBER})\s*({_SIZE_UNIT})?\s*/\s*({_TIME_UNIT})\s*")

DURATION_EXAMPLES = "250ms, 90s, 10m, 1h30m, 4d"
SIZE_EXAMPLES = "64B, 10KB, 1.5MiB, 1GiB"
RATE_EXAMPLES = "50/s, 3000/m, 1000/h"
SIZE_RATE_EXAMPLES = "10MB/h, 512KiB/m"
DURATION_PATTERN = rf"^{_DURATION.pattern}$"
SIZE_PATTERN = rf"^{_SIZE.pattern}$"
RATE_PATTERN = rf"^{_RATE.pattern}$"
SIZE_RATE_PATTERN = rf"^{_SIZE_RATE.pattern}$"


def _bare_number(value: Any) -> float | None:
    """A plain int/float (or a numeric string) as a float; None if `value` is something else.

    Booleans are not numbers here: `duration: yes` is a mistake, not one second.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an int beyond float's range: infinite, refused by _checked
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str) and re.fullmatch(rf"\s*{_NUMBER}\s*", value):
        return float(value)
    return None


def _checked(number: float, kind: str, value: Any) -> float:
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise ValueError(f"expected a non-negative, finite {kind}; got {value!r}")
    return number


def parse_duration(value: Any) -> float:
    """`'1h30m'` -> 5400.0 seconds; a bare number is seconds."""
    number = _bare_number(value)
    if number is not None:
        return _checked(number, "duration", value)
    if isinstance(value, str) and _DURATION.fullmatch(value):
        parts = _DURATION_PART.findall(value)
        return _checked(sum(float(n) * SECONDS_PER_UNIT[u] for n, u in parts), "duration", value)
    raise ValueError(f"expected a duration like {DURATION_EXAMPLES}; got {value!r}")


def _parse_units(
    value: Any, kind: str, spelled: str, pattern: re.Pattern[str], convert: Callable[..., float]
) -> float:
    """A bare number as is, else `pattern`'s groups through `convert`; checked either way."""
    number = _bare_number(value)
    if number is not None:
        return _checked(number, kind, value)
    match = pattern.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected {spelled}; got {value!r}")
    return _checked(convert(*match.groups()), kind, value)


def _bytes(amount: str, unit: str | None) -> float:
    return float(amount) * BYTES_PER_UNIT[(unit or "b").lower()]


def parse_size(value: Any) -> int:
    """`'10KB'` -> 10000, `'10KiB'` -> 10240 bytes; a bare number is bytes."""
    return round(_parse_units(value, "size", f"a size like {SIZE_EXAMPLES}", _SIZE, _bytes))


def parse_rate(value: Any) -> float:
    """`'3000/m'` -> 50.0 per second; a bare number is per second."""
    return _parse_units(
        value,
        "rate",
        f"a rate like {RATE_EXAMPLES}",
        _RATE,
        lambda amount, unit: float(amount) / SECONDS_PER_UNIT[unit],
    )


def parse_size_rate(value: Any) -> float:
    """`'10MB/h'` -> 2777.8 bytes per second; a bare number is bytes per second."""
    return _parse_units(
        value,
        "size rate",
        f"a size per time like {SIZE_RATE_EXAMPLES}",
        _SIZE_RATE,
        lambda amount, size, time: _bytes(amount, size) / SECONDS_PER_UNIT[time],
    )


def format_duration_spec(seconds: float) -> str:
    """The spelling a scenario file would use, the inverse of `parse_duration`: 5400 -> '1h30m'."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    if seconds != int(seconds):
        return f"{seconds:g}s"
    remaining = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
