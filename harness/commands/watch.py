"""`leakbench watch RUN_DIR`: the live state of a soak in the terminal, without touching it.

It only reads the run directory (meta.json, samples.jsonl, summary.json) every `--every`
seconds, so it can look at a soak on a CI runner or a remote box from another shell, and
Ctrl-C stops the watch, never the soak. On a finished run it shows the final state and exits
with the run's exit code, so a script can wait for a soak with it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.live import Live

from leakbench.harness.commands.run import parse_option_duration
from leakbench.harness.errors import LeakbenchError
from leakbench.harness.exitcodes import ExitCode

if TYPE_CHECKING:
    from leakbench.reports.live import WatchState

STALLED_S = 120.0
"""No new sample for this long while meta.json says running: the run may have died."""


def look(run_dir: Path) -> WatchState:
    """Read the run directory once: the verdict so far (or the final one) and the RSS curve."""
    from leakbench.harness.rundir import SAMPLES, load_run
    from leakbench.harness.verdict import summarize_run
    from leakbench.reports.live import WatchState, soak_position
    from leakbench.reports.series import field, last_sample, series

    run = load_run(run_dir)
    samples_path = run_dir / SAMPLES
    quiet_for = time.time() - samples_path.stat().st_mtime if samples_path.exists() else 0.0
    summary = run.summary if run.finished else None
    if summary is None and len(run.columns):
        summary = summarize_run(run)
    if run.finished:
        status = f"finished ({run.meta.get('exit_reason') or 'unknown'})"
    elif quiet_for > STALLED_S:
        status = f"no new sample for {quiet_for:.0f} s: the run may have stopped"
    else:
        status = "running"
    last = last_sample(run.columns)
    _, rss = series(run.columns, field("rss"), "t_wall")
    name = run.meta.get("scenario_name") or run_dir.name
    policy = run.meta.get("policy")
    return WatchState(
        label=f"{name} [{policy}]" if policy else str(name),
        status=status,
        finished=run.finished,
        samples=len(run.columns),
        rss_now=last.get("rss"),
        rss=rss,
        position=soak_position(run.meta, last),
        summary=summary,
    )


def watch(
    run_dir: Annotated[
        Path,
        typer.Argument(metavar="RUN_DIR", help="A run directory, running or finished."),
    ],
    every: Annotated[str, typer.Option(help="Time between looks, e.g. 5s, 1m.")] = "5s",
    once: Annotated[bool, typer.Option("--once", help="Show the state once and exit.")] = False,
) -> None:
    """Show a soak's live state: the verdict so far, the RSS slope with its interval, an RSS
    sparkline and the time left. Ctrl-C stops watching; the soak goes on.

    Exits with the run's exit code once it has finished, 130 on Ctrl-C, 2 when RUN_DIR is not
    a run directory.

    Example: leakbench watch leakbench-runs/my-service-20261124-090000
    """
    from leakbench.reports.live import watch_panel

    pause = parse_option_duration(every, "--every")
    console = Console()
    try:
        state = look(run_dir)
        if once or state.finished:
            console.print(watch_panel(state))
        else:
            with Live(watch_panel(state), console=console, auto_refresh=False) as live:
                while not state.finished:
                    time.sleep(pause)
                    state = look(run_dir)
                    live.update(watch_panel(state), refresh=True)
    except LeakbenchError as exc:
        typer.echo(f"leakbench: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("leakbench: stopped watching; the soak goes on", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    code = (state.summary or {}).get("exit_code") if state.finished else None
    raise typer.Exit(int(code) if code is not None else 0)
