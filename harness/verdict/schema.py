"""The shape of summary.json, as a model: what `leakbench schema summary` publishes.

The summary is a public contract (docs/run-dir.md): CI scripts and dashboards read it. The
fields listed here are always present with these types; later versions may add fields (every
object allows more), so consumers must ignore what they do not know. The test suite validates
every summary it makes against the published JSON Schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["leak", "no-leak", "inconclusive", "error"]
SignalVerdict = Literal["leak", "no-leak", "inconclusive"]
Interval = Annotated[list[float], Field(min_length=2, max_length=2)]
"""[lower, upper]."""


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Warmup(_Open):
    cut_index: int = Field(ge=0, description="First load-phase sample the trend uses.")
    cut_runs: int | None = Field(description="Runs completed at the cut, where counted.")
    cut_t_gateway: float | None = Field(description="Target time at the cut, seconds.")
    method: Literal["fraction", "changepoint", "application", "fixed"]


class TrendSignal(_Open):
    """One memory signal judged against its tolerance (rss, heap, objects, ...)."""

    verdict: SignalVerdict
    reason: str
    unit: str = Field(description="bytes, blocks, objects ...")
    axis: Literal["runs", "hours"]
    confidence: float = Field(gt=0, lt=1)
    n_samples: int = Field(ge=0)
    tolerance_per_run: float | None
    tolerance_per_hour: float | None
    tolerance_source: Literal["scenario", "default", "per-hour budget", "floor"] = Field(
        "default", description="Where the tolerance came from."
    )
    tolerance_as_per_hour: float | None = Field(
        None, description="A per-run tolerance at the measured run rate, per hour."
    )
    p_value: float | None
    p_value_adjusted: float | None
    blocks_monotone: bool
    block_medians: list[float]
    single_step: bool
    allocator_retention: bool | None
    # The fit, where there was one: the reports draw these, so their types are part of the
    # contract too (a wrong-typed one from disk would otherwise crash a plot).
    field: str | None = Field(None, description="The sample field judged (rss, heap_traced ...).")
    lower_bound_99: float | None = None
    upper_bound_99: float | None = None
    slope_per_run: float | None = None
    slope_per_run_ci: Interval | None = None
    theil_sen_per_run_ci_95: Interval | None = None
    mdl_per_run: float | None = None
    slope_per_hour: float | None = None
    slope_per_hour_ci: Interval | None = None
    theil_sen_per_hour_ci_95: Interval | None = None
    mdl_per_hour: float | None = None


class StateSignal(_Open):
    """The built-in gateway's exact state check (entries held after the drain)."""

    unit: Literal["entries"]
    verdict: SignalVerdict
    exact: bool
    caches: dict[str, int]
    controllers: int | None = None
    reason: str | None = Field(None, description="Why the count is not exact, when it is not.")
    entries: dict[str, int] | None = Field(None, description="Held when the run stopped early.")
    retained: dict[str, int] | None = Field(None, description="Entries held after the drain.")
    retained_bytes: dict[str, int] | None = None
    retained_by_path: dict[str, dict[str, int]] | None = None
    leaked_runs: int | None = None
    slope_per_run: float | None = Field(None, description="Entries retained per run.")
    bytes_per_run: float | None = None
    bytes_per_leaked_run: float | None = None


class MapAttribution(_Open):
    name: str
    entries: int
    bytes: int
    paths: list[str]


class ProcessAttribution(_Open):
    """One process of the target: from the Python agent (argv, python, main) and/or the process
    tree's sampling (command, RSS growth per hour over its own samples, `grew`)."""

    pid: int
    command: str | None = None
    rss_growth_per_hour: float | None = None
    rss_growth_per_hour_lower: float | None = None
    grew: bool | None = None


class BoundedContainer(_Open):
    """A container with a cap of its own that grew during the soak (probe/bounded.py)."""

    kind: str = Field(description="functools.lru_cache, collections.deque, or the cache's type.")
    name: str = Field(description="An lru_cache's function (module.qualname), else 'at 0x…'.")
    size: float
    capacity: float
    growth: float = Field(description="Size added since the baseline checkpoint.")
    pid: int | None = None


class Attribution(_Open):
    maps: list[MapAttribution]
    types: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    bounded: list[BoundedContainer] = Field(
        default_factory=list,
        description="Python agent: bounded containers that grew, largest growth first.",
    )
    processes: list[ProcessAttribution] = Field(
        default_factory=list, description="Largest RSS growth first, when measured."
    )


class Projection(_Open):
    horizon_s: float
    rss_bytes: float
    rss_slope_per_hour: float
    basis: str
    limit_bytes: float | None = None
    limit_source: Literal["scenario", "cgroup", "available"] | None = None
    hours_to_limit: float | None = None


class ConfirmationRun(_Open):
    run_dir: str = Field(description="Relative to the run directory: '.' or 'confirm'.")
    seed: int | None
    verdict: Verdict
    headline: str


class Confirmation(_Open):
    """`--confirm`: what each run said and what was concluded (harness/confirm.py)."""

    reason: str = Field(description="Why the first run's verdict was confirmed.")
    runs: list[ConfirmationRun] = Field(min_length=2, max_length=2)
    concluded: Verdict


class Summary(_Open):
    """summary.json: a run's verdict and the evidence behind it."""

    format: Literal[1]
    scenario: str | None
    policy: str | None
    seed: int | None
    transport: str | None
    verdict: Verdict
    exit_code: int = Field(description="The exit code of `leakbench run` (docs: exit codes).")
    exit_reason: str
    exit_detail: str | None
    headline: str = Field(min_length=1, description="The verdict in one sentence.")
    runs_completed: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    gateway_time_s: float = Field(ge=0)
    truncated: bool
    warmup: Warmup | None = Field(description="None when no verdict was computed (exit 5).")
    signals: dict[str, TrendSignal | StateSignal] = Field(
        description="rss, uss (with probe.uss), heap, objects, js_heap, js_heap_used: trends; "
        "state: the gateway's exact check."
    )
    attribution: Attribution
    projection: Projection | None
    confirmation: Confirmation | None = Field(
        None, description="Only with --confirm, when the verdict was rerun to confirm it."
    )


def summary_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of summary.json."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **Summary.model_json_schema(),
    }
