"""The `leakbench` command line: parse, call, exit code. The work lives in harness.commands.

Exit codes (design §3): 0 no leak, 1 leak, 2 bad input, 3 target failed, 4 inconclusive,
130 interrupted. Errors the user can act on are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from leakbench.harness.commands import (
    attach,
    ci,
    compare,
    merge,
    report,
    run,
    scenarios,
    schema,
    watch,
)
from leakbench.harness.errors import LeakbenchError
from leakbench.harness.exitcodes import ExitCode

app = typer.Typer(
    name="leakbench",
    help="Reproduce memory leaks, prove fixes with numbers, keep leaks from coming back.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run")(run.run)
app.command("compare")(compare.compare)
app.command("report")(report.report)
app.command("attach")(attach.attach)
app.command("ci")(ci.ci)
app.command("merge")(merge.merge)
app.command("watch")(watch.watch)
app.add_typer(scenarios.app, name="scenarios", help="List, show, validate built-in scenarios.")
app.add_typer(schema.app, name="schema", help="Print the JSON Schema of summary.json or scenarios.")


def main() -> None:
    """Console entry point: map every outcome to the documented exit codes."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:
        exc.show()
        code = ExitCode.BAD_INPUT
    except LeakbenchError as exc:
        print(exc, file=sys.stderr)
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("leakbench: interrupted", file=sys.stderr)
        code = ExitCode.INTERRUPTED
    sys.exit(int(code) if isinstance(code, int) else 0)
