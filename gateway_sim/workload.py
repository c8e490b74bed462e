"""The load an embedded soak puts on the gateway: how many runs, how fast, and what goes wrong.

Field names are the contract with the scenario layer, which maps a scenario's `workload:` block
onto them. Times are gateway seconds; probabilities are per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import isfinite

from leakbench.gateway_sim.errors import ConfigError

PATHS: tuple[str, ...] = ("normal", "abort", "timeout", "suppressed_output", "missing_terminal")
"""Every path a run can take (spec §5); all but `normal` are faults."""
FAULT_PATHS: tuple[str, ...] = PATHS[1:]


@dataclass(frozen=True)
class Workload:
    """Runs to start and the mix of paths they take; exactly one of `runs` / `duration`."""

    runs: int | None = None
    duration: float | None = None
    """Gateway seconds during which new runs start; the started runs then finish."""
    concurrency: int = 64
    """Most runs in flight at once (a stalled run holds its slot until it times out)."""
    rate: float = 50.0
    """Runs started per gateway second (Poisson arrivals)."""
    reply_chars: tuple[int, int] = (200, 4000)
    chunks: tuple[int, int] = (5, 60)
    chunk_interval: tuple[float, float] = (0.02, 0.2)
    """Gateway seconds between two provider events of a run."""
    faults: dict[str, float] = field(default_factory=dict)
    """Probability of each fault path; the remainder of runs are `normal`."""
    heartbeat: float = 0.0
    """Probability that a run is a heartbeat run (no live deltas shown)."""
    terminal_loss: float = 0.0
    """Probability that a run's terminal event, real or synthetic, never reaches the handler."""
    thinking: float = 0.0
    """Probability that a run streams `thinking` events before its reply."""

    def __post_init__(self) -> None:
        if (self.runs is None) == (self.duration is None):
            raise ConfigError("workload needs exactly one of runs or duration")
        if self.runs is not None and (isinstance(self.runs, bool) or self.runs < 1):
            raise ConfigError(f"workload runs must be at least 1, got {self.runs}")
        if self.duration is not None and not (self.duration > 0 and isfinite(self.duration)):
            raise ConfigError(f"workload duration must be positive, got {self.duration}")
        if self.concurrency < 1:
            raise ConfigError(f"workload concurrency must be at least 1, got {self.concurrency}")
        if not (self.rate > 0 and isfinite(self.rate)):
            raise ConfigError(f"workload rate must be positive, got {self.rate}")
        for name, lowest in (("reply_chars", 1), ("chunks", 1), ("chunk_interval", 0)):
            low, high = self._range(name)
            if low < lowest or low > high:
                raise ConfigError(
                    f"workload {name} must be a range [min, max] with {lowest} <= min <= max"
                )
        unknown = sorted(set(self.faults) - set(FAULT_PATHS))
        if unknown:
            raise ConfigError(
                f"unknown fault(s): {', '.join(unknown)}; valid faults: {', '.join(FAULT_PATHS)}"
            )
        for name, p in [*self.faults.items(), ("heartbeat", self.heartbeat)]:
            self._check_probability(name, p)
        self._check_probability("terminal_loss", self.terminal_loss)
        self._check_probability("thinking", self.thinking)
        if sum(self.faults.values()) > 1 + 1e-9:
            raise ConfigError(
                f"workload fault probabilities add up to {sum(self.faults.values()):g}, above 1"
            )
        object.__setattr__(self, "faults", dict(self.faults))

    def _range(self, name: str) -> tuple[float, float]:
        value = tuple(getattr(self, name))
        if len(value) != 2:
            raise ConfigError(f"workload {name} must be a range [min, max]")
        object.__setattr__(self, name, value)
        return value

    @staticmethod
    def _check_probability(name: str, p: float) -> None:
        if not 0 <= p <= 1:
            raise ConfigError(f"workload probability {name} must be within [0, 1], got {p}")

    def path_thresholds(self) -> list[tuple[float, str]]:
        """Cumulative probability → path, for drawing a run's path with one uniform number."""
        thresholds, total = [], 0.0
        for path in FAULT_PATHS:
            total += self.faults.get(path, 0.0)
            thresholds.append((total, path))
        thresholds.append((float("inf"), "normal"))
        return thresholds
