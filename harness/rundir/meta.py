"""meta.json checked where it is read, so a damaged one is one line of bad input (exit 2).

The verdict, `watch` and the reports read meta.json's fields as the runner writes them (text,
numbers, the resolved scenario's `verdict` and `workload`). A file edited or damaged by hand
could hold `"exit_reason": [null]` or `"host": 5`, and each reader would fail in its own way
deep inside. Checking the types once, at the edge, keeps the readers simple: every field is
optional (older run directories lack some) and unknown fields are allowed, as in summary.json.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario.model import Verdict


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class MetaVerdict(Verdict):
    """The resolved scenario's `verdict` section, read by the scenario's own model (its fields,
    units and limits); unknown keys are allowed, as everywhere in meta.json."""

    model_config = ConfigDict(extra="allow", frozen=True)


class MetaWorkload(_Open):
    """The planned workload: where a live soak stands (`watch`, the live report)."""

    runs: Annotated[int, Field(ge=0)] | None = None
    duration: Annotated[float, Field(ge=0)] | None = None


class MetaScenario(_Open):
    verdict: MetaVerdict = MetaVerdict()
    workload: MetaWorkload = MetaWorkload()


class MetaVersions(_Open):
    python: str | None = None
    implementation: str | None = None
    leakbench: str | None = None
    platform: str | None = None
    packages: dict[str, str | None] | None = None


class MetaMemoryLimit(_Open):
    bytes: Annotated[int, Field(gt=0)]
    source: Literal["cgroup", "available"]


class MetaHost(_Open):
    hostname: str | None = None
    cpus: int | None = None
    memory_bytes: Annotated[int, Field(ge=0)] | None = None
    memory_limit: MetaMemoryLimit | None = None


class Meta(_Open):
    """meta.json (docs/run-dir.md): the run's identity and how it ended."""

    format: int | None = None
    scenario_name: str | None = None
    scenario: MetaScenario | None = None
    seed: int | None = None
    policy: str | None = None
    transport: str | None = None
    target: str | None = None
    verdict_given: list[str] | None = None
    versions: MetaVersions | None = None
    host: MetaHost | None = None
    started_at: str | None = None
    ended_at: str | None = None
    status: str | None = None
    exit_reason: str | None = None
    exit_detail: str | None = None


def check_meta(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """`meta` when its fields have the types leakbench reads, with the scenario's `verdict`
    values as its model reads them (`"64B"` is 64); else BadInput, one line naming the file and
    the first wrong field (`scenario.verdict.alpha`)."""
    try:
        checked = Meta.model_validate(meta)
    except ValidationError as exc:
        errors = exc.errors()
        field = _field(meta, errors[0]["loc"])
        # A union (warmup: 'auto' or a number) reports each branch: one field, joined.
        same = [e for e in errors if _field(meta, e["loc"]) == field]
        wanted = " or ".join(dict.fromkeys(_wanted(e["msg"]) for e in same))
        more = len({_field(meta, e["loc"]) for e in errors}) - 1
        also = f" (and {more} more)" if more else ""
        where = ".".join(p if isinstance(p, str) and p.isprintable() else repr(p) for p in field)
        raise BadInput(
            f"{path}: field {where}: expected {wanted}, got {_shown(same[0]['input'])}{also}"
        ) from None
    if checked.scenario is None or "verdict" not in meta["scenario"]:
        return meta
    verdict = checked.scenario.verdict.model_dump(exclude_unset=True)
    return {**meta, "scenario": {**meta["scenario"], "verdict": verdict}}


def _field(meta: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of an error's location that names fields of the file: pydantic appends the
    branch of a union it tried (`constrained-float`), which the file does not have."""
    found: list[Any] = []
    node = meta
    for part in loc:
        if isinstance(node, dict) and part in node:
            found.append(part)
            node = node[part]
        else:
            break
    return tuple(found) or loc[:1]


def _wanted(message: str) -> str:
    """'Input should be a valid dictionary or instance of MetaHost' -> 'a valid dictionary'."""
    text = message.removeprefix("Input should be ").removeprefix("Value error, expected ")
    return re.sub(r" or instance of \w+|; got .*", "", text)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{type(value).__name__} {text[:37]}..."
