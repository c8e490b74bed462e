"""Words for how a child process ended, for the report when a target dies."""

from __future__ import annotations

import signal
import subprocess


def describe_exit(process: subprocess.Popen[str], wait_s: float = 2.0) -> str:
    """'exited with code N' or 'killed by SIGKILL'; waits briefly for a dying process's status."""
    try:
        code = process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exited with code {code}"
