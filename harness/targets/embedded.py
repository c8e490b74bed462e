"""The built-in gateway on a virtual clock in a child process (harness.drivers.embedded_worker).

The workload advances in lock-step with sampling: every step completes a fixed number of runs,
so samples sit evenly on the runs-completed axis whatever the machine's speed.
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

from leakbench.harness.errors import TargetFailed
from leakbench.harness.targets.base import (
    SAMPLES_PER_RUN,
    ChildProcessTarget,
    DrainResult,
    StepResult,
)
from leakbench.harness.targets.channel import LineChannel
from leakbench.probe.lifeline import parent_env

STEP_TIMEOUT_S = 120.0
DRAIN_TIMEOUT_S = 600.0


class EmbeddedTarget(ChildProcessTarget):
    """Runs `gateway_sim.embedded.EmbeddedHost` in its own process and steps it."""

    transport = "embedded"

    def __init__(self, config: dict[str, Any], expected_runs: int) -> None:
        super().__init__(expected_runs)
        self._config = config
        self._runs_per_step = max(1, math.ceil(max(1, expected_runs) / SAMPLES_PER_RUN))
        self._channel: LineChannel | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "leakbench.harness.drivers.embedded_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env=parent_env(),  # the worker dies with this process (probe/lifeline.py)
        )
        self._channel = LineChannel(self._process, self.exit_status)
        try:
            self._channel.request({"cmd": "init", **self._config}, timeout=STEP_TIMEOUT_S)
        except TargetFailed as exc:
            raise TargetFailed(str(exc), reason="target-refused") from None

    def _request(self, message: dict[str, Any], timeout: float = STEP_TIMEOUT_S) -> dict[str, Any]:
        assert self._channel is not None
        return self._channel.request(message, timeout=timeout)

    @staticmethod
    def _as_step(reply: dict[str, Any]) -> StepResult:
        return StepResult(reply["runs_done"], reply["t_gateway"], reply["inside"])

    def step(self) -> StepResult:
        reply = self._request({"cmd": "advance", "runs": self._runs_per_step})
        self._finished = bool(reply["finished"])
        return self._as_step(reply)

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        return self._request({"cmd": "checkpoint", "baseline": baseline})["checkpoint"]

    def drain(self) -> DrainResult:
        reply = self._request({"cmd": "drain"}, timeout=DRAIN_TIMEOUT_S)
        return DrainResult(
            step=self._as_step(reply),
            retained_by_path=reply.get("retained_by_path"),
            live_run_objects=reply.get("live_run_objects"),
            drained_gateway_s=reply.get("drained_gateway_s", 0.0),
            attribution=reply.get("attribution"),
        )

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        try:
            assert self._process.stdin is not None
            self._process.stdin.write('{"cmd": "quit"}\n')
            self._process.stdin.flush()
            self._process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
