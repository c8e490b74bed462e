"""`leakbench report RUN_DIR`: rebuild a run's report from its run directory alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leakbench.harness.errors import BadInput, LeakbenchError


def report(
    run_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RUN_DIR",
            help="A run directory written by `leakbench run` (holds meta.json, samples.jsonl).",
            show_default=False,
        ),
    ],
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="The soak is still running: show the verdict so far ('leakbench run' rebuilds "
            "report.html this way during a soak).",
        ),
    ] = False,
) -> None:
    """Re-render a run's report (rss.png, state.png, objects.png, report.html) from its samples.

    Works for runs that crashed or were interrupted: without summary.json the report
    still shows the plots and says whether the verdict could be recomputed.

    Exits 0 once the report is written, 2 when RUN_DIR is not a run directory.

    Example: leakbench report leakbench-runs/abort-storm-legacy
    """
    from leakbench.reports.evidence import load_evidence
    from leakbench.reports.render import render_evidence_report
    from leakbench.reports.terminal import print_run_summary

    try:
        evidence = load_evidence(run_dir, live=live)
        try:
            path = render_evidence_report(evidence)
        except OSError as exc:
            raise BadInput(f"{run_dir}: cannot write the report: {exc.strerror or exc}") from None
    except LeakbenchError as exc:
        typer.echo(f"leakbench: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    print_run_summary(Console(), evidence.summary, path)
