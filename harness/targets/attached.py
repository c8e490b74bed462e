"""A running process as a target (`leakbench attach PID`): measured, never driven or stopped."""

from __future__ import annotations

import time
from typing import Any

import psutil

from leakbench.harness.errors import BadInput, TargetFailed
from leakbench.harness.targets.base import DrainResult, StepResult, Target
from leakbench.harness.targets.node_inspector import SNAPSHOTS_PER_RUN, NodeInspector


class AttachedTarget(Target):
    """Samples an existing process every `interval` seconds for `duration` seconds.

    not_measured: what could not be measured inside the process and why (a Python process, into
    which no agent is injected); the drain sample records it as the attribution's `agent`, as a
    command target's agent does, so a summary recomputed from the run directory keeps it.
    """

    transport = "attached"

    def __init__(
        self,
        pid: int,
        *,
        duration: float,
        interval: float,
        node: NodeInspector | None = None,
        not_measured: str | None = None,
    ) -> None:
        if not psutil.pid_exists(pid):
            raise BadInput(f"pid {pid}: no such process")
        self._pid = pid
        self._node = node
        self.not_measured = not_measured
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
        inside = self._node.sample() if self._node is not None else {}
        return StepResult(runs_done=0, t_gateway=elapsed, inside=inside)

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        return None if self._node is None else self._node.checkpoint(baseline)

    @property
    def checkpoint_limit(self) -> int | None:
        return None if self._node is None else SNAPSHOTS_PER_RUN

    def drain(self) -> DrainResult | None:
        """No time to let pass: only the statement of what was not measured, if there is one."""
        if self.not_measured is None:
            return None
        step = StepResult(runs_done=0, t_gateway=time.monotonic() - self._started_at)
        return DrainResult(step=step, attribution={"agent": self.not_measured})

    def stop(self) -> None:
        """Leave the process alone: leakbench did not start it (an inspector it opened closes)."""
        if self._node is not None:
            self._node.close()
