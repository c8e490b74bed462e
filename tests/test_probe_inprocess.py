"""InProcessProbe fills the inside fields of a sample (docs/run-dir.md) and attributes a leak."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from leakbench.harness.process_probe import ProcessProbe
from leakbench.harness.rundir import SAMPLES, RunStore, read_samples
from leakbench.probe import InProcessProbe, mallinfo2


class LeakyThing:
    def __init__(self, number: int) -> None:
        self.text = f"thing {number} " * 20


def leak_things(into: list[LeakyThing], count: int) -> None:
    into.extend(LeakyThing(number) for number in range(count))


def test_sample_has_the_run_dir_fields_it_measures() -> None:
    probe = InProcessProbe(objects=True, tracemalloc=True)
    assert tracemalloc.is_tracing()  # from construction: the workload comes after
    sample = probe.sample()
    probe.stop()
    assert not tracemalloc.is_tracing()
    expected = {"heap_blocks", "gc_counts", "gc_collections", "gc_objects", "heap_traced"}
    if mallinfo2() is not None:
        expected.add("malloc")
        assert set(sample["malloc"]) == {"arena", "in_use", "free", "mmap"}
    assert set(sample) == expected


def test_fields_not_measured_are_absent() -> None:
    with InProcessProbe(objects=False, tracemalloc=False) as probe:
        sample = probe.sample()
        checkpoint = probe.checkpoint()
        attribution = probe.final_attribution()
    assert "gc_objects" not in sample and "heap_traced" not in sample
    assert checkpoint == {} and attribution == {}


def test_a_leak_is_attributed_to_its_type_and_site(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    outside = ProcessProbe(os.getpid())
    leaked: list[LeakyThing] = []
    with InProcessProbe(objects=True, tracemalloc=True, top=5) as probe:
        for index in range(4):
            leak_things(leaked, 400)
            checkpoint = probe.checkpoint(baseline=index == 0)
            store.append_sample(
                {"i": index, **outside.sample(), **probe.sample(), "checkpoint": checkpoint}
            )
        attribution = probe.final_attribution()
    store.close()

    samples, truncated, _ = read_samples(tmp_path / SAMPLES)
    assert not truncated and len(samples) == 4
    last = samples[-1]["checkpoint"]
    # Other tests' garbage may grow `dict` alongside; the leaked type must be among the growers.
    grown = {entry["type"].rsplit(".", 1)[-1]: entry for entry in last["types_top"]}
    assert grown["LeakyThing"]["growth"] == 1200
    assert set(grown["LeakyThing"]) == {"type", "count", "deep_bytes", "growth"}
    assert set(last["sites_top"][0]) == {"site", "bytes", "count", "growth_bytes"}
    attributed = {entry["type"].rsplit(".", 1)[-1]: entry for entry in attribution["types"]}
    assert attributed["LeakyThing"]["growth"] == 1200
    assert "test_probe_inprocess.py" in attribution["sites"][0]["site"]
    assert attribution["sites"][0]["growth_bytes"] > 1200 * 200
