"""Checks every command makes of its arguments before it starts anything (exit 2, one line).

A typo on the command line must never start a run that then dies with a traceback, and a
value that would make a run meaningless (a zero duration, a sampling interval of nothing)
is refused here, naming the option.
"""

from __future__ import annotations

from pathlib import Path

from leakbench.harness.errors import BadInput
from leakbench.harness.units import parse_duration

MIN_INTERVAL_S = 0.01
"""Shortest sampling interval: below it the probe's own cost dominates what it measures (and
`--interval 0` wrote 61,000 samples in 2 s)."""


def duration(text: str, option: str, *, minimum: float = 0.0) -> float:
    """A duration option that must be more than 0 (and at least `minimum`) seconds."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise BadInput(f"{option} {text}: {exc}") from None
    if seconds <= 0 or seconds < minimum:
        least = f"at least {minimum:g}s" if minimum else "more than 0"
        raise BadInput(f"{option} {text}: must be {least}")
    return seconds


def interval(text: str, option: str = "--interval") -> float:
    return duration(text, option, minimum=MIN_INTERVAL_S)


def output_dir(path: Path, option: str = "--out") -> Path:
    """A directory a command will write into: create it now, or say why it cannot be."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"{option} {path}: exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{option} {path}: cannot create it: {exc.strerror or exc}") from None
    if not _writable(path):
        raise BadInput(f"{option} {path}: is not writable")
    return path


def _writable(path: Path) -> bool:
    probe = path / ".leakbench-write-check"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True
