"""`leakbench run SCENARIO`: soak a target, decide leak / no leak, write the run directory."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from leakbench.harness.commands import arguments
from leakbench.harness.errors import BadInput
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.scenario import GatewayTarget, Scenario, load_scenario
from leakbench.harness.units import parse_duration

if TYPE_CHECKING:
    from leakbench.harness.runner import RunOutcome

DEFAULT_OUT = Path("leakbench-runs")
DEFAULT_REFRESH_S = 300.0


class PolicyChoice(StrEnum):
    legacy = "legacy"
    fixed = "fixed"
    both = "both"


class TransportChoice(StrEnum):
    embedded = "embedded"
    websocket = "websocket"


def parse_option_duration(text: str, option: str, *, allow_zero: bool = False) -> float:
    """A duration option in seconds; BadInput naming the option when it is not one."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise BadInput(f"{option}: {exc}") from None
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise BadInput(f"{option}: expected a positive duration; got {text!r}")
    return seconds


def default_run_dir(label: str) -> Path:
    """leakbench-runs/<label>-<UTC time>: a new directory per run, sortable by time."""
    return DEFAULT_OUT / f"{label}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"


def run_and_report(
    scenario: Scenario,
    run_dir: Path,
    *,
    quiet: bool,
    as_json: bool,
    report: bool,
    refresh_s: float = DEFAULT_REFRESH_S,
) -> RunOutcome:
    """One run, its report (rebuilt every `refresh_s` while it runs), and the terminal summary."""
    # Imported here: the statistics and plotting stacks take a second or two to load, and
    # every other command (help, scenarios, merge) should start without them.
    from leakbench.harness.commands.live_report import ReportRefresher
    from leakbench.harness.runner import LiveSchedule, run_scenario
    from leakbench.reports.terminal import print_run_summary

    live = LiveSchedule(ReportRefresher(run_dir), refresh_s) if report and refresh_s > 0 else None
    outcome = run_scenario(
        scenario,
        run_dir,
        console=Console(stderr=True),
        show_progress=not (quiet or as_json),
        live=live,
    )
    report_path = None
    if report:
        from leakbench.reports.render import render_run_report

        report_path = render_run_report(run_dir)
    if as_json:
        return outcome
    if quiet:
        print(outcome.summary.get("headline") or outcome.summary["verdict"])
    else:
        print_run_summary(Console(), outcome.summary, report_path)
    return outcome


def confirmed(
    scenario: Scenario, outcome: RunOutcome, *, quiet: bool, as_json: bool, report: bool,
    refresh_s: float,
) -> RunOutcome:  # fmt: skip
    """`--confirm`: rerun a verdict that stands on little evidence twice as long with the next
    seed, into RUN_DIR/confirm/, and conclude from both (harness.confirm says how)."""
    from leakbench.harness.confirm import (
        CONFIRM_DIR,
        conclude,
        confirmation_reason,
        confirmation_scenario,
    )
    from leakbench.harness.rundir import SUMMARY, write_json_atomically
    from leakbench.harness.runner import RunOutcome

    reason = confirmation_reason(outcome.summary)
    if reason is None:
        return outcome
    longer = confirmation_scenario(scenario)
    if not as_json:
        seeded = f" with seed {longer.seed}" if isinstance(longer.target, GatewayTarget) else ""
        print(f"confirming ({reason}): rerunning twice as long{seeded}")
    second = run_and_report(
        longer,
        arguments.output_dir(outcome.run_dir / CONFIRM_DIR),
        quiet=quiet,
        as_json=as_json,
        report=report,
        refresh_s=refresh_s,
    )
    summary = conclude(outcome.summary, second.summary, reason)
    write_json_atomically(outcome.run_dir / SUMMARY, summary)
    if report:
        from leakbench.reports.render import render_run_report

        render_run_report(outcome.run_dir)
    if not as_json:
        print(summary["headline"])
    return RunOutcome(outcome.run_dir, summary, ExitCode(summary["exit_code"]))


