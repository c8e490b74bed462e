"""`--leakbench-iterations`: one knob to make every soak of a session longer or shorter.

`N` gives every soak N measured calls (a quick local pass, or a long nightly job); `Fx`
multiplies each soak's own count by F (`4x`, `0.5x`), keeping their proportions.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

_FACTOR = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*[xX]\s*")


@dataclass(frozen=True)
class IterationScale:
    """Either a fixed count for every soak or a factor on each soak's own count."""

    count: int | None = None
    factor: float = 1.0

    @classmethod
    def parse(cls, text: str) -> IterationScale:
        """`"5000"` -> every soak 5000 calls; `"4x"` -> each soak four times as long."""
        match = _FACTOR.fullmatch(text)
        if match is not None:
            factor = float(match.group(1))
            if factor <= 0:
                raise argparse.ArgumentTypeError(f"the factor must be positive; got {text!r}")
            return cls(factor=factor)
        if text.strip().isdigit() and int(text) > 0:
            return cls(count=int(text))
        raise argparse.ArgumentTypeError(
            f"expected a positive count (5000) or a factor (4x, 0.5x); got {text!r}"
        )

    def apply(self, iterations: int) -> int:
        if self.count is not None:
            return self.count
        return max(1, round(iterations * self.factor))
