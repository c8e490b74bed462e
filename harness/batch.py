"""Runs `leakbench run` child processes a few at a time: the process pool behind `leakbench ci`.

Each run is its own process, in its own process group, with its own run directory and log, so
a run that crashes, hangs or bloats cannot touch another's measurements. A terminal's Ctrl-C
reaches the batch only; the batch forwards it to each running child exactly once, waits for
them to write what they measured, and starts no more. Each child dies with the batch, even
when the batch is killed with SIGKILL (`leakbench.probe.lifeline`), and its targets with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from rich.progress import Progress, TaskID

from leakbench.harness.rundir import REPORT, SUMMARY
from leakbench.harness.scenario import Scenario
from leakbench.probe.lifeline import parent_env

POLL_S = 0.2  # how often the batch looks for finished runs


@dataclass(frozen=True)
class PlannedRun:
    """One validated scenario of the batch: its unique name, run directory and command line."""

    name: str
    scenario: Scenario
    run_dir: Path
    log: Path
    run_args: tuple[str, ...]


class Running(NamedTuple):
    """A started run: its child process and the open log its output goes to."""

    run: PlannedRun
    process: subprocess.Popen[bytes]
    log: IO[bytes]


def launch(run: PlannedRun) -> Running:
    """Start `leakbench run` for `run`, its output to its log. Its own process group keeps a
    terminal's Ctrl-C away from it: the batch forwards each Ctrl-C itself, exactly once.
    Call it from the main thread: the child's death signal is tied to the thread that forks it."""
    for stale in (SUMMARY, REPORT):  # from an earlier batch into the same --out
        (run.run_dir / stale).unlink(missing_ok=True)
    log = open(run.log, "wb")  # noqa: SIM115 (closed when the run is reaped)
    process = subprocess.Popen(
        [sys.executable, "-m", "leakbench", *run.run_args],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        process_group=0,
        env=parent_env(),  # `leakbench` dies with this process (harness.cli.main)
    )
    return Running(run, process, log)


def _interrupt(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Pass each Ctrl-C on to the runs still going and wait for them: they stop their targets
    and write the summary and report of what they measured (exit 130)."""
    while True:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        try:
            for process in processes:
                process.wait()
            return
        except KeyboardInterrupt:
            continue


class Batch:
    """Runs the planned runs `jobs` at a time, showing one progress line per run.

    `finish(run, returncode)` is called as each run ends and returns its status line.
    """

    def __init__(
        self,
        runs: Sequence[PlannedRun],
        jobs: int,
        progress: Progress,
        finish: Callable[[PlannedRun, int], str],
    ) -> None:
        self.runs = runs
        self.jobs = jobs
        self.progress = progress
        self.finish = finish
        self.tasks: dict[str, TaskID] = {
            run.name: progress.add_task(run.name, total=1, start=False, status="waiting")
            for run in runs
        }
        self.running: dict[str, Running] = {}
        self.returncodes: dict[str, int] = {}

    def run(self) -> bool:
        """Run them all; False when Ctrl-C stopped the batch (runs not started never run)."""
        pending = deque(self.runs)
        try:
            while pending or self.running:
                while pending and len(self.running) < self.jobs:
                    self._start(pending.popleft())
                for name in self._finished():
                    self._reap(name)
                if self.running:
                    time.sleep(POLL_S)
        except KeyboardInterrupt:
            _interrupt([started.process for started in self.running.values()])
            for name in list(self.running):
                self._reap(name)
            return False
        return True

    def finished_runs(self) -> list[PlannedRun]:
        """The runs that ran, in the order they were given."""
        return [run for run in self.runs if run.name in self.returncodes]

    def _finished(self) -> list[str]:
        return [
            name for name, started in self.running.items() if started.process.poll() is not None
        ]

    def _start(self, run: PlannedRun) -> None:
        self.running[run.name] = launch(run)
        self.progress.start_task(self.tasks[run.name])
        self.progress.update(self.tasks[run.name], status="running")

    def _reap(self, name: str) -> None:
        started = self.running.pop(name)
        started.log.close()
        self.returncodes[name] = started.process.wait()
        status = self.finish(started.run, self.returncodes[name])
        self.progress.update(self.tasks[name], completed=1, status=status)
