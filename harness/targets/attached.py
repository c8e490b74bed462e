"""A running process as a target (`leakbench attach PID`): measured, never driven or stopped."""

from __future__ import annotations

import time
from typing import Any, Protocol

import psutil

from leakbench.harness.errors import BadInput, TargetFailed
from leakbench.harness.targets.base import DrainResult, StepResult, Target


class AttachedProbe(Protocol):
    """Measurement from inside a running process (a Node inspector, a Python agent)."""

    @property
    def checkpoint_limit(self) -> int | None: ...

    def sample(self) -> dict[str, Any]: ...

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None: ...

    def attribution(self) -> dict[str, Any] | None: ...

    def close(self) -> None: ...


class AttachedTarget(Target):
    """Samples an existing process every `interval` seconds for `duration` seconds.

    inside: what measures inside the process, if it could be entered.
    not_measured: what could not be measured inside the process and why (a Python process that
    could not be entered); the drain sample records it as the attribution's `agent`, as a
    command target's agent does, so a summary recomputed from the run directory keeps it.
    """

    transport = "attached"

    def __init__(
        self,
        pid: int,
        *,
        duration: float,
        interval: float,
        inside: AttachedProbe | None = None,
        not_measured: str | None = None,
    ) -> None:
        if not psutil.pid_exists(pid):
            raise BadInput(f"pid {pid}: no such process")
        self._pid = pid
        self._inside = inside
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
        inside = self._inside.sample() if self._inside is not None else {}
        return StepResult(runs_done=0, t_gateway=elapsed, inside=inside)

    @property
    def measures_inside(self) -> bool:
        return self._inside is not None

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        return None if self._inside is None else self._inside.checkpoint(baseline)

    @property
    def checkpoint_limit(self) -> int | None:
        return None if self._inside is None else self._inside.checkpoint_limit

    def drain(self) -> DrainResult | None:
        """No time to let pass: only the inside measurement's final word, or the statement of
        what was not measured."""
        if self.not_measured is not None:
            attribution: dict[str, Any] | None = {"agent": self.not_measured}
        else:
            attribution = None if self._inside is None else self._inside.attribution()
        if attribution is None:
            return None
        step = StepResult(runs_done=0, t_gateway=time.monotonic() - self._started_at)
        return DrainResult(step=step, attribution=attribution)

    def stop(self) -> None:
        """Leave the process alone: leakbench did not start it (an inspector it opened closes,
        an agent it started ends its thread when its connection closes)."""
        if self._inside is not None:
            self._inside.close()
