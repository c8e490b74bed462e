"""`leakbench run --transport websocket`: the built-ins against a real server on loopback.

Each run is shortened with `--duration` (gateway time during which runs start: 3 s of wall time
at the built-ins' 600x, in which the server completes a few hundred to a few thousand runs,
depending on the machine), so the four runs stay well under a minute. What each policy
retains does not depend on the length; the built-ins at full length are timed by hand (see
the lead's BENCHMARKS.md).
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import psutil
import pytest

from leakbench.harness.errors import TargetFailed
from leakbench.harness.rundir import load_run, read_samples
from leakbench.harness.scenario import load_scenario
from leakbench.harness.targets.factory import expected_runs, gateway_worker_config
from leakbench.harness.targets.websocket import WebSocketTarget
from leakbench_cli import leakbench, leakbench_process, wait_for_samples

SHORT = "30m"
LEGACY_LEAKS = {"abort-storm": {"raw_buffers"}, "mixed-faults": {"raw_buffers", "buffers"}}
FAULT_PATHS = {
    "abort-storm": {"abort"},
    "mixed-faults": {"abort", "timeout", "suppressed_output", "missing_terminal"},
}


def _run(scenario: str, policy: str, out: Path) -> dict:
    result = leakbench(
        "run",
        scenario,
        "--policy",
        policy,
        "--transport",
        "websocket",
        "--duration",
        SHORT,
        "--json",
        "--no-report",
        "--out",
        out,
        timeout=120,
    )
    summary = result.json()
    summary["exit_code_seen"] = result.code
    return summary


def _retaining(summary: dict) -> set[str]:
    return {m for m, n in summary["signals"]["state"]["retained"].items() if n > 0}


@pytest.mark.parametrize("scenario", sorted(LEGACY_LEAKS))
def test_legacy_leaks_over_websocket_and_is_attributed(scenario: str, tmp_path: Path) -> None:
    summary = _run(scenario, "legacy", tmp_path)
    assert summary["exit_code_seen"] == 1
    assert summary["verdict"] == "leak"
    assert summary["transport"] == "websocket"
    assert _retaining(summary) == LEGACY_LEAKS[scenario]
    by_path = summary["signals"]["state"]["retained_by_path"]
    assert FAULT_PATHS[scenario] <= set(by_path)
    assert all(held.get("raw_buffers", 0) > 0 for path, held in by_path.items() if path != "normal")
    samples, truncated, _ = read_samples(tmp_path / "samples.jsonl")
    assert not truncated
    load = [s for s in samples if s["phase"] == "load"]
    assert load[-1]["runs_done"] == summary["runs_completed"] > 0
    assert {"state", "caches", "controllers", "heap_blocks", "gc_counts", "rss"} <= set(load[-1])
    assert samples[-1]["phase"] == "drain"


@pytest.mark.parametrize("scenario", sorted(LEGACY_LEAKS))
def test_fixed_retains_nothing_over_websocket(scenario: str, tmp_path: Path) -> None:
    summary = _run(scenario, "fixed", tmp_path)
    assert summary["exit_code_seen"] == 0, summary["headline"]
    assert summary["verdict"] == "no-leak"
    assert _retaining(summary) == set()


def test_killing_the_server_mid_run_exits_3_and_keeps_the_samples(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    process = leakbench_process(
        "run", "clean", "--transport", "websocket", "--out", run_dir, "--no-report", "-q"
    )
    wait_for_samples(run_dir, 3)
    (server,) = psutil.Process(process.pid).children()
    assert "leakbench.gateway_sim" in server.cmdline()
    server.kill()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 3, stderr
    run = load_run(run_dir)
    assert len(run.columns) >= 3
    assert run.meta["exit_reason"] == "target-crashed"
    assert "SIGKILL" in run.meta["exit_detail"]


def test_ctrl_c_stops_the_clients_and_the_server_and_exits_130(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    process = leakbench_process(
        "run", "clean", "--transport", "websocket", "--out", run_dir, "--no-report", "-q"
    )
    wait_for_samples(run_dir, 3)
    (server,) = psutil.Process(process.pid).children()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    server.wait(timeout=10)  # already reaped by the harness, after its SIGTERM
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_reason"] == "interrupted" and summary["runs_completed"] > 0


def test_a_server_that_cannot_start_is_target_refused() -> None:
    scenario = load_scenario("clean").with_overrides(transport="websocket")
    config = {**gateway_worker_config(scenario), "policy": "no-such-policy"}
    target = WebSocketTarget(scenario, config, expected_runs(scenario))
    with pytest.raises(TargetFailed) as failed:
        target.start()
    target.stop()
    assert failed.value.reason == "target-refused"
    assert "exited with code 2" in str(failed.value)
    assert "no-such-policy" in str(failed.value)


ALL_FAULTS = """\
name: all-faults-small
target: {kind: gateway, policy: legacy, clients: 4}
gateway: {maintenance_interval: 30s, stale_ttl: 5m, aborted_ttl: 5m, run_timeout: 1m}
workload:
  runs: 800
  rate: 10/s
  concurrency: 64
  faults: {abort: 0.15, timeout: 0.05, suppressed_output: 0.1, missing_terminal: 0.1}
  heartbeat: 0.1
  terminal_loss: 0.1
  thinking: 0.2
probe: {objects: false}
"""


def test_both_transports_leave_the_same_entries_behind(tmp_path: Path) -> None:
    """Same seed, same runs: the clients draw each run's path and faults as the embedded host
    does, so every retained entry matches, path by path and map by map."""
    scenario = tmp_path / "all-faults.yaml"
    scenario.write_text(ALL_FAULTS, encoding="utf-8")
    found = {}
    for transport in ("embedded", "websocket"):
        result = leakbench(
            "run",
            scenario,
            "--transport",
            transport,
            "--json",
            "--no-report",
            "--out",
            tmp_path / transport,
            timeout=120,
        )
        assert result.code == 1, result.stderr
        found[transport] = result.json()["signals"]["state"]["retained_by_path"]
    assert found["websocket"] == found["embedded"]
    # Normal runs that lost their end count as the path they took (missing_terminal, or
    # suppressed_output for heartbeat runs): nothing is left under `normal`.
    assert set(found["embedded"]) == set(FAULT_PATHS["mixed-faults"])
