"""Exit codes of the `leakbench` CLI: a public contract (design §3) that scripts and CI gate on."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status of every `leakbench` command."""

    NO_LEAK = 0
    LEAK = 1
    BAD_INPUT = 2
    TARGET_FAILED = 3
    INCONCLUSIVE = 4
    INTERNAL_ERROR = 5  # a bug in leakbench: never a claim about the target
    INTERRUPTED = 130


VERDICT_EXIT = {
    "no-leak": ExitCode.NO_LEAK,
    "leak": ExitCode.LEAK,
    "inconclusive": ExitCode.INCONCLUSIVE,
    "error": ExitCode.TARGET_FAILED,
}
