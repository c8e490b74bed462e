"""WeakrefWatcher counts survivors exactly and says which objects it could not watch."""

from __future__ import annotations

import gc

from leakbench.probe import WeakrefWatcher


class Run:
    pass


class Unhashable:
    __hash__ = None  # type: ignore[assignment]


class Slotted:
    __slots__ = ("value",)


def test_survivors_are_counted_exactly_after_deleting_some() -> None:
    watcher = WeakrefWatcher()
    runs = [Run() for _ in range(100)]
    assert all(watcher.watch(run, "runs") for run in runs)
    kept = runs[::3]
    del runs
    assert watcher.alive("runs") == len(kept) == 34
    assert sorted(map(id, watcher.survivors("runs"))) == sorted(map(id, kept))
    assert watcher.report() == {"runs": {"watched": 100, "alive": 34}}


def test_unreachable_cycles_count_as_alive_until_collected() -> None:
    watcher = WeakrefWatcher()
    gc.disable()
    try:
        first, second = Run(), Run()
        first.other, second.other = second, first  # type: ignore[attr-defined]
        watcher.watch(first, "cycle")
        watcher.watch(second, "cycle")
        del first, second
        assert watcher.alive("cycle", collect=False) == 2
        assert watcher.alive("cycle") == 0
    finally:
        gc.enable()


def test_objects_without_weakref_support_are_reported_not_watched() -> None:
    watcher = WeakrefWatcher()
    assert watcher.watch(Unhashable(), "runs")
    assert not watcher.watch({}, "runs")
    assert not watcher.watch(Slotted(), "runs")
    assert watcher.report() == {
        "runs": {
            "watched": 1,
            "alive": 0,
            "unwatchable": {"dict": 1, f"{__name__}.Slotted": 1},
        }
    }


def test_unknown_labels_have_no_survivors() -> None:
    watcher = WeakrefWatcher()
    assert watcher.alive("nothing") == 0
    assert watcher.survivors("nothing") == []
    assert watcher.report() == {}
