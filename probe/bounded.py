"""Bounded containers that filled during the soak: growth that stops at a cap of its own.

A cache filling to its `maxsize` rises exactly like a leak until it is full, and no trend rule
can tell the two apart before the cap (issue 8: an LRU cache filling up was called a leak). The
heap can: a bounded container says how full it is. At each checkpoint this finds the containers
that declare a capacity and reports those that grew since the baseline:

- `functools.lru_cache` wrappers with a `maxsize` (`cache_info()`: entries and cap);
- `collections.deque` with a `maxlen`;
- objects whose class has `maxsize` and `currsize` properties (cachetools' caches and their
  like: `currsize` is the sum of the entries' sizes, `maxsize` its cap).

It rides on the census's heap walk (`scan`) rather than walking the heap again, and keeps only
numbers between checkpoints, never the containers themselves.
"""

from __future__ import annotations

import collections
import functools
import itertools
from collections.abc import Iterable
from typing import Any, Callable, Optional

from .census import type_name

TOP = 5
"""Containers reported per checkpoint, largest growth first."""

_LRU_WRAPPER = type(functools.lru_cache(maxsize=1)(len))
Reading = tuple[str, str, float, float]
"""(kind, name, size, capacity) of one container: what it is, and which one (an lru_cache's
function, else its address)."""


def _lru(wrapper: Any) -> Optional[Reading]:
    info = wrapper.cache_info()
    if not info.maxsize:  # unbounded (None) or caching nothing (0): no cap to fill
        return None
    name = f"{getattr(wrapper, '__module__', '?')}.{getattr(wrapper, '__qualname__', '?')}"
    return "functools.lru_cache", name, info.currsize, info.maxsize


def _deque(queue: collections.deque) -> Optional[Reading]:
    if queue.maxlen is None:
        return None
    return "collections.deque", f"at {id(queue):#x}", len(queue), queue.maxlen


def _sized_cache(cache: Any) -> Optional[Reading]:
    size, capacity = getattr(cache, "currsize", None), getattr(cache, "maxsize", None)
    numbers = (int, float)
    if not isinstance(size, numbers) or not isinstance(capacity, numbers) or capacity <= 0:
        return None
    return type_name(type(cache)), f"at {id(cache):#x}", size, capacity


def _reader(cls: type) -> Optional[Callable[[Any], Optional[Reading]]]:
    """How to read one class's instances, or None for a class that declares no capacity."""
    if cls is _LRU_WRAPPER:
        return _lru
    if issubclass(cls, collections.deque):
        return _deque
    if all(isinstance(getattr(cls, name, None), property) for name in ("maxsize", "currsize")):
        return _sized_cache
    return None


class BoundedContainers:
    """Sizes of the heap's bounded containers at each checkpoint, against the baseline's."""

    def __init__(self, top: int = TOP) -> None:
        self.top = top
        self._readers: dict[type, Optional[Callable[[Any], Optional[Reading]]]] = {}
        self._baseline: dict[tuple[str, str], float] = {}
        self.latest: list[dict[str, Any]] = []

    def scan(self, objects: list[Any], classes: Iterable[type], *, baseline: bool) -> None:
        """Read the containers among `objects` (`classes`: the distinct types among them)."""
        for cls in classes:
            if cls not in self._readers:
                self._readers[cls] = _reader(cls)
        wanted = {cls: read for cls, read in self._readers.items() if read is not None}
        readings: dict[tuple[str, str], Reading] = {}
        # The filter runs in C (compress over map): a Python loop over a million objects would
        # cost as much as the census's whole walk.
        for obj in itertools.compress(objects, map(wanted.__contains__, map(type, objects))):
            read = wanted[type(obj)]
            try:
                reading = read(obj)
            except Exception:  # a user's property may raise: that container is not read
                continue
            if reading is not None:
                readings[reading[:2]] = reading
        sizes = {key: reading[2] for key, reading in readings.items()}
        if baseline or not self._baseline:
            self._baseline = sizes
        grown = [
            {
                "kind": kind,
                "name": name,
                "size": size,
                "capacity": capacity,
                "growth": size - self._baseline.get((kind, name), 0),
            }
            for kind, name, size, capacity in readings.values()
            if size > self._baseline.get((kind, name), 0)
        ]
        grown.sort(key=lambda entry: entry["growth"], reverse=True)
        self.latest = grown[: self.top]
