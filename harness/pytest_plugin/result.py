"""What a soak gives the test: its result, and the warning an inconclusive soak may raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SoakResult:
    """One soak's outcome.

    summary: `harness.verdict.summarize`'s dict (docs/run-dir.md, summary.json), where a "run" is
      one call: `verdict`, `headline`, `signals` with slopes per call and their bounds, `warmup`,
      and `attribution` (types, their holders and sites that grew by more than the tolerance in the
      attribution pass, which runs after a leak or inconclusive verdict).
    samples: the samples of the soak that decided, as in samples.jsonl.
    calls: measured calls of that soak; attempts: 2 when a confirmation soak ran.
    attribution_calls: calls the attribution pass made (its growths are over these calls).
    """

    summary: dict[str, Any]
    samples: list[dict[str, Any]] = field(repr=False)
    calls: int
    attempts: int = 1
    attribution_calls: int = 0

    @property
    def verdict(self) -> str:
        """ "leak", "no-leak" or "inconclusive"."""
        return str(self.summary["verdict"])

    @property
    def headline(self) -> str:
        return str(self.summary["headline"])

    @property
    def slopes(self) -> dict[str, float]:
        """Growth per call of each judged signal (Theil-Sen), in the signal's unit."""
        return {
            name: signal["slope_per_run"]
            for name, signal in self.summary["signals"].items()
            if "slope_per_run" in signal
        }


class InconclusiveSoak(UserWarning):
    """A soak could neither show a leak nor rule one out (with `inconclusive="warn"`)."""
