"""`leakbench attach` on a running CPython 3.14+ process: the agent enters it and its forked
workers by `sys.remote_exec`, says what leaks, where and who holds it, and leaves the process
as it was; a process that runs no Python code while watched is
measured from outside and said so, and its late agent never writes to its output.

These need a CPython 3.14 on the path as `python3.14` (.ci/cpython3.14 installs one on Debian).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from leakbench.harness.exitcodes import ExitCode
from leakbench_cli import leakbench

PYTHON_314 = shutil.which("python3.14")
pytestmark = pytest.mark.skipif(
    PYTHON_314 is None, reason="sys.remote_exec needs CPython 3.14 (.ci/cpython3.14)"
)
SERVICE = Path(__file__).parent / "targets" / "agent_service"
CACHE_TYPE = "templating.formatting.Rendered"
CACHE_HOLDER = "templating.formatting._cache"
STATE_SCRIPT = """\
import json, sys, threading, tracemalloc
with open({out!r}, "w") as out:
    json.dump({{"threads": sorted(t.name for t in threading.enumerate()),
               "tracing": tracemalloc.is_tracing(), "path": sys.path}}, out)
"""


def _service(script: str) -> subprocess.Popen[str]:
    assert PYTHON_314 is not None
    service = subprocess.Popen(
        [PYTHON_314, script],
        cwd=SERVICE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its forked workers are stopped with it
    )
    time.sleep(0.5)  # past its imports: what is attached to is a running service
    return service


def _state(pid: int, tmp_path: Path) -> dict[str, Any]:
    """What the process runs and traces, read from inside it (with the test's own script)."""
    assert PYTHON_314 is not None
    out = tmp_path / f"state-{time.monotonic_ns()}.json"
    script = tmp_path / "state.py"
    script.write_text(STATE_SCRIPT.format(out=str(out)), encoding="utf-8")
    subprocess.run([PYTHON_314, "-c", f"import sys; sys.remote_exec({pid}, {str(script)!r})"])
    return json.loads(_wait_for(out).read_text())


def _wait_for(path: Path, timeout: float = 20.0) -> Path:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.05)
    return path


def _stop(service: subprocess.Popen[str]) -> tuple[str, str]:
    os.killpg(service.pid, signal.SIGKILL)
    return service.communicate()


def test_attach_enters_a_master_and_its_workers_names_the_holder_and_leaves_them_as_they_were(
    tmp_path: Path,
) -> None:
    """A master that forked two workers before the watch: all three get an agent, each
    reports for itself, and the master runs on as it was once the watch ends."""
    service = _service("forking_service.py")
    try:
        before = _state(service.pid, tmp_path)
        out = tmp_path / "attached"
        result = leakbench(
            "attach", str(service.pid), "--duration", "8s", "--interval", "50ms",
            "--tracemalloc", "--out", out, "--no-report",
        )  # fmt: skip
        after = _state(service.pid, tmp_path)
    finally:
        output = _stop(service)
    summary = json.loads((out / "summary.json").read_text())
    assert result.code == ExitCode.LEAK, summary["headline"]
    assert summary["signals"]["heap"]["verdict"] == "leak", summary["signals"]["heap"]
    found = summary["attribution"]
    assert "agent" not in found  # nothing left unmeasured
    main = next(p for p in found["processes"] if p.get("main"))
    assert main["pid"] == service.pid and main["python"].startswith("3.14")
    workers = {p["pid"] for p in found["processes"] if p.get("ppid") == service.pid}
    assert len(workers) == 2
    assert found["types"][0]["type"] == CACHE_TYPE
    assert found["sites"][0]["site"].startswith("templating/formatting.py:")
    assert {h["pid"] for h in found["holders"] if h["holder"] == CACHE_HOLDER} == workers
    # The headline names the workers' cache: holders rank by what they hold in their process,
    # not by pid (the master gains a few sets too).
    assert found["holders"][0]["holder"] == CACHE_HOLDER
    assert f"held in {CACHE_HOLDER}" in summary["headline"]
    # Gone with the watch: the agent's thread, tracemalloc, the bootstrap on sys.path.
    assert before["threads"] == ["MainThread"]
    assert after == before
    assert output == ("", "")  # nothing of the agent reached the service's output


def test_a_process_idle_while_watched_is_measured_outside_and_its_late_agent_stays_silent(
    tmp_path: Path,
) -> None:
    """The injected script runs only when the process runs Python code again: the watch says
    the agent never started, and when the process wakes after the watch, the agent that finds
    no harness says so in the agent log, never in the process's output."""
    service = _service("idle_service.py")
    try:
        out = tmp_path / "attached"
        result = leakbench(
            "attach", str(service.pid), "--duration", "2s", "--interval", "50ms",
            "--out", out, "--no-report",
        )  # fmt: skip
        assert service.stdin is not None
        service.stdin.write("wake up\n")
        service.stdin.flush()
        log = _wait_for(out / "agent.log")
        assert service.poll() is None  # it runs on
    finally:
        output = _stop(service)
    assert result.code in (ExitCode.NO_LEAK, ExitCode.INCONCLUSIVE), result.stderr
    said = json.loads((out / "summary.json").read_text())["attribution"]["agent"]
    assert "never started" in said and "no Python code" in said
    assert "Error" in log.read_text()  # the connection it could not make, with its reason
    assert output == ("", "")
