"""The request dedupe cache: a `chat.send` retried with the same idempotency key gets the first
answer back instead of starting a second run.

It is a bounded cache, not a leak: maintenance drops entries older than the TTL and then trims
the oldest beyond the maximum, so its size plateaus (between sweeps it may exceed the maximum by
the requests of one maintenance interval, as in the real gateway).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from types import MappingProxyType
from typing import Generic, TypeVar

V = TypeVar("V")


class DedupeCache(Generic[V]):
    """Idempotency key → (time stored, response), oldest first."""

    __slots__ = ("_entries", "max_entries", "ttl")

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> Mapping[str, tuple[float, V]]:
        """The entries, oldest first (a read-only view, for measuring the cache)."""
        return MappingProxyType(self._entries)

    def get(self, key: str, now: float) -> V | None:
        """The stored response for `key`, unless it is missing or older than the TTL."""
        hit = self._entries.get(key)
        if hit is None or now - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, key: str, value: V, now: float) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (now, value)

    def sweep(self, now: float) -> None:
        """Drop expired entries, then the oldest beyond `max_entries` (spec §4, first step)."""
        entries = self._entries
        expired = []
        for key, (stored, _) in entries.items():  # oldest first: stop at the first live one
            if now - stored <= self.ttl:
                break
            expired.append(key)
        for key in expired:
            del entries[key]
        excess = len(entries) - self.max_entries
        if excess > 0:
            for key in list(islice(entries, excess)):
                del entries[key]

    def clear(self) -> None:
        self._entries.clear()
