"""Unit-bearing pydantic field types for scenario files: `90s`, `10MB`, `50/s`, `10MB/h`.

Kept apart from `parse` because pydantic is heavy and the pytest plugin, the progress bar and
the reports parse or format numbers without needing it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from leakbench.harness.units.parse import (
    DURATION_EXAMPLES,
    DURATION_PATTERN,
    RATE_EXAMPLES,
    RATE_PATTERN,
    SIZE_EXAMPLES,
    SIZE_PATTERN,
    SIZE_RATE_EXAMPLES,
    SIZE_RATE_PATTERN,
    parse_duration,
    parse_rate,
    parse_size,
    parse_size_rate,
)


def _schema(kind: str, examples: str, pattern: str) -> WithJsonSchema:
    """JSON Schema of a unit field: editors must accept both `90s` and a bare number."""
    return WithJsonSchema(
        {
            "anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": pattern}],
            "description": f"A {kind} such as {examples}.",
        }
    )


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    _schema("duration (seconds if bare)", DURATION_EXAMPLES, DURATION_PATTERN),
]
Size = Annotated[
    int,
    BeforeValidator(parse_size),
    _schema("size (bytes if bare)", SIZE_EXAMPLES, SIZE_PATTERN),
]
Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    _schema("rate (per second if bare)", RATE_EXAMPLES, RATE_PATTERN),
]
SizeRate = Annotated[
    float,
    BeforeValidator(parse_size_rate),
    _schema("size rate (bytes per second if bare)", SIZE_RATE_EXAMPLES, SIZE_RATE_PATTERN),
]
