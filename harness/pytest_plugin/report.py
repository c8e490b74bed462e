"""Where soak results surface besides a failure: JUnit properties and a table at the session end.

Loaded at pytest startup, so it imports nothing heavy.
"""

from __future__ import annotations

import pytest

from leakbench.harness.pytest_plugin.result import SoakResult
from leakbench.harness.units import format_duration

SOAKS = pytest.StashKey[list[tuple[str, SoakResult]]]()


def record(item: pytest.Item, result: SoakResult) -> None:
    """Keep the result for the session table; add it to the test's JUnit XML properties."""
    item.config.stash.setdefault(SOAKS, []).append((item.nodeid, result))
    item.user_properties.append(("leakbench_verdict", result.verdict))
    item.user_properties.append(("leakbench_headline", result.headline))


def write_summary(reporter: pytest.TerminalReporter) -> None:
    """One line per soak: verdict, calls, time, and the headline."""
    soaks = reporter.config.stash.get(SOAKS, [])
    if not soaks:
        return
    reporter.write_sep("=", "leakbench soaks")
    for nodeid, result in soaks:
        seconds = format_duration(result.summary["duration_s"] or 0.0)
        reporter.write_line(
            f"{result.verdict:<13}{nodeid} ({result.calls} calls, {seconds}): {result.headline}"
        )
