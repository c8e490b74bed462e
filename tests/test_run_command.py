"""A `command` target: any process, judged per hour from RSS (and USS) alone."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from leakbench.reports.evidence import load_evidence
from leakbench.reports.plots import plot_rss
from leakbench_cli import leakbench

TARGETS = Path(__file__).parent / "targets"


def _scenario(tmp_path: Path, script: str) -> Path:
    path = tmp_path / f"{script}.yaml"
    path.write_text(
        f"name: {script.replace('_', '-')}\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / script}.py]}}\n"
        "workload: {duration: 6s}\n"
        # RSS and USS alone: no agent in the target
        "probe: {interval: 50ms, inject: false, uss: true}\n",
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
    # USS is judged as its own signal, on the tree's private pages, and agrees with RSS here.
    uss = summary["signals"]["uss"]
    assert (uss["field"], uss["verdict"]) == ("tree_uss", verdict), uss["reason"]
    # ... and drawn beside RSS in rss.png, over time and over runs alike.
    figure = plot_rss(load_evidence(tmp_path / "run"))
    by_time = figure.axes[0]
    lines = {line.get_label(): np.asarray(line.get_ydata()) for line in by_time.get_lines()}
    drawn = lines["USS (private pages)"]
    # both lines are the tree's totals (scope tree): private pages are part of RSS
    assert len(drawn) > 50 and np.all(drawn <= lines["RSS (process tree)"])
    late = drawn[len(drawn) // 2 :]  # after the plateau's cache has filled
    late_rise = (np.median(late[-10:]) - np.median(late[:10])) / np.ptp(drawn)
    assert late_rise > 0.3 if verdict == "leak" else abs(late_rise) < 0.1, late_rise
