"""The `leakbench` command line: parse, call, exit code. The work lives in harness.commands.

Exit codes (design §3): 0 no leak, 1 leak, 2 bad input, 3 target failed, 4 inconclusive,
5 internal error, 130 interrupted. Errors the user can act on are one line on stderr, never a
traceback; so is a bug in leakbench itself, which must never exit 1 and pass for a caught leak.
"""

from __future__ import annotations

import os
import sys
import traceback

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
from leakbench.probe.lifeline import die_with_parent

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


def internal_error_line(exc: BaseException) -> str:
    """One line for a bug report: the exception and the innermost frame that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return (
        f"leakbench: internal error{where}: {type(exc).__name__}: {exc} (exit 5, not a verdict; "
        "LEAKBENCH_TRACEBACK=1 shows the traceback)"
    )


def main() -> None:
    """Console entry point: map every outcome to the documented exit codes."""
    die_with_parent()  # only when a parent asked for it (the `ci` pool): probe/lifeline.py
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
    except Exception as exc:  # a bug in leakbench: exit 5, never 1 ("leak")
        print(internal_error_line(exc), file=sys.stderr)
        if os.environ.get("LEAKBENCH_TRACEBACK"):
            traceback.print_exc()
        code = ExitCode.INTERNAL_ERROR
    sys.exit(int(code) if isinstance(code, int) else 0)
