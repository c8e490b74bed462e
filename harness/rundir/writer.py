"""Writing a run directory (docs/run-dir.md) as the run goes, so that any crash leaves it readable.

Samples are appended one JSON line at a time and flushed at once, so a crash or Ctrl-C loses
nothing already measured; JSON files are replaced atomically, so a reader never sees half one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

FORMAT = 1
META = "meta.json"
SAMPLES = "samples.jsonl"
SUMMARY = "summary.json"
REPORT = "report.html"
PLOT_FILES = ("rss.png", "state.png", "objects.png")
SIDECAR = "samples.columns.npz"
RUN_FILES = (META, SAMPLES, SIDECAR, SUMMARY, REPORT, *PLOT_FILES)


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
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
        write_json_atomically(self.run_dir / META, {"format": FORMAT, **meta})

    def append_sample(self, sample: dict[str, Any]) -> None:
        """Append one sample and flush it to the OS before returning."""
        if self._samples is None:
            self._samples = open(self.run_dir / SAMPLES, "a", encoding="utf-8")  # noqa: SIM115
        self._samples.write(json.dumps(sample, separators=(",", ":")) + "\n")
        self._samples.flush()
        self.sample_count += 1

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_json_atomically(self.run_dir / SUMMARY, {"format": FORMAT, **summary})

    def close(self) -> None:
        if self._samples is not None:
            self._samples.close()
            self._samples = None
