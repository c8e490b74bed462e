"""The outside probe's tree fields on real process trees, and each member judged on its own."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from leakbench.harness.process_probe import ProcessProbe
from leakbench.harness.rundir import SampleColumns
from leakbench.harness.verdict import Tolerances
from leakbench.harness.verdict.attribution import tree_members

MiB = 1 << 20
HOLD = "import sys, time; held = bytearray({mib} << 20); time.sleep(60)"
RECYCLER = (
    "import subprocess, sys\n"
    "while True:\n"
    "    subprocess.run([sys.executable, '-c', "
    "'import time; held = bytearray(20 << 20); time.sleep(1.6)'])\n"
)


@pytest.fixture
def shell_with_two_children() -> Iterator[subprocess.Popen[bytes]]:
    script = (
        f'{sys.executable} -c "{HOLD.format(mib=20)}" & '
        f'{sys.executable} -c "{HOLD.format(mib=40)}" & wait'
    )
    process = subprocess.Popen(["sh", "-c", script])
    time.sleep(1.0)
    yield process
    _kill_tree(process)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    import psutil

    for child in psutil.Process(process.pid).children(recursive=True):
        child.kill()
    process.kill()
    process.wait()


def test_tree_fields_sum_the_tree_and_record_each_command_once(
    shell_with_two_children: subprocess.Popen[bytes],
) -> None:
    probe = ProcessProbe(shell_with_two_children.pid)
    first, second = probe.sample(), probe.sample()
    assert first["tree_rss"] == first["rss"] + first["children_rss"]
    assert first["tree_rss"] >= 60 * MiB
    members = first["members"]
    assert len(members) == 3 and str(shell_with_two_children.pid) in members
    assert sum(members.values()) == first["tree_rss"]
    commands = first["member_commands"]
    assert commands[str(shell_with_two_children.pid)]["target"] is True
    children = [who for pid, who in commands.items() if "target" not in who]
    assert all("bytearray" in who["command"] for who in children)
    assert {who["ppid"] for who in children} == {shell_with_two_children.pid}
    assert "member_commands" not in second  # each pid's command is stored once


def test_a_recycled_worker_is_a_new_member_not_one_rising_series() -> None:
    recycler = subprocess.Popen([sys.executable, "-c", RECYCLER])
    try:
        probe = ProcessProbe(recycler.pid, children_refresh=0.2)
        samples: list[dict[str, Any]] = []
        started = time.monotonic()
        while time.monotonic() - started < 6.0:
            elapsed = time.monotonic() - started
            samples.append({"t_wall": elapsed, "t_gateway": elapsed, **probe.sample()})
            time.sleep(0.05)
    finally:
        _kill_tree(recycler)
    columns = SampleColumns.from_samples(samples)
    members = tree_members(columns, columns, Tolerances(scope="tree"))
    workers = [m for m in members if not m["target"]]
    assert len(workers) >= 3, members
    assert all(m["samples"] < len(samples) / 2 for m in workers)
    assert not any(m["grew"] for m in members), members
