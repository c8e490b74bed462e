"""The index page of several runs (`index.html`): one row per run, linking its report.

Written by `leakbench ci` beside the run directories it made and by `leakbench merge` beside the
reports it copied, so every link is relative and the page works wherever the directory is
unpacked (a CI artifact, a static site). Like the reports it extends base.html: self-contained,
nothing loaded from the network. The rows are also what the terminal table shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.units import MISSING, format_duration, format_quantity
from leakbench.reports.evidence import VERDICT_STYLE
from leakbench.reports.html import leakbench_version, template_environment
from leakbench.reports.tables import SIGNAL_ORDER, Row

INDEX = "index.html"

# The gate's exit code -> the verdict whose words and colour the page's banner borrows.
GATE_VERDICT = {
    ExitCode.NO_LEAK: "no-leak",
    ExitCode.LEAK: "leak",
    ExitCode.INCONCLUSIVE: "inconclusive",
}
GATE_WORDS = {
    ExitCode.NO_LEAK: "Pass",
    ExitCode.LEAK: "Leak",
    ExitCode.INCONCLUSIVE: "Inconclusive",
    ExitCode.TARGET_FAILED: "Target failed",
    ExitCode.BAD_INPUT: "Bad input",
    ExitCode.INTERRUPTED: "Interrupted",
}


@dataclass(frozen=True)
class IndexEntry:
    """One run on the index: its directory name, its summary and its report's link."""

    name: str
    summary: dict[str, Any]
    report: str | None = None  # relative to the index page; None when the run has no report


def _slope(signal: dict[str, Any]) -> str:
    """`224 B/run`, `0.2 entries/run`: the signal's slope per run in its own unit."""
    value = signal.get("slope_per_run")
    if value is None:
        return MISSING
    return f"{format_quantity(value, signal.get('unit'))}/run"


def index_rows(entries: Sequence[IndexEntry]) -> list[Row]:
    """One row of display strings per run; `<signal>_verdict` keys carry each slope's verdict."""
    rows = []
    for entry in entries:
        summary = entry.summary
        verdict = summary.get("verdict")
        policy = f" [{summary['policy']}]" if summary.get("policy") else ""
        row = {
            "name": entry.name,
            "report": entry.report or "",
            "scenario": f"{summary.get('scenario') or MISSING}{policy}",
            "verdict": VERDICT_STYLE.get(verdict, VERDICT_STYLE[None])[0],
            "verdict_key": str(verdict or ""),
            "exit_code": str(summary.get("exit_code", MISSING)),
            "headline": str(summary.get("headline") or MISSING),
            "wall_time": format_duration(summary.get("duration_s")),
        }
        signals = summary.get("signals") or {}
        for name in SIGNAL_ORDER:
            signal = signals.get(name) or {}
            row[name] = _slope(signal)
            row[f"{name}_verdict"] = str(signal.get("verdict", ""))
        rows.append(row)
    return rows


def gate_sentence(entries: Sequence[IndexEntry], exit_code: ExitCode) -> str:
    """`Exit code 1 (leak): 1 leak, 1 no leak in 2 runs.`"""
    counts = Counter(
        VERDICT_STYLE.get(e.summary.get("verdict"), VERDICT_STYLE[None])[0] for e in entries
    )
    tally = ", ".join(f"{count} {words.lower()}" for words, count in counts.most_common())
    runs = f"{len(entries)} run" + ("" if len(entries) == 1 else "s")
    meaning = exit_code.name.lower().replace("_", " ")
    return f"Exit code {int(exit_code)} ({meaning}): {tally or 'no verdicts'} in {runs}."


def render_index_html(entries: Sequence[IndexEntry], exit_code: ExitCode, title: str) -> str:
    """The page: the gate's outcome first, then the table of runs."""
    verdict = GATE_VERDICT.get(exit_code, "error")
    return (
        template_environment()
        .get_template(INDEX)
        .render(
            leakbench_version=leakbench_version(),
            source=f"the summary.json of {len(entries)} run directories",
            title=title,
            gate_words=GATE_WORDS[exit_code],
            gate_colour=VERDICT_STYLE[verdict][1],
            conclusion=gate_sentence(entries, exit_code),
            rows=index_rows(entries),
            signals=SIGNAL_ORDER,
        )
    )


def write_index(
    entries: Sequence[IndexEntry], index_dir: Path, exit_code: ExitCode, title: str
) -> Path:
    """Write `index_dir/index.html` and return its path."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / INDEX
    path.write_text(render_index_html(entries, exit_code, title), encoding="utf-8")
    return path
