"""Children that die with the process that started them, even when it is killed with SIGKILL.

A harness killed by `kill -9` runs no cleanup, so whatever it started must notice by itself:

- Children leakbench writes itself (the embedded worker, the gateway server) call
  `die_with_parent()` first thing: Linux's `PR_SET_PDEATHSIG` (through `prctl`) has the kernel
  send them SIGKILL when their parent goes. The parent passes its pid in `PARENT_ENV`
  (`parent_env()`), so a child whose parent died before `prctl` ran sees another parent and
  exits at once. The kernel ties the signal to the *thread* that forked the child: start
  such children from a thread that lives as long as they should.
- A user's command, whose code leakbench cannot change, runs under `leakbench.probe.supervise`:
  a tiny supervisor that holds the read end of a pipe from the harness (its stdin) and kills
  the command's process group when that pipe closes, which the kernel does when the harness
  dies, however it dies.

Standard library only: this runs inside processes leakbench starts.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Optional

PARENT_ENV = "LEAKBENCH_PARENT_PID"
PR_SET_PDEATHSIG = 1


def parent_env(env: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The environment for a child that should call `die_with_parent()`: `env` (default: this
    process's) plus this process's pid."""
    return {**(os.environ if env is None else env), PARENT_ENV: str(os.getpid())}


def die_with_parent(signum: int = signal.SIGKILL) -> bool:
    """Have the kernel send `signum` when the parent named in PARENT_ENV dies; exit now if it
    already has. No-op (False) without PARENT_ENV or off Linux."""
    expected = os.environ.pop(PARENT_ENV, None)  # not inherited by this process's children
    if expected is None or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return False
    if str(os.getppid()) != expected:  # the parent died before prctl: nobody would signal us
        os._exit(1)
    return True
