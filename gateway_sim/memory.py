"""Sizes of the gateway's per-run maps, as the harness samples them (docs/run-dir.md `state`).

Bytes are shallow: `sys.getsizeof` of each key plus each value, computed on demand. A string
shared by two maps (the projected text is often the raw text itself) counts in both, so each
map's figure is what that map alone keeps alive.
"""

from __future__ import annotations

from collections.abc import Mapping
from sys import getsizeof
from typing import Any


def map_sizes(maps: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, int]]:
    """{map: {"entries": n, "bytes": b}} for every map given, zeros included."""
    return {
        name: {
            "entries": len(entries),
            "bytes": sum(getsizeof(key) + getsizeof(value) for key, value in entries.items()),
        }
        for name, entries in maps.items()
    }


def memory_report(
    maps: Mapping[str, Mapping[str, object]],
    caches: Mapping[str, Mapping[str, object]],
    controllers: int,
) -> dict[str, Any]:
    """`{"state": {map: {entries, bytes}}, "caches": {cache: entries}, "cache_bytes": {cache:
    bytes}, "controllers": n}`. A bounded cache's entries plateau, but its bytes need not (long
    keys), so both are reported: the harness sees a cache whose bytes keep growing."""
    sizes = map_sizes(caches)
    return {
        "state": map_sizes(maps),
        "caches": {name: size["entries"] for name, size in sizes.items()},
        "cache_bytes": {name: size["bytes"] for name, size in sizes.items()},
        "controllers": controllers,
    }
