"""The simulated gateway's sections of a scenario: `gateway:` constants and `workload:`.

Both are derived from the simulator's own definitions (its settings table, its fault paths,
its workload defaults), so a scenario can never describe a gateway the simulator does not have.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self

from pydantic import Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from leakbench.gateway_sim import settings as sim_settings
from leakbench.gateway_sim.workload import FAULT_PATHS
from leakbench.gateway_sim.workload import Workload as SimWorkload
from leakbench.harness.scenario.base import Probability, Section, cross_field_error
from leakbench.harness.units.fields import Duration, Rate


def _gateway_field(setting: dataclasses.Field[Any]) -> tuple[Any, Any]:
    """A pydantic field for one row of the simulator's settings table."""
    doc = setting.metadata["doc"]
    if setting.metadata["unit"] == sim_settings.COUNT:
        return int, Field(setting.default, ge=1, description=doc)
    bound = {"ge": 0} if setting.metadata["zero_ok"] else {"gt": 0}
    return Duration, Field(setting.default, allow_inf_nan=False, description=doc, **bound)


class _GatewaySettingsRules(Section):
    """Rules across settings, stated once by the simulator (`ordering_problem`)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        problem = sim_settings.ordering_problem(self.model_dump())
        if problem:
            raise cross_field_error(*problem)
        return self


GatewaySettings = create_model(
    "GatewaySettings",
    __base__=_GatewaySettingsRules,
    __doc__="The gateway's timing and size constants (gateway-spec §7); scenarios shorten TTLs "
    "to drain quickly. Generated from the simulator's settings table, the one definition.",
    **{setting.name: _gateway_field(setting) for setting in sim_settings.setting_fields()},
)


# --- workload -----------------------------------------------------------------------------


class _Range(Section):
    min: float
    max: float

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min > self.max:
            raise cross_field_error(
                "max", f"max ({self.max:g}) must be at least min ({self.min:g})"
            )
        return self


class CountRange(_Range):
    """Inclusive range of a per-run count, drawn uniformly per run."""

    min: int = Field(ge=1)
    max: int = Field(ge=1)


class DurationRange(_Range):
    """Inclusive range of a duration, drawn uniformly."""

    min: Duration = Field(ge=0)
    max: Duration = Field(ge=0)


class _FaultRules(Section):
    @property
    def total(self) -> float:
        return sum(getattr(self, path) for path in FAULT_PATHS)

    @model_validator(mode="after")
    def _at_most_one_in_total(self) -> Self:
        if self.total > 1 + 1e-9:
            raise PydanticCustomError(
                "faults_sum",
                "fault probabilities add up to {total}; at most 1 (the rest are normal runs)",
                {"total": round(self.total, 6)},
            )
        return self


Faults = create_model(
    "Faults",
    __base__=_FaultRules,
    __doc__="Probability that a run takes each fault path (gateway-spec §5); the rest are "
    "normal. The paths are the simulator's (`gateway_sim.workload.FAULT_PATHS`).",
    **{path: (Probability, 0.0) for path in FAULT_PATHS},
)
_SIM_WORKLOAD = SimWorkload(runs=1)  # the simulator's defaults, the one definition of them


class Workload(Section):
    """The load: how many runs or how long, how fast, and what fraction hits each fault."""

    runs: int | None = Field(None, ge=1, description="Runs to complete (gateway targets).")
    duration: Duration | None = Field(
        None, gt=0, description="How long: gateway time for the gateway, wall time for commands."
    )
    concurrency: int = Field(_SIM_WORKLOAD.concurrency, ge=1, description="Runs in flight at most.")
    rate: Rate = Field(
        _SIM_WORKLOAD.rate, gt=0, description="Run arrivals per second of gateway time."
    )
    reply_chars: CountRange = CountRange(
        min=_SIM_WORKLOAD.reply_chars[0], max=_SIM_WORKLOAD.reply_chars[1]
    )
    chunks: CountRange = CountRange(min=_SIM_WORKLOAD.chunks[0], max=_SIM_WORKLOAD.chunks[1])
    chunk_interval: DurationRange = DurationRange(
        min=_SIM_WORKLOAD.chunk_interval[0], max=_SIM_WORKLOAD.chunk_interval[1]
    )
    faults: Faults = Faults()
    heartbeat: Probability = Field(0.0, description="Share of runs that are hidden heartbeats.")
    terminal_loss: Probability = Field(
        0.0, description="Chance a run's terminal event (real or synthetic) never arrives."
    )
    thinking: Probability = Field(
        0.0, description="Share of runs that stream thinking events before their reply."
    )

    @model_validator(mode="after")
    def _runs_or_duration(self) -> Self:
        if self.runs is not None and self.duration is not None:
            raise cross_field_error("duration", "set either runs or duration, not both")
        return self
