"""Formatting numbers for people: bytes in KB/MB/GB, counts to 3 significant digits, gateway
time in s/min/h/d; and the headline's rounder figures (`format_amount`).

Sizes are decimal (1 KB = 1000 bytes), as RSS is usually quoted and as the verdict's headline
prints them. The progress bar and the pytest plugin use it too: it imports nothing heavy.
"""

from __future__ import annotations

import math

BYTE_UNITS = (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1.0))
TIME_UNITS = (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0))
MISSING = "\u2014"  # an em dash stands for any figure the run did not record


def byte_unit(largest: float) -> tuple[str, float]:
    """The unit (name, bytes per unit) that shows `largest` with at least one whole unit."""
    for name, size in BYTE_UNITS:
        if abs(largest) >= size:
            return name, size
    return "B", 1.0


def time_unit(longest_s: float) -> tuple[str, float]:
    """The unit (name, seconds per unit) for an axis spanning `longest_s` seconds.

    Switch up only at two whole units, so a 90-minute run reads in minutes, not 1.5 h.
    """
    for name, size in TIME_UNITS:
        if abs(longest_s) >= 2 * size:
            return name, size
    return "s", 1.0


def _three_digits(magnitude: float) -> str:
    """3 significant digits keeping trailing zeros (`2.00`, `51.2`, `512`), never `5.12e+02`."""
    if magnitude == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(magnitude)))
    return f"{magnitude:.{decimals}f}"


def _signed(text: str, value: float) -> str:
    return "-" + text if value < 0 else text


def format_number(value: float | None) -> str:
    """3 significant digits, thousands separators and k/M/G suffixes for large values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    magnitude = abs(value)
    if magnitude >= 1e9:
        text = f"{_three_digits(magnitude / 1e9)}G"
    elif magnitude >= 1e6:
        text = f"{_three_digits(magnitude / 1e6)}M"
    elif magnitude >= 1e4:
        text = f"{_three_digits(magnitude / 1e3)}k"
    elif float(magnitude).is_integer():
        text = f"{int(magnitude):,}"
    elif magnitude >= 100:
        text = f"{magnitude:,.0f}"
    else:
        text = _three_digits(magnitude)
    return _signed(text, value)


def format_tick(value: float) -> str:
    """Axis tick labels: `2,500`, `10k`, `1.5M`, `0.5`; ticks are round, so no padding zeros."""
    magnitude = abs(value)
    if magnitude >= 1e6:
        text = f"{magnitude / 1e6:g}M"
    elif magnitude >= 1e4:
        text = f"{magnitude / 1e3:g}k"
    else:
        text = f"{magnitude:,g}"
    return _signed(text, value)


def format_bytes(value: float | None) -> str:
    """`2048` -> `2.05 KB`; `-512` -> `-512 B`; `6.5` -> `6.50 B`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    name, size = byte_unit(value)
    scaled = abs(value) / size
    text = f"{_three_digits(scaled)} {name}"
    return _signed(text, value)


def format_duration(seconds: float | None) -> str:
    """`5400` -> `90 min`; `345600` -> `4 d`; `3354` -> `55.9 min`."""
    if seconds is None:
        return MISSING
    name, size = time_unit(seconds)
    return _signed(f"{abs(seconds) / size:.3g} {name}", seconds)


def format_quantity(value: float | None, unit: str | None) -> str:
    """A value in a signal's unit: bytes as sizes, anything else (`entries`, `objects`) as a
    count followed by its unit."""
    if unit == "bytes":
        return format_bytes(value)
    text = format_number(value)
    return f"{text} {unit}" if unit and value is not None else text


def format_interval(low: float | None, high: float | None, unit: str | None) -> str:
    """`[1.9 KB, 2.1 KB]`, or an em dash when the interval is missing."""
    if low is None or high is None:
        return MISSING
    return f"[{format_quantity(low, unit)}, {format_quantity(high, unit)}]"


def format_p_value(p: float | None) -> str:
    """p-values below 1e-4 are printed as a bound: their exact size means nothing here."""
    if p is None:
        return MISSING
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}"


def format_percent(fraction: float) -> str:
    """`0.998` -> `99.8%`; one decimal keeps 99.8% and 100% apart."""
    return _signed(f"{abs(fraction) * 100:.1f}%", fraction)


def _two_figures(value: float) -> str:
    """Two significant figures below 10, whole numbers above: "4.1", "14", "261"."""
    return f"{value:.2g}" if abs(value) < 10 else f"{value:.0f}"


def format_amount(value: float, unit: str) -> str:
    """A headline's quantity: rounder than a table's (`4.1 KB`, `14 GB`, `261 objects`).

    A sentence carries one figure to act on, so two significant figures; the tables keep three.
    """
    if unit != "bytes":
        return f"{_two_figures(value)} {unit}"
    for scale, suffix in ((1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
        if abs(value) >= scale:
            return f"{_two_figures(value / scale)} {suffix}"
    return f"{value:.0f} B"
