"""From a validated scenario to the target that runs it, and how far along a step is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from leakbench.harness.scenario import Scenario
from leakbench.harness.scenario.model import CommandTarget, GatewayTarget
from leakbench.harness.targets.base import StepResult, Target
from leakbench.harness.targets.command import CommandTarget as CommandProcess
from leakbench.harness.targets.embedded import EmbeddedTarget
from leakbench.harness.targets.inside import InsideProbe
from leakbench.harness.targets.python_agent import PythonAgent
from leakbench.harness.targets.runtime import NODE, PYTHON, resolve_runtime


def expected_runs(scenario: Scenario) -> int:
    """Runs the gateway workload should complete: `runs`, or arrivals over `duration`."""
    workload = scenario.workload
    if workload.runs is not None:
        return workload.runs
    return max(1, round(workload.rate * (workload.duration or 0.0)))


def gateway_worker_config(scenario: Scenario) -> dict[str, Any]:
    """The settings, policy and workload the gateway host is built from (JSON-able)."""
    target = scenario.target
    assert isinstance(target, GatewayTarget)
    workload = scenario.workload
    return {
        "settings": scenario.gateway.model_dump(),
        "policy": target.policy,
        "policy_flags": target.policy_flags.model_dump(exclude_none=True),
        "workload": {
            "runs": workload.runs,
            "duration": workload.duration,
            "concurrency": workload.concurrency,
            "rate": workload.rate,
            "reply_chars": [workload.reply_chars.min, workload.reply_chars.max],
            "chunks": [workload.chunks.min, workload.chunks.max],
            "chunk_interval": [workload.chunk_interval.min, workload.chunk_interval.max],
            "faults": workload.faults.model_dump(),
            "heartbeat": workload.heartbeat,
            "terminal_loss": workload.terminal_loss,
            "thinking": workload.thinking,
        },
        "seed": scenario.seed,
        "objects": scenario.probe.objects,
        "tracemalloc": scenario.probe.tracemalloc,
    }


def inside_probes(scenario: Scenario, run_dir: Path) -> list[InsideProbe]:
    """The in-target measurement of a command target's runtime, unless `probe.inject` is off."""
    target = scenario.target
    assert isinstance(target, CommandTarget)
    runtime = resolve_runtime(target.runtime, target.command)
    if not scenario.probe.inject or runtime not in _PROBES:
        return []
    return [_PROBES[runtime](scenario, run_dir)]


def _python_agent(scenario: Scenario, run_dir: Path) -> InsideProbe:
    probe = scenario.probe
    config = {
        "interval": probe.interval,
        "objects": probe.objects,
        "count_objects": probe.object_count,
        "tracemalloc": probe.tracemalloc,
    }
    return PythonAgent(run_dir, config)


def _node_runtime(scenario: Scenario, run_dir: Path) -> InsideProbe:
    from leakbench.harness.targets.node_inspector import NodeRuntime

    return NodeRuntime(duration=scenario.workload.duration or 0.0, interval=scenario.probe.interval)


_PROBES: dict[str, Callable[[Scenario, Path], InsideProbe]] = {
    PYTHON: _python_agent,
    NODE: _node_runtime,
}
"""The probe that enters each runtime leakbench knows (runtime.py names them)."""


def build_target(scenario: Scenario, run_dir: Path) -> Target:
    """The target process for `scenario`; nothing is started yet."""
    target = scenario.target
    if isinstance(target, CommandTarget):
        return CommandProcess(
            list(target.command),
            duration=scenario.workload.duration or 0.0,
            interval=scenario.probe.interval,
            log_path=run_dir / "target.log",
            env=dict(target.env),
            cwd=target.cwd,
            ready=target.ready.model_dump() if target.ready else None,
            driver=target.driver,
            driver_args=dict(target.driver_args),
            inside=inside_probes(scenario, run_dir),
        )
    if target.transport == "websocket":
        from leakbench.harness.targets.websocket import WebSocketTarget

        return WebSocketTarget(scenario, gateway_worker_config(scenario), expected_runs(scenario))
    return EmbeddedTarget(gateway_worker_config(scenario), expected_runs(scenario))


def progress_fraction(scenario: Scenario, step: StepResult) -> float:
    """0..1 through the workload, by runs or by (gateway or wall) time."""
    workload = scenario.workload
    if workload.runs is not None:
        return step.runs_done / workload.runs
    if workload.duration:
        return step.t_gateway / workload.duration
    return 0.0
