"""The trend signals catch a leak of known size on a real run, and pass the same run without it.

A calibration leak (`inject_leak_bytes`, harness.drivers.embedded_worker) goes into the embedded
gateway's process running `clean`; with the drain off the exact state check cannot decide, so
rss, heap and objects must. bench/verdict_on_scenarios.py measures the rates over many seeds.

The workload is 20,000 runs, not fewer: with no leak the heap still gains a bounded 2-5k blocks
over a run whatever its length (CPython's freelists refilling between full collections, the
census keeping each checkpoint's counts), which at 2,000-4,000 runs is 0.7-1.9 blocks/run, over
the 0.5 tolerance, and at 20,000 about 0.2 (bench/verdict_on_scenarios.py --part lengths).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from leakbench.harness.runner import plan_for, run_target
from leakbench.harness.scenario import load_scenario
from leakbench.harness.targets.embedded import EmbeddedTarget
from leakbench.harness.targets.factory import expected_runs, gateway_worker_config

RUNS = 20_000


def _soak_clean(inject_leak_bytes: int, run_dir: Path) -> dict[str, Any]:
    """Summary of `clean` under fixed, RUNS runs, leaking `inject_leak_bytes` per run."""
    scenario = load_scenario("clean")
    scenario = scenario.with_overrides(duration=RUNS / scenario.workload.rate)
    config = gateway_worker_config(scenario) | {"inject_leak_bytes": inject_leak_bytes}
    target = EmbeddedTarget(config, expected_runs(scenario))
    plan = replace(plan_for(scenario), drain=False)
    outcome = run_target(target, plan, run_dir, console=Console(quiet=True), show_progress=False)
    assert outcome.summary["exit_reason"] == "completed"
    return outcome.summary


def _verdicts(summary: dict[str, Any]) -> dict[str, str]:
    return {name: summary["signals"][name]["verdict"] for name in ("rss", "heap", "objects")}


def test_injected_kilobyte_per_run_is_a_leak_in_rss_and_heap(tmp_path: Path) -> None:
    summary = _soak_clean(1024, tmp_path)
    verdicts = _verdicts(summary)
    assert (summary["verdict"], verdicts["rss"], verdicts["heap"]) == ("leak",) * 3, verdicts


def test_same_run_without_injection_is_no_leak(tmp_path: Path) -> None:
    summary = _soak_clean(0, tmp_path)
    assert summary["verdict"] == "no-leak", (summary["headline"], _verdicts(summary))
