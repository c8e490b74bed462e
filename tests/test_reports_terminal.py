"""The end-of-run terminal summary."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from leakbench.reports.evidence import VERDICT_STYLE
from leakbench.reports.terminal import print_run_summary

RUNS = Path(__file__).parent / "data" / "runs"


def _printed(summary: dict | None, report: Path | None) -> str:
    console = Console(record=True, width=140, color_system=None)
    print_run_summary(console, summary, report)
    return console.export_text()


def test_summary_shows_verdict_slopes_retained_maps_and_report() -> None:
    summary = json.loads((RUNS / "legacy-abort-storm" / "summary.json").read_text())
    text = _printed(summary, Path("runs/x/report.html"))
    assert VERDICT_STYLE[summary["verdict"]][0] in text
    assert summary["headline"][:40] in " ".join(text.split())
    for signal in summary["signals"]:
        assert signal in text
    assert "raw_buffers" in text
    assert "Report: runs/x/report.html" in text


def test_missing_summary_says_the_verdict_is_unavailable() -> None:
    text = _printed(None, None)
    assert "Verdict unavailable" in text
    assert "Report:" not in text
