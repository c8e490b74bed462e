"""Several runs judged as one CI gate: their exit codes folded into one, a JUnit file, an index.

Shared by `leakbench ci` (runs the scenarios, then gates) and `leakbench merge` (gates run
directories that separate CI jobs made). The gate's exit code is the most severe of the runs',
in this order:

    130 interrupted > 2 bad input > 5 internal error > 3 target failed > 1 leak > 4 inconclusive
    > 0 no leak

Interrupted and bad input come first because then the gate did not measure what it was asked
to; an internal error (leakbench's own bug) next, for the same reason. A target that failed
outranks a leak: the service did not even survive the soak, and its missing evidence could hide
a leak. Inconclusive ranks below a leak (a decided failure beats an
undecided one) and, with `--inconclusive pass`, counts as 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from leakbench.harness.errors import BadInput
from leakbench.harness.exitcodes import VERDICT_EXIT, ExitCode
from leakbench.harness.rundir import META, SUMMARY
from leakbench.reports.evidence import VERDICT_STYLE
from leakbench.reports.index import IndexEntry, gate_sentence, index_rows, write_index
from leakbench.reports.junit import JUnitCase, write_junit

SEVERITY = (
    ExitCode.INTERRUPTED,
    ExitCode.BAD_INPUT,
    ExitCode.INTERNAL_ERROR,
    ExitCode.TARGET_FAILED,
    ExitCode.LEAK,
    ExitCode.INCONCLUSIVE,
    ExitCode.NO_LEAK,
)


class InconclusiveRule(StrEnum):
    """Whether an inconclusive run fails the gate (the default) or passes it."""

    fail = "fail"
    passes = "pass"


def worst_exit_code(
    codes: Iterable[ExitCode], inconclusive: InconclusiveRule = InconclusiveRule.fail
) -> ExitCode:
    """The most severe of `codes` by SEVERITY; 0 when there are none."""
    counted = {
        ExitCode.NO_LEAK
        if code == ExitCode.INCONCLUSIVE and inconclusive == InconclusiveRule.passes
        else code
        for code in codes
    }
    return next((code for code in SEVERITY if code in counted), ExitCode.NO_LEAK)


def summary_exit_code(summary: dict[str, Any]) -> ExitCode:
    """The run's exit code as its summary records it (from the verdict for older summaries)."""
    try:
        return ExitCode(summary["exit_code"])
    except (KeyError, TypeError, ValueError):
        return VERDICT_EXIT.get(str(summary.get("verdict")), ExitCode.TARGET_FAILED)


def unique_name(label: str, taken: set[str]) -> str:
    """`label`, or `label-2`, `label-3`...: no two runs of a gate share a directory name."""
    name, number = label, 1
    while name in taken:
        number += 1
        name = f"{label}-{number}"
    taken.add(name)
    return name


def read_meta(run_dir: Path) -> dict[str, Any]:
    """meta.json of a run directory; BadInput naming the directory when it is not one."""
    if not run_dir.exists():
        raise BadInput(f"{run_dir}: no such run directory")
    if not run_dir.is_dir():
        raise BadInput(f"{run_dir}: not a directory")
    path = run_dir / META
    if not path.is_file():
        raise BadInput(f"{run_dir}: not a leakbench run directory (no {META})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise BadInput(f"{path}:1: expected a JSON object, got {type(meta).__name__}")
    return meta


def read_summary(run_dir: Path) -> dict[str, Any] | None:
    """summary.json, or None when the run left none (or only a damaged one: not JSON, or not
    the shape `leakbench schema summary` publishes, so that a field of the wrong type cannot
    crash the outputs that read it)."""
    from leakbench.harness.verdict.schema import Summary

    try:
        summary = json.loads((run_dir / SUMMARY).read_text(encoding="utf-8"))
        Summary.model_validate(summary, strict=True)
    except (OSError, ValueError):  # JSON and UTF-8 decoding errors, pydantic's too
        return None
    return summary


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def stand_in_summary(
    identity: dict[str, Any], problem: str, exit_code: ExitCode = ExitCode.TARGET_FAILED
) -> dict[str, Any]:
    """A summary for a run that left no summary.json, so it still shows up in every output.

    `identity` gives scenario and policy (a meta.json, or what ci planned); the verdict is
    "error", which JUnit reports as an error and the index as a failed run.
    """
    return {
        "scenario": _text_or_none(identity.get("scenario_name") or identity.get("scenario")),
        "policy": _text_or_none(identity.get("policy")),
        "seed": seed if isinstance(seed := identity.get("seed"), int) else None,
        "verdict": "error",
        "exit_code": int(exit_code),
        "exit_reason": _text_or_none(identity.get("exit_reason")) or "no-summary",
        "headline": f"No verdict: {problem}.",
    }


def prepare_output_dir(path: Path, flag: str) -> None:
    """Create an output directory up front, so a bad path is exit 2 before any work."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{flag} {path}: cannot create the directory ({exc.strerror})") from None


def prepare_junit_file(path: Path) -> None:
    """Check --junit can be written (and create its directory) before any work."""
    if path.is_dir():
        raise BadInput(f"--junit {path}: is a directory, expected a file name")
    prepare_output_dir(path.parent, "--junit")


def write_gate_junit(
    entries: Sequence[IndexEntry], path: Path, root: Path, inconclusive: InconclusiveRule
) -> Path:
    """One JUnit file, one test case per run, each naming its report (under `root`)."""
    cases = [
        JUnitCase.from_summary(e.summary, root / e.report if e.report else None) for e in entries
    ]
    as_skipped = inconclusive == InconclusiveRule.passes
    return write_junit(cases, path, inconclusive="skipped" if as_skipped else "failure")


def print_gate_table(console: Console, entries: Sequence[IndexEntry], exit_code: ExitCode) -> None:
    """The runs as a rich table, their headlines (too long for a cell), the gate in one line."""
    table = Table(box=box.SIMPLE_HEAD, title="leakbench runs")
    for header in ("run", "verdict", "exit", "RSS/run", "state/run"):
        table.add_column(header, justify="left" if header in ("run", "verdict") else "right")
    rows = index_rows(entries)
    for row in rows:
        style = VERDICT_STYLE.get(row["verdict_key"] or None, VERDICT_STYLE[None])[1]
        verdict = Text(row["verdict"], style=style)
        table.add_row(row["name"], verdict, row["exit_code"], row["rss"], row["state"])
    console.print(table)
    for row in rows:
        console.print(Text.assemble((row["name"], "bold"), f": {row['headline']}"))
    console.print(gate_sentence(entries, exit_code))


def publish_gate(
    entries: Sequence[IndexEntry],
    *,
    root: Path,
    index: bool,
    junit: Path | None,
    inconclusive: InconclusiveRule,
    title: str,
    console: Console,
) -> ExitCode:
    """Print the table, write `root/index.html` (when `index`) and the JUnit file; return the
    gate's exit code. Each entry's report link is relative to `root`."""
    exit_code = worst_exit_code((summary_exit_code(e.summary) for e in entries), inconclusive)
    print_gate_table(console, entries, exit_code)
    if index:
        console.print(f"Index: {write_index(entries, root, exit_code, title)}")
    if junit is not None:
        console.print(f"JUnit: {write_gate_junit(entries, junit, root, inconclusive)}")
    return exit_code
