"""Runs one scenario against one target and always leaves a run directory behind.

The loop is: step the target, sample it from outside (psutil) and merge what it measured inside,
append the sample to disk at once. After the workload, the exact state check (drain) for the
built-in gateway. Whatever happens (Ctrl-C, the target dying or hanging) the samples already taken
stay on disk and a summary is written from them.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console

from leakbench.harness.environment import describe_environment
from leakbench.harness.errors import InternalError, TargetFailed
from leakbench.harness.exitcodes import VERDICT_EXIT, ExitCode
from leakbench.harness.process_probe import ProcessProbe, TargetGone
from leakbench.harness.progress import RunProgress
from leakbench.harness.rundir import SAMPLES, RunStore
from leakbench.harness.rundir.sidecar import read_columns_cached
from leakbench.harness.scenario import Scenario
from leakbench.harness.targets.advice import soak_warnings
from leakbench.harness.targets.base import DrainResult, StepResult, Target
from leakbench.harness.targets.factory import build_target, progress_fraction
from leakbench.harness.targets.interval import with_sample_interval
from leakbench.harness.verdict import Tolerances, summarize, tolerances_for

DEFAULT_LIVE_EVERY_S = 300.0
"""How often the live view of a soak (report.html) is rebuilt while it runs, by default."""


class LiveView(Protocol):
    """Rebuilds the view of a soak while it runs; supplied by the command (the core draws nothing).

    `refresh` is called from the sampling loop and must return at once; `close` finishes or
    stops a rebuild in flight, so it never overwrites the final report.
    """

    def refresh(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class LiveSchedule:
    """When to call the live view: every `every` seconds of wall time, never before the first."""

    view: LiveView
    every: float = DEFAULT_LIVE_EVERY_S
    _next: float = 0.0

    def start(self) -> None:
        self._next = time.monotonic() + self.every

    def tick(self) -> None:
        now = time.monotonic()
        if now >= self._next:
            self.view.refresh()
            self._next = now + self.every


@dataclass
class RunOutcome:
    """What the CLI needs after a run: where it is, its summary and the exit code."""

    run_dir: Path
    summary: dict[str, Any]
    exit_code: ExitCode


TRACEBACK_FILE = "traceback.txt"
PARTIAL_KEYS = ("runs_completed", "duration_s", "gateway_time_s", "truncated")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def checkpoint_fractions(count: int) -> list[float]:
    """Progress points for censuses: a baseline at the end of a typical warm-up, then evenly on."""
    if count <= 0:
        return []
    if count == 1:
        return [1.0]
    step = 0.75 / (count - 1)
    return [0.25 + step * index for index in range(count)]


@dataclass
class RunPlan:
    """Everything the loop needs besides the target: identity, probe choices, tolerances."""

    identity: dict[str, Any]
    tolerances: Tolerances
    fraction: Callable[[StepResult], float]
    uss: bool = False
    census_checkpoints: int = 0
    drain: bool = True
    title: str = "run"


def plan_for(scenario: Scenario) -> RunPlan:
    """The plan of a validated scenario."""
    wants_census = scenario.probe.objects or scenario.probe.tracemalloc
    return RunPlan(
        identity={
            "scenario_name": scenario.name,
            "scenario": scenario.to_resolved_dict(),
            "seed": scenario.seed,
            "policy": getattr(scenario.target, "policy", None),
            "transport": getattr(scenario.target, "transport", "command"),
            "target": scenario.target.kind,
            "verdict_given": sorted(scenario.verdict.model_fields_set),
        },
        tolerances=tolerances_for(scenario),
        fraction=lambda step: progress_fraction(scenario, step),
        uss=scenario.probe.uss,
        census_checkpoints=scenario.probe.checkpoints if wants_census else 0,
        drain=scenario.probe.state,
        title=scenario.name,
    )


class _Sampler:
    """Builds samples from a step result plus the outside probe, and streams them to disk."""

    def __init__(self, store: RunStore, target: Target, uss: bool) -> None:
        self.store = store
        self.target = target
        self.probe = ProcessProbe(target.pid, uss=uss)
        self.started = time.monotonic()
        self.last: dict[str, Any] = {}

    def take(
        self,
        step: StepResult,
        phase: str,
        checkpoint: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        try:
            outside = self.probe.sample()
        except TargetGone:
            if self.target.ended_cleanly:  # it ended between the step and the sample
                raise _EndedCleanly from None
            raise TargetFailed(f"target died: {self.target.exit_status()}") from None
        sample: dict[str, Any] = {
            "i": self.store.sample_count,
            "t_wall": round(time.monotonic() - self.started, 4),
            "t_gateway": step.t_gateway,
            "runs_done": step.runs_done,
            "phase": phase,
            **outside,
            **step.inside,
        }
        if checkpoint:
            sample["checkpoint"] = checkpoint
        if extra:
            sample.update(extra)
        self.store.append_sample(sample)
        self.last = sample


class _EndedCleanly(Exception):
    """The target ended by itself with success while being sampled: the run is over."""


def _drive(
    target: Target,
    plan: RunPlan,
    store: RunStore,
    progress: RunProgress,
    live: LiveSchedule | None,
) -> DrainResult | None:
    """Start the target, run the workload loop, then the drain; raises on Ctrl-C or failure."""
    target.start()
    if live is not None:
        live.start()
    sampler = _Sampler(store, target, plan.uss)
    limit = target.checkpoint_limit
    pending = checkpoint_fractions(
        plan.census_checkpoints if limit is None else min(limit, plan.census_checkpoints)
    )
    baseline_taken = False
    while not target.finished:
        step = target.step()
        if target.ended_cleanly:  # nothing is left to sample
            break
        fraction = plan.fraction(step)
        checkpoint = None
        if pending and (fraction >= pending[0] or target.finished):
            pending.pop(0)
            checkpoint = target.checkpoint(baseline=not baseline_taken)
            baseline_taken = True
        try:
            sampler.take(step, "load", checkpoint)
        except _EndedCleanly:
            break
        progress.update(fraction, step.runs_done, step.t_gateway, sampler.last["rss"])
        if live is not None:
            live.tick()
    if not plan.drain:
        return None
    progress.phase("draining")
    drain = target.drain()
    if drain is not None:
        sampler.take(drain.step, "drain", extra=drain.record())
    return drain


def run_scenario(
    scenario: Scenario,
    run_dir: Path,
    *,
    console: Console,
    show_progress: bool,
    live: LiveSchedule | None = None,
) -> RunOutcome:
    """Run `scenario` into `run_dir`; never raises for target failures or Ctrl-C."""
    scenario, warning = with_sample_interval(scenario)
    for found in [warning, *soak_warnings(scenario)]:
        if found:
            console.print(f"warning: {found}", highlight=False)
    return run_target(
        build_target(scenario, run_dir),
        plan_for(scenario),
        run_dir,
        console=console,
        show_progress=show_progress,
        live=live,
    )


def run_target(
    target: Target,
    plan: RunPlan,
    run_dir: Path,
    *,
    console: Console,
    show_progress: bool,
    live: LiveSchedule | None = None,
) -> RunOutcome:
    """Drive and sample `target` into `run_dir`, then decide; always writes the summary."""
    store = RunStore(run_dir)
    meta: dict[str, Any] = {
        **plan.identity,
        **describe_environment(),
        "started_at": _now(),
        "ended_at": None,
        "status": "running",
        "exit_reason": None,
        "exit_detail": None,
    }
    store.write_meta(meta)
    exit_reason, exit_detail, drain = "completed", None, None
    started = time.monotonic()
    try:
        with RunProgress(console, plan.title, enabled=show_progress) as progress:
            drain = _drive(target, plan, store, progress, live)
    except KeyboardInterrupt:
        exit_reason, exit_detail = "interrupted", "stopped by the user (Ctrl-C)"
    except TargetFailed as exc:
        exit_reason = exc.reason
        exit_detail = f"{exc} after {time.monotonic() - started:.1f}s"
    finally:
        target.stop()
        store.close()
        if live is not None:
            live.view.close()
    meta.update(
        ended_at=_now(), status="finished", exit_reason=exit_reason, exit_detail=exit_detail
    )
    store.write_meta(meta)
    columns, scan = read_columns_cached(run_dir / SAMPLES, keep=True)
    try:
        summary = summarize(
            columns,
            meta=meta,
            tolerances=plan.tolerances,
            retained_by_path=drain.retained_by_path if drain else None,
            target_attribution=drain.attribution if drain else None,
            truncated=scan.truncated,
            duration_s=time.monotonic() - started,
        )
    except Exception as exc:
        partial = {
            "runs_completed": int(columns.last("runs_done") or 0),
            "duration_s": time.monotonic() - started,
            "gateway_time_s": float(columns.last("t_gateway") or 0.0),
            "truncated": scan.truncated,
        }
        _record_internal_error(store, run_dir, {**meta, **partial}, exc)
        raise InternalError(
            f"leakbench: internal error while judging the run ({type(exc).__name__}: {exc}); "
            f"exit 5, not a verdict; samples and {TRACEBACK_FILE} kept in {run_dir}"
        ) from exc
    exit_code = _exit_code(exit_reason, summary)
    summary["exit_code"] = int(exit_code)
    store.write_summary(summary)
    return RunOutcome(run_dir, summary, exit_code)


def _record_internal_error(
    store: RunStore, run_dir: Path, meta: dict[str, Any], exc: Exception
) -> None:
    """A summary that says leakbench failed (exit 5), and the traceback beside it."""
    (run_dir / TRACEBACK_FILE).write_text(
        "".join(traceback.format_exception(exc)), encoding="utf-8"
    )
    detail = f"{type(exc).__name__}: {exc}"
    store.write_summary(
        {
            "scenario": meta.get("scenario_name"),
            "policy": meta.get("policy"),
            "seed": meta.get("seed"),
            "transport": meta.get("transport"),
            "verdict": "error",
            "exit_code": int(ExitCode.INTERNAL_ERROR),
            "exit_reason": "internal-error",
            "exit_detail": detail,
            "headline": f"Internal error in leakbench, not a verdict on the target: {detail}.",
            **{key: meta[key] for key in PARTIAL_KEYS},
            "warmup": None,
            "signals": {},
            "attribution": {"maps": [], "types": [], "sites": []},
            "projection": None,
        }
    )


def _exit_code(exit_reason: str, summary: dict[str, Any]) -> ExitCode:
    if exit_reason == "interrupted":
        return ExitCode.INTERRUPTED
    if exit_reason.startswith("target-"):
        return ExitCode.TARGET_FAILED
    return VERDICT_EXIT[summary["verdict"]]
