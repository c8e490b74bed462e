"""The harness's own inputs (issue 11): arguments checked up front, exit 2 with one line; a
target's unreadable replies are a target failure, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leakbench.harness.errors import TargetFailed
from leakbench.harness.targets.channel import LineChannel
from leakbench_cli import leakbench


def _one_line_exit_2(*args: str | Path) -> str:
    result = leakbench(*args)
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("option", "complaint"),
    [
        (["--duration", "0"], "--duration 0: must be more than 0"),  # was ZeroDivisionError
        (["--interval", "0"], "--interval 0: must be at least 0.01s"),  # was 61,000 samples/2 s
        (["--interval", "1ms"], "--interval 1ms: must be at least"),
    ],
)
def test_attach_refuses_durations_that_make_no_run(
    tmp_path: Path, option: list[str], complaint: str
) -> None:
    line = _one_line_exit_2("attach", str(os.getpid()), *option, "--out", tmp_path / "r")
    assert line.startswith(complaint)
    assert not (tmp_path / "r").exists()


def test_attach_refuses_a_pid_that_is_not_running(tmp_path: Path) -> None:
    assert _one_line_exit_2("attach", "0", "--out", tmp_path / "r") == "pid 0: no such process"


def test_run_out_naming_a_file_is_bad_input(tmp_path: Path) -> None:
    existing = tmp_path / "a-file"
    existing.write_text("not a directory")
    line = _one_line_exit_2("run", "clean", "--out", existing, "--no-report")
    assert line == f"--out {existing}: exists and is not a directory"  # was FileExistsError


def test_run_out_in_a_place_that_cannot_be_created_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = _one_line_exit_2("run", "clean", "--out", blocker / "below", "--no-report")
    assert line.startswith(f"--out {blocker / 'below'}: cannot create it")


def test_a_cwd_that_does_not_exist_is_named_as_such(tmp_path: Path) -> None:
    """It was reported as the program not being found."""
    scenario = tmp_path / "cwd.yaml"
    scenario.write_text(
        "name: cwd\ntarget:\n  kind: command\n  command: [sleep, '5']\n  cwd: nowhere\n"
        "workload: {duration: 2s}\n"
    )
    line = _one_line_exit_2("run", scenario, "--out", tmp_path / "r", "--no-report")
    assert line.startswith(f"{scenario}:5: target.cwd: ")
    assert "nowhere" in line


def _channel(reply: str) -> tuple[LineChannel, subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdin.readline(); print({reply!r}, flush=True)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return LineChannel(child, lambda: "exited"), child


@pytest.mark.parametrize(
    ("reply", "complaint"),
    [
        ("not json at all", "not a JSON object"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"ok"', "not a JSON object"),
        ("[" * 100_000, "not a JSON object"),
        ('{"ok": "yes"}', "target error"),
        ('{"ok": false, "error": "init: ValueError: bad"}', "target error: init: ValueError"),
    ],
)
def test_line_channel_turns_unreadable_replies_into_target_failures(
    reply: str, complaint: str
) -> None:
    channel, child = _channel(reply)
    try:
        with pytest.raises(TargetFailed, match=complaint):
            channel.request({"cmd": "init"}, timeout=60)
    finally:
        child.kill()
        child.wait()
