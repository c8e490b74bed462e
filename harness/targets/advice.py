"""Warnings, before a soak starts, about a soak that cannot be judged as it was asked for.

A soak that ends before its verdict can decide wastes the user's time twice: once running and
once rerunning. Two cases are known up front:
- too few samples: the trend needs MIN_SAMPLES after a warm-up cut that may fall as late as half
  the load, so fewer than JUDGEABLE samples are inconclusive whatever the memory does;
- gateway time shorter than the longest TTL: state that may legitimately live that long (a
  stale-run sweep, a dedupe cache) grows through the whole soak and only levels off past the
  TTL, so growth before it cannot be told from a leak. User services have the same rule
  (docs/verdict.md): soak past the longest expiry of their own caches.
"""

from __future__ import annotations

from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.harness.scenario import Scenario
from leakbench.harness.scenario.model import CommandTarget
from leakbench.harness.stats import MIN_SAMPLES
from leakbench.harness.units import format_duration_spec as format_duration

JUDGEABLE = 2 * MIN_SAMPLES
"""Samples a soak needs at least: MIN_SAMPLES after a warm-up cut at half the load."""


def too_few_samples(duration: float, interval: float, what: str = "--duration") -> str | None:
    """The warning for a soak of `duration` sampled every `interval` that cannot be judged."""
    samples = int(duration / interval)
    if samples >= JUDGEABLE:
        return None
    return (
        f"{what} {format_duration(duration)} at one sample every {format_duration(interval)} "
        f"gives {samples} samples; the verdict needs at least {JUDGEABLE} ({MIN_SAMPLES} after "
        f"the warm-up) and will be inconclusive: soak at least "
        f"{format_duration(JUDGEABLE * interval)}"
    )


def ttl_warning(scenario: Scenario) -> str | None:
    """The warning for a gateway scenario whose gateway time ends inside its longest TTL."""
    if isinstance(scenario.target, CommandTarget):
        return None
    settings = GatewaySettings.from_dict(scenario.gateway.model_dump())
    workload = scenario.workload
    span = workload.duration if workload.duration is not None else workload.runs / workload.rate
    longest = settings.longest_ttl()
    if span >= longest:
        return None
    name = settings.longest_ttl_setting()
    return (
        f"the workload spans about {format_duration(round(span))} of gateway time, less than "
        f"gateway.{name} {format_duration(longest)}: state that may live that long is still "
        f"filling when the soak ends, so its growth cannot be told from a leak; make the "
        f"workload longer than {format_duration(longest)} or shorten the TTL"
    )


def soak_warnings(scenario: Scenario) -> list[str]:
    """Every up-front warning for a scenario about to run (with its interval already chosen)."""
    found = [ttl_warning(scenario)]
    if isinstance(scenario.target, CommandTarget) and scenario.workload.duration:
        found.append(
            too_few_samples(scenario.workload.duration, scenario.probe.interval, "the duration")
        )
    return [warning for warning in found if warning]
