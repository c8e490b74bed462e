"""`leakbench attach PID`: watch a process that is already running (RSS and children).

A Node process is measured inside through its inspector. A Python process on CPython 3.14 and
later gets the same agent a command target does, started by `sys.remote_exec`
(harness/targets/python_attach.py); an older one, or one that cannot be entered, is measured
from outside, and the summary says plainly what was not measured and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import psutil
import typer
from rich.console import Console

from leakbench.harness.commands import arguments
from leakbench.harness.errors import BadInput
from leakbench.harness.targets.runtime import NODE, PYTHON

if TYPE_CHECKING:
    from leakbench.harness.targets.attached import AttachedProbe


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
    inject: Annotated[
        bool,
        typer.Option(
            help="Measure inside the process: the Node inspector, or in a Python 3.14+ "
            "process leakbench's agent (its own thread, gone when the watch ends).",
        ),
    ] = True,
    tracemalloc: Annotated[
        bool,
        typer.Option(
            "--tracemalloc",
            help="In a Python process, trace allocations to name the lines that grow (slower "
            "checkpoints; tracing stops when the watch ends).",
        ),
    ] = False,
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
    inside, not_measured = _inside(pid, run_dir, watch_s, every_s, inject, tracemalloc)
    target = AttachedTarget(
        pid, duration=watch_s, interval=every_s, inside=inside, not_measured=not_measured
    )
    plan = RunPlan(
        census_checkpoints=CHECKPOINTS if target.measures_inside else 0,
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
        drain=True,  # the drain sample records the agent's attribution, or the statement
        title=f"pid {pid}",
    )
    outcome = run_target(
        target, plan, run_dir, console=Console(stderr=True), show_progress=not quiet
    )
    report_path = None if no_report else render_run_report(run_dir)
    print_run_summary(Console(), outcome.summary, report_path)
    raise typer.Exit(int(outcome.exit_code))


CHECKPOINTS = 3
"""Censuses in a watch measured inside: a baseline and two to show what grew every time."""
AGENT_WAIT_S = 10.0
"""How long attach waits for an injected agent to connect before it starts sampling."""


def _inside(
    pid: int, run_dir: Path, duration: float, interval: float, inject: bool, tracemalloc: bool
) -> tuple[AttachedProbe | None, str | None]:
    """What measures inside process `pid`, and for a Python process that cannot be entered,
    what was not measured and why."""
    from leakbench.harness.targets.python_attach import enter, not_entered

    runtime = _runtime(pid)
    if runtime == NODE:
        return (_node(pid, duration, interval) if inject else None), None
    if runtime != PYTHON:
        return None, None
    if not inject:
        return None, not_entered("--no-inject was given")
    config = {"interval": interval, "tracemalloc": tracemalloc}
    entry = enter(pid, run_dir, config, wait_s=min(AGENT_WAIT_S, duration / 4))
    for missed in entry.missed:
        Console(stderr=True).print(f"warning: not measured inside {missed}", highlight=False)
    return entry.agent, entry.not_measured


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
