"""Bad input, a dying target and Ctrl-C: distinct exit codes, and no sample taken is lost."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import psutil

from leakbench.harness.rundir import load_run
from leakbench_cli import leakbench, leakbench_process, wait_for_samples

LONG_GATEWAY_RUN = """\
name: long-clean
target: {kind: gateway, policy: fixed}
workload: {runs: 2000000, rate: 50/s}
probe: {objects: false, checkpoints: 0}
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_scenario_is_one_line_with_file_line_and_field(tmp_path: Path) -> None:
    scenario = _write(
        tmp_path / "broken.yaml",
        "name: broken\nworkload:\n  runs: 100\n  faults:\n    abort: 1.5\n",
    )
    result = leakbench("run", scenario, "--out", tmp_path / "run")
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{scenario}:5:")
    assert "workload.faults.abort" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_bad_duration_on_the_command_line_is_bad_input(tmp_path: Path) -> None:
    result = leakbench("run", "clean", "--duration", "10 parsecs", "--out", tmp_path)
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert "duration" in result.stderr


def test_killing_the_target_mid_run_exits_3_and_keeps_every_sample(tmp_path: Path) -> None:
    scenario = _write(tmp_path / "long.yaml", LONG_GATEWAY_RUN)
    run_dir = tmp_path / "run"
    process = leakbench_process("run", scenario, "--out", run_dir, "-q")
    wait_for_samples(run_dir, 5)
    (target,) = psutil.Process(process.pid).children()
    target.kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 3, stderr
    run = load_run(run_dir)
    assert len(run.columns) >= 5
    assert run.meta["exit_reason"] == "target-crashed"
    assert "SIGKILL" in run.meta["exit_detail"]
    assert run.summary is not None and run.summary["verdict"] == "error"
    assert (run_dir / "report.html").is_file()


def test_ctrl_c_exits_130_and_still_writes_the_summary_and_report(tmp_path: Path) -> None:
    scenario = _write(tmp_path / "long.yaml", LONG_GATEWAY_RUN)
    run_dir = tmp_path / "run"
    process = leakbench_process("run", scenario, "--out", run_dir, "-q")
    wait_for_samples(run_dir, 5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "leakbench: interrupted", stderr
    assert "Traceback" not in stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_reason"] == "interrupted"
    assert summary["exit_code"] == 130
    assert (run_dir / "report.html").is_file()
    taken = (run_dir / "samples.jsonl").read_text().count("\n")
    assert taken >= 5 and summary["runs_completed"] > 0


def test_a_command_target_that_crashes_exits_3(tmp_path: Path) -> None:
    target = Path(__file__).parent / "targets" / "dies_midway.py"
    scenario = _write(
        tmp_path / "dies.yaml",
        f"name: dies\ntarget: {{kind: command, command: [python3, {target}]}}\n"
        "workload: {duration: 20s}\nprobe: {interval: 100ms}\n",
    )
    result = leakbench("run", scenario, "--out", tmp_path / "run", "--json", "--no-report")
    assert result.code == 3, result.stderr
    run = load_run(tmp_path / "run")
    assert run.meta["exit_reason"] == "target-crashed"
    assert "SIGKILL" in run.meta["exit_detail"]
    assert len(run.columns) >= 5


SLEEP_3S = "import time; time.sleep(3)"


def test_a_command_target_that_ends_cleanly_before_the_duration_is_not_a_crash(
    tmp_path: Path,
) -> None:
    scenario = _write(
        tmp_path / "short.yaml",
        "name: short\n"
        f"target: {{kind: command, command: [{sys.executable}, -c, '{SLEEP_3S}']}}\n"
        "workload: {duration: 30s}\nprobe: {interval: 50ms}\n",
    )
    result = leakbench("run", scenario, "--out", tmp_path / "run", "--json", "--no-report")
    assert (result.code, result.json()["verdict"]) == (0, "no-leak"), result.stderr
    run = load_run(tmp_path / "run")
    assert run.meta["exit_reason"] == "completed"
    assert len(run.columns) >= 20
    assert run.columns.last("t_wall") < 10  # it stopped with the target, not at the duration
