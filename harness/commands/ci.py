"""`leakbench ci SCENARIO...`: soak several scenarios as one CI gate.

Each scenario is its own `leakbench run` in a child process (one after another, or `--jobs` at
a time, by harness.batch) with its own run directory under --out, so every run directory is
exactly what `leakbench run` writes.
Then the gate (harness.gate): one JUnit file, an index page, a table, the worst exit code.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from leakbench.harness.batch import Batch, PlannedRun
from leakbench.harness.commands.run import TransportChoice, default_run_dir
from leakbench.harness.errors import BadInput
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.gate import (
    InconclusiveRule,
    prepare_junit_file,
    prepare_output_dir,
    publish_gate,
    read_summary,
    stand_in_summary,
    summary_exit_code,
    unique_name,
)
from leakbench.harness.rundir import REPORT, SUMMARY
from leakbench.harness.scenario import GatewayTarget, load_scenario
from leakbench.reports.index import IndexEntry

LAST_OUTPUT_CHARS = 200  # of a failed run's log, quoted in its stand-in headline
GATEWAY_ONLY = ("policy", "transport")  # overrides a command target cannot take
# A run that left no summary.json: its exit status -> the gate's code (anything else: 3).
NO_SUMMARY_CODES = {
    ExitCode.BAD_INPUT: ExitCode.BAD_INPUT,
    ExitCode.INTERNAL_ERROR: ExitCode.INTERNAL_ERROR,
    ExitCode.INTERRUPTED: ExitCode.INTERRUPTED,
    -signal.SIGINT: ExitCode.INTERRUPTED,
}


class CiPolicy(StrEnum):
    legacy = "legacy"
    fixed = "fixed"


def plan_runs(
    refs: Sequence[str],
    out: Path,
    overrides: dict[str, Any],
    report: bool,
    confirm: bool = False,
) -> list[PlannedRun]:
    """Load and validate every scenario first, so bad input is exit 2 before any run starts.

    `overrides` are the command line's policy, transport, seed and duration; policy and
    transport apply to gateway scenarios only (a command target runs as its file says).
    """
    runs: list[PlannedRun] = []
    taken: set[str] = set()
    for ref in refs:
        base = load_scenario(ref)
        gateway = isinstance(base.target, GatewayTarget)
        applicable = {
            key: value
            for key, value in overrides.items()
            if value is not None and (gateway or key not in GATEWAY_ONLY)
        }
        scenario = base.with_overrides(**applicable)
        policy = getattr(scenario.target, "policy", None)
        name = unique_name("-".join(filter(None, [scenario.name, policy])), taken)
        run_dir = out / name
        run_args = ["run", ref, "--out", str(run_dir), "-q"]
        for key, value in applicable.items():
            run_args += [f"--{key}", str(value)]
        if not report:
            run_args.append("--no-report")
        if confirm:
            run_args.append("--confirm")
        runs.append(PlannedRun(name, scenario, run_dir, out / f"{name}.log", tuple(run_args)))
    return runs


def _last_output(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1][:LAST_OUTPUT_CHARS] if lines else "no output"


def run_entry(run: PlannedRun, returncode: int) -> IndexEntry:
    """The finished run as the gate sees it: its summary.json, or a stand-in when it left none."""
    summary = read_summary(run.run_dir)
    if summary is None:
        identity = {
            "scenario_name": run.scenario.name,
            "policy": getattr(run.scenario.target, "policy", None),
            "seed": run.scenario.seed,
        }
        problem = (
            f"`leakbench run` exited with code {returncode} and left no {SUMMARY} "
            f"({_last_output(run.log)}; full output in {run.log.name})"
        )
        code = NO_SUMMARY_CODES.get(returncode, ExitCode.TARGET_FAILED)
        summary = stand_in_summary(identity, problem, code)
    report = f"{run.name}/{REPORT}" if (run.run_dir / REPORT).is_file() else None
    return IndexEntry(run.name, summary, report)


def ci(
    scenario_refs: Annotated[
        list[str],
        typer.Argument(metavar="SCENARIO", help="Scenario files or built-in scenario names."),
    ],
    policy: Annotated[
        CiPolicy | None, typer.Option(help="Gateway cleanup policy (gateway scenarios only).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Workload seed for every scenario.")] = None,
    duration: Annotated[
        str | None, typer.Option(help="Workload length for every scenario, e.g. 90s, 10m, 4d.")
    ] = None,
    transport: Annotated[
        TransportChoice | None,
        typer.Option(help="How the built-in gateway is hosted (gateway scenarios only)."),
    ] = None,
    jobs: Annotated[
        int, typer.Option(min=1, help="How many scenarios run at once, each in its own process.")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option(help="Directory for the run directories (default: leakbench-runs/ci-<time>)."),
    ] = None,
    junit: Annotated[
        Path | None, typer.Option(help="Write one JUnit XML file, one test case per scenario.")
    ] = None,
    index: Annotated[
        bool, typer.Option("--index/--no-index", help="Write OUT/index.html linking every report.")
    ] = True,
    inconclusive: Annotated[
        InconclusiveRule,
        typer.Option(help="Whether an inconclusive run fails the gate (exit 4) or passes it."),
    ] = InconclusiveRule.fail,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Skip each run's HTML and PNG report.")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress display.")] = False,
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm",
            help="Each run: rerun an inconclusive verdict, or one close to its tolerance, twice "
            "as long with the next seed, and gate on the conclusion (leakbench run --confirm).",
        ),
    ] = False,
) -> None:
    """Run several scenarios as one CI gate: one run directory each, one JUnit file, one index.

    Every scenario is checked before any runs (bad input: exit 2). Each runs as its own
    `leakbench run` into OUT/<scenario>-<policy>/, its output in OUT/<scenario>-<policy>.log.
    The exit code is the worst of the runs': 130 interrupted > 2 bad input > 5 internal error >
    3 target failed > 1 leak > 4 inconclusive > 0 no leak; with --inconclusive pass, 4 counts as
    0. Ctrl-C stops
    the runs in progress (each still writes its summary), starts no more, and exits 130.

    Examples:

        leakbench ci abort-storm clean --policy legacy --junit leakbench.xml

        leakbench ci abort-storm timeouts mixed-faults --policy fixed --jobs 2 --out runs/ci
    """
    out = out or default_run_dir("ci")
    overrides = {
        "policy": policy.value if policy else None,
        "transport": transport.value if transport else None,
        "seed": seed,
        "duration": duration,
    }
    runs = plan_runs(scenario_refs, out, overrides, report=not no_report, confirm=confirm)
    if junit is not None:
        prepare_junit_file(junit)
    prepare_output_dir(out, "--out")
    for run in runs:
        if run.run_dir.exists() and not run.run_dir.is_dir():
            raise BadInput(f"--out {out}: {run.name} is a file, not a run directory")
    columns = (TextColumn("[bold]{task.description}"), TextColumn("{task.fields[status]}"))
    progress = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), disable=quiet)
    entries: dict[str, IndexEntry] = {}

    def finish(run: PlannedRun, returncode: int) -> str:
        entry = entries[run.name] = run_entry(run, returncode)
        return f"{entry.summary['verdict']} (exit {int(summary_exit_code(entry.summary))})"

    batch = Batch(runs, jobs, progress, finish)
    with progress:
        completed = batch.run()
    finished = [entries[run.name] for run in batch.finished_runs()]
    gate = publish_gate(
        finished,
        root=out,
        index=index,
        junit=junit,
        inconclusive=inconclusive,
        title=f"leakbench ci: {out.name}",
        console=Console(),
    )
    if not completed:
        skipped = [run.name for run in runs if run.name not in entries]
        print(f"leakbench: interrupted; not run: {', '.join(skipped) or 'none'}", file=sys.stderr)
        gate = ExitCode.INTERRUPTED
    raise typer.Exit(int(gate))
