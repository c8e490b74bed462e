"""Judge one corpus program through the real `command` target: `leakbench run` of a scenario
file, in a subprocess, as a user would. Shared by tests/test_corpus.py and bench/corpus_sweep.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Judged:
    code: int
    summary: dict[str, Any]
    stderr: str

    @property
    def verdict(self) -> str:
        return str(self.summary.get("verdict"))

    @property
    def headline(self) -> str:
        return str(self.summary.get("headline", ""))


def scenario_text(
    name: str,
    python: Path,
    driver: Path,
    seconds: float,
    *,
    probe: str = "",
    interval: str = "100ms",
) -> str:
    extra = f", {probe}" if probe else ""
    return (
        f"name: {name}\n"
        f"target: {{kind: command, command: [{python}, {driver}], cwd: {driver.parent}}}\n"
        f"workload: {{duration: {seconds:g}s}}\n"
        f"probe: {{interval: {interval}{extra}}}\n"
    )


def judge(
    name: str,
    python: Path,
    driver: Path,
    seconds: float,
    out: Path,
    *,
    probe: str = "",
    interval: str = "100ms",
) -> Judged:
    """`leakbench run` of `driver` under `python` for `seconds`; its exit code and summary."""
    out.mkdir(parents=True, exist_ok=True)
    scenario = out / f"{name}.yaml"
    scenario.write_text(
        scenario_text(name, python, driver, seconds, probe=probe, interval=interval),
        encoding="utf-8",
    )
    run_dir = out / "run"
    done = subprocess.run(
        [sys.executable, "-m", "leakbench", "run", str(scenario), "--out", str(run_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=seconds * 4 + 180,
        cwd=REPO,
        check=False,
    )
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        summary = {"verdict": None, "headline": done.stdout[-500:]}
    return Judged(done.returncode, summary, done.stderr)


def top(summary: dict[str, Any], key: str, field: str) -> list[str]:
    """The `field` of each row of `attribution[key]`, in order."""
    return [str(row.get(field)) for row in summary.get("attribution", {}).get(key, [])]
