"""The `leakbench` command line: parse, call, exit code. The work lives in harness.commands.

Exit codes (design §3): 0 no leak, 1 leak, 2 bad input, 3 target failed, 4 inconclusive,
5 internal error, 130 interrupted. Errors the user can act on are one line on stderr, never a
traceback; so is a bug in leakbench itself, which must never exit 1 and pass for a caught leak.

This module imports only the standard library and leakbench's error types at the top: typer and
every command's module load inside `main`, so a Ctrl-C while they import is an interrupt (exit
130, one line) like a Ctrl-C at any later moment. Only the command the command line names is
imported: `leakbench report` does not load the scenario models, the gateway or the CI gate.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

from leakbench.harness.errors import LeakbenchError
from leakbench.harness.exitcodes import ExitCode
from leakbench.probe.lifeline import die_with_parent

if TYPE_CHECKING:
    import typer

HELP = "Reproduce memory leaks, prove fixes with numbers, keep leaks from coming back."
# Command name -> its module in leakbench.harness.commands (the function has the same name).
COMMANDS = ("run", "compare", "report", "attach", "ci", "merge", "watch")
# Command group name -> (its module, whose `app` is the group; its help line).
GROUPS = {
    "scenarios": ("scenarios", "List, show, validate built-in scenarios."),
    "schema": ("schema", "Print the JSON Schema of summary.json or scenarios."),
}


def _module(name: str) -> ModuleType:
    return import_module(f"leakbench.harness.commands.{name}")


def named_command(argv: list[str]) -> str | None:
    """The command or group the command line names, or None (help, or a name to reject)."""
    first = argv[1] if len(argv) > 1 else None
    return first if first in COMMANDS or first in GROUPS else None


def build_app(only: str | None = None) -> typer.Typer:
    """The command line with every command (for help and errors), or only the one named."""
    import typer

    app = typer.Typer(
        name="leakbench",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    # A callback keeps `leakbench NAME` a group when only NAME is registered: typer would
    # otherwise make a lone command the root and read NAME as its first argument.
    app.callback()(lambda: None)
    for name in COMMANDS:
        if only in (None, name):
            app.command(name)(getattr(_module(name), name))
    for name, (module, help_line) in GROUPS.items():
        if only in (None, name):
            app.add_typer(_module(module).app, name=name, help=help_line)
    return app


def internal_error_line(exc: BaseException) -> str:
    """One line for a bug report: the exception and the innermost frame that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return (
        f"leakbench: internal error{where}: {type(exc).__name__}: {exc} (exit 5, not a verdict; "
        "LEAKBENCH_TRACEBACK=1 shows the traceback)"
    )


def _run() -> int:
    """Build the command line and run it; typer's own errors are bad input (exit 2)."""
    import typer

    try:
        code = build_app(named_command(sys.argv))(standalone_mode=False)
    except typer.Abort:
        raise KeyboardInterrupt from None
    except typer.TyperException as exc:
        exc.show()
        return ExitCode.BAD_INPUT
    return int(code) if isinstance(code, int) else 0


def main() -> None:
    """Console entry point: map every outcome to the documented exit codes."""
    die_with_parent()  # only when a parent asked for it (the `ci` pool): probe/lifeline.py
    try:
        code = _run()
    except LeakbenchError as exc:
        print(exc, file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    except Exception as exc:  # a bug in leakbench: exit 5, never 1 ("leak")
        print(internal_error_line(exc), file=sys.stderr)
        if os.environ.get("LEAKBENCH_TRACEBACK"):
            traceback.print_exc()
        code = ExitCode.INTERNAL_ERROR
    if code == ExitCode.INTERRUPTED:
        # One line however the Ctrl-C ended the command: raised past typer (during imports),
        # turned by typer into a silent 130 (inside any command or group), or a soak's own 130.
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not print a traceback
        print("leakbench: interrupted", file=sys.stderr)
    sys.exit(int(code))
