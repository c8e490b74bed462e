"""`python -m leakbench.probe.supervise [--cwd DIR] -- COMMAND...`: run COMMAND, and kill its
process group when the pipe on stdin closes (the harness died, even by SIGKILL).

Protocol with the harness (harness.targets.command), which starts this in a new session:
- stdin is the lifeline: the harness never writes; end of file means it is gone.
- stdout carries one JSON line, `{"pid": N}` once COMMAND started, or `{"error": "..."}`
  (exit 127) when it could not start, naming what was missing (the program or the `cwd`).
- COMMAND runs in this process's group, with stdin from /dev/null and stdout and stderr on
  this process's stderr (the run's target.log).
- When COMMAND exits, this exits the same way (same code, or killed by the same signal), so
  the harness sees COMMAND's own exit status. SIGTERM (the harness stopping the group) does
  not end this before COMMAND. When the lifeline closes, the group gets SIGTERM, and SIGKILL
  after `GRACE_S`.

Standard library only (leakbench.probe).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Optional, Union

GRACE_S = 1.0
POLL_S = 0.1


def _start(argv: list[str], cwd: Optional[str]) -> Union[subprocess.Popen[bytes], str]:
    """The started command, or why it could not start (one line)."""
    if cwd is not None and not os.path.isdir(cwd):
        return f"cwd {cwd!r} does not exist or is not a directory"
    try:
        return subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr
        )
    except OSError as exc:
        return f"cannot start {argv[0]!r}: {exc.strerror}"


def _kill_group() -> None:
    """SIGTERM the group (this process ignores it), then SIGKILL it, this process included."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)
    time.sleep(GRACE_S)
    os.killpg(0, signal.SIGKILL)


def _exit_like(returncode: int) -> None:
    if returncode < 0:  # killed by a signal: die of the same one
        if -returncode != signal.SIGKILL:  # SIGKILL's action cannot be set (nor caught)
            signal.signal(-returncode, signal.SIG_DFL)
        os.kill(os.getpid(), -returncode)
    sys.exit(returncode)


def main(args: list[str]) -> None:
    cwd = None
    if args[:1] == ["--cwd"]:
        cwd, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print('{"error": "no command given"}', flush=True)
        sys.exit(2)
    child = _start(args, cwd)
    if isinstance(child, str):
        print(json.dumps({"error": child}), flush=True)
        sys.exit(127)
    print(json.dumps({"pid": child.pid}), flush=True)
    sys.stdout.close()
    # The harness stops the target with SIGTERM to the group: COMMAND got it too; stay until
    # it is gone, so the harness's wait (and its SIGKILL after a grace) covers COMMAND.
    signal.signal(signal.SIGTERM, lambda *_: None)
    while child.poll() is None:
        ready, _, _ = select.select([sys.stdin], [], [], POLL_S)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            _kill_group()
    _exit_like(child.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
