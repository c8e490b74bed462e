"""Run the real `leakbench` command in a subprocess, as a user or a CI script would."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def leakbench(*args: str | Path, timeout: float = 240.0, cwd: Path | None = None) -> CliResult:
    """`leakbench ARGS...` with the test interpreter; never raises on a non-zero exit."""
    completed = subprocess.run(
        [sys.executable, "-m", "leakbench", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def leakbench_process(*args: str | Path) -> subprocess.Popen[str]:
    """Start `leakbench ARGS...` and return at once (for interrupting or killing mid-run)."""
    return subprocess.Popen(
        [sys.executable, "-m", "leakbench", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def wait_for_samples(run_dir: Path, count: int, timeout: float = 60.0) -> None:
    """Wait until a running leakbench has streamed `count` samples to its run directory."""
    deadline = time.monotonic() + timeout
    samples = run_dir / "samples.jsonl"
    while time.monotonic() < deadline:
        if samples.exists() and samples.read_text().count("\n") >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} samples after {timeout}s")
