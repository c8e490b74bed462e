"""`leakbench run` on the built-ins: legacy leaks are caught and attributed, fixed passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakbench.harness.rundir import read_samples
from leakbench.harness.scenario import load_scenario
from leakbench_cli import leakbench

# What each fault scenario leaves behind under legacy (gateway-spec §5).
LEGACY_LEAKS = {
    "abort-storm": {"raw_buffers"},
    "timeouts": {"raw_buffers"},
    "suppressed-output": {"raw_buffers", "buffers"},
    "missing-terminal": {"raw_buffers"},
    "mixed-faults": {"raw_buffers", "buffers"},
}


# The default run keeps one case per distinct outcome; the rest run under -m soak, and CI's
# self-test (.ci/run) runs every built-in under both policies on each stop anyway.
DEFAULT_LEGACY = {"mixed-faults"}  # suppressed-output leaves the same maps behind
DEFAULT_FIXED = {"mixed-faults", "clean"}


def _cases(names: list[str], default: set[str]) -> list:
    return [pytest.param(n, marks=() if n in default else pytest.mark.soak) for n in names]


def _retaining(summary: dict) -> set[str]:
    return {m for m, n in summary["signals"]["state"]["retained"].items() if n > 0}


@pytest.mark.parametrize("scenario", _cases(sorted(LEGACY_LEAKS), DEFAULT_LEGACY))
def test_legacy_leak_is_caught_and_attributed(scenario: str, tmp_path: Path) -> None:
    result = leakbench(
        "run", scenario, "--policy", "legacy", "--out", tmp_path, "--json", "--no-report"
    )
    assert result.code == 1, result.stderr
    summary = result.json()
    assert summary["verdict"] == "leak"
    assert _retaining(summary) == LEGACY_LEAKS[scenario]
    assert summary["attribution"]["maps"][0]["name"] == "raw_buffers"
    assert (tmp_path / "summary.json").is_file()


@pytest.mark.parametrize(
    "scenario", _cases([*sorted(LEGACY_LEAKS), "clean", "bounded-caches"], DEFAULT_FIXED)
)
def test_fixed_policy_passes(scenario: str, tmp_path: Path) -> None:
    result = leakbench(
        "run", scenario, "--policy", "fixed", "--out", tmp_path, "--json", "--no-report"
    )
    assert result.code == 0, result.stdout + result.stderr
    summary = result.json()
    assert summary["verdict"] == "no-leak"
    assert _retaining(summary) == set()


def test_clean_passes_under_legacy(tmp_path: Path) -> None:
    result = leakbench(
        "run", "clean", "--policy", "legacy", "--out", tmp_path, "--json", "--no-report"
    )
    assert result.code == 0, result.stdout + result.stderr
    assert result.json()["verdict"] == "no-leak"


def test_bounded_caches_fill_to_their_cap_without_a_leak(tmp_path: Path) -> None:
    result = leakbench(
        "run", "bounded-caches", "--policy", "legacy", "--out", tmp_path, "--json", "--no-report"
    )
    assert result.code == 0, result.stdout + result.stderr
    assert result.json()["verdict"] == "no-leak"
    samples, _, _ = read_samples(tmp_path / "samples.jsonl")
    cap = load_scenario("bounded-caches").gateway.dedupe_max
    load = [s["caches"]["dedupe"] for s in samples if s["phase"] == "load"]
    # Filled to its cap in the first half, then held there (trimmed each sweep): growth that
    # plateaus, the hard negative.
    assert max(load[: len(load) // 2]) >= cap
    late = load[len(load) // 2 :]
    assert min(late) >= 0.9 * cap and max(late) <= 1.1 * cap


def test_a_day_of_uptime_4d_projects_four_days_of_the_legacy_growth(tmp_path: Path) -> None:
    """One day of gateway time (24 TTLs; the seq cache fills in an hour) projected to four: the
    growth the projection adds over four days matches four times the bytes the gateway's own
    maps held after the day (its exact check, measured apart from RSS), and fixed stays flat."""
    day = 24 * 3600
    runs = {
        policy: leakbench(
            "run", "uptime-4d", "--policy", policy, "--duration", "1d",
            "--out", tmp_path / policy, "--json", "--no-report",
        )
        for policy in ("legacy", "fixed")
    }  # fmt: skip
    legacy = runs["legacy"].json()
    assert runs["legacy"].code == 1, runs["legacy"].stderr
    assert legacy["gateway_time_s"] >= day
    projection = legacy["projection"]
    assert projection["horizon_s"] == 4 * day
    held_per_day = sum(legacy["signals"]["state"]["retained_bytes"].values())
    four_days_of_growth = projection["rss_slope_per_hour"] * 4 * 24
    assert 0.5 < four_days_of_growth / (4 * held_per_day) < 2.0
    last_rss = [s["rss"] for s in read_samples(tmp_path / "legacy" / "samples.jsonl")[0]][-1]
    assert projection["rss_bytes"] > last_rss
    assert "after 4 days" in legacy["headline"]
    assert runs["fixed"].code == 0, runs["fixed"].stdout + runs["fixed"].stderr
