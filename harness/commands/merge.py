"""`leakbench merge RUN_DIR...`: one gate over run directories that separate CI jobs made.

A CI job matrix runs one scenario per job and uploads each run directory as an artifact; a
final job downloads them all and merges them: one JUnit file, and with --index DIR each run's
report files copied to DIR/<run>/ beside DIR/index.html, so DIR works on its own as one
uploaded artifact or a static site. The exit code is the worst of the runs' (harness.gate); a
run directory without summary.json (its job died mid-run) counts as target failed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leakbench.harness.errors import BadInput
from leakbench.harness.gate import (
    InconclusiveRule,
    prepare_junit_file,
    prepare_output_dir,
    publish_gate,
    read_meta,
    read_summary,
    stand_in_summary,
    unique_name,
)
from leakbench.harness.rundir import META, PLOT_FILES, REPORT, SUMMARY
from leakbench.reports.index import IndexEntry

# What DIR/<run>/ gets: the report and what it was rendered from, not the (large) samples.
REPORT_FILES = (REPORT, *PLOT_FILES, SUMMARY, META)


def _distinct(run_dirs: list[Path]) -> list[Path]:
    """The run directories in the order given, each once (overlapping shell globs)."""
    seen: set[Path] = set()
    distinct = []
    for run_dir in run_dirs:
        if run_dir.resolve() not in seen:
            seen.add(run_dir.resolve())
            distinct.append(run_dir)
    return distinct


def copy_report_files(run_dir: Path, dest: Path) -> bool:
    """Copy the run's report files that exist into `dest`; True when report.html was among
    them. Copying a directory onto itself (merging a site in place) changes nothing."""
    dest.mkdir(parents=True, exist_ok=True)
    if dest.resolve() != run_dir.resolve():
        for name in REPORT_FILES:
            if (run_dir / name).is_file():
                shutil.copy2(run_dir / name, dest / name)
    return (dest / REPORT).is_file()


def merge(
    run_dirs: Annotated[
        list[Path],
        typer.Argument(metavar="RUN_DIR", help="Run directories (shell globs are fine)."),
    ],
    junit: Annotated[
        Path | None, typer.Option(help="Write one JUnit XML file, one test case per run.")
    ] = None,
    index: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Copy each run's report to DIR/<run>/, index them."),
    ] = None,
    inconclusive: Annotated[
        InconclusiveRule,
        typer.Option(help="Whether an inconclusive run fails the gate (exit 4) or passes it."),
    ] = InconclusiveRule.fail,
) -> None:
    """Merge run directories from separate CI jobs into one JUnit file and one index page.

    The exit code is the worst of the runs': 130 interrupted > 2 bad input > 5 internal error >
    3 target failed > 1 leak > 4 inconclusive > 0 no leak (a run without summary.json counts as
    3); with
    --inconclusive pass, 4 counts as 0. A path that is not a run directory is exit 2.

    Examples:

        leakbench merge runs/*/ --junit merged.xml --index site/
    """
    run_dirs = _distinct(run_dirs)
    metas = [read_meta(run_dir) for run_dir in run_dirs]
    if index is not None:
        if index.resolve() in {run_dir.resolve() for run_dir in run_dirs}:
            raise BadInput(f"--index {index}: is one of the run directories; choose a new one")
        prepare_output_dir(index, "--index")
    if junit is not None:
        prepare_junit_file(junit)
    entries = []
    taken: set[str] = set()
    for run_dir, meta in zip(run_dirs, metas, strict=True):
        name = unique_name(run_dir.resolve().name, taken)
        summary = read_summary(run_dir) or stand_in_summary(
            meta, f"{run_dir} has no {SUMMARY}; the run did not finish"
        )
        if index is not None:
            report = f"{name}/{REPORT}" if copy_report_files(run_dir, index / name) else None
        else:
            report = str(run_dir / REPORT) if (run_dir / REPORT).is_file() else None
        entries.append(IndexEntry(name, summary, report))
    gate = publish_gate(
        entries,
        root=index or Path(),
        index=index is not None,
        junit=junit,
        inconclusive=inconclusive,
        title=f"leakbench merge: {len(entries)} run directories",
        console=Console(),
    )
    raise typer.Exit(int(gate))
