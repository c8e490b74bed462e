"""ProcessProbe measures a real child process from outside: RSS, USS, descendants, death."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from leakbench.harness.errors import TargetFailed
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.process_probe import ProcessProbe, TargetGone

MiB = 1 << 20

# Driven over stdin, one command a line, answers "ok" when done:
#   alloc N         hold N MiB more (written, so resident)
#   spawn COMMAND   start a child running this script and send it COMMAND
#   stop-children   end every child started so far
TARGET_SCRIPT = """
import subprocess
import sys

held, children = [], []
for line in sys.stdin:
    command, _, rest = line.strip().partition(" ")
    if command == "alloc":
        held.append(b"x" * (int(rest) << 20))
    elif command == "spawn":
        child = subprocess.Popen(
            [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        child.stdin.write(rest + "\\n")
        child.stdin.flush()
        child.stdout.readline()
        children.append(child)
    elif command == "stop-children":
        for child in children:
            child.stdin.close()
            child.wait()
        children.clear()
    print("ok", flush=True)
for child in children:
    child.stdin.close()
    child.wait()
"""


class Target:
    """A target process the test drives command by command."""

    def __init__(self, script: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.pid = self.process.pid

    def send(self, command: str) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "ok"

    def end_without_reaping(self) -> None:
        """Let the target exit and stay a zombie: waited for, but not reaped."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)

    def end(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    script = tmp_path / "target.py"
    script.write_text(TARGET_SCRIPT, encoding="utf-8")
    target = Target(script)
    target.send("alloc 0")  # started and answering
    yield target
    target.end()


def descendants_rss(pid: int) -> int:
    return sum(child.memory_info().rss for child in psutil.Process(pid).children(recursive=True))


def test_rss_rises_by_the_allocated_amount(target: Target) -> None:
    probe = ProcessProbe(target.pid, include_children=False)
    before = probe.sample()
    target.send("alloc 50")
    after = probe.sample()
    assert set(before) == {"rss"}
    assert 48 * MiB <= after["rss"] - before["rss"] <= 56 * MiB


def test_uss_is_reported_when_asked_and_rises_with_private_memory(target: Target) -> None:
    probe = ProcessProbe(target.pid, uss=True, include_children=False)
    before = probe.sample()
    target.send("alloc 50")
    after = probe.sample()
    assert 0 < after["uss"] <= after["rss"]
    assert 48 * MiB <= after["uss"] - before["uss"] <= 56 * MiB


def test_children_rss_sums_children_and_grandchildren(target: Target) -> None:
    target.send("spawn alloc 20")
    target.send("spawn spawn alloc 30")
    sample = ProcessProbe(target.pid).sample()
    assert len(psutil.Process(target.pid).children(recursive=True)) == 3
    assert sample["children_rss"] >= 50 * MiB
    assert sample["children_rss"] == pytest.approx(descendants_rss(target.pid), rel=0.05)


def test_children_are_listed_per_refresh_and_dropped_when_they_exit(target: Target) -> None:
    probe = ProcessProbe(target.pid, children_refresh=3600)
    assert probe.sample()["children_rss"] == 0
    target.send("spawn alloc 20")
    assert probe.sample()["children_rss"] == 0  # not listed until the next refresh
    probe = ProcessProbe(target.pid, children_refresh=3600)
    assert probe.sample()["children_rss"] >= 20 * MiB
    target.send("stop-children")
    assert probe.sample()["children_rss"] == 0
    target.send("spawn alloc 10")
    assert probe.sample()["children_rss"] >= 10 * MiB  # a dead child forced a new listing


def test_exited_target_raises_target_gone_with_its_pid(target: Target) -> None:
    probe = ProcessProbe(target.pid)
    target.end()
    with pytest.raises(TargetGone) as gone:
        probe.sample()
    assert gone.value.pid == target.pid
    assert not gone.value.zombie
    assert str(target.pid) in str(gone.value)
    assert isinstance(gone.value, TargetFailed)
    assert gone.value.exit_code == ExitCode.TARGET_FAILED
    with pytest.raises(TargetGone):
        ProcessProbe(target.pid)


@pytest.mark.skipif(not hasattr(os, "waitid"), reason="needs os.waitid to leave a zombie")
def test_zombie_target_raises_target_gone(target: Target) -> None:
    probe = ProcessProbe(target.pid)
    target.end_without_reaping()
    assert psutil.Process(target.pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(TargetGone) as gone:
        probe.sample()
    assert gone.value.zombie
    assert "zombie" in str(gone.value)
