"""What one soak may be told: the keyword arguments of `leak_soak(...)` and of the marker.

Imported only when a soak runs (never at pytest startup): it parses sizes with `harness.units`,
which loads pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from leakbench.harness.errors import BadInput
from leakbench.harness.units import parse_size

SIGNALS = frozenset({"heap", "objects", "rss"})
INCONCLUSIVE_POLICIES = ("fail", "xfail", "warn")
MIN_ITERATIONS = 100
MIN_SAMPLES = 50


@dataclass(frozen=True)
class SoakOptions:
    """How long to soak, what to measure, and how much growth per call to tolerate.

    iterations: measured calls. The verdict cuts a warm-up from them (at least the first 20%).
    warmup: extra calls before measuring, for code whose first calls fill caches or import.
    per_iteration: tolerance δ for byte signals (traced heap bytes, RSS): a size such as "64B",
      "1KiB", or bytes as an int. RSS is never called a leak below 1 MiB over the window.
    objects_per_iteration: tolerance δ for count signals (allocated heap blocks, gc objects).
      0.5 means a leak must hold more than one object every other call.
    signals: any of "heap" (allocated blocks, every Python object is one; traced bytes with
      tracemalloc), "rss", and "objects": gc-tracked objects made during the soak and still alive.
      "objects" is off by default: the heap is frozen during the soak (`gc.freeze`, for speed),
      so a cache replacing entries made before the soak looks like growth until all are
      replaced, and any growth it sees shows in "heap" too.
    tracemalloc: trace allocations during the soak, so that "heap" is bytes judged against
      `per_iteration`. Slows the code under test 3-8x.
    samples: how many samples to spread over the measured calls.
    inconclusive: what an inconclusive verdict (after the confirmation soak) does to the test:
      "fail", "xfail" (reported as xfailed, with the evidence) or "warn" (passes with a warning).
    confirm: soak again twice as long when the first verdict is inconclusive.
    attribute: after a leak or inconclusive verdict, run 20% more calls under a type census and
      tracemalloc to name the types and allocation sites that grow.
    """

    iterations: int = 2000
    warmup: int = 0
    per_iteration: str | int = "64B"
    objects_per_iteration: float = 0.5
    signals: tuple[str, ...] = ("heap", "rss")
    tracemalloc: bool = False
    samples: int = 200
    inconclusive: str = "fail"
    confirm: bool = True
    attribute: bool = True
    given: frozenset[str] = field(default=frozenset(), compare=False)
    """The options the test set itself (the rest are defaults): where a tolerance came from."""

    def __post_init__(self) -> None:
        if self.iterations < MIN_ITERATIONS:
            raise BadInput(f"leak_soak: iterations must be at least {MIN_ITERATIONS}")
        if self.warmup < 0:
            raise BadInput("leak_soak: warmup must not be negative")
        if self.samples < MIN_SAMPLES:
            raise BadInput(f"leak_soak: samples must be at least {MIN_SAMPLES}")
        unknown = set(self.signals) - SIGNALS
        if unknown or not self.signals:
            raise BadInput(
                f"leak_soak: signals must be a non-empty choice of {sorted(SIGNALS)}; "
                f"got {list(self.signals)}"
            )
        if self.inconclusive not in INCONCLUSIVE_POLICIES:
            raise BadInput(
                f"leak_soak: inconclusive must be one of {INCONCLUSIVE_POLICIES}; "
                f"got {self.inconclusive!r}"
            )
        if self.objects_per_iteration < 0:
            raise BadInput("leak_soak: objects_per_iteration must not be negative")
        try:
            parse_size(self.per_iteration)
        except ValueError as error:
            raise BadInput(f"leak_soak: per_iteration: {error}") from None

    @classmethod
    def from_keywords(cls, keywords: dict[str, Any]) -> SoakOptions:
        """Options from `leak_soak(fn, **keywords)` or the marker's keywords, names checked."""
        known = {option.name for option in fields(cls)} - {"given"}
        unknown = sorted(set(keywords) - known)
        if unknown:
            raise BadInput(
                f"leak_soak: unknown option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**keywords, given=frozenset(keywords))

    @property
    def bytes_per_iteration(self) -> int:
        return parse_size(self.per_iteration)

    @property
    def sample_every(self) -> int:
        """Calls between two samples."""
        return max(1, self.iterations // self.samples)
