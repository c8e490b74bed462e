"""A soak seen while it runs: report.html rebuilt during the run, and `leakbench watch`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from leakbench.reports.live import SPARK_BARS, soak_position, sparkline
from leakbench_cli import leakbench, leakbench_process, wait_for_samples

TARGETS = Path(__file__).parent / "targets"
LIVE_BANNER = 'id="live"'


def test_position_of_a_command_soak_is_its_wall_time() -> None:
    meta = {"scenario": {"workload": {"duration": 600.0, "runs": None}}}
    position = soak_position(meta, {"t_wall": 150.0, "t_gateway": 150.0})
    assert position.fraction == pytest.approx(0.25)
    assert position.left_s == pytest.approx(450.0)


def test_position_of_a_gateway_run_counts_runs_and_ends_at_the_drain() -> None:
    meta = {"scenario": {"workload": {"runs": 10_000, "duration": None}}}
    assert soak_position(meta, {"t_wall": 2.0, "runs_done": 5_000}).left_s == pytest.approx(2.0)
    drained = soak_position(meta, {"t_wall": 5.0, "runs_done": 10_000, "phase": "drain"})
    assert (drained.fraction, drained.left_s) == (1.0, 0.0)


def test_sparkline_is_bounded_and_keeps_a_spike() -> None:
    values = np.full(1_000_000, 100.0)
    values[123_456] = 500.0
    line = sparkline(values, width=40)
    assert len(line) == 40
    assert line.count(SPARK_BARS[-1]) == 1
    assert set(line) == {SPARK_BARS[0], SPARK_BARS[-1]}


@dataclass
class LiveSoak:
    """One real command soak, its report while it ran, and a watch Ctrl-C'd during it."""

    run_dir: Path
    live_page: str
    summary_while_running: bool
    watch_code: int
    watch_stderr: str
    soak_code: int


def _wait_for(path: Path, text: str, process: subprocess.Popen[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and text in (page := path.read_text(encoding="utf-8")):
            return page
        time.sleep(0.1)
    raise AssertionError(f"{path} never showed {text!r} while the soak ran")


def _watch_in_a_terminal(run_dir: Path) -> subprocess.Popen[str]:
    """`leakbench watch` drawing its live panel as it would in a terminal (rich's env switches)."""
    return subprocess.Popen(
        [sys.executable, "-m", "leakbench", "watch", str(run_dir), "--every", "0.5s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "NO_COLOR": "1"},
    )


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> LiveSoak:
    root = tmp_path_factory.mktemp("live")
    scenario = root / "plateau.yaml"
    scenario.write_text(
        "name: plateau\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / 'plateau_loop.py'}]}}\n"
        "workload: {duration: 12s}\n"
        "probe: {interval: 100ms}\n",
        encoding="utf-8",
    )
    run_dir = root / "run"
    harness = leakbench_process("run", scenario, "--out", run_dir, "--refresh", "2s", "-q")
    watcher = None
    try:
        wait_for_samples(run_dir, 3)
        watcher = _watch_in_a_terminal(run_dir)
        assert watcher.stdout is not None
        while "verdict so far" not in watcher.stdout.readline():  # the live panel is up
            assert watcher.poll() is None, "watch ended before showing the soak"
        assert harness.poll() is None, "the soak ended before the watch could show it"
        watcher.send_signal(signal.SIGINT)
        _, watch_err = watcher.communicate(timeout=30)
        page = _wait_for(run_dir / "report.html", LIVE_BANNER, harness)
        running_summary = (run_dir / "summary.json").exists()
        return LiveSoak(
            run_dir, page, running_summary, watcher.returncode, watch_err, harness.wait(120)
        )
    finally:
        for process in (harness, watcher):
            if process is not None and process.poll() is None:
                process.kill()


def test_report_is_rebuilt_while_the_soak_runs(soak: LiveSoak) -> None:
    assert "Running, last updated" in soak.live_page
    assert "verdict so far" in soak.live_page
    assert not soak.summary_while_running


def test_the_final_report_replaces_the_live_one(soak: LiveSoak) -> None:
    assert soak.soak_code == 0
    summary = json.loads((soak.run_dir / "summary.json").read_text())
    assert summary["exit_reason"] == "completed"
    assert LIVE_BANNER not in (soak.run_dir / "report.html").read_text(encoding="utf-8")
    assert not list(soak.run_dir.glob(".*.partial"))


def test_ctrl_c_stops_the_watch_and_not_the_soak(soak: LiveSoak) -> None:
    assert soak.watch_code == 130, soak.watch_stderr
    assert "Traceback" not in soak.watch_stderr
    assert "the soak goes on" in soak.watch_stderr
    assert soak.soak_code == 0


def test_watch_on_a_finished_run_shows_it_and_exits_with_its_code(soak: LiveSoak) -> None:
    result = leakbench("watch", soak.run_dir)
    assert result.code == 0, result.stderr
    assert "finished (completed)" in result.stdout
    assert "No leak" in result.stdout
    assert "RSS slope" in result.stdout
