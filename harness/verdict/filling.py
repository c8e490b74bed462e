"""A trend leak that a bounded container still filling can explain is not a leak yet.

Before its cap, a cache that fills rises exactly like a leak (issue 8: an LRU cache filling up
was called a leak), so no trend rule can tell them apart; the Python agent can, because the
container says how full it is (probe/bounded.py). The rule:
- only a trend-decided leak is questioned (an exact state check is not a matter of trend);
- a container questions it when it grew during the soak and is still below its cap at the
  latest checkpoint, and its growth can hold the heap's: each entry holds at least one
  allocated block and seldom more than `BLOCKS_PER_ENTRY`, so entries that grew by at least
  the heap's block growth / `BLOCKS_PER_ENTRY` can be all of it (a flat heap, whose growth is
  outside Python objects, is explained by any such container: its values may be large buffers);
- in a tree of Python processes, a container explains only its own process's growth: the
  leak is questioned when the processes whose own filling containers can hold their growth
  account for all but `UNEXPLAINED_SHARE` of the tree's heap growth (a worker's filling cache
  does not excuse another worker's leak; a master's few grown objects do not hide a worker's
  filling cache); without per-process heap counts, the tree's growth is compared as a whole;
- then the verdict is inconclusive, naming the container and its fill, until a longer soak
  sees it full; once full, a memory that still grows is judged as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from leakbench.harness.stats import Outcome
from leakbench.harness.verdict.rules import Decision

BLOCKS_PER_ENTRY = 10
UNEXPLAINED_SHARE = 0.1
"""A tenth of a tree's heap growth may lie outside the processes whose caches explain theirs:
a stated allowance for the small growth of processes that only wait, not fitted to any test."""


def still_filling(bounded: Sequence[Mapping[str, Any]], heap_growth: float) -> list[Mapping]:
    """The containers below their cap whose growth can hold `heap_growth` blocks."""
    needed = max(heap_growth, 0.0) / BLOCKS_PER_ENTRY
    return [
        entry
        for entry in bounded
        if entry["size"] < entry["capacity"] and entry["growth"] > 0 and entry["growth"] >= needed
    ]


def filling_phrase(entry: Mapping[str, Any]) -> str:
    """`functools.lru_cache app.render holds 12,034 of its 20,000` in words."""
    return (
        f"{entry['kind']} {entry['name']} holds {entry['size']:,.0f} of its "
        f"{entry['capacity']:,.0f} and still fills"
    )


def explaining(
    bounded: Sequence[Mapping[str, Any]],
    heap_growth: float,
    growth_by_pid: Mapping[int, float] | None = None,
) -> list[Mapping]:
    """The containers still filling that explain the heap's growth: each against its own
    process's growth when `growth_by_pid` says it, else against the whole (see the rules)."""
    per_process = growth_by_pid and all("pid" in entry for entry in bounded)
    if heap_growth <= 0 or not per_process:
        return still_filling(bounded, heap_growth)
    grown = {pid: growth for pid, growth in (growth_by_pid or {}).items() if growth > 0}
    own = {
        pid: still_filling([e for e in bounded if e["pid"] == pid], g) for pid, g in grown.items()
    }
    explained = sum(grown[pid] for pid, filling in own.items() if filling)
    if explained < (1 - UNEXPLAINED_SHARE) * sum(grown.values()):
        return []
    return [entry for filling in own.values() for entry in filling]


def question_leak(
    decision: Decision,
    bounded: Sequence[Mapping[str, Any]],
    heap_growth: float,
    growth_by_pid: Mapping[int, float] | None = None,
) -> Decision:
    """The decision, made inconclusive when bounded containers still filling explain it."""
    if decision.outcome is not Outcome.LEAK:
        return decision
    filling = explaining(bounded, heap_growth, growth_by_pid)
    if not filling:
        return decision
    return Decision(
        Outcome.INCONCLUSIVE,
        (
            f"{decision.reason}, but a bounded container is filling ({filling_phrase(filling[0])}):"
            " the growth may stop at its cap"
        ),
    )
