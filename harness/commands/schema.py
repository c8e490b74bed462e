"""`leakbench schema summary | scenario`: the JSON Schemas of leakbench's public files.

summary.json is what CI scripts and dashboards read; scenario files are what users write.
Both schemas are generated from the models the product itself validates with, so they cannot
drift from it.
"""

from __future__ import annotations

import json
from typing import Any

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _print(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, indent=2))


@app.command("summary")
def summary() -> None:
    """Print the JSON Schema of summary.json (draft 2020-12).

    Example: leakbench schema summary > leakbench-summary.schema.json
    """
    from leakbench.harness.verdict.schema import summary_json_schema

    _print(summary_json_schema())


@app.command("scenario")
def scenario() -> None:
    """Print the JSON Schema of scenario files (the same as `leakbench scenarios schema`)."""
    from leakbench.harness.commands.scenarios import scenario_json_schema

    _print(scenario_json_schema())
