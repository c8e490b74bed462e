"""The live view of a run: a progress bar with runs, gateway time, RSS, the current slope and
the time left (rich's estimate from the pace of the last 30 s, so a 4-day soak shows its ETA).
Every piece of state here is bounded (a window of recent samples), however long the soak."""

from __future__ import annotations

from collections import deque
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from leakbench.harness.units import format_bytes, format_duration

SLOPE_WINDOW = 40


class RunProgress:
    """Shows progress on stderr; `enabled=False` makes every call a no-op (-q, --json)."""

    def __init__(self, console: Console, title: str, enabled: bool) -> None:
        self._enabled = enabled
        self._recent: deque[tuple[int, float, int]] = deque(maxlen=SLOPE_WINDOW)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[runs]} runs"),
            TextColumn("gw {task.fields[gateway]}"),
            TextColumn("RSS {task.fields[rss]}"),
            TextColumn("{task.fields[slope]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            disable=not enabled,
        )
        self._task = self._progress.add_task(
            title, total=1.0, runs=0, gateway="0s", rss="-", slope=""
        )

    def __enter__(self) -> RunProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.__exit__(exc_type, exc, traceback)

    def update(self, fraction: float, runs_done: int, t_gateway: float, rss: int) -> None:
        if not self._enabled:
            return
        self._recent.append((runs_done, t_gateway, rss))
        self._progress.update(
            self._task,
            completed=min(1.0, fraction),
            runs=f"{runs_done:,}",
            gateway=format_duration(t_gateway),
            rss=format_bytes(rss),
            slope=self._slope_text(),
        )

    def phase(self, description: str) -> None:
        self._progress.update(self._task, description=description)

    def _slope_text(self) -> str:
        """Growth over the recent window: per run when runs advance, else per hour."""
        if len(self._recent) < 2:
            return ""
        runs0, t0, rss0 = self._recent[0]
        runs1, t1, rss1 = self._recent[-1]
        if runs1 > runs0:
            return f"{_signed_bytes((rss1 - rss0) / (runs1 - runs0))}/run"
        if t1 > t0:
            return f"{_signed_bytes((rss1 - rss0) / (t1 - t0) * 3600)}/h"
        return ""


def _signed_bytes(value: float) -> str:
    """Growth reads as growth: '+2.05 KB'."""
    return ("+" if value > 0 else "") + format_bytes(value)
