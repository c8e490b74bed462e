"""The scenario model: what a scenario file may say, its defaults and its ranges.

Every section forbids unknown keys and is frozen (a loaded scenario is a value; changes go
through `Scenario.with_overrides`); see `base`. All quantities are stored in seconds, bytes and
per-second rates (harness.units). The gateway's sections come from the simulator (`gateway`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario.base import (
    BASE_DIR_CONTEXT,
    DISCRIMINATOR,
    MAX_WARMUP,
    Section,
    cross_field_error,
)
from leakbench.harness.scenario.gateway import GatewaySettings, Workload
from leakbench.harness.units import parse_duration
from leakbench.harness.units.fields import Duration, Size, SizeRate

Policy = Literal["legacy", "fixed", "legacy-2026.5.27"]
Transport = Literal["embedded", "websocket"]
Scope = Literal["tree", "process"]

# --- target -------------------------------------------------------------------------------


class PolicyFlags(Section):
    """Single parts of the fix switched on or off against the chosen policy, to bisect which
    part matters. `None` keeps what the policy sets."""

    abort_clears_raw: bool | None = None
    stale_buffer_sweep: bool | None = None
    sweeps_use_clear_run: bool | None = None
    agent_loop_clears_run: bool | None = None
    synthetic_end_clears_raw: bool | None = None


class GatewayTarget(Section):
    """The built-in gateway simulator."""

    kind: Literal["gateway"] = "gateway"
    policy: Policy = "fixed"
    policy_flags: PolicyFlags = PolicyFlags()
    transport: Transport = "embedded"
    speedup: float = Field(600.0, gt=0, description="WebSocket transport: gateway s per wall s.")
    clients: int = Field(8, ge=1, description="WebSocket transport: concurrent client connections.")


def _check_host_port(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or ":" in host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port like 127.0.0.1:8080; got {value!r}")
    return value


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


def _check_driver(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", value):
        raise ValueError(f"expected 'module:function' like mypkg.load:drive; got {value!r}")
    return value


class ReadyCheck(Section):
    """When a command target is ready for load: exactly one of `tcp`, `log`, `delay`."""

    tcp: Annotated[str, AfterValidator(_check_host_port)] | None = Field(
        None, description="Ready once host:port accepts a connection."
    )
    log: Annotated[str, AfterValidator(_check_regex)] | None = Field(
        None, description="Ready once the target's output matches this regular expression."
    )
    delay: Duration | None = Field(None, description="Ready this long after the start.")
    timeout: Duration = Field(30.0, gt=0, description="Give up (target failed, exit 3) after.")

    @model_validator(mode="after")
    def _exactly_one_check(self) -> Self:
        chosen = [name for name in ("tcp", "log", "delay") if getattr(self, name) is not None]
        if not chosen:
            raise PydanticCustomError("ready", "set one of tcp, log or delay")
        if len(chosen) > 1:
            raise cross_field_error(chosen[1], f"set only one of tcp, log or delay (got {chosen})")
        return self


class CommandTarget(Section):
    """Any process, started from an argv; RSS from outside, load from an optional driver.

    Numbers in `command` and `env` are taken as strings (`[sleep, 10]`, `PORT: 8080`).
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    kind: Literal["command"]
    command: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = Field(
        None, description="Working directory; a relative path is relative to the scenario file."
    )
    ready: ReadyCheck | None = None
    driver: Annotated[str, AfterValidator(_check_driver)] | None = Field(
        None, description="Python load generator 'module:function', run by the harness."
    )
    driver_args: dict[str, Any] = Field(default_factory=dict)
    runtime: Literal["auto", "python", "node", "none"] = Field(
        "auto",
        description="What the program is, for measuring inside it: 'auto' detects python or "
        "node from the command; 'none' measures from outside only.",
    )

    @field_validator("cwd")
    @classmethod
    def _relative_to_scenario_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        base_dir = (info.context or {}).get(BASE_DIR_CONTEXT)
        if value is None or base_dir is None:
            return value
        resolved = (base_dir / value).resolve()
        if not resolved.is_dir():  # else the start fails as if the program were missing
            raise ValueError(f"no directory {str(resolved)!r}")
        return str(resolved)


Target = Annotated[GatewayTarget | CommandTarget, Field(discriminator=DISCRIMINATOR)]


# --- probe and verdict --------------------------------------------------------------------


class Probe(Section):
    """What is measured, and how often."""

    interval: Duration = Field(0.25, gt=0, description="Wall time between samples.")
    objects: bool = True
    tracemalloc: bool = False
    state: bool = True
    uss: bool = False
    checkpoints: int = Field(5, ge=0, description="Object/allocation censuses per run.")
    inject: bool = Field(
        True,
        description="Command targets: let leakbench measure inside the program (a Python agent, "
        "the Node inspector); false measures from outside only.",
    )
    object_count: bool = Field(
        False,
        description="Python agent: count gc objects at every sample (walks the heap each time).",
    )


def _parse_warmup(value: Any) -> Any:
    if value == "auto":
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_WARMUP:
        return float(value)
    raise ValueError(f"expected 'auto' or a fraction from 0 to {MAX_WARMUP}; got {value!r}")


