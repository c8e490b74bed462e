"""Errors the CLI turns into one line on stderr and a distinct exit code, never a traceback."""

from leakbench.harness.exitcodes import ExitCode


class LeakbenchError(Exception):
    """A failure the user can act on; `str()` is the one-line message shown to them."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class BadInput(LeakbenchError):
    """Usage error or invalid scenario/run directory (exit 2)."""

    exit_code = ExitCode.BAD_INPUT


class InternalError(LeakbenchError):
    """leakbench itself failed (exit 5), so the run says nothing about the target.

    Raised where a run directory exists, after it holds what could be saved; `str()` names the
    exception and where the details are.
    """

    exit_code = ExitCode.INTERNAL_ERROR


class TargetFailed(LeakbenchError):
    """The target crashed, hung or refused to start (exit 3).

    `reason` is the run directory's exit_reason: target-crashed, target-hung or target-refused.
    """

    exit_code = ExitCode.TARGET_FAILED

    def __init__(self, message: str, reason: str = "target-crashed") -> None:
        super().__init__(message)
        self.reason = reason
