"""JUnit XML for CI: one test case per scenario run, so a leak shows up where test failures do.

The shape follows the JUnit schema Jenkins, GitLab, GitHub test reporters and Azure read
(tests/data/junit.xsd): <testsuites><testsuite><testcase classname="leakbench.<scenario>"
name="<scenario>[<policy>]" time="...">. Outcomes:

- no-leak: passed;
- leak: <failure type="leak">;
- error (the target crashed, hung or refused to start): <error type="target-failed">;
- inconclusive: <failure type="inconclusive"> by default, because a soak gate that passes
  when it could not decide would let a regression through; pass `inconclusive="skipped"` to
  report it as <skipped> instead (visible, not failing).

The headline is the message; the key figures go in the element text and in system-out.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from leakbench.harness.units import MISSING, format_duration, format_number
from leakbench.reports.tables import retained_rows, signal_rows

InconclusiveAs = Literal["failure", "skipped"]


@dataclass(frozen=True)
class JUnitCase:
    """One scenario run as a JUnit test case."""

    scenario: str
    policy: str | None
    verdict: str
    time_s: float
    headline: str
    details: str = ""

    @property
    def name(self) -> str:
        return f"{self.scenario}[{self.policy}]" if self.policy else self.scenario

    @classmethod
    def from_summary(cls, summary: dict[str, Any], report: Path | None = None) -> JUnitCase:
        """Build a case from a summary.json dict; `report` is named in the details."""
        return cls(
            scenario=str(summary.get("scenario", "unknown")),
            policy=summary.get("policy"),
            verdict=str(summary.get("verdict", "error")),
            time_s=float(summary.get("duration_s") or 0.0),
            headline=str(summary.get("headline") or summary.get("verdict", "")),
            details=key_figures(summary, report),
        )


def key_figures(summary: dict[str, Any], report: Path | None = None) -> str:
    """The verdict's evidence in a few plain lines, for CI logs."""
    lines = [
        f"verdict: {summary.get('verdict')} (exit code {summary.get('exit_code')}, "
        f"exit reason {summary.get('exit_reason')})",
        str(summary.get("headline", "")),
        f"runs completed: {format_number(summary.get('runs_completed'))}; gateway time "
        f"{format_duration(summary.get('gateway_time_s'))}; wall time "
        f"{format_duration(summary.get('duration_s'))}",
    ]
    for row in signal_rows(summary):
        figures = {
            "slope": f"{row['slope_per_run']}/run",
            "interval": row["slope_per_run_ci"],
            "99% lower bound": row["lower_bound_99"],
            "MDL": row["mdl"],
        }
        shown = [f"{name} {value}" for name, value in figures.items() if MISSING not in value]
        lines.append("; ".join([f"{row['signal']}: {row['verdict']}", *shown]))
    retained = [row for row in retained_rows(summary) if row["leaks"]]
    if retained:
        held = ", ".join(f"{r['map']} {r['entries']} entries ({r['bytes']})" for r in retained)
        lines.append(f"retained after the drain: {held}")
    if report is not None:
        lines.append(f"report: {report}")
    return "\n".join(lines)


def _outcome(verdict: str, inconclusive: InconclusiveAs) -> tuple[str, str] | None:
    """(element, type) for a verdict, or None when the case passed."""
    if verdict == "no-leak":
        return None
    if verdict == "leak":
        return "failure", "leak"
    if verdict == "inconclusive":
        return inconclusive, "inconclusive"
    return "error", "target-failed"


def _seconds(value: float) -> str:
    """JUnit times are plain decimals (never 1e-05)."""
    return f"{max(0.0, value):.3f}"


def write_junit(
    cases: list[JUnitCase],
    path: Path,
    inconclusive: InconclusiveAs = "failure",
    suite: str = "leakbench",
) -> Path:
    """Write a JUnit XML file with one test case per scenario run; return its path."""
    outcomes = [_outcome(case.verdict, inconclusive) for case in cases]
    counts = {
        kind: str(sum(1 for outcome in outcomes if outcome and outcome[0] == kind))
        for kind in ("failure", "error", "skipped")
    }
    total = _seconds(sum(case.time_s for case in cases))
    totals = {"tests": str(len(cases)), "failures": counts["failure"], "errors": counts["error"]}
    root = ET.Element("testsuites", name=suite, time=total, **totals)
    testsuite = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        skipped=counts["skipped"],
        time=total,
        timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        hostname=socket.gethostname(),
        **totals,
    )
    for case, outcome in zip(cases, outcomes, strict=True):
        text = case.details or case.headline
        testcase = ET.SubElement(
            testsuite,
            "testcase",
            name=case.name,
            classname=f"leakbench.{case.scenario}",
            time=_seconds(case.time_s),
        )
        if outcome is not None:
            element, kind = outcome
            result = ET.SubElement(testcase, element, message=case.headline, type=kind)
            if element != "skipped":
                result.text = text
        ET.SubElement(testcase, "system-out").text = text
    ET.indent(root)
    path = Path(path)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
