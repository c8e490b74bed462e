"""Soaks that cannot be judged as asked are said to be so before they start (issue: TTL-bounded
state, and a sampling interval that fits the duration)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leakbench.harness.scenario import load_scenario, parse_scenario
from leakbench.harness.scenario.loader import builtin_names
from leakbench.harness.targets.advice import JUDGEABLE, soak_warnings, ttl_warning
from leakbench.harness.targets.interval import MAX_SAMPLES, watch_interval
from leakbench_cli import leakbench

TARGETS = Path(__file__).parent / "targets"


def _gateway(workload: dict, gateway: dict | None = None) -> str:
    scenario = {"name": "g", "workload": workload}
    if gateway is not None:
        scenario["gateway"] = gateway
    return json.dumps(scenario)


@pytest.mark.parametrize("name", builtin_names())
def test_no_built_in_scenario_ends_inside_its_longest_ttl(name: str) -> None:
    assert soak_warnings(load_scenario(name)) == []


def test_a_gateway_soak_shorter_than_its_dedupe_ttl_is_warned_about_naming_the_setting() -> None:
    scenario = parse_scenario(_gateway({"duration": "90m"}, {"dedupe_ttl": "2h"}), source="t")
    warning = ttl_warning(scenario)
    assert warning is not None
    assert "1h30m of gateway time" in warning
    assert "gateway.dedupe_ttl 2h" in warning


def test_a_run_count_is_turned_into_gateway_time_at_the_arrival_rate() -> None:
    # 6,000 runs at 50 per gateway second span 2 minutes, under the default 1-hour stale TTL...
    short = parse_scenario(_gateway({"runs": 6000, "rate": 50}), source="t")
    assert "2m of gateway time" in (ttl_warning(short) or "")
    # ...and 200,000 span 66 minutes, past it.
    longer = parse_scenario(_gateway({"runs": 200_000, "rate": 50}), source="t")
    assert ttl_warning(longer) is None


def _command(duration: str, interval: str = "250ms") -> str:
    return json.dumps(
        {
            "name": "svc",
            "target": {"kind": "command", "command": ["svc"]},
            "workload": {"duration": duration},
            "probe": {"interval": interval},
        }
    )


def test_a_command_soak_with_too_few_samples_says_how_long_it_must_be() -> None:
    (warning,) = soak_warnings(parse_scenario(_command("5s"), source="t"))
    assert "gives 20 samples" in warning
    assert f"soak at least {JUDGEABLE * 0.25:g}s" in warning
    assert soak_warnings(parse_scenario(_command("5s", "100ms"), source="t")) == []


def test_a_short_gateway_run_prints_the_ttl_warning_and_still_runs(tmp_path: Path) -> None:
    scenario = tmp_path / "short.yaml"
    scenario.write_text(_gateway({"runs": 300}), encoding="utf-8")
    result = leakbench("run", scenario, "--out", tmp_path / "run", "--no-report", "-q")
    assert "warning: the workload spans about 6s of gateway time" in result.stderr
    assert (tmp_path / "run" / "summary.json").exists()


def test_attach_samples_a_short_watch_often_enough_and_a_long_one_at_most_max_samples() -> None:
    assert watch_interval(20) == 0.25  # 80 samples, not the 20 one a second gave
    assert watch_interval(600) == 1.0
    assert 4 * 86400 / watch_interval(4 * 86400) <= MAX_SAMPLES  # a long watch stays in bounds


def test_attach_for_ten_seconds_at_the_default_interval_judges_a_leak(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, str(TARGETS / "leaky_loop.py")])
    try:
        result = leakbench(
            "attach", str(process.pid), "--duration", "10s", "--out", tmp_path / "run",
            "--no-report", "-q",
        )  # fmt: skip
    finally:
        process.kill()
        process.wait()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert result.code == 1, summary["headline"]
    assert "warning" not in result.stderr
