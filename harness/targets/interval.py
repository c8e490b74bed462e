"""The probe interval of a long soak: a week at 250 ms would be 2.4 million samples.

By default a command target is sampled every 250 ms, but never more often than keeps a run at
`MAX_SAMPLES` samples: a 4-day soak is sampled every 1.73 s. An interval the user set (in the
file's `probe.interval` or with `--interval`) is kept, with a warning when it exceeds the cap.
"""

from __future__ import annotations

from leakbench.harness.scenario import Scenario
from leakbench.harness.scenario.model import CommandTarget
from leakbench.harness.units import format_duration_spec as format_duration

MAX_SAMPLES = 200_000
"""Samples per run at most with the default interval (a 200k-line samples.jsonl is ~25 MB)."""


def with_sample_interval(scenario: Scenario) -> tuple[Scenario, str | None]:
    """The scenario with the interval it will be sampled at, and a warning for the user, if any."""
    duration = scenario.workload.duration
    if not isinstance(scenario.target, CommandTarget) or not duration:
        return scenario, None
    interval = scenario.probe.interval
    samples = duration / interval
    if "interval" in scenario.probe.model_fields_set:
        if samples <= MAX_SAMPLES:
            return scenario, None
        return scenario, (
            f"probe.interval {format_duration(interval)} over {format_duration(duration)} makes "
            f"{samples:,.0f} samples, more than the {MAX_SAMPLES:,} the default keeps to; "
            "the report will need more time and memory"
        )
    if samples <= MAX_SAMPLES:
        return scenario, None
    return scenario.with_overrides(interval=duration / MAX_SAMPLES), None


WATCH_INTERVAL_S = 1.0
"""`attach`'s usual interval: a running service is watched for minutes to days."""
WATCH_FLOOR_S = 0.25
"""`attach` never samples faster by default than a command target does."""
WATCH_SAMPLES = 100
"""Samples a short watch aims at: 20 s at one a second left 16 after the warm-up, too few."""


def watch_interval(duration: float) -> float:
    """`attach`'s default interval for a watch of `duration`: one a second, shorter for a short
    watch so it still has WATCH_SAMPLES samples (not under WATCH_FLOOR_S), longer for one so long
    it would pass MAX_SAMPLES."""
    wanted = min(WATCH_INTERVAL_S, max(duration / WATCH_SAMPLES, WATCH_FLOOR_S))
    return max(wanted, duration / MAX_SAMPLES)
