"""What the runner needs from a target: a process to measure and a workload to advance in steps.

The runner owns the sampling loop and the run directory; a target only starts its process,
drives one step of load at a time and reports what it can see from inside (gateway state, heap).
Every target runs as its own process, so RSS measures the target and never the harness.
"""

from __future__ import annotations

import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from leakbench.harness.targets.process_exit import describe_exit

SAMPLES_PER_RUN = 300
"""Samples a gateway workload is cut into: enough for the trend tests, small on disk."""


@dataclass
class StepResult:
    """Measurements a target reports after one step, merged into the sample the runner writes.

    `inside` holds sample fields of docs/run-dir.md measured inside the target (state, caches,
    heap_blocks, ...); `runs_done` and `t_gateway` place the sample on the run's two x axes.
    """

    runs_done: int
    t_gateway: float
    inside: dict[str, Any] = field(default_factory=dict)


@dataclass
class DrainResult:
    """The exact state check after the workload: what each per-run map still holds."""

    step: StepResult
    retained_by_path: dict[str, dict[str, int]] | None = None
    live_run_objects: dict[str, int] | None = None
    drained_gateway_s: float = 0.0
    attribution: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        """The drain's findings as extra fields of the drain sample, so the run dir holds them."""
        fields = {
            "retained_by_path": self.retained_by_path,
            "live_run_objects": self.live_run_objects,
            "drained_gateway_s": self.drained_gateway_s,
            "attribution": self.attribution,
        }
        return {key: value for key, value in fields.items() if value is not None}


class Target(ABC):
    """A process under test plus the load that drives it."""

    transport: str

    @abstractmethod
    def start(self) -> None:
        """Start the target process (and its load driver); raise TargetFailed if it cannot."""

    @property
    @abstractmethod
    def pid(self) -> int:
        """Process id whose memory the probe samples."""

    @property
    @abstractmethod
    def finished(self) -> bool:
        """True once the workload is complete."""

    @property
    def ended_cleanly(self) -> bool:
        """True when the process ended by itself with success: the run is over, not failed."""
        return False

    @property
    def expected_runs(self) -> int | None:
        """Runs the workload will complete, when known in advance (for the progress bar)."""
        return None

    @abstractmethod
    def step(self) -> StepResult:
        """Advance the workload by one sampling step and report inside measurements."""

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        """Take an expensive census (types, allocation sites); None when the target cannot."""
        return None

    @property
    def checkpoint_limit(self) -> int | None:
        """Most censuses worth their cost in one run; None: as many as the scenario asks."""
        return None

    def drain(self) -> DrainResult | None:
        """Let target time pass past every TTL and report what is left; None when not possible."""
        return None

    @abstractmethod
    def stop(self) -> None:
        """Stop the load and the process; safe to call more than once and after a crash."""

    def exit_status(self) -> str | None:
        """How the process ended, if it has ended (for the report when it died)."""
        return None


class ChildProcessTarget(Target):
    """A target whose process leakbench starts and owns: its handle, done flag and run count."""

    def __init__(self, expected_runs: int | None = None) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._finished = False
        self._expected_runs = None if expected_runs is None else max(1, expected_runs)

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def expected_runs(self) -> int | None:
        return self._expected_runs

    def exit_status(self) -> str | None:
        return None if self._process is None else describe_exit(self._process)
