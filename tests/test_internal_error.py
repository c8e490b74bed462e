"""A bug inside leakbench exits 5 with one line, never 1 ("leak"), and keeps the run directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from leakbench.harness import cli, runner

TARGETS = Path(__file__).parent / "targets"


def _main(monkeypatch: pytest.MonkeyPatch, *args: str | Path) -> int:
    monkeypatch.setattr(sys, "argv", ["leakbench", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    return int(exited.value.code)


def _broken(*_args: object, **_kwargs: object) -> None:
    raise ZeroDivisionError("float division by zero")


def test_a_verdict_that_raises_exits_5_and_keeps_the_run_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "leaky.yaml"
    scenario.write_text(
        "name: leaky\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / 'leaky_loop.py'}]}}\n"
        "workload: {duration: 2s}\nprobe: {interval: 50ms}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(runner, "summarize", _broken)
    code = _main(monkeypatch, "run", scenario, "--out", tmp_path / "run", "-q")
    assert code == 5
    stderr = capsys.readouterr().err.strip().splitlines()
    assert len(stderr) == 1 and "internal error" in stderr[0] and "ZeroDivisionError" in stderr[0]
    run_dir = tmp_path / "run"
    assert (run_dir / "samples.jsonl").read_text().count("\n") > 10
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_code"] == 5 and summary["exit_reason"] == "internal-error"
    assert summary["verdict"] != "leak"
    assert "ZeroDivisionError" in (run_dir / "traceback.txt").read_text()


def test_a_command_that_raises_exits_5_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from leakbench.reports import evidence

    monkeypatch.setattr(evidence, "load_evidence", _broken)
    code = _main(monkeypatch, "report", tmp_path)
    assert code == 5
    stderr = capsys.readouterr().err.strip().splitlines()
    assert len(stderr) == 1 and stderr[0].startswith("leakbench: internal error at ")
