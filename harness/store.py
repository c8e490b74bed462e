"""The run directory on disk (docs/run-dir.md): written as the run goes, readable after any crash.

Samples are appended one JSON line at a time and flushed at once, so a crash or Ctrl-C loses
nothing already measured; the reader tolerates a last line cut mid-write.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from leakbench.harness.errors import BadInput

FORMAT = 1
META = "meta.json"
SAMPLES = "samples.jsonl"
SUMMARY = "summary.json"
REPORT = "report.html"
PLOT_FILES = ("rss.png", "state.png", "objects.png")
RUN_FILES = (META, SAMPLES, SUMMARY, REPORT, *PLOT_FILES)


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class RunStore:
    """Writer of one run directory."""

    def __init__(self, run_dir: Path) -> None:
        """Create `run_dir`; a previous run's files there are replaced, never appended to."""
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in RUN_FILES:
            (self.run_dir / name).unlink(missing_ok=True)
        self._samples: IO[str] | None = None
        self.sample_count = 0

    def write_meta(self, meta: dict[str, Any]) -> None:
        _write_json_atomically(self.run_dir / META, {"format": FORMAT, **meta})

    def append_sample(self, sample: dict[str, Any]) -> None:
        """Append one sample and flush it to the OS before returning."""
        if self._samples is None:
            self._samples = open(self.run_dir / SAMPLES, "a", encoding="utf-8")  # noqa: SIM115
        self._samples.write(json.dumps(sample, separators=(",", ":")) + "\n")
        self._samples.flush()
        self.sample_count += 1

    def write_summary(self, summary: dict[str, Any]) -> None:
        _write_json_atomically(self.run_dir / SUMMARY, {"format": FORMAT, **summary})

    def close(self) -> None:
        if self._samples is not None:
            self._samples.close()
            self._samples = None


@dataclass
class RunData:
    """Everything a report needs, read back from a run directory."""

    run_dir: Path
    meta: dict[str, Any]
    samples: list[dict[str, Any]]
    summary: dict[str, Any] | None
    truncated: bool = False
    skipped_lines: list[int] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.meta.get("status") == "finished"


def read_samples(path: Path) -> tuple[list[dict[str, Any]], bool, list[int]]:
    """Read samples; a cut last line marks the run truncated, other bad lines are skipped."""
    samples: list[dict[str, Any]] = []
    skipped: list[int] = []
    truncated = False
    if not path.exists():
        return samples, truncated, skipped
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    last_index = len(lines) - 1
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            samples.append(json.loads(line))
        except json.JSONDecodeError:
            if number - 1 == last_index:
                truncated = True
            else:
                skipped.append(number)
    return samples, truncated, skipped


def load_run(run_dir: Path) -> RunData:
    """Load a run directory; raises BadInput naming the file when it is not one."""
    run_dir = Path(run_dir)
    meta_path = run_dir / META
    if not meta_path.is_file():
        raise BadInput(f"{meta_path}: not a leakbench run directory (no {META})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"{meta_path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    samples, truncated, skipped = read_samples(run_dir / SAMPLES)
    summary_path = run_dir / SUMMARY
    summary = None
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            summary = None
    return RunData(run_dir, meta, samples, summary, truncated, skipped)
