"""Spec §5 measured: what each fault path leaves behind under each policy, after the drain."""

from __future__ import annotations

import json

import pytest

from leakbench.gateway_sim import (
    FAULT_PATHS,
    PATHS,
    RUN_MAPS,
    EmbeddedHost,
    GatewaySettings,
    Workload,
    resolve_policy,
)
from leakbench.gateway_sim.__main__ import main
from leakbench.gateway_sim.soak import run_soak

LEGACY_LEAVES: dict[str, set[str]] = {
    "normal": set(),
    "abort": {"raw_buffers"},
    "timeout": {"raw_buffers"},
    "suppressed_output": {"raw_buffers", "buffers"},
    "missing_terminal": {"raw_buffers"},
}
"""Spec §5, legacy column, after the sweeps: maps holding every run of the path forever."""

LOST_TERMINAL_PATHS = {"suppressed_output", "missing_terminal"}

FIXED_BY_FLAG_ALONE: dict[str, set[str]] = {
    "abort_clears_raw": {"abort", "timeout"},
    "stale_buffer_sweep": set(FAULT_PATHS),
    "sweeps_use_clear_run": {"abort", "timeout", "missing_terminal"},
    "agent_loop_clears_run": {"suppressed_output"},
}
"""Which paths one part of the fix repairs on its own, added to legacy:
- `abort_clears_raw`: the abort paths, at once;
- `stale_buffer_sweep`: every path; it stamps every raw change and its loop catches whatever
  the legacy partial clears leave (abort paths once their aborted_runs entry ages out);
- `sweeps_use_clear_run`: the abort paths when aborted_runs ages out, and missing_terminal in
  the stale-delta loop; a suppressed run has no delta_sent_at for it to see;
- `agent_loop_clears_run`: only suppressed_output, whose agent keys nothing else removes; on
  the other paths the legacy partial clear drops the agent keys before their loop sees them.
"""


def retained(result: dict) -> set[str]:
    return {name for name, entries in result["retained"].items() if entries}


@pytest.mark.parametrize("path", PATHS)
def test_legacy_leaves_exactly_what_the_spec_says(path: str) -> None:
    result = run_soak("legacy", path, 200)
    assert result["runs"] == 200
    assert list(result["retained"]) == list(RUN_MAPS)
    for name in RUN_MAPS:
        expected = 200 if name in LEGACY_LEAVES[path] else 0
        assert result["retained"][name] == expected, name
        assert (result["retained_bytes"][name] > 0) == (expected > 0), name
    lost = 200 if path in LOST_TERMINAL_PATHS else 0
    assert result["caches"] == {"agent_run_seq": lost, "dedupe": 0}


@pytest.mark.parametrize("path", PATHS)
def test_fixed_leaves_nothing_on_any_path(path: str) -> None:
    result = run_soak("fixed", path, 200)
    assert set(result["retained"]) == set(RUN_MAPS)
    assert retained(result) == set()
    assert sum(result["retained_bytes"].values()) == 0
    lost = 200 if path in LOST_TERMINAL_PATHS else 0
    assert result["caches"] == {"agent_run_seq": lost, "dedupe": 0}


def test_leaked_raw_buffers_hold_the_whole_partial_replies() -> None:
    result = run_soak("legacy", "missing_terminal", 50)
    smallest_reply = Workload(runs=1).reply_chars[0]
    assert result["retained_bytes"]["raw_buffers"] > 50 * smallest_reply


@pytest.mark.parametrize("flag", sorted(FIXED_BY_FLAG_ALONE))
@pytest.mark.parametrize("path", FAULT_PATHS)
def test_each_part_of_the_fix_alone(flag: str, path: str) -> None:
    result = run_soak("legacy", path, 40, flags={flag: True})
    expected = set() if path in FIXED_BY_FLAG_ALONE[flag] else LEGACY_LEAVES[path]
    assert retained(result) == expected


@pytest.mark.parametrize("path", ["normal", "abort", "timeout"])
def test_with_synthetic_end_clearing_raw_a_run_leaks_exactly_when_its_terminal_is_lost(
    path: str,
) -> None:
    faults = {} if path == "normal" else {path: 1.0}
    workload = Workload(runs=200, faults=faults, terminal_loss=0.3)
    host = EmbeddedHost(None, resolve_policy("legacy-2026.5.27"), workload, seed=5)
    host.advance(200)
    host.drain()
    lost = host.terminal_losses[path]
    assert 0 < lost < 200
    # A normal run that loses its end is the missing_terminal path (spec §5: how it happens).
    taken = "missing_terminal" if path == "normal" else path
    assert host.retained_by_path() == {taken: {"raw_buffers": lost}}
    assert host.memory_report()["caches"]["agent_run_seq"] == lost


