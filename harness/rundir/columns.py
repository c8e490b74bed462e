"""A run's samples as typed columns: what the verdict and the reports read, never a list of dicts.

A sample is a flat JSON object (docs/run-dir.md). Its fields land in one of two places:
- numeric columns, one float64 array per name, NaN where a sample lacks the field:
  a top-level number (`rss`, `runs_done`), a dict of numbers one level deep, flattened with
  dots (`malloc.in_use`, `caches.dedupe`), a list of numbers by position (`gc_counts.0`);
- sparse fields, kept as (sample index, value) pairs: everything else (checkpoints, gateway
  state, the drain's findings, strings), which few samples carry.
`phase` becomes the boolean column `is_drain`. A column costs 8 bytes a sample, so a day at
250 ms (345,600 samples) is about 2.8 MB per field, where the dicts cost a hundred times that.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

_NAN = math.nan


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ColumnBuilder:
    """Accumulates samples one at a time (a streaming reader's single pass)."""

    def __init__(self) -> None:
        self._numeric: dict[str, array[float]] = {}
        self._sparse: dict[str, list[tuple[int, Any]]] = {}
        self._drain = array("b")
        self._count = 0

    def add(self, sample: Mapping[str, Any]) -> None:
        """Add one sample (a JSON object) as the next row."""
        index = self._count
        for key, value in sample.items():
            if key == "phase":
                continue
            if _is_number(value):
                self._put(key, index, value)
            elif isinstance(value, dict) and value and all(map(_is_number, value.values())):
                for name, number in value.items():
                    self._put(f"{key}.{name}", index, number)
            elif isinstance(value, list) and value and all(map(_is_number, value)):
                for position, number in enumerate(value):
                    self._put(f"{key}.{position}", index, number)
            else:
                self._sparse.setdefault(key, []).append((index, value))
        self._drain.append(sample.get("phase") == "drain")
        self._count += 1

    def _put(self, key: str, index: int, value: float) -> None:
        column = self._numeric.get(key)
        if column is None:
            column = self._numeric[key] = array("d")
        if len(column) < index:
            column.extend([_NAN] * (index - len(column)))
        column.append(float(value))

    def build(self) -> SampleColumns:
        """The columns, every one padded to the number of samples."""
        for column in self._numeric.values():
            if len(column) < self._count:
                column.extend([_NAN] * (self._count - len(column)))
        numeric = {key: np.frombuffer(column, dtype=float) for key, column in self._numeric.items()}
        is_drain = np.frombuffer(self._drain, dtype=np.int8).astype(bool)
        return SampleColumns(numeric, self._sparse, is_drain)


class SampleColumns:
    """Numeric columns and sparse fields of a run's samples, in sample order."""

    def __init__(
        self,
        numeric: Mapping[str, np.ndarray],
        sparse: Mapping[str, list[tuple[int, Any]]],
        is_drain: np.ndarray,
    ) -> None:
        self._numeric = numeric  # a Mapping: the sidecar's columns load on first use
        self._sparse = dict(sparse)
        self.is_drain = is_drain

    @classmethod
    def from_samples(cls, samples: Iterable[Mapping[str, Any]]) -> SampleColumns:
        """Columns of samples already in memory (the pytest plugin, tests)."""
        builder = ColumnBuilder()
        for sample in samples:
            builder.add(sample)
        return builder.build()

    def __len__(self) -> int:
        return len(self.is_drain)

    def keys(self) -> list[str]:
        """Names of the numeric columns."""
        return list(self._numeric)

    def has(self, key: str) -> bool:
        """Whether some sample carries the numeric field `key`."""
        return key in self._numeric

    def column(self, key: str) -> np.ndarray:
        """The numeric field `key` per sample (NaN where absent; all NaN if never measured)."""
        found = self._numeric.get(key)
        return found if found is not None else np.full(len(self), _NAN)

    def prefixed(self, prefix: str) -> dict[str, np.ndarray]:
        """The flattened members of a dict field: `prefixed("caches")` -> {"dedupe": array}."""
        start = f"{prefix}."
        names = [key for key in self._numeric if key.startswith(start)]
        return {key[len(start) :]: self._numeric[key] for key in names}

    def sparse_keys(self) -> list[str]:
        """Names of the sparse (non-numeric) fields."""
        return list(self._sparse)

    def sparse(self, key: str) -> list[tuple[int, Any]]:
        """(sample index, value) of every sample carrying the non-numeric field `key`."""
        return self._sparse.get(key, [])

    def last(self, key: str) -> float | None:
        """The last measured value of a numeric field, or None."""
        column = self._numeric.get(key)
        if column is None:
            return None
        measured = np.flatnonzero(~np.isnan(column))
        return float(column[measured[-1]]) if measured.size else None

    def since(self, start: int) -> SampleColumns:
        """The rows from `start` on, as views of these columns (nothing copied): the trend
        window after the warm-up cut of a multi-day run is most of its samples."""
        sparse = {
            key: [(i - start, value) for i, value in pairs if i >= start]
            for key, pairs in self._sparse.items()
        }
        numeric = {key: column[start:] for key, column in self._numeric.items()}
        return SampleColumns(numeric, sparse, self.is_drain[start:])

    def select(self, mask: np.ndarray) -> SampleColumns:
        """The rows where `mask` holds (sparse indices renumbered to the selection)."""
        positions = np.flatnonzero(mask)
        sparse = {}
        for key, pairs in self._sparse.items():
            indices = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
            found = np.searchsorted(positions, indices)
            kept = (
                (found < len(positions))
                & (positions[np.minimum(found, len(positions) - 1)] == indices)
                if len(positions)
                else np.zeros(len(pairs), dtype=bool)
            )
            sparse[key] = [(int(found[n]), pairs[n][1]) for n in np.flatnonzero(kept)]
        numeric = {key: column[positions] for key, column in self._numeric.items()}
        return SampleColumns(numeric, sparse, self.is_drain[positions])
