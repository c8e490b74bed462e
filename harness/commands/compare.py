"""`leakbench compare BEFORE_DIR AFTER_DIR`: the before/after report of two runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leakbench.harness.errors import BadInput, LeakbenchError


def compare(
    before_dir: Annotated[
        Path,
        typer.Argument(
            metavar="BEFORE_DIR",
            help="Run directory of the run before the change.",
            show_default=False,
        ),
    ],
    after_dir: Annotated[
        Path,
        typer.Argument(
            metavar="AFTER_DIR",
            help="Run directory of the run after the change.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Where to write compare.png and compare.html "
            "(default: beside AFTER_DIR, in compare-BEFORE-vs-AFTER, named after both runs).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare two runs: RSS of both on shared axes, per-map retained entries side by side, and
    how much of the growth per run the change removed, with a conservative interval.

    Exits 0 once the comparison is written, 2 when either directory is not a run directory.

    Example: leakbench compare leakbench-runs/abort-storm-legacy leakbench-runs/abort-storm-fixed
    """
    from leakbench.reports.compare import default_compare_dir, render_comparison

    target = out or default_compare_dir(before_dir, after_dir)
    try:
        try:
            result = render_comparison(before_dir, after_dir, target)
        except OSError as exc:
            raise BadInput(
                f"{target}: cannot write the comparison: {exc.strerror or exc}"
            ) from None
    except LeakbenchError as exc:
        typer.echo(f"leakbench: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    console = Console()
    console.print(result["conclusion"])
    console.print(f"Comparison: {result['html']}")
