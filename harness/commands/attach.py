"""`leakbench attach PID`: watch a process that is already running (RSS and children).

A Node process is measured inside through its inspector. A Python process is measured from
outside only: the agent is not injected into a running interpreter (`sys.remote_exec`, CPython
3.14+, is not used yet), so the summary says plainly that its heap, objects and holders were not
measured, and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import psutil
import typer
from rich.console import Console

from leakbench.harness.commands import arguments
from leakbench.harness.errors import BadInput
from leakbench.harness.targets.runtime import NODE, PYTHON


def attach(
    pid: Annotated[int, typer.Argument(help="Process id to watch; it is never stopped.")],
    duration: Annotated[str, typer.Option(help="How long to watch, e.g. 10m, 2h.")] = "10m",
    interval: Annotated[
        str | None,
        typer.Option(
            help="Time between samples, e.g. 1s, 250ms (default: 1s, shorter for a watch under "
            "100 s so it has 100 samples, longer past 200,000 samples)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Run directory.")] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip the report.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar.")] = False,
) -> None:
    """Sample PID's RSS (and its children's) and judge its growth per hour.

    Without a run count the verdict is per hour of wall time, against 1 MiB/h.

    Example: leakbench attach 4242 --duration 30m --interval 2s
    """
    from leakbench.harness.commands.run import default_run_dir
    from leakbench.harness.runner import RunPlan, run_target
    from leakbench.harness.targets.advice import too_few_samples
    from leakbench.harness.targets.attached import AttachedTarget
    from leakbench.harness.targets.interval import watch_interval
    from leakbench.harness.verdict import Tolerances
    from leakbench.reports.render import render_run_report
    from leakbench.reports.terminal import print_run_summary

    watch_s = arguments.duration(duration, "--duration")
    every_s = watch_interval(watch_s) if interval is None else arguments.interval(interval)
    warning = too_few_samples(watch_s, every_s)
    if warning:
        Console(stderr=True).print(f"warning: {warning}", highlight=False)
    if pid < 1 or not psutil.pid_exists(pid):
        raise BadInput(f"pid {pid}: no such process")
    run_dir = arguments.output_dir(out or default_run_dir(f"attach-{pid}"))
    runtime = _runtime(pid)
    target = AttachedTarget(
        pid,
        duration=watch_s,
        interval=every_s,
        node=_node(pid, watch_s, every_s) if runtime == NODE else None,
        not_measured=PYTHON_NOT_MEASURED if runtime == PYTHON else None,
    )
    plan = RunPlan(
        census_checkpoints=3 if target.checkpoint_limit else 0,
        identity={
            "scenario_name": f"attach-{pid}",
            "scenario": {"attach": {"pid": pid, "duration": watch_s}, "verdict": {"scope": "tree"}},
            "seed": None,
            "policy": None,
            "transport": "attached",
            "target": "process",
        },
        tolerances=Tolerances(scope="tree"),  # the process and its children, as `run` does
        fraction=lambda step: step.t_gateway / watch_s,
        drain=target.not_measured is not None,  # the drain sample records the statement
        title=f"pid {pid}",
    )
    outcome = run_target(
        target, plan, run_dir, console=Console(stderr=True), show_progress=not quiet
    )
    report_path = None if no_report else render_run_report(run_dir)
    print_run_summary(Console(), outcome.summary, report_path)
    raise typer.Exit(int(outcome.exit_code))


PYTHON_NOT_MEASURED = (
    "Python heap, objects, allocation sites and holders not measured, RSS only: leakbench "
    "injects its agent only into Python processes it starts (a command target); to measure "
    "inside, run the service as a command target"
)


def _runtime(pid: int) -> str | None:
    """The runtime of a running process from its command line; None when it cannot be read."""
    from leakbench.harness.targets.runtime import detect_runtime

    try:
        return detect_runtime(psutil.Process(pid).cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _node(pid: int, duration: float, interval: float) -> Any:
    """A Node process's inspector (its own, or opened by SIGUSR1), or None when it cannot open."""
    from leakbench.harness.errors import TargetFailed
    from leakbench.harness.inspector.schedule import GcSchedule
    from leakbench.harness.targets.node_inspector import NodeInspector, open_inspector

    try:
        endpoint, opened = open_inspector(pid)
        return NodeInspector(endpoint, pid, GcSchedule(duration, interval), close_inspector=opened)
    except TargetFailed as exc:
        Console(stderr=True).print(f"Node heap not measured, RSS only: {exc}")
        return None
