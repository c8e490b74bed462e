"""A `command` target: any process, judged per hour from RSS alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from leakbench_cli import leakbench

TARGETS = Path(__file__).parent / "targets"


def _scenario(tmp_path: Path, script: str) -> Path:
    path = tmp_path / f"{script}.yaml"
    path.write_text(
        f"name: {script.replace('_', '-')}\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / script}.py]}}\n"
        "workload: {duration: 6s}\n"
        "probe: {interval: 50ms, inject: false}\n",  # RSS alone: no agent in the target
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("script", "code", "verdict"),
    [
        ("leaky_loop", 1, "leak"),
        ("plateau_loop", 0, "no-leak"),
    ],
)
def test_plain_python_script(script: str, code: int, verdict: str, tmp_path: Path) -> None:
    result = leakbench("run", _scenario(tmp_path, script), "--out", tmp_path / "run", "--json")
    assert result.code == code, result.stdout + result.stderr
    summary = result.json()
    assert summary["verdict"] == verdict
    assert summary["transport"] == "command"
    assert (tmp_path / "run" / "report.html").is_file()
