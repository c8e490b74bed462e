"""Entering a running Python process: the agent started by `sys.remote_exec` (CPython 3.14+).

The rules this module lives by:

- The process is never changed beyond the agent's thread, and never stopped. The script that
  `sys.remote_exec` runs imports the agent from the run directory's bootstrap directory (the
  same copy a command target gets), takes that directory off `sys.path` again, and starts the
  agent; whatever goes wrong goes to the agent log, never to the target's output.
- `sys.remote_exec` must be called by an interpreter of the target's own version, so it is
  called by the target's own executable (`/proc/PID/exe`), which also says which version it is.
- Every way in which the process cannot be entered (an older interpreter, no permission to
  trace it, remote debugging turned off in it) is an answer, not an error: the process is then
  measured from outside, and the reason is said in the summary.
- The script runs when the process next runs Python code. A process idle in a system call
  starts its agent only when it wakes, so attach waits a little for it, then measures RSS
  until the agent connects.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from leakbench.harness.targets.python_agent import AGENT_PACKAGE, BOOTSTRAP_DIR, PythonAgent
from leakbench.harness.targets.runtime import PYTHON, detect_runtime

SCRIPT_NAME = "attach.py"
ASK_TIMEOUT_S = 30.0
"""The target's executable answering its version, or sys.remote_exec returning."""
NOT_MEASURED = "Python heap, objects, allocation sites and holders not measured, RSS only"
ADVICE = "to measure inside, run the service as a command target"
SCRIPT = """\
def _leakbench_attach(boot, address, config, log):
    import importlib
    import sys

    try:
        sys.path.insert(0, boot)
        try:
            agent = importlib.import_module({package!r} + ".agent")
        finally:
            sys.path.remove(boot)
        agent.start(address, config, log)
    except Exception as exc:
        try:
            with open(log, "a", encoding="utf-8") as out:
                out.write("agent did not start: %r\\n" % (exc,))
        except OSError:
            pass


_leakbench_attach({boot!r}, {address!r}, {config!r}, {log!r})
"""
"""What `sys.remote_exec` runs in the target: a fresh namespace, no `__file__`, so the
parameters are written into the script."""
VERSION_CHECK = "import sys; print(*sys.version_info[:2], hasattr(sys, 'remote_exec'))"
REMOTE_EXEC = "import sys; sys.remote_exec(int(sys.argv[1]), sys.argv[2])"


@dataclass(frozen=True)
class Entry:
    """The outcome of trying to enter a process: its agent, or why there is none; and the
    Python processes under it that could not be entered, each with why."""

    agent: PythonAgent | None
    not_measured: str | None
    missed: tuple[str, ...] = ()


def enter(pid: int, run_dir: Path, config: dict[str, Any], *, wait_s: float) -> Entry:
    """Start the agent inside Python process `pid` and in the Python processes under it (a
    master's workers), waiting up to `wait_s` for `pid`'s agent to connect."""
    answers: dict[str, str | Refused] = {}  # by executable: workers share their master's
    try:
        executable = _interpreter(pid, answers)
    except Refused as exc:
        return Entry(None, not_entered(str(exc)))
    agent = PythonAgent(
        run_dir,
        config,
        silent=f"the agent was injected into pid {pid} but never started: the process ran "
        "no Python code while it was watched (idle in a system call?)",
    )
    script = _write_script(agent, run_dir)
    try:
        _ask(executable, REMOTE_EXEC, str(pid), str(script))
    except Refused as exc:
        agent.close()
        return Entry(None, not_entered(f"sys.remote_exec into pid {pid} failed ({exc})"))
    missed = []
    for child in _python_descendants(pid):
        try:
            _ask(_interpreter(child, answers), REMOTE_EXEC, str(child), str(script))
        except Refused as exc:
            missed.append(f"pid {child}: {exc}")
    agent.await_main(pid, wait_s)
    return Entry(agent, None, tuple(missed))


def not_entered(why: str) -> str:
    """The statement for a Python process measured from outside only."""
    return f"{NOT_MEASURED}: {why}; {ADVICE}"


def _interpreter(pid: int, answers: dict[str, str | Refused]) -> str:
    """The executable of Python process `pid`, if it can be entered; Refused says why not.
    `answers` keeps each executable's answer, asked once."""
    try:
        executable = psutil.Process(pid).exe()
    except (psutil.NoSuchProcess, psutil.AccessDenied) as exc:
        raise Refused(f"its executable cannot be read ({type(exc).__name__})") from None
    if executable not in answers:
        answers[executable] = _can_enter(executable)
    answer = answers[executable]
    if isinstance(answer, Refused):
        raise answer
    return answer


def _can_enter(executable: str) -> str | Refused:
    """`executable` if its interpreter has sys.remote_exec, else why it cannot be used."""
    try:
        major, minor, can_enter = _ask(executable, VERSION_CHECK).split()
    except Refused as exc:
        return Refused(f"its interpreter {executable} did not say its version ({exc})")
    if can_enter != "True":
        return Refused(
            f"Python {major}.{minor} has no sys.remote_exec (CPython 3.14 and later), so a "
            "running interpreter of it cannot be entered"
        )
    return executable


def _python_descendants(pid: int) -> list[int]:
    """The Python processes under `pid` now (a worker started later is entered by its
    parent's agent if it forks, not at all if it spawns a new interpreter)."""
    found = []
    try:
        children = psutil.Process(pid).children(recursive=True)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []
    for child in children:
        try:
            if detect_runtime(child.cmdline()) == PYTHON:
                found.append(child.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _write_script(agent: PythonAgent, run_dir: Path) -> Path:
    boot = agent.install()
    script = run_dir / BOOTSTRAP_DIR / SCRIPT_NAME
    script.write_text(
        SCRIPT.format(
            package=AGENT_PACKAGE,
            boot=str(boot),
            address=agent.address,
            config=agent.config,
            log=agent.log_path,
        ),
        encoding="utf-8",
    )
    return script.resolve()


class Refused(Exception):
    """The target's interpreter did not do what it was asked; the message says why."""


def _ask(executable: str, code: str, *args: str) -> str:
    """The output of `code` run by the target's interpreter (isolated: no PYTHONPATH, no user
    site); Refused with the last line of its error output if it fails."""
    try:
        done = subprocess.run(
            [executable, "-I", "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=ASK_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Refused(type(exc).__name__) from exc
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise Refused(lines[-1] if lines else f"exit {done.returncode}")
    return done.stdout.strip()
