"""What a command target asks of a runtime's in-target measurement (Python agent, Node inspector).

`CommandTarget` knows nothing of runtimes: it calls these hooks around its own process
handling, on the one `InsideProbes` that merges what every plugged-in probe reports. Each
runtime lives in its own module behind the protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class StartedProcess:
    """The target's main process once spawned: its pid, its log so far, and whether it runs."""

    pid: int
    read_log: Callable[[], str]
    alive: Callable[[], bool]


class InsideProbe(Protocol):
    """Measurement from inside a command target's processes."""

    @property
    def checkpoint_limit(self) -> int | None:
        """Most checkpoints worth their pause in one run (None: as many as the scenario asks)."""

    def prepare(self, env: dict[str, str]) -> dict[str, str]:
        """The environment to spawn the target with (before it starts)."""

    def started(self, process: StartedProcess) -> None:
        """The target's main process is running; raise TargetFailed if it cannot be entered."""

    def sample(self) -> dict[str, Any]:
        """Sample fields measured inside, merged into each sample (docs/run-dir.md)."""

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        """Fields of a checkpoint sample's `checkpoint`; None when nothing inside answers."""

    def attribution(self) -> dict[str, Any] | None:
        """What grew, where and who holds it, for the drain sample; None when the checkpoints
        already say it all."""

    def close(self) -> None:
        """Release what `prepare` and `started` made; safe to call more than once."""


class InsideProbes:
    """A command target's probes as one: environments chained, fields merged, all closed."""

    def __init__(self, probes: Sequence[InsideProbe] = ()) -> None:
        self._probes = list(probes)

    @property
    def checkpoint_limit(self) -> int | None:
        limits = [p.checkpoint_limit for p in self._probes if p.checkpoint_limit is not None]
        return min(limits, default=None)

    def prepare(self, env: dict[str, str]) -> dict[str, str]:
        for probe in self._probes:
            env = probe.prepare(env)
        return env

    def started(self, process: StartedProcess) -> None:
        for probe in self._probes:
            probe.started(process)

    def sample(self) -> dict[str, Any]:
        return _merged(probe.sample() for probe in self._probes) or {}

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        return _merged(probe.checkpoint(baseline) for probe in self._probes)

    def attribution(self) -> dict[str, Any] | None:
        return _merged(probe.attribution() for probe in self._probes)

    def close(self) -> None:
        """Close every probe, even when one fails to (the first failure is raised after)."""
        failure: BaseException | None = None
        for probe in self._probes:
            try:
                probe.close()
            except Exception as exc:  # the others must still release their sockets
                failure = failure or exc
        if failure is not None:
            raise failure


def _merged(parts: Iterable[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The union of the probes' answers; None when none answered."""
    answered = [part for part in parts if part is not None]
    if not answered:
        return None
    merged: dict[str, Any] = {}
    for part in answered:
        merged.update(part)
    return merged