@pytest.mark.parametrize("path", ["abort", "timeout"])
def test_the_released_build_does_not_leak_aborts_whose_synthetic_end_arrives(path: str) -> None:
    assert retained(run_soak("legacy-2026.5.27", path, 100)) == set()


def test_bounded_caches_plateau_at_their_caps_and_are_reported_apart() -> None:
    settings = GatewaySettings(agent_run_seq_cap=50, dedupe_max=30)
    workload = Workload(runs=600, faults={"missing_terminal": 1.0})
    host = EmbeddedHost(settings, resolve_policy("fixed"), workload, seed=2)
    ceiling = {"agent_run_seq": 0, "dedupe": 0}
    while not host.finished:
        host.advance(20)
        for name, entries in host.memory_report()["caches"].items():
            ceiling[name] = max(ceiling[name], entries)
    host.drain()
    report = host.memory_report()
    assert report["caches"]["agent_run_seq"] == 50  # trimmed to the newest, never emptied
    assert report["caches"]["dedupe"] == 0  # aged out by its TTL during the drain
    per_sweep = workload.rate * settings.maintenance_interval + workload.concurrency
    assert 50 < ceiling["agent_run_seq"] <= 50 + per_sweep
    assert 30 < ceiling["dedupe"] <= 30 + per_sweep
    assert set(report["state"]) == set(RUN_MAPS)
    assert all(sizes["entries"] == 0 for sizes in report["state"].values())


def test_soak_command_prints_the_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["soak", "--policy", "legacy", "--fault", "abort", "--runs", "20", "--json"])
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    keys = ["policy", "fault", "terminal_loss", "runs", "retained", "retained_bytes", "caches"]
    assert list(result) == keys
    assert (result["policy"], result["fault"], result["runs"]) == ("legacy", "abort", 20)
    assert result["terminal_loss"] == 0.0
    assert list(result["retained"]) == list(RUN_MAPS)
    assert result["retained"]["raw_buffers"] == 20


def test_soak_command_applies_policy_flag_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["soak", "--fault", "abort", "--runs", "20", "--json"]
    assert main([*argv, "--policy-flag", "abort_clears_raw=true"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["policy"] == "legacy[abort_clears_raw=true]"
    assert result["retained"]["raw_buffers"] == 0


def test_soak_command_sets_terminal_loss_and_says_which(capsys: pytest.CaptureFixture[str]) -> None:
    # The 2026.5.27 build leaks an abort only when its synthetic end is lost (spec §5 note).
    argv = ["soak", "--policy", "legacy-2026.5.27", "--fault", "abort", "--runs", "20", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["retained"]["raw_buffers"] == 0
    assert main([*argv, "--terminal-loss", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["terminal_loss"] == 1.0
    assert result["retained"]["raw_buffers"] == 20


def test_soak_command_renders_a_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["soak", "--fault", "normal", "--runs", "10", "--policy-flag", "abort_clears_raw=true"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "legacy[abort_clears_raw=true]" in out
    assert all(name in out for name in RUN_MAPS)
    assert "agent_run_seq (bounded cache)" in out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["soak", "--runs", "5"], "Missing option '--fault'"),
        (["soak", "--fault", "abort", "--runs", "0"], "--runs"),
        (["soak", "--fault", "sideways"], "valid paths: normal, abort"),
        (["soak", "--fault", "abort", "--policy", "newest"], "valid policies: legacy, fixed"),
        (["soak", "--fault", "abort", "--policy-flag", "speed=true"], "valid flags:"),
        (["soak", "--fault", "abort", "--policy-flag", "abort_clears_raw"], "NAME=true|false"),
        (["soak", "--fault", "abort", "--terminal-loss", "1.5"], "--terminal-loss"),
        (["soak", "--fault", "abort", "--terminal-loss", "nan"], "--terminal-loss"),
        (["serve", "--policy", "newest"], "unknown policy 'newest'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and complaint in lines[0]


def test_soak_result_is_the_same_for_the_same_seed() -> None:
    assert run_soak("legacy", "abort", 30, seed=9) == run_soak("legacy", "abort", 30, seed=9)
    first, other = run_soak("legacy", "abort", 30, seed=9), run_soak("legacy", "abort", 30, seed=10)
    assert first["retained_bytes"] != other["retained_bytes"]
