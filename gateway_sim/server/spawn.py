"""Start the server as a child process and learn its URL from its listening line.

For whoever drives a server it did not start by hand: the harness's WebSocket target, the tests
and the benchmark. The child gets its own session, so a Ctrl-C meant for the parent does not
reach it; the parent stops it with SIGTERM. It dies with the parent, also when the parent is
killed with SIGKILL (`leakbench.probe.lifeline`): call `spawn_server` from a thread that lives
as long as the server should.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
from typing import IO, Any

from leakbench.probe.lifeline import parent_env

START_TIMEOUT_S = 30.0


class ServerDidNotStart(Exception):
    """No listening line came: the server exited (bad arguments, port in use) or hung."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        super().__init__("the gateway server did not start")
        self.process = process


def spawn_server(
    args: list[str], *, stderr: int | IO[Any] | None = None, timeout: float = START_TIMEOUT_S
) -> tuple[subprocess.Popen[str], str]:
    """`python -m leakbench.gateway_sim serve ARGS`, once listening: the process and its URL.

    Raises ServerDidNotStart (a server still running after `timeout` is killed first)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "leakbench.gateway_sim", "serve", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
        env=parent_env(),  # the server dies with this process, even by SIGKILL
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    try:
        return process, str(json.loads(line)["listening"])
    except (ValueError, KeyError, TypeError):
        if process.poll() is None:
            process.kill()
        raise ServerDidNotStart(process) from None
