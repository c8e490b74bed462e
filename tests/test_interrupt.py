"""Ctrl-C at any moment of a command, imports included, exits 130 with one line, no traceback.

"While importing" is observed, not guessed from a delay: the interrupt is sent as soon as
numpy's extension is mapped into the process (/proc/PID/maps), which every command below loads
inside `main`, before typer has parsed the command line. A signal before Python reaches
leakbench's code (interpreter start-up) is Python's own and out of reach.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leakbench_cli import leakbench_process

TARGETS = Path(__file__).parent / "targets"
RUNS = Path(__file__).parent / "data" / "runs"
INTERRUPTED = 130

pytestmark = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interrupt") / "plateau.yaml"
    path.write_text(
        "name: plateau\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / 'plateau_loop.py'}]}}\n"
        "workload: {duration: 60s}\nprobe: {interval: 100ms}\n",
        encoding="utf-8",
    )
    return path


def _wait_until_numpy_loads(process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    maps = Path(f"/proc/{process.pid}/maps")
    while time.monotonic() < deadline:
        assert process.poll() is None, "the command ended before it imported numpy"
        try:
            if "numpy" in maps.read_text():
                return
        except OSError:
            pass
        time.sleep(0.002)
    raise AssertionError("numpy never loaded")


def _interrupt(process: subprocess.Popen[str]) -> str:
    try:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return stderr


def _assert_one_line_interrupt(process: subprocess.Popen[str], stderr: str) -> None:
    assert process.returncode == INTERRUPTED, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], stderr


@pytest.mark.parametrize("command", ["run", "report", "--help"])
def test_ctrl_c_while_a_command_imports(scenario: Path, tmp_path: Path, command: str) -> None:
    arguments: dict[str, list[str | Path]] = {
        "run": ["run", scenario, "--out", tmp_path / "run", "-q"],
        "report": ["report", shutil.copytree(RUNS / "legacy-abort-storm", tmp_path / "r")],
        "--help": ["--help"],
    }
    process = leakbench_process(*arguments[command])
    _wait_until_numpy_loads(process)
    stderr = _interrupt(process)
    _assert_one_line_interrupt(process, stderr)
