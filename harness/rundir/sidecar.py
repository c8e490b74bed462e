"""A columnar copy of samples.jsonl, so a long run is read in a second instead of a minute.

Parsing JSON lines costs about 25 µs a sample in Python: four days at 250 ms (1.38 million
lines) take half a minute before anything is drawn. `samples.columns.npz` holds the columns of
the first `covered_bytes` of samples.jsonl (numeric columns as float64 arrays, the sparse
fields and the skipped line numbers as JSON). samples.jsonl stays the source of truth: the
copy is used only while the file still starts with the bytes it was made from (its size and
a digest of the first and last 4 KiB it covers), and lines written since are streamed and
appended.
A missing, stale or damaged copy, or one whose arrays disagree with each other (a column
shorter than the others), falls back to the streaming pass; a copy that cannot be
written (a read-only directory) is simply not kept.

Columns load lazily, one at first use: a report that draws RSS over time reads three arrays
of a run's seven.
"""

from __future__ import annotations

import hashlib
import json
import os
import tokenize
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from leakbench.harness.errors import BadInput
from leakbench.harness.rundir.columns import ColumnBuilder, SampleColumns
from leakbench.harness.rundir.reader import SampleScan, iter_samples
from leakbench.harness.rundir.writer import SIDECAR

SIDECAR_FORMAT = 1
DIGEST_SPAN = 4096
UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    zipfile.BadZipFile,
    SyntaxError,  # numpy parses an array's header as Python literals: a damaged one
    tokenize.TokenError,
)
"""What reading a damaged .npz raises."""
_INDEX = "index"
_DRAIN = "is_drain"


def _digest(path: Path, end: int) -> str:
    """Digest of the first and the last DIGEST_SPAN bytes before `end`: whether the file still
    starts with what the sidecar was made from (a change in between goes unseen)."""
    digest = hashlib.sha256()
    with open(path, "rb") as samples:
        digest.update(samples.read(min(end, DIGEST_SPAN)))
        samples.seek(max(0, end - DIGEST_SPAN))
        digest.update(samples.read(min(end, DIGEST_SPAN)))
    return digest.hexdigest()


class _LazyColumns(Mapping[str, np.ndarray]):
    """The numeric columns of an open .npz, each read on first access and kept."""

    def __init__(self, archive: Any, names: list[str], path: Path) -> None:
        self._archive = archive
        self._path = path
        self._names = names
        self._loaded: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._loaded:
            if key not in self._names:
                raise KeyError(key)
            try:
                column = self._archive[f"c{self._names.index(key)}"]
            except UNREADABLE as exc:  # read lazily: too late to fall back to samples.jsonl
                raise self._damaged(type(exc).__name__) from None
            self._loaded[key] = column
        return self._loaded[key]

    def _damaged(self, why: str) -> BadInput:
        rebuilt = "delete it, it is rebuilt from samples.jsonl"
        return BadInput(f"{self._path}: damaged ({why}); {rebuilt}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _check_shapes(archive: Any, count: int, rows: int) -> None:
    """Raise ValueError unless each of the `count` columns is a float64 vector of `rows`: a
    valid archive whose arrays disagree in length would break every plot drawn from it.

    Only the array headers are read, so the columns still load lazily.
    """
    for n in range(count):
        with archive.zip.open(f"c{n}.npy") as member:
            major, _minor = np.lib.format.read_magic(member)
            if major not in (1, 2):
                raise ValueError(f"column {n}: npy format {major}")
            read_header = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, _fortran, dtype = read_header(member)
        if shape != (rows,) or dtype != np.float64:
            raise ValueError(f"column {n}: {dtype} {shape}, not {rows} float64 rows")


def _load(samples_path: Path) -> tuple[SampleColumns, SampleScan] | None:
    """The columns of the sidecar, or None when it is missing, stale or unreadable."""
    path = samples_path.with_name(SIDECAR)
    if not path.is_file() or not samples_path.is_file():
        return None
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):  # a lone .npy array, not an archive
            return None
        index = json.loads(archive[_INDEX].tobytes())
        covered = int(index["covered_bytes"])
        if index.get("format") != SIDECAR_FORMAT or samples_path.stat().st_size < covered:
            return None
        if _digest(samples_path, covered) != index["digest"]:
            return None
        is_drain = archive[_DRAIN]
        if is_drain.dtype != np.bool_ or is_drain.ndim != 1:
            raise ValueError(f"{_DRAIN}: {is_drain.dtype} {is_drain.shape}")
        names = [str(name) for name in index["names"]]
        _check_shapes(archive, len(names), len(is_drain))
        sparse = {key: [(int(i), v) for i, v in pairs] for key, pairs in index["sparse"].items()}
        if any(not 0 <= i < len(is_drain) for pairs in sparse.values() for i, _ in pairs):
            raise ValueError("a sparse field's sample index is out of range")
        scan = SampleScan(
            skipped_lines=[int(line) for line in index["skipped_lines"]],
            complete_bytes=covered,
            complete_lines=int(index["covered_lines"]),
        )
    except UNREADABLE:
        return None
    numeric = _LazyColumns(archive, names, path)
    return SampleColumns(numeric, sparse, is_drain), scan


def _append(head: SampleColumns, tail: SampleColumns) -> SampleColumns:
    """Rows of `tail` after those of `head` (fields one lacks are NaN there)."""
    new = tail.keys()
    names = head.keys() + [key for key in new if not head.has(key)]
    numeric = {key: np.concatenate([head.column(key), tail.column(key)]) for key in names}
    sparse: dict[str, list[tuple[int, Any]]] = {}
    for key in dict.fromkeys(head.sparse_keys() + tail.sparse_keys()):
        shifted = [(index + len(head), value) for index, value in tail.sparse(key)]
        sparse[key] = head.sparse(key) + shifted
    return SampleColumns(numeric, sparse, np.concatenate([head.is_drain, tail.is_drain]))


def save(samples_path: Path, columns: SampleColumns, scan: SampleScan) -> None:
    """Write the sidecar for the complete lines `scan` covered; ignored when it cannot be."""
    path = samples_path.with_name(SIDECAR)
    names = columns.keys()
    index = {
        "format": SIDECAR_FORMAT,
        "covered_bytes": scan.complete_bytes,
        "covered_lines": scan.complete_lines,
        "digest": _digest(samples_path, scan.complete_bytes),
        "names": names,
        "sparse": {key: columns.sparse(key) for key in columns.sparse_keys()},
        "skipped_lines": scan.skipped_lines,
    }
    arrays = {f"c{n}": columns.column(name) for n, name in enumerate(names)}
    partial = path.with_name(f".{SIDECAR}.partial")
    try:
        with open(partial, "wb") as out:
            text = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)
            np.savez(out, **{_INDEX: text, _DRAIN: columns.is_drain}, **arrays)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)


def read_columns_cached(samples_path: Path, *, keep: bool) -> tuple[SampleColumns, SampleScan]:
    """The columns of samples.jsonl: the sidecar plus the lines written since, or one pass.

    `keep`: write the sidecar again when lines were read past it (the report and the runner
    do; `leakbench watch` only reads).
    """
    cached = _load(samples_path)
    head, scan = cached if cached is not None else (None, SampleScan())
    start, first_line = scan.complete_bytes, scan.complete_lines + 1
    builder = ColumnBuilder()
    for sample in iter_samples(samples_path, scan, start=start, first_line=first_line):
        builder.add(sample)
    tail = builder.build()
    columns = tail if head is None else _append(head, tail) if len(tail) else head
    if keep and (head is None or len(tail)) and scan.complete_bytes > 0:
        save(samples_path, columns, scan)
    return columns, scan
