"""Run a function many times under the probe and judge it with `leakbench run`'s verdict.

Same statistics as a soak of a service: samples against calls completed (so slopes are per
call), warm-up cut, batch-means lower bound against the tolerance, four rising block medians,
Holm across signals (harness.verdict). What differs is the setting: the function runs in the
test process, so the in-process counters (heap blocks, gc objects, traced bytes) are the main
signals, read after a garbage collection so that cyclic garbage waiting for the collector is not
mistaken for growth; RSS backs them up for memory the Python heap does not see.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from itertools import repeat
from typing import Any

from leakbench.harness.pytest_plugin.attribution import attribute
from leakbench.harness.pytest_plugin.options import SoakOptions
from leakbench.harness.pytest_plugin.result import SoakResult
from leakbench.harness.pytest_plugin.sampling import SoakSampler, frozen_heap
from leakbench.harness.verdict import ATTRIBUTION_LIMIT, Tolerances, summarize
from leakbench.probe import InProcessProbe

ATTRIBUTION_SHARE = 0.2  # extra calls after a verdict that is not clean, share of the soak's
MIN_ATTRIBUTION_CALLS = 50


def run_soak(fn: Callable[[], object], options: SoakOptions, *, name: str) -> SoakResult:
    """Soak `fn`; on an inconclusive verdict soak twice as long; name what grows if not clean."""
    result = measure(fn, options, name=name)
    if result.verdict == "inconclusive" and options.confirm:
        longer = replace(options, iterations=2 * options.iterations, warmup=0)
        result = replace(measure(fn, longer, name=name), attempts=2)
    if result.verdict == "no-leak" or not options.attribute:
        return result
    calls = max(MIN_ATTRIBUTION_CALLS, round(ATTRIBUTION_SHARE * result.calls))
    found = attribute(
        fn,
        calls=calls,
        objects_per_call=options.objects_per_iteration,
        bytes_per_call=options.bytes_per_iteration,
    )
    summary = dict(result.summary)
    summary["attribution"] = {
        **summary["attribution"],
        **{kind: entries[:ATTRIBUTION_LIMIT] for kind, entries in found.items()},
    }
    return replace(result, summary=summary, attribution_calls=calls)


def measure(fn: Callable[[], object], options: SoakOptions, *, name: str) -> SoakResult:
    """One soak: warm-up calls, then `options.iterations` calls sampled evenly, then the verdict."""
    every = options.sample_every
    count = options.iterations // every + 1
    calls = 0
    objects = "objects" in options.signals
    with InProcessProbe(objects=objects, tracemalloc=options.tracemalloc) as probe:
        for _ in repeat(None, options.warmup):
            fn()
        sampler = SoakSampler(
            probe, capacity=count, signals=options.signals, traced=options.tracemalloc
        )
        with frozen_heap():
            started = time.perf_counter()
            sampler.take(0)
            for _ in repeat(None, count - 1):
                for _ in repeat(None, every):
                    fn()
                calls += every
                sampler.take(calls)
            duration = time.perf_counter() - started
    samples = sampler.samples()
    summary = summarize(
        samples, meta=_meta(name), tolerances=_tolerances(options), duration_s=duration
    )
    return SoakResult(summary=summary, samples=samples, calls=calls)


def _meta(name: str) -> dict[str, Any]:
    return {
        "scenario_name": name,
        "transport": "pytest",
        "target": "pytest",
        "exit_reason": "completed",
    }


GIVEN_AS = {"per_iteration": "max_growth_per_run", "objects_per_iteration": "objects_per_run"}
"""The verdict setting a soak option stands for, so a tolerance the test set is said to be set."""


def _tolerances(options: SoakOptions) -> Tolerances:
    return Tolerances(
        bytes_per_run=float(options.bytes_per_iteration),
        blocks_per_run=options.objects_per_iteration,
        objects_per_run=options.objects_per_iteration,
        given=frozenset(GIVEN_AS[name] for name in options.given if name in GIVEN_AS),
    )
