"""Repeated runs of the process-tree acceptance cases: verdicts, and whether the right process
is named; prints a markdown table for BENCHMARKS.md.

    python bench/bench_tree.py --repeats 5 --duration 6s

A command target has no seed: each repeat is a fresh run of the same programs, so the scatter is
the machine's and the programs' own (start-up, the allocator, the load of other processes).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGETS = Path(__file__).resolve().parent.parent / "tests" / "targets"
CASES = {
    "sh -c 'python leaky_loop.py; echo done'": (
        ["sh", "-c", f"{sys.executable} {TARGETS / 'leaky_loop.py'}; echo done"],
        "leaky_loop.py",
    ),
    "sh -c 'python plateau_loop.py; echo done'": (
        ["sh", "-c", f"{sys.executable} {TARGETS / 'plateau_loop.py'}; echo done"],
        None,
    ),
    "python two_workers.py (one leaks)": (
        [sys.executable, str(TARGETS / "two_workers.py")],
        "leaky_loop.py",
    ),
}


def run_once(command: list[str], duration: str, workdir: Path) -> dict:
    """One `leakbench run` of `command` (with its report, as a user gets it); its summary."""
    scenario = workdir / "tree.yaml"
    scenario.write_text(
        f"name: tree\ntarget: {{kind: command, command: {command!r}}}\n"
        f"workload: {{duration: {duration}}}\nprobe: {{interval: 50ms}}\n",
        encoding="utf-8",
    )
    out = workdir / "run"
    completed = subprocess.run(
        [sys.executable, "-m", "leakbench", "run", str(scenario), "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(completed.stdout)


def named(summary: dict) -> str | None:
    grown = [p for p in summary["attribution"].get("processes", []) if p.get("grew")]
    return grown[0]["command"] if grown else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--duration", default="6s")
    options = parser.parse_args()
    print(
        f"Command: `python bench/bench_tree.py --repeats {options.repeats} "
        f"--duration {options.duration}`; load average before: {os.getloadavg()[0]:.2f}\n"
    )
    print("| case | verdicts | right process named |")
    print("|---|---|---|")
    for case, (command, leaking) in CASES.items():
        verdicts: collections.Counter[str] = collections.Counter()
        right = 0
        for _ in range(options.repeats):
            with tempfile.TemporaryDirectory() as workdir:
                summary = run_once(command, options.duration, Path(workdir))
            verdicts[summary["verdict"]] += 1
            name = named(summary)
            right += (name is None) if leaking is None else (name is not None and leaking in name)
        tally = ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items()))
        print(f"| {case} | {tally} | {right}/{options.repeats} |")
    print(f"\nLoad average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
