"""Reading a run directory back, after any crash: one streaming pass over samples.jsonl.

The reader tolerates what a killed run leaves: a last line cut mid-write marks the run
truncated; any other line that is not a JSON object is skipped and its number recorded.
Samples become columns (`SampleColumns`) as they are read, never a list of dicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from leakbench.harness.errors import BadInput
from leakbench.harness.rundir.columns import ColumnBuilder, SampleColumns
from leakbench.harness.rundir.meta import check_meta
from leakbench.harness.rundir.writer import META, SAMPLES, SUMMARY


@dataclass
class SampleScan:
    """What one pass over samples.jsonl found besides the samples.

    `complete_bytes` and `complete_lines` end at the last line with its newline: where a later
    pass (over a file still being written) starts reading again.
    """

    truncated: bool = False
    skipped_lines: list[int] = field(default_factory=list)
    complete_bytes: int = 0
    complete_lines: int = 0


def iter_samples(
    path: Path, scan: SampleScan | None = None, *, start: int = 0, first_line: int = 1
) -> Iterator[dict[str, Any]]:
    """Yield each sample object in file order from byte `start` (a line start, numbered
    `first_line`); record a cut last line and skipped lines."""
    scan = scan if scan is not None else SampleScan()
    scan.complete_bytes, scan.complete_lines = start, first_line - 1
    if not path.exists():
        return
    with open(path, "rb") as lines:
        lines.seek(start)
        for number, raw in enumerate(lines, start=first_line):
            complete = raw.endswith(b"\n")  # only the last line can lack its newline
            if complete:
                scan.complete_bytes += len(raw)
                scan.complete_lines = number
            if not raw.strip():
                continue
            try:
                sample = json.loads(raw.decode("utf-8", errors="replace"))
            except json.JSONDecodeError:
                sample = None
                if not complete:
                    scan.truncated = True
                    continue
            if isinstance(sample, dict):
                yield sample
            else:
                scan.skipped_lines.append(number)


def read_columns(path: Path) -> tuple[SampleColumns, SampleScan]:
    """The samples of `path` as columns, in one pass."""
    scan = SampleScan()
    builder = ColumnBuilder()
    for sample in iter_samples(path, scan):
        builder.add(sample)
    return builder.build(), scan


def read_samples(path: Path) -> tuple[list[dict[str, Any]], bool, list[int]]:
    """Samples as dicts, for the few callers that need whole samples (small runs, tests)."""
    scan = SampleScan()
    samples = list(iter_samples(path, scan))
    return samples, scan.truncated, scan.skipped_lines


@dataclass
class RunData:
    """Everything a report needs, read back from a run directory."""

    run_dir: Path
    meta: dict[str, Any]
    columns: SampleColumns
    summary: dict[str, Any] | None
    truncated: bool = False
    skipped_lines: list[int] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.meta.get("status") == "finished"


def _read_json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}:1: expected a JSON object, got {type(data).__name__}")
    return data


def load_run(run_dir: Path, *, keep_sidecar: bool = False) -> RunData:
    """Load a run directory; raises BadInput naming the file when it is not one, or when a
    meta.json field has the wrong type (`meta.check_meta`).

    The samples come from the columnar sidecar where it is current (`sidecar`), else from one
    streaming pass; `keep_sidecar` writes it for the next reader.
    """
    from leakbench.harness.rundir.sidecar import read_columns_cached  # it reads with this module
    from leakbench.harness.verdict.schema import Summary  # verdict reads run directories

    run_dir = Path(run_dir)
    meta_path = run_dir / META
    if not meta_path.is_file():
        raise BadInput(f"{meta_path}: not a leakbench run directory (no {META})")
    meta = check_meta(meta_path, _read_json_object(meta_path))
    columns, scan = read_columns_cached(run_dir / SAMPLES, keep=keep_sidecar)
    summary_path = run_dir / SUMMARY
    summary = None
    if summary_path.is_file():
        try:
            summary = _read_json_object(summary_path)
            Summary.model_validate(summary, strict=True)  # fields of the right types
        except (BadInput, ValidationError):
            summary = None  # a damaged summary is recomputed from the samples
    return RunData(run_dir, meta, columns, summary, scan.truncated, scan.skipped_lines)
