"""What a report stands on: the run directory, its verdict summary and how the run ended.

summary.json is written at the end of a run, so a hard crash leaves a run without one. The
samples are still there: the report renders from them and says plainly that the verdict is
unavailable, or recomputes it from the run directory alone (`harness.verdict.summarize_run`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leakbench.harness.rundir import SUMMARY, RunData, load_run

# Verdict -> (words shown to the reader, colour): one palette for plots, HTML and terminal.
VERDICT_STYLE: dict[str | None, tuple[str, str]] = {
    "leak": ("Leak", "#b03a2e"),
    "no-leak": ("No leak", "#1e7b45"),
    "inconclusive": ("Inconclusive", "#a86500"),
    "error": ("Run failed", "#6c3483"),
    None: ("Verdict unavailable", "#5d6d7e"),
}

EXIT_REASON_TEXT = {
    "interrupted": "it was interrupted (Ctrl-C)",
    "target-crashed": "the target crashed",
    "target-hung": "the target hung",
    "target-refused": "the target refused to start",
    "error": "the harness hit an error",
}

UNFINISHED = "the harness stopped before recording how the run ended (meta.json says running)"


@dataclass
class Evidence:
    """A loaded run with the summary a report should show and notes on where it came from."""

    run: RunData
    summary: dict[str, Any] | None
    summary_note: str | None = None
    notes: list[str] = field(default_factory=list)
    live_at: datetime | None = None
    """Set while the soak still runs (`leakbench report --live`): when this view was taken."""

    @property
    def verdict(self) -> str | None:
        return (self.summary or {}).get("verdict")

    @property
    def verdict_words(self) -> str:
        return VERDICT_STYLE.get(self.verdict, VERDICT_STYLE[None])[0]

    @property
    def verdict_colour(self) -> str:
        return VERDICT_STYLE.get(self.verdict, VERDICT_STYLE[None])[1]

    @property
    def headline(self) -> str:
        if self.summary and self.summary.get("headline"):
            return self.summary["headline"]
        if self.summary:
            return f"{self.verdict_words}."
        return f"Verdict unavailable: {self.summary_note}."

    @property
    def scenario(self) -> str:
        return str((self.summary or {}).get("scenario") or self.run.meta.get("scenario_name", "?"))

    @property
    def policy(self) -> str | None:
        return (self.summary or {}).get("policy") or self.run.meta.get("policy")

    @property
    def label(self) -> str:
        """`abort-storm [legacy]`: how a run is named in titles and legends."""
        return f"{self.scenario} [{self.policy}]" if self.policy else self.scenario

    @property
    def cut_short(self) -> str | None:
        """Why the run did not run to its end, in words, or None when it completed."""
        reasons: list[str] = []
        meta = self.run.meta
        if self.live_at is not None:
            return None  # still running: nothing was cut, the last line may be mid-write
        exit_reason = meta.get("exit_reason") or (self.summary or {}).get("exit_reason")
        if not self.run.finished and not meta.get("exit_reason"):
            reasons.append(UNFINISHED)
        elif exit_reason and exit_reason != "completed":
            reason = EXIT_REASON_TEXT.get(exit_reason, exit_reason)
            detail = meta.get("exit_detail")
            reasons.append(f"{reason} ({detail})" if detail else reason)
        if self.run.truncated or (self.summary or {}).get("truncated"):
            reasons.append("the last line of samples.jsonl was cut mid-write")
        return "; ".join(reasons) or None


def _recompute_summary(run: RunData, live: bool) -> tuple[dict[str, Any] | None, str]:
    """Try the verdict engine on the samples; say honestly what happened either way."""
    if live:
        missing = "the soak is still running"
    elif (run.run_dir / SUMMARY).is_file():
        missing = (
            f"{SUMMARY} is damaged (not JSON, or not the shape `leakbench schema summary` gives)"
        )
    else:
        missing = f"the run ended before writing {SUMMARY}"
    from leakbench.harness.verdict import (
        summarize_run,  # the statistics stack loads only when needed
    )

    exit_reason, exit_detail = run.meta.get("exit_reason"), run.meta.get("exit_detail")
    if not run.finished and not exit_reason and not live:
        exit_reason, exit_detail = "error", UNFINISHED
    try:
        summary = summarize_run(run, exit_reason=exit_reason, exit_detail=exit_detail)
    except Exception as exc:  # any failure here must not stop the report of a crashed run
        return None, f"{missing}, and recomputing it from the samples failed: {exc}"
    if live:
        return summary, f"{missing}; this is the verdict so far, from the samples recorded"
    return summary, f"{missing}; this verdict was recomputed from samples.jsonl at report time"


def load_evidence(run_dir: Path, *, live: bool = False) -> Evidence:
    """Load a run directory for reporting; raises BadInput when it is not one.

    `live`: the soak still runs, so there is no summary yet; the verdict is the one so far.
    """
    run = load_run(run_dir, keep_sidecar=True)
    summary, summary_note = run.summary, None
    if live:
        summary = None
    if summary is None:
        summary, summary_note = _recompute_summary(run, live)
    notes: list[str] = []
    if not len(run.columns):
        notes.append("samples.jsonl holds no samples: there is nothing to plot")
    if run.skipped_lines:
        lines = ", ".join(str(n) for n in run.skipped_lines[:5])
        more = "\u2026" if len(run.skipped_lines) > 5 else ""
        count = len(run.skipped_lines)
        notes.append(f"{count} unreadable line(s) of samples.jsonl were skipped: {lines}{more}")
    unmeasured = ((summary or {}).get("attribution") or {}).get("agent")
    if unmeasured:  # a Python target measured from outside: say what is missing
        notes.append(str(unmeasured))
    return Evidence(run, summary, summary_note, notes, datetime.now(UTC) if live else None)
