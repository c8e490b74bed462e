"""What every part of the scenario model shares: the section base and cross-field errors.

Every section forbids unknown keys (a typo must fail, not silently fall back to a default) and is
frozen. Cross-field errors are raised as `PydanticCustomError` with a `field` context naming the
offending key relative to the model, so the loader can point at that key's line.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

Probability = Annotated[float, Field(ge=0, le=1)]

DISCRIMINATOR = "kind"
MAX_WARMUP = 0.9
BASE_DIR_CONTEXT = "base_dir"
CROSS_FIELD_ERROR = "cross_field"


def cross_field_error(field: str, message: str) -> PydanticCustomError:
    """An error about `field` (dotted, relative to the model raising it) found by a validator."""
    return PydanticCustomError(CROSS_FIELD_ERROR, message, {"field": field})


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
