"""What the Python agent adds to a flat target's memory over time (issue 9), as markdown.

    python bench/agent_memory.py                 # about 5 minutes
    python bench/agent_memory.py --seconds 20    # a quick look
    python bench/agent_memory.py --parts checkpoints --every 0.5   # 120 checkpoints

The target is `tests/targets/plateau_loop.py` (a capped cache, full within a second), run as a
command target with the agent injected the way `leakbench run` injects it (the harness's
`PythonAgent`), or without it. From 2.5 s on, every `--step` seconds, the bench reads the
target's RSS and anonymous memory (`/proc/PID/smaps_rollup`) and, from the agent's latest
sample, glibc's arena totals and pymalloc's allocated blocks.

1. Sampling only, at 50 ms and at the default 250 ms: what the sampling loop itself leaves.
2. The agent off: the target's own drift, the control for 1.
3. Checkpoints (census and holders, as a run's `probe.checkpoints`) every `--every` seconds at
   the default interval: what each one leaves, and whether that levels off.
Then, for 2 and 3, the memory mappings whose resident size changed, as the growth's address.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from leakbench.harness.targets.python_agent import PythonAgent
from leakbench.probe.agent import DEFAULTS

TARGET = Path(__file__).resolve().parents[1] / "tests" / "targets" / "plateau_loop.py"
START_S = 2.5
"""The cache is full after one second; later growth is not the target's filling."""
KIB = 1024


def rollup(pid: int) -> dict[str, int]:
    """Rss and Anonymous of the process, KiB."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as lines:
        for line in lines:
            name, _, rest = line.partition(":")
            if name in ("Rss", "Anonymous"):
                fields[name] = int(rest.split()[0])
    return fields


def mappings(pid: int) -> dict[str, tuple[str, int, int]]:
    """Each mapping by address range: (name, size KiB, resident KiB)."""
    found: dict[str, tuple[str, int, int]] = {}
    current = ""
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as lines:
        for line in lines:
            first, *rest = line.split()
            if not first.endswith(":"):
                start, _, end = first.partition("-")
                current = first
                name = rest[4] if len(rest) > 4 else "[anon]"
                found[current] = (name, (int(end, 16) - int(start, 16)) // KIB, 0)
            elif first == "Rss:":
                name, size, _ = found[current]
                found[current] = (name, size, int(rest[0]))
    return found


class Soak:
    """The target running, with or without the agent, and what to read from it."""

    def __init__(self, work: Path, interval: float | None) -> None:
        env = dict(os.environ)
        self.agent = None
        if interval is not None:
            run_dir = work / f"agent-{interval}-{time.monotonic_ns()}"
            run_dir.mkdir()
            self.agent = PythonAgent(run_dir, {"interval": interval})
            env = self.agent.prepare(env)
        self.process = subprocess.Popen([sys.executable, str(TARGET)], env=env)
        self.started = time.monotonic()

    def read(self) -> dict[str, Any]:
        reading: dict[str, Any] = dict(rollup(self.process.pid))
        sample = self.agent.sample() if self.agent is not None else {}
        reading.update({key: sample[key] for key in ("malloc", "heap_blocks") if key in sample})
        return reading

    def wait_until(self, seconds: float) -> None:
        time.sleep(max(0.0, self.started + seconds - time.monotonic()))

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        if self.agent is not None:
            self.agent.close()


def growth(start: dict[str, Any], now: dict[str, Any]) -> str:
    """One table row's growth columns since `start`, KiB (blocks as a count)."""
    cells = [f"{now[key] - start[key]:+d}" for key in ("Rss", "Anonymous")]
    if "malloc" in now:
        for key in ("arena", "in_use", "free"):
            cells.append(f"{(now['malloc'][key] - start['malloc'][key]) // KIB:+d}")
        cells.append(f"{now['heap_blocks'] - start['heap_blocks']:+d}")
    else:
        cells += ["-"] * 4
    return " | ".join(cells)


HEADER = "| RSS KiB | anon KiB | arena KiB | in use KiB | free KiB | heap blocks |"


def timeline(soak: Soak, seconds: float, step: float) -> Iterator[tuple[float, str]]:
    """(time, growth since START_S) every `step` seconds until `seconds`."""
    soak.wait_until(START_S)
    start = soak.read()
    at = START_S
    while at < seconds:
        at = min(at + step, seconds)
        soak.wait_until(at)
        yield at, growth(start, soak.read())


def changed_mappings(before: dict[str, tuple[str, int, int]], pid: int) -> list[str]:
    """Mappings that are new, or whose resident size moved by 8 KiB or more."""
    rows = []
    for address, (name, size, resident) in mappings(pid).items():
        old = before.get(address)
        moved = resident - (old[2] if old else 0)
        if (old is None and resident) or abs(moved) >= 8:
            rows.append(
                f"| {name} | {size} | {'new' if old is None else 'existing'} | {moved:+d} |"
            )
    return rows


def sampling(work: Path, interval: float | None, seconds: float, step: float) -> None:
    label = "agent off" if interval is None else f"sampling only, {interval * 1000:.0f} ms"
    print(f"\n{label}, growth since {START_S} s\n\n| t s {HEADER}\n|---{'|---' * 6}|")
    soak = Soak(work, interval)
    try:
        soak.wait_until(START_S)
        before = mappings(soak.process.pid)
        for at, row in timeline(soak, seconds, step):
            print(f"| {at:.1f} | {row} |", flush=True)
        print_mappings(before, soak.process.pid)
    finally:
        soak.stop()


def print_mappings(before: dict[str, tuple[str, int, int]], pid: int) -> None:
    rows = changed_mappings(before, pid)
    print("\n| mapping | size KiB | since the start | resident KiB |\n|---|---|---|---|")
    print("\n".join(rows) if rows else "| (none changed) | | | |")


def checkpoints(work: Path, seconds: float, every: float) -> None:
    interval = float(DEFAULTS["interval"])
    print(f"\ncheckpoints every {every} s at {interval * 1000:.0f} ms, growth since {START_S} s")
    print(f"\n| checkpoint | t s {HEADER}\n|---|---{'|---' * 6}|")
    soak = Soak(work, interval)
    try:
        soak.wait_until(START_S)
        before, start = mappings(soak.process.pid), soak.read()
        number, at = 0, START_S
        while at + every <= seconds:
            assert soak.agent is not None
            soak.agent.checkpoint(baseline=number == 0)
            at += every
            soak.wait_until(at)  # the reply is in; the next samples carry what it left
            print(f"| {number} | {at:.1f} | {growth(start, soak.read())} |", flush=True)
            number += 1
        print_mappings(before, soak.process.pid)
    finally:
        soak.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=62.5, help="length of each soak")
    parser.add_argument("--step", type=float, default=10.0, help="seconds between readings")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between checkpoints")
    parts = ["sampling", "checkpoints"]
    parser.add_argument("--parts", nargs="+", choices=parts, default=parts)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as work:
        if "sampling" in args.parts:
            for interval in (0.05, float(DEFAULTS["interval"]), None):
                sampling(Path(work), interval, args.seconds, args.step)
        if "checkpoints" in args.parts:
            checkpoints(Path(work), args.seconds, args.every)
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
