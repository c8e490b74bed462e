"""The probe reports bounded containers that filled since the baseline, and how full they are."""

from __future__ import annotations

import collections
import functools
from typing import Any

from leakbench.probe import InProcessProbe


@functools.lru_cache(maxsize=1000)
def rendered(key: int) -> str:
    return f"row {key}"


@functools.cache
def unbounded(key: int) -> str:
    return f"row {key}"


class SizedCache(dict):
    """Shaped like cachetools' caches: `currsize` and `maxsize` are properties."""

    @property
    def currsize(self) -> int:
        return len(self)

    @property
    def maxsize(self) -> int:
        return 50


class BrokenCache:
    """A class whose `currsize` raises: the probe must skip it, not fail the checkpoint."""

    @property
    def currsize(self) -> int:
        raise RuntimeError("not ready")

    @property
    def maxsize(self) -> int:
        return 10


def _by_kind(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["kind"]: entry for entry in entries}


def test_caches_that_filled_are_reported_with_their_fill_and_cap() -> None:
    rendered.cache_clear()
    queue: collections.deque[int] = collections.deque(maxlen=100)
    sized, broken = SizedCache(), BrokenCache()
    with InProcessProbe(objects=True) as probe:
        probe.checkpoint(baseline=True)
        for key in range(300):
            rendered(key)
            unbounded(key)
        queue.extend(range(40))
        sized.update((key, key) for key in range(20))
        checkpoint = probe.checkpoint()
        attribution = probe.final_attribution()
    found = _by_kind(checkpoint["bounded"])
    assert found["functools.lru_cache"] == {
        "kind": "functools.lru_cache",
        "name": f"{__name__}.rendered",
        "size": 300,
        "capacity": 1000,
        "growth": 300,
    }
    deque_entry = found["collections.deque"]
    assert (deque_entry["name"], deque_entry["size"], deque_entry["capacity"]) == (
        f"at {id(queue):#x}",
        40,
        100,
    )
    sized_entry = found[f"{__name__}.SizedCache"]
    assert (sized_entry["size"], sized_entry["capacity"], sized_entry["growth"]) == (20, 50, 20)
    names = {entry["name"] for entry in checkpoint["bounded"]}
    assert f"{__name__}.unbounded" not in names  # no cap: nothing to fill
    assert attribution["bounded"] == checkpoint["bounded"]
    assert not any("BrokenCache" in name for name in names)  # it raised: skipped, not fatal
    del broken


def test_a_full_cache_that_did_not_grow_is_not_reported() -> None:
    rendered.cache_clear()
    for key in range(1000):
        rendered(key)
    with InProcessProbe(objects=True) as probe:
        probe.checkpoint(baseline=True)
        for key in range(1000, 1500):  # evicts as fast as it adds: the size stays at the cap
            rendered(key)
        checkpoint = probe.checkpoint()
    names = {entry["name"] for entry in checkpoint.get("bounded", [])}
    assert f"{__name__}.rendered" not in names
