"""`leakbench scenarios list | show | validate | schema`: the scenario files, seen from outside.

Problems are one line on stderr (`FILE:LINE: field.path: message`) and exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from leakbench.harness.errors import BadInput
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.scenario import (
    GatewayTarget,
    Scenario,
    builtin_names,
    find_scenario_file,
    load_scenario,
    parse_scenario,
    read_scenario_text,
)
from leakbench.harness.units import format_duration_spec

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

app = typer.Typer(
    help="List, show, validate built-in scenarios and print the scenario JSON Schema.",
    no_args_is_help=True,
)


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """BadInput as its one line on stderr and exit 2, also when this app runs on its own."""
    try:
        yield
    except BadInput as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(int(exc.exit_code)) from None


def _describe_target(scenario: Scenario) -> str:
    target = scenario.target
    if isinstance(target, GatewayTarget):
        return f"gateway {target.policy}/{target.transport}"
    return f"command {target.command[0]}"


def _describe_length(scenario: Scenario) -> str:
    workload = scenario.workload
    if workload.runs is not None:
        return f"{workload.runs:,} runs"
    clock = "gateway" if isinstance(scenario.target, GatewayTarget) else "wall"
    return f"{format_duration_spec(workload.duration or 0)} {clock} time"


def _describe_faults(scenario: Scenario) -> str:
    shares = scenario.workload.faults.model_dump()
    shown = [f"{name} {share:.1%}".replace(".0%", "%") for name, share in shares.items() if share]
    return ", ".join(shown) or "none"


def _first_sentence(text: str) -> str:
    """The table shows the headline; `show` prints the whole description."""
    head, dot, _ = text.partition(". ")
    return head + dot.strip()


@app.command("list")
def list_scenarios() -> None:
    """List the built-in scenarios: what they run, for how long, with which faults."""
    table = Table(
        title="Built-in scenarios (run one with: leakbench run NAME --policy legacy)",
        show_lines=True,
    )
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("length, target", ratio=1)
    table.add_column("faults", ratio=1)
    table.add_column("description", ratio=2)
    with _one_line_errors():
        for name in builtin_names():
            scenario = load_scenario(name)
            table.add_row(
                name,
                f"{_describe_length(scenario)}\n[dim]{_describe_target(scenario)}[/dim]",
                _describe_faults(scenario),
                _first_sentence(scenario.description),
            )
    Console().print(table)


@app.command("show")
def show(
    ref: Annotated[
        str, typer.Argument(metavar="NAME|FILE", help="A built-in name or a YAML file.")
    ],
) -> None:
    """Print a scenario as written, then every value resolved (seconds, bytes, per second).

    Example: leakbench scenarios show abort-storm
    """
    with _one_line_errors():
        path = find_scenario_file(ref)
        text = read_scenario_text(path)
        scenario = parse_scenario(text, source=str(path), base_dir=path.parent)
    typer.echo(f"# {path}")
    typer.echo(text.rstrip("\n"))
    typer.echo("\n# resolved, with defaults (durations in s, sizes in bytes, rates per second)")
    typer.echo(yaml.safe_dump(scenario.to_resolved_dict(), sort_keys=False).rstrip("\n"))


@app.command("validate")
def validate(
    refs: Annotated[list[str], typer.Argument(metavar="FILE", help="Scenario files to check.")],
) -> None:
    """Check scenario files: one line each, 'FILE: ok' or its first problem; exit 2 if any fails.

    Example: leakbench scenarios validate my-service.yaml scenarios/*.yaml
    """
    failed = False
    for ref in refs:
        try:
            load_scenario(ref)
        except BadInput as exc:
            typer.echo(str(exc), err=True)
            failed = True
        else:
            typer.echo(f"{ref}: ok")
    if failed:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and CI checks).

    Example: leakbench scenarios schema > leakbench-scenario.schema.json
    """
    typer.echo(json.dumps(scenario_json_schema(), indent=2))


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario files."""
    return {"$schema": JSON_SCHEMA_DIALECT, **Scenario.model_json_schema()}