Warmup = Annotated[
    Literal["auto"] | float,
    BeforeValidator(_parse_warmup),
    WithJsonSchema(
        {
            "anyOf": [{"const": "auto"}, {"type": "number", "minimum": 0, "maximum": MAX_WARMUP}],
            "description": "Share of the run cut as warm-up, or 'auto' (change point).",
        }
    ),
]


class Verdict(Section):
    """How leak / no leak is decided: warm-up cut, tolerances, significance level."""

    warmup: Warmup = "auto"
    max_growth_per_run: Size = Field(64, ge=0, description="Growth per run tolerated (δ).")
    max_rss_growth: SizeRate | None = Field(None, description="RSS growth per time tolerated.")
    alpha: float = Field(0.01, gt=0, lt=0.5, description="Significance level of the trend test.")
    scope: Scope | None = Field(
        None,
        description="Whose RSS decides: 'tree' (the target and all its descendants, the default "
        "for command targets) or 'process' (the target's own, the default for the gateway).",
    )
    memory_limit: Size | None = Field(
        None,
        gt=0,
        description="Memory the service may have, for the projection (default: the cgroup "
        "limit, else the memory available when the run starts).",
    )


# --- the scenario -------------------------------------------------------------------------


def _check_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        raise ValueError(
            f"expected up to 64 letters, digits, '.', '_' or '-' (it names run directories); "
            f"got {value!r}"
        )
    return value


class Scenario(Section):
    """One soak test: a target, the load on it, what to measure and how to judge it."""

    name: Annotated[str, AfterValidator(_check_name)]
    description: str = ""
    target: Target = GatewayTarget()
    gateway: GatewaySettings = GatewaySettings()
    workload: Workload
    probe: Probe = Probe()
    verdict: Verdict = Verdict()
    seed: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _workload_fits_target(self) -> Self:
        workload = self.workload
        if isinstance(self.target, GatewayTarget):
            if workload.runs is None and workload.duration is None:
                raise cross_field_error("workload", "set runs (a count) or duration (gateway time)")
            return self
        if "gateway" in self.model_fields_set:
            raise cross_field_error("gateway", "gateway settings apply only to gateway targets")
        if workload.runs is not None:
            raise cross_field_error(
                "workload.runs", "a command target runs for a duration (wall time), not runs"
            )
        if workload.duration is None:
            raise cross_field_error("workload", "a command target needs duration (wall time)")
        return self

    def with_overrides(
        self,
        *,
        policy: str | None = None,
        seed: int | None = None,
        transport: str | None = None,
        duration: float | str | None = None,
        interval: float | str | None = None,
    ) -> Scenario:
        """A new, validated scenario with command-line values in place of the file's.

        A `duration` replaces `runs`; an `interval` sets `probe.interval`. Raises BadInput naming
        the flag on a bad value.
        """
        scenario = self
        if policy is not None:
            scenario = scenario._replaced("policy", policy, target={"policy": policy})
        if transport is not None:
            scenario = scenario._replaced("transport", transport, target={"transport": transport})
        if seed is not None:
            scenario = scenario._replaced("seed", seed, seed=seed)
        if duration is not None:
            try:
                seconds = parse_duration(duration)
            except ValueError as exc:
                raise BadInput(f"--duration: {exc}") from None
            workload = {"duration": seconds, "runs": None}
            scenario = scenario._replaced("duration", duration, workload=workload)
        if interval is not None:
            scenario = scenario._replaced("interval", interval, probe={"interval": interval})
        return scenario

    def lengthened(self, factor: float, *, seed: int) -> Scenario:
        """The same soak `factor` times as long (its runs or its duration), with `seed`."""
        workload = self.workload
        if workload.runs is not None:
            longer: dict[str, Any] = {"runs": max(1, round(workload.runs * factor))}
        else:
            longer = {"duration": workload.duration * factor}
        return self._replaced("confirm", factor, seed=seed, workload=longer)

    def _replaced(self, flag: str, value: object, **changes: Any) -> Scenario:
        if "target" in changes and not isinstance(self.target, GatewayTarget):
            raise BadInput(
                f"--{flag} applies only to gateway targets; {self.name!r} runs a command"
            )
        data = self.model_dump(exclude_unset=True)
        data["target"] = {DISCRIMINATOR: self.target.kind, **data.get("target", {})}
        for key, change in changes.items():
            data[key] = {**data.get(key, {}), **change} if isinstance(change, dict) else change
        try:
            return Scenario.model_validate(data)
        except ValidationError as exc:
            raise BadInput(f"--{flag} {value}: {exc.errors()[0]['msg']}") from None

    def to_resolved_dict(self) -> dict[str, Any]:
        """Every value, defaults included, in seconds/bytes/per second: JSON-able, for meta.json."""
        resolved = self.model_dump(mode="json")
        resolved["verdict"]["scope"] = self.scope
        return resolved

    @property
    def scope(self) -> Scope:
        """`verdict.scope`, or its default for the target: a command's workers and wrapped
        programs are its children, while the gateway's server is the process itself."""
        if self.verdict.scope is not None:
            return self.verdict.scope
        return "process" if isinstance(self.target, GatewayTarget) else "tree"
