"""Any process as a target: started from an argv, measured from outside, loaded by a driver.

The command runs under `leakbench.probe.supervise` (probe/lifeline.py): in its own process
group, killed with that group when the pipe from this process closes, so a harness killed by
SIGKILL leaves nothing running. The target's output goes to `target.log` in the run directory.
A Python driver given as `module:function` runs in a harness thread and reports completed
runs, so per-run slopes work for user services too; without one, slopes are per hour of wall
time. A runtime's measurement from inside (the Python agent, the Node inspector) plugs in as an
`InsideProbe`: it prepares the environment, enters the started process, then adds its fields to
each sample, answers checkpoints and gives the final attribution.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from leakbench.harness.drivers.loader import DriverContext, load_driver
from leakbench.harness.errors import TargetFailed
from leakbench.harness.targets.base import ChildProcessTarget, DrainResult, StepResult
from leakbench.harness.targets.inside import InsideProbe, InsideProbes, StartedProcess
from leakbench.harness.targets.process_exit import describe_exit

READY_POLL_S = 0.05
SUPERVISOR_EXIT_S = 5.0  # how long a supervisor may take to mirror its command's exit
SUPERVISOR_START_S = 30.0


class CommandTarget(ChildProcessTarget):
    """Runs `argv` in its own session and samples it every `interval` seconds for `duration`."""

    transport = "command"

    def __init__(
        self,
        argv: list[str],
        *,
        duration: float,
        interval: float,
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        ready: dict[str, Any] | None = None,
        driver: str | None = None,
        driver_args: dict[str, Any] | None = None,
        inside: list[InsideProbe] | None = None,
    ) -> None:
        super().__init__()
        self._argv = argv
        self._duration = duration
        self._interval = interval
        self._log_path = log_path
        self._env = env or {}
        self._cwd = cwd
        self._ready = ready
        self._driver_spec = driver
        self._driver_args = driver_args or {}
        self._spawned_at = 0.0
        self._started_at = 0.0
        self._next_sample = 0.0
        self._context: DriverContext | None = None
        self._driver_thread: threading.Thread | None = None
        self._driver_error: BaseException | None = None
        self._command_pid: int | None = None
        self._inside = InsideProbes(inside or [])

    @property
    def ended_cleanly(self) -> bool:
        """The command ended by itself with success. Its supervisor mirrors the command's exit
        a moment later, so a command already gone (or a zombie) is waited for briefly."""
        if self._process is None:
            return False
        if self._process.poll() is None and not self._command_running():
            try:
                self._process.wait(timeout=SUPERVISOR_EXIT_S)
            except subprocess.TimeoutExpired:
                return False
        return self._process.poll() == 0

    def _command_running(self) -> bool:
        if self._command_pid is None:
            return True
        try:
            return psutil.Process(self._command_pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    @property
    def pid(self) -> int:
        """The command's pid (the supervisor's child), which the probe measures."""
        assert self._command_pid is not None
        return self._command_pid

    def start(self) -> None:
        driver = load_driver(self._driver_spec, self._cwd) if self._driver_spec else None
        cwd = [] if self._cwd is None else ["--cwd", self._cwd]
        env = self._inside.prepare({**os.environ, **self._env})
        with open(self._log_path, "w", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                # -I: the supervisor ignores PYTHONPATH, so an agent meant for the command
                # is not injected into the supervisor itself.
                [sys.executable, "-I", "-m", "leakbench.probe.supervise", *cwd, "--", *self._argv],
                stdin=subprocess.PIPE,  # the lifeline: closes when this process dies
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                text=True,
                start_new_session=True,
            )
        self._command_pid = self._started_pid()
        self._spawned_at = time.monotonic()
        self._inside.started(
            StartedProcess(
                self._command_pid,
                lambda: self._log_path.read_text(encoding="utf-8", errors="replace"),
                lambda: self._process is not None and self._process.poll() is None,
            )
        )
        self._wait_ready()
        self._started_at = time.monotonic()
        self._next_sample = self._started_at
        if driver is not None:
            self._context = DriverContext(pid=self.pid, args=self._driver_args)
            self._driver_thread = threading.Thread(
                target=self._run_driver, args=(driver,), name="load-driver", daemon=True
            )
            self._driver_thread.start()

    def _started_pid(self) -> int:
        """The command's pid from the supervisor's one line, or why it did not start."""
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], SUPERVISOR_START_S)
        line = self._process.stdout.readline() if ready else ""
        self._process.stdout.close()
        try:
            started = json.loads(line)
        except ValueError:
            started = None
        if isinstance(started, dict) and isinstance(started.get("pid"), int):
            return started["pid"]
        reason = started.get("error") if isinstance(started, dict) else None
        self.stop()
        raise TargetFailed(
            reason or f"the command did not start: {self.exit_status()}", reason="target-refused"
        )

    def _run_driver(self, driver: Any) -> None:
        assert self._context is not None
        try:
            driver(self._context)
        except BaseException as exc:
            self._driver_error = exc

    def _wait_ready(self) -> None:
        if not self._ready:
            return
        timeout = float(self._ready.get("timeout", 30.0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if self._is_ready():
                return
            time.sleep(READY_POLL_S)
        raise TargetFailed(
            f"target not ready after {timeout:.0f}s ({self._ready})", reason="target-refused"
        )

    def _is_ready(self) -> bool:
        assert self._ready is not None
        if self._ready.get("delay") is not None:
            return time.monotonic() - self._spawned_at >= float(self._ready["delay"])
        if self._ready.get("tcp"):
            host, _, port = str(self._ready["tcp"]).rpartition(":")
            try:
                with socket.create_connection((host, int(port)), timeout=0.5):
                    return True
            except OSError:
                return False
        if self._ready.get("log"):
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
            return re.search(str(self._ready["log"]), text) is not None
        return True

    def _check_alive(self) -> None:
        assert self._process is not None
        if self._process.poll() is not None:
            raise TargetFailed(f"target died: {describe_exit(self._process)}")

    def step(self) -> StepResult:
        self._next_sample += self._interval
        delay = self._next_sample - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        assert self._process is not None
        if self._driver_error is not None:
            raise TargetFailed(f"load driver failed: {self._driver_error!r}")
        elapsed = time.monotonic() - self._started_at
        if self._process.poll() is not None:
            if self._process.returncode != 0:
                raise TargetFailed(f"target died after {elapsed:.1f}s: {self.exit_status()}")
            self._finished = True
        if elapsed >= self._duration:
            self._finished = True
        return self._step_result(elapsed)

    def _step_result(self, elapsed: float) -> StepResult:
        runs = self._context.runs_done if self._context is not None else 0
        return StepResult(runs_done=runs, t_gateway=elapsed, inside=self._inside.sample())

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        return self._inside.checkpoint(baseline)

    @property
    def checkpoint_limit(self) -> int | None:
        return self._inside.checkpoint_limit

    def drain(self) -> DrainResult | None:
        """No time to let pass in a user's service: only the inside measurement's final word
        (what grew at every checkpoint, who holds it), recorded on a last `drain` sample. A
        target that already ended has nothing left to ask: its checkpoints stand for it."""
        if self._process is None or self._process.poll() is not None:
            return None
        attribution = self._inside.attribution()
        if attribution is None:
            return None
        return DrainResult(
            step=self._step_result(time.monotonic() - self._started_at), attribution=attribution
        )

    def stop(self) -> None:
        """Stop the driver, let the probes go while the process still runs (the Node inspector
        is closed from inside), then stop the process group."""
        try:
            self._stop_driver()
            self._inside.close()
        finally:
            self._stop_process()

    def _stop_driver(self) -> None:
        if self._context is not None:
            self._context.stop.set()
        if self._driver_thread is not None:
            self._driver_thread.join(timeout=5)

    def _stop_process(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self._close_lifeline()
            return
        for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self._process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self._process.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        self._close_lifeline()

    def _close_lifeline(self) -> None:
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()
