"""Pydantic error details rewritten in the terms of a scenario file: what is wrong, in one line,
without pydantic's class names, with the offending value where a type is wrong, and with
"did you mean" for a misspelt key.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from leakbench.harness.scenario.base import DISCRIMINATOR
from leakbench.harness.scenario.model import Scenario

_VALUE_ERROR_PREFIX = "Value error, "  # pydantic's wrapping of our validators' ValueErrors
_LONGEST_VALUE_SHOWN = 60
# Errors about the type of a value: the message says what was expected, we add what was found.
_TYPE_ERRORS = frozenset(
    {
        "literal_error",
        "int_type",
        "int_parsing",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "string_type",
        "list_type",
        "dict_type",
    }
)
_MAPPING_ERRORS = frozenset({"model_type", "model_attributes_type"})


def _describe_value(value: Any) -> str:
    """How a YAML value looks to its author: 'a list', 'null', "'10 parsecs'" (cut if long)."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= _LONGEST_VALUE_SHOWN else text[: _LONGEST_VALUE_SHOWN - 3] + "..."


def clean_message(error: ErrorDetails) -> str:
    """The message of one error, for a person editing the file."""
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return _unknown_field(error["loc"])
    if kind in _MAPPING_ERRORS:
        return f"expected a mapping of fields; got {_describe_value(error['input'])}"
    if kind == "union_tag_not_found":
        return f"missing {DISCRIMINATOR!r} ({_tags_expected(error['loc'])})"
    if kind == "union_tag_invalid":
        return f"expected {_tags_expected(error['loc'])}; got {error['ctx']['tag']!r}"
    message = message.removeprefix(_VALUE_ERROR_PREFIX)
    if kind in _TYPE_ERRORS:
        message += f"; got {_describe_value(error['input'])}"
    return message


def _unknown_field(loc: Sequence[str | int]) -> str:
    allowed = _fields_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"unknown field (did you mean {close[0]!r}?)"
    if allowed:
        return f"unknown field; expected one of: {', '.join(allowed)}"
    return "unknown field"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation can hold (through Optional, unions and Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (dict, list):
        return []
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _tag(model: type[BaseModel]) -> str:
    return typing.get_args(model.model_fields[DISCRIMINATOR].annotation)[0]


def _union_at(loc: Sequence[str | int]) -> list[type[BaseModel]]:
    """The models that the field at `loc` may hold; more than one for a discriminated union."""
    models: list[type[BaseModel]] = [Scenario]
    parts = list(loc)
    while parts:
        if len(models) > 1:  # a discriminated union: pydantic put the tag next in the location
            tag = parts.pop(0)
            models = [model for model in models if _tag(model) == tag]
            continue
        field = models[0].model_fields.get(str(parts.pop(0))) if models else None
        models = _models_in(field.annotation) if field else []
    return models


def _fields_at(loc: Sequence[str | int]) -> list[str]:
    models = _union_at(loc)
    return list(models[0].model_fields) if len(models) == 1 else []


def _tags_expected(loc: Sequence[str | int]) -> str:
    return " or ".join(repr(_tag(model)) for model in _union_at(loc))
