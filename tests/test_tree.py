"""The whole process tree decides (verdict.scope: tree): a leak in a child is caught and named.

Acceptance of issue 8 item 3: a shell wrapper that does not `exec`, a parent with two workers of
which one leaks, and `attach` on a parent whose child leaks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from leakbench_cli import leakbench

TARGETS = Path(__file__).parent / "targets"


def _scenario(tmp_path: Path, command: list[str], scope: str | None = None) -> Path:
    path = tmp_path / "tree.yaml"
    verdict = f"verdict: {{scope: {scope}}}\n" if scope else ""
    path.write_text(
        "name: tree\n"
        f"target: {{kind: command, command: {command!r}}}\n"
        "workload: {duration: 6s}\n"
        "probe: {interval: 50ms}\n" + verdict,
        encoding="utf-8",
    )
    return path


def _wrapper(script: str) -> list[str]:
    """`sh -c "python SCRIPT; echo done"`: the shell stays the parent (no exec)."""
    return ["sh", "-c", f"{sys.executable} {TARGETS / script}; echo done"]


def _run(
    tmp_path: Path, command: list[str], scope: str | None = None, report: bool = False
) -> tuple[int, Any]:
    scenario = _scenario(tmp_path, command, scope)
    flags = () if report else ("--no-report",)
    result = leakbench("run", scenario, "--out", tmp_path / "run", "--json", *flags)
    assert result.stdout, result.stderr
    return result.code, result.json()


def _grown(summary: dict[str, Any]) -> dict[str, Any]:
    """The process the attribution names first, which must be one that grew."""
    first = summary["attribution"]["processes"][0]
    assert first["grew"], summary["attribution"]["processes"]
    return first


def test_shell_wrapper_around_a_leaking_child_is_a_leak_naming_the_child(tmp_path: Path) -> None:
    code, summary = _run(tmp_path, _wrapper("leaky_loop.py"), report=True)
    assert code == 1, summary["headline"]
    assert summary["signals"]["rss"]["field"] == "tree_rss"
    assert (tmp_path / "run" / "tree.png").is_file()
    assert "process tree" in (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    child = _grown(summary)
    assert "leaky_loop.py" in child["command"] and not child["target"]
    assert f"Where: child pid {child['pid']} `" in summary["headline"]
    assert "leaky_loop.py" in summary["headline"]


def test_shell_wrapper_around_a_flat_child_is_no_leak(tmp_path: Path) -> None:
    code, summary = _run(tmp_path, _wrapper("plateau_loop.py"))
    assert code == 0, summary["headline"]
    assert summary["verdict"] == "no-leak"
    commands = [entry["command"] for entry in summary["attribution"]["processes"]]
    assert any("plateau_loop.py" in command for command in commands)


def test_scope_process_judges_the_wrapper_alone_and_misses_the_child(tmp_path: Path) -> None:
    """The old behaviour, kept on request: the shell's own RSS is flat."""
    code, summary = _run(tmp_path, _wrapper("leaky_loop.py"), scope="process")
    assert summary["signals"]["rss"]["field"] == "rss"
    assert code != 1, summary["headline"]


def test_of_two_workers_the_leaking_one_is_named(tmp_path: Path) -> None:
    code, summary = _run(tmp_path, [sys.executable, str(TARGETS / "two_workers.py")])
    assert code == 1, summary["headline"]
    named = _grown(summary)
    assert "leaky_loop.py" in named["command"]
    flat = next(e for e in summary["attribution"]["processes"] if "plateau" in str(e["command"]))
    assert not flat["grew"]
    assert f"pid {named['pid']}" in summary["headline"]


@pytest.fixture
def leaking_parent() -> Any:
    # Its own session, so the whole group is ended at once: killing the shell first would
    # orphan the leaking child (reparented to init, it then grew to gigabytes unseen).
    process = subprocess.Popen(_wrapper("leaky_loop.py"), start_new_session=True)
    time.sleep(0.5)  # let the shell start its child before leakbench looks
    yield process
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_attach_on_a_parent_whose_child_leaks_names_the_child(
    leaking_parent: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    result = leakbench(
        "attach",
        str(leaking_parent.pid),
        "--duration",
        "6s",
        "--interval",
        "50ms",
        "--out",
        tmp_path / "run",
        "--no-report",
        "-q",
    )
    import json

    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert result.code == 1, summary["headline"]
    child = _grown(summary)
    assert "leaky_loop.py" in child["command"]
    assert f"child pid {child['pid']}" in summary["headline"]
