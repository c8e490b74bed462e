"""The gateway's constants (spec §7), as one frozen value so a scenario can shorten any of them.

Durations are gateway seconds (float): virtual seconds in embedded mode, scaled seconds under the
WebSocket server. Defaults are the production values of the gateway being modelled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any

from leakbench.gateway_sim.errors import ConfigError

SECONDS = "seconds"
COUNT = "count"
MAX_COUNT = 1_000_000_000
MIN_SECONDS = 0.001
"""Shortest non-zero duration: a timer period far below the clock's grain fires without end."""
MAX_SECONDS = 1_000_000_000.0
"""Longest duration (about 31 years of gateway time)."""


def _setting(default: float, unit: str, doc: str, *, zero_ok: bool = False) -> Any:
    """A field of the settings table: its default, unit, whether 0 is allowed, and what it is."""
    return field(default=default, metadata={"unit": unit, "zero_ok": zero_ok, "doc": doc})


TTL_SETTINGS = ("stale_ttl", "aborted_ttl", "dedupe_ttl", "error_grace")
"""The settings for how long an entry may outlive its run (the drain waits out the longest)."""


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """Timing and size constants of the gateway; see the spec's §7 for what each one governs.

    This table is the one definition: the scenario model's `gateway:` section is generated from
    it (`setting_fields`), so units, defaults and bounds cannot drift apart.
    """

    delta_throttle: float = _setting(
        0.15, SECONDS, "Least time between two chat deltas of a run.", zero_ok=True
    )
    agent_coalesce: float = _setting(
        0.15, SECONDS, "Agent events are coalesced this long.", zero_ok=True
    )
    error_grace: float = _setting(
        15.0,
        SECONDS,
        "A lifecycle error waits this long for a retry before it is final.",
        zero_ok=True,
    )
    raw_cap: int = _setting(500_000, COUNT, "Characters kept per raw buffer (the tail).")
    maintenance_interval: float = _setting(60.0, SECONDS, "Time between two maintenance sweeps.")
    stale_ttl: float = _setting(
        3600.0, SECONDS, "A run's buffers idle this long are stale and swept."
    )
    aborted_ttl: float = _setting(3600.0, SECONDS, "Aborted run ids are remembered this long.")
    agent_run_seq_cap: int = _setting(10_000, COUNT, "Entries of the agent run sequence cache.")
    dedupe_ttl: float = _setting(300.0, SECONDS, "Idempotency keys are remembered this long.")
    dedupe_max: int = _setting(1000, COUNT, "Entries of the idempotency cache.")
    tick_interval: float = _setting(30.0, SECONDS, "Time between two heartbeat ticks.")
    run_timeout: float = _setting(172_800.0, SECONDS, "A run's default timeout.")
    expiry_grace: float = _setting(
        60.0, SECONDS, "Added to a run's timeout before its controller expires.", zero_ok=True
    )
    expiry_min: float = _setting(120.0, SECONDS, "Least time before a run's controller expires.")
    expiry_max: float = _setting(86_400.0, SECONDS, "Most time before a run's controller expires.")

    def __post_init__(self) -> None:
        for f in fields(self):
            problem = setting_problem(f, getattr(self, f.name))
            if problem:
                raise ConfigError(f"gateway setting {f.name} {problem}")
            if f.metadata["unit"] == SECONDS:
                object.__setattr__(self, f.name, float(getattr(self, f.name)))
        problem = ordering_problem({f.name: getattr(self, f.name) for f in fields(self)})
        if problem:
            raise ConfigError(f"gateway setting {problem[1]}")

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

    def longest_ttl_setting(self) -> str:
        """The name of the setting that lets an entry outlive its run longest."""
        return max(TTL_SETTINGS, key=lambda name: getattr(self, name))

    def longest_ttl(self) -> float:
        """The longest time any per-run entry or cache entry may legitimately outlive its run."""
        return getattr(self, self.longest_ttl_setting())

    def drain_horizon(self) -> float:
        """Gateway time after the last run settles by which every legitimate entry is gone:
        the longest TTL plus one sweep to notice it (the exact state check waits this long)."""
        return self.longest_ttl() + self.maintenance_interval


def setting_problem(setting: Field[Any], value: Any) -> str | None:
    """What is wrong with `value` for one setting (`must be ...`), or None."""
    if setting.metadata["unit"] == COUNT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return "must be a whole number >= 1"
        if value > MAX_COUNT:
            return f"must be at most {MAX_COUNT:,}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a finite number of seconds"
    if value > MAX_SECONDS:  # before isfinite: a huge int would overflow float()
        return f"must be at most {MAX_SECONDS:g} seconds"
    if not math.isfinite(value):
        return "must be a finite number of seconds"
    if value < 0 or (value == 0 and not setting.metadata["zero_ok"]):
        return f"must be positive, got {value}"
    if 0 < value < MIN_SECONDS:
        return f"must be {'0 or ' if setting.metadata['zero_ok'] else ''}at least {MIN_SECONDS:g}s"
    return None


def setting_fields() -> tuple[Field[Any], ...]:
    """The settings table: every field with its default and `unit`, `zero_ok`, `doc` metadata."""
    return fields(GatewaySettings)


def ordering_problem(values: Mapping[str, float]) -> tuple[str, str] | None:
    """(field, message) when settings contradict each other, else None."""
    if values["expiry_min"] > values["expiry_max"]:
        return "expiry_max", (
            f"expiry_max ({values['expiry_max']:g}s) must be at least expiry_min "
            f"({values['expiry_min']:g}s)"
        )
    return None
