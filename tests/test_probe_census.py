"""TypeCensus finds the type that grows and estimates how many bytes its instances hold."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

from leakbench.probe import TypeCensus
from leakbench.probe.census import type_name


class LeakyRecord:
    def __init__(self, number: int, shared: object = None) -> None:
        self.number = number
        self.payload = "r" * (200 + number % 100)
        self.shared = shared


class Transient:
    pass


RECORD = f"{__name__}.LeakyRecord"


def allocated_by(make: Callable[[], list[LeakyRecord]]) -> tuple[list[LeakyRecord], int]:
    """What `make` returns, and the bytes it allocated that are still alive (the truth a deep
    size estimates), less the returned list itself."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = make()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return made, after - before - made.__sizeof__()


def test_type_names_are_short_for_builtins_and_qualified_otherwise() -> None:
    assert type_name(dict) == "dict"
    assert type_name(LeakyRecord) == RECORD


def test_baseline_checkpoint_lists_the_largest_types_unsized() -> None:
    top = TypeCensus(top=5).checkpoint(baseline=True)
    assert len(top) == 5
    assert all(entry["growth"] == 0 and "deep_bytes" not in entry for entry in top)
    counts = [entry["count"] for entry in top]
    assert counts == sorted(counts, reverse=True)


def test_growing_user_type_is_the_top_grower_with_its_deep_size() -> None:
    census = TypeCensus(top=5)
    census.checkpoint(baseline=True)
    _alive, exact = allocated_by(lambda: [LeakyRecord(number) for number in range(3000)])
    top = census.checkpoint(deep_sample=20)
    assert top[0]["type"] == RECORD
    assert top[0]["count"] == top[0]["growth"] == 3000
    assert 0.8 * exact <= top[0]["deep_bytes"] <= 1.25 * exact


def test_a_referent_shared_by_all_instances_is_counted_once() -> None:
    census = TypeCensus(top=5)
    census.checkpoint(baseline=True)

    def make() -> list[LeakyRecord]:
        shared = {key: str(key) for key in range(20_000)}
        return [LeakyRecord(number, shared) for number in range(3000)]

    _alive, exact = allocated_by(make)  # the shared dict once, as in memory
    entry = census.checkpoint(deep_sample=20)[0]
    assert entry["type"] == RECORD
    assert 0.8 * exact <= entry["deep_bytes"] <= 1.25 * exact


def test_only_types_that_grew_at_every_checkpoint_are_attributed() -> None:
    census = TypeCensus(top=10)
    census.checkpoint(baseline=True)
    leaked: list[LeakyRecord] = []
    transient: list[Transient] = []
    for round_number in range(3):
        leaked += [LeakyRecord(number) for number in range(500)]
        transient = [] if round_number == 1 else transient + [Transient() for _ in range(800)]
        census.checkpoint()
    attributed = census.grew_every_time()
    names = [entry["type"] for entry in attributed]
    assert names[0] == RECORD
    assert attributed[0]["growth"] == 1500
    assert attributed[0]["growth_deep_bytes"] > 1500 * 200
    assert f"{__name__}.Transient" not in names
    assert not any(name.startswith("leakbench.probe.") for name in names)


def test_nothing_is_attributed_before_a_checkpoint_after_the_baseline() -> None:
    census = TypeCensus()
    census.checkpoint(baseline=True, deep_sample=0)
    assert census.grew_every_time() == []
