"""The gateway's constants (spec §7), as one frozen value so a scenario can shorten any of them.

Durations are gateway seconds (float): virtual seconds in embedded mode, scaled seconds under the
WebSocket server. Defaults are the production values of the gateway being modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from leakbench.gateway_sim.errors import ConfigError

_COUNTS = ("raw_cap", "agent_run_seq_cap", "dedupe_max")
_MAY_BE_ZERO = ("error_grace", "expiry_grace")


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """Timing and size constants of the gateway; see the spec's §7 for what each one governs."""

    delta_throttle: float = 0.15
    agent_coalesce: float = 0.15
    error_grace: float = 15.0
    raw_cap: int = 500_000
    maintenance_interval: float = 60.0
    stale_ttl: float = 3600.0
    aborted_ttl: float = 3600.0
    agent_run_seq_cap: int = 10_000
    dedupe_ttl: float = 300.0
    dedupe_max: int = 1000
    tick_interval: float = 30.0
    run_timeout: float = 172_800.0
    expiry_grace: float = 60.0
    expiry_min: float = 120.0
    expiry_max: float = 86_400.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _COUNTS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ConfigError(f"gateway setting {f.name} must be a whole number >= 1")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"gateway setting {f.name} must be a number of seconds")
            if value < 0 or (value == 0 and f.name not in _MAY_BE_ZERO):
                raise ConfigError(f"gateway setting {f.name} must be positive, got {value}")
            object.__setattr__(self, f.name, float(value))
        if self.expiry_min > self.expiry_max:
            raise ConfigError("gateway setting expiry_min must not exceed expiry_max")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> GatewaySettings:
        """Build settings from a partial mapping; unknown keys are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"unknown gateway setting(s): {', '.join(unknown)}; "
                f"valid settings: {', '.join(f.name for f in fields(cls))}"
            )
        return cls(**values)

    def run_expiry(self, now: float, timeout: float) -> float:
        """When a run's abort controller expires: now + timeout + grace, clamped (spec §2)."""
        return min(
            max(now + timeout + self.expiry_grace, now + self.expiry_min), now + self.expiry_max
        )

    def longest_ttl(self) -> float:
        """The longest time any per-run entry or cache entry may legitimately outlive its run."""
        return max(self.stale_ttl, self.aborted_ttl, self.dedupe_ttl, self.error_grace)

    def drain_horizon(self) -> float:
        """Gateway time after the last run settles by which every legitimate entry is gone:
        the longest TTL plus one sweep to notice it (the exact state check waits this long)."""
        return self.longest_ttl() + self.maintenance_interval
