"""Exact survivor counts of per-run objects, through weak references.

Register each run's objects under a label as they are made; after the runs end, the watcher says
exactly how many are still alive, with no heap walk and without keeping any of them alive. Types
without weak reference support (int, str, tuple, list, dict, classes with `__slots__` but no
`__weakref__`) cannot be watched; they are counted per label and type so a report can say so.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from typing import Any

from .census import type_name


class _Label:
    """The watched objects of one label. One callback per label, not one per object."""

    def __init__(self) -> None:
        alive: dict[int, weakref.ref[Any]] = {}  # keyed by id of the ref: objects may be unhashable
        self.alive = alive
        self.forget = lambda dead: alive.pop(id(dead), None)
        self.watched = 0
        self.unwatchable: Counter[str] = Counter()


class WeakrefWatcher:
    """Watches objects by label and counts the ones still alive."""

    def __init__(self) -> None:
        self._labels: dict[str, _Label] = {}

    def watch(self, obj: object, label: str) -> bool:
        """Watch `obj` under `label`; False (and counted as unwatchable) if it has no weakrefs."""
        entry = self._labels.get(label)
        if entry is None:
            entry = self._labels[label] = _Label()
        try:
            ref = weakref.ref(obj, entry.forget)
        except TypeError:
            entry.unwatchable[type_name(type(obj))] += 1
            return False
        entry.alive[id(ref)] = ref
        entry.watched += 1
        return True

    def alive(self, label: str, *, collect: bool = True) -> int:
        """How many objects watched under `label` are alive; `collect` frees unreachable cycles
        first, so that the count means "still referenced"."""
        if collect:
            gc.collect()
        entry = self._labels.get(label)
        return len(entry.alive) if entry else 0

    def survivors(self, label: str, *, collect: bool = True) -> list[object]:
        """The live objects watched under `label`, to inspect who holds them (for example with
        `gc.get_referrers`). The list holds strong references: drop it when done."""
        if collect:
            gc.collect()
        entry = self._labels.get(label)
        refs = list(entry.alive.values()) if entry else []
        return [obj for obj in (ref() for ref in refs) if obj is not None]

    def report(self, *, collect: bool = True) -> dict[str, dict[str, Any]]:
        """Per label: `watched`, `alive` and, if any, `unwatchable` counts by type name."""
        if collect:
            gc.collect()
        report: dict[str, dict[str, Any]] = {}
        for label in sorted(self._labels):
            entry = self._labels[label]
            report[label] = {"watched": entry.watched, "alive": len(entry.alive)}
            if entry.unwatchable:
                report[label]["unwatchable"] = dict(entry.unwatchable)
        return report
