"""Numbers for people: bytes as KB/MB/GB and seconds as ms/s/min/h/d."""

from __future__ import annotations

_BYTE_UNITS = ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB"))
_TIME_UNITS = ((86_400.0, "d"), (3_600.0, "h"), (60.0, "min"), (1.0, "s"))


def format_bytes(value: float, signed: bool = False) -> str:
    """1536 -> '1.5 KB' (decimal units, as RSS is usually quoted); `signed` adds '+'."""
    sign = "+" if signed and value > 0 else ""
    magnitude = abs(value)
    for scale, unit in _BYTE_UNITS:
        if magnitude >= scale:
            return f"{sign}{value / scale:.1f} {unit}"
    return f"{sign}{value:.0f} B"


def format_duration(seconds: float) -> str:
    """5400 -> '1.5 h'; below a second, milliseconds."""
    if seconds < 1.0:
        return f"{seconds * 1000:.0f} ms"
    for scale, unit in _TIME_UNITS:
        if seconds >= scale:
            return f"{seconds / scale:.1f} {unit}"
    return f"{seconds:.1f} s"
