"""HeapProbe's counters follow objects the process keeps and frees."""

from __future__ import annotations

import gc

from leakbench.probe import HeapProbe


def test_heap_blocks_and_gc_objects_rise_when_objects_are_kept_and_fall_when_freed() -> None:
    probe = HeapProbe()
    gc.collect()  # no garbage left for an automatic collection to free mid-test
    before = probe.sample()
    kept = [[number] for number in range(20_000)]
    during = probe.sample()
    del kept
    after = probe.sample()
    assert during["heap_blocks"] - before["heap_blocks"] >= 20_000
    assert during["gc_objects"] - before["gc_objects"] >= 20_000
    assert during["heap_blocks"] - after["heap_blocks"] >= 19_000
    assert len(before["gc_counts"]) == 3
    assert all(isinstance(count, int) for count in before["gc_counts"])


def test_without_objects_the_heap_is_not_walked() -> None:
    assert set(HeapProbe(objects=False).sample()) == {"heap_blocks", "gc_counts", "gc_collections"}


def test_gc_collections_count_each_generations_collections() -> None:
    probe = HeapProbe(objects=False)
    before = probe.sample()["gc_collections"]
    gc.collect(1)
    gc.collect()
    after = probe.sample()["gc_collections"]
    assert len(after) == 3
    assert after[1] - before[1] >= 1
    assert after[2] - before[2] >= 1