def _print_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def run(
    scenario_ref: Annotated[
        str,
        typer.Argument(metavar="SCENARIO", help="A scenario file, or a built-in scenario's name."),
    ],
    policy: Annotated[
        PolicyChoice | None,
        typer.Option(help="Gateway cleanup policy; 'both' runs legacy then fixed and compares."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Workload seed (overrides the file).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Run directory (default: leakbench-runs/<scenario>-<policy>-<time>)."),
    ] = None,
    duration: Annotated[
        str | None,
        typer.Option(help="Workload length, e.g. 90s, 10m, 4d (gateway time for the gateway)."),
    ] = None,
    transport: Annotated[
        TransportChoice | None, typer.Option(help="How the built-in gateway is hosted.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only the summary JSON on stdout.")
    ] = False,
    junit: Annotated[Path | None, typer.Option(help="Write a JUnit XML file for CI.")] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Skip the HTML and PNG report.")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar.")] = False,
    interval: Annotated[
        str | None,
        typer.Option(
            help="Time between samples of a command target (overrides probe.interval; by default "
            "250ms, longer for soaks over 200,000 samples)."
        ),
    ] = None,
    refresh: Annotated[
        str,
        typer.Option(
            help="Rebuild report.html this often while the soak runs (verdict so far); 0: never."
        ),
    ] = "5m",
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm",
            help="Rerun an inconclusive verdict, or one close to its tolerance, twice as long "
            "with the next seed (into RUN_DIR/confirm/), and conclude from both.",
        ),
    ] = False,
) -> None:
    """Run SCENARIO and decide leak / no leak.

    Exit codes: 0 no leak, 1 leak, 2 bad input, 3 target failed, 4 inconclusive,
    5 internal error (leakbench's own bug, never a verdict), 130 interrupted. With --policy
    both the exit code is the fixed run's: the comparison gates the fix, and a legacy run that
    does not leak is reported as a warning.

    Examples:

        leakbench run abort-storm --policy legacy

        leakbench run mixed-faults --policy both --out runs/mixed
    """
    base = load_scenario(scenario_ref)
    refresh_s = parse_option_duration(refresh, "--refresh", allow_zero=True)
    if out is not None:
        arguments.output_dir(out)
    overrides: dict[str, Any] = {"seed": seed, "duration": duration, "interval": interval}
    if transport is not None:
        overrides["transport"] = transport.value
    both = policy == PolicyChoice.both
    policies = ["legacy", "fixed"] if both else [policy.value if policy else None]
    root = out or default_run_dir(f"{base.name}-both") if both else None
    outcomes: list[RunOutcome] = []
    for name in policies:
        scenario = base.with_overrides(policy=name, **overrides)
        if root is not None:
            run_dir = arguments.output_dir(root / str(name))
        else:
            label = "-".join(filter(None, [scenario.name, getattr(scenario.target, "policy", "")]))
            run_dir = arguments.output_dir(out or default_run_dir(label))
        outcome = run_and_report(
            scenario,
            run_dir,
            quiet=quiet,
            as_json=as_json,
            report=not no_report,
            refresh_s=refresh_s,
        )
        if confirm:
            outcome = confirmed(
                scenario,
                outcome,
                quiet=quiet,
                as_json=as_json,
                report=not no_report,
                refresh_s=refresh_s,
            )
        outcomes.append(outcome)
        if outcome.exit_code in (ExitCode.INTERRUPTED, ExitCode.TARGET_FAILED):
            break
    comparison = None
    if both and len(outcomes) == 2:
        from leakbench.reports.compare import render_comparison

        assert root is not None
        comparison = render_comparison(outcomes[0].run_dir, outcomes[1].run_dir, root / "compare")
        if not as_json:
            if outcomes[0].summary["verdict"] != "leak":
                print("warning: the legacy run did not leak; the comparison proves little")
            print(f"{comparison['conclusion']} ({comparison['html']})")
    if junit is not None:
        from leakbench.reports.junit import JUnitCase, write_junit

        write_junit([JUnitCase.from_summary(o.summary) for o in outcomes], junit)
    if as_json:
        summaries = [o.summary for o in outcomes]
        _print_json({"runs": summaries, "comparison": comparison} if both else summaries[0])
    raise typer.Exit(int(outcomes[-1].exit_code))
