"""A running process as a target (`leakbench attach PID`): measured, never driven or stopped."""

from __future__ import annotations

import time

import psutil
from leakbench.harness.errors import BadInput, TargetFailed
from leakbench.harness.targets.base import StepResult, Target


class AttachedTarget(Target):
    """Samples an existing process every `interval` seconds for `duration` seconds."""

    transport = "attached"

    def __init__(self, pid: int, *, duration: float, interval: float) -> None:
        if not psutil.pid_exists(pid):
            raise BadInput(f"pid {pid}: no such process")
        self._pid = pid
        self._duration = duration
        self._interval = interval
        self._started_at = 0.0
        self._next_sample = 0.0
        self._finished = False

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def finished(self) -> bool:
        return self._finished

    def start(self) -> None:
        self._started_at = self._next_sample = time.monotonic()

    def step(self) -> StepResult:
        self._next_sample += self._interval
        delay = self._next_sample - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if not psutil.pid_exists(self._pid):
            raise TargetFailed(f"process {self._pid} exited while attached")
        elapsed = time.monotonic() - self._started_at
        self._finished = elapsed >= self._duration
        return StepResult(runs_done=0, t_gateway=elapsed)

    def stop(self) -> None:
        """Leave the process alone: leakbench did not start it."""
