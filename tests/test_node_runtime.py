"""The Node runtime of a command target: loopback only, the heap read, the inspector closed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from node_support import NODE, TARGETS, free_port, needs_node, refuses

from leakbench.harness.errors import TargetFailed
from leakbench.harness.inspector.endpoint import (
    from_banner,
    from_json_list,
    is_loopback,
    listening_addresses,
)
from leakbench.harness.targets.command import CommandTarget
from leakbench.harness.targets.node_inspector import NodeRuntime
from leakbench_cli import leakbench


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.8", False),
        ("example.com", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_inspector_bound_beyond_loopback_is_refused(tmp_path: Path) -> None:
    """A banner naming 0.0.0.0 stops the run before any connection; the process is stopped."""
    runtime = NodeRuntime(duration=5, interval=0.1)
    target = CommandTarget(
        [sys.executable, str(TARGETS / "fake_public_inspector.py")],
        duration=5,
        interval=0.1,
        log_path=tmp_path / "target.log",
        inside=[runtime],
    )
    with pytest.raises(TargetFailed, match="beyond loopback") as failure:
        target.start()
    assert failure.value.reason == "target-refused"
    pid = target.pid
    target.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@needs_node
def test_inspector_listens_on_loopback_and_closes_with_the_run(tmp_path: Path) -> None:
    assert NODE is not None
    log = tmp_path / "target.log"
    target = CommandTarget(
        [NODE, str(TARGETS / "node_capped_cache.js")],
        duration=5,
        interval=0.1,
        log_path=log,
        env={"PORT": str(free_port())},
        inside=[NodeRuntime(duration=5, interval=0.1)],
    )
    target.start()
    try:
        endpoint = from_banner(log.read_text(encoding="utf-8"))
        assert endpoint is not None
        bound = listening_addresses(target.pid, endpoint.port)
        assert bound and all(is_loopback(address) for address in bound)
        step = target.step()
        assert step.inside["js_heap_used"] > 0
        assert step.inside["js_heap_post_gc"] > 0
        census = target.checkpoint(baseline=True)
        assert census is not None and census["js_census"]["nodes"] > 1000
    finally:
        target.stop()
    assert refuses(endpoint.port)


@needs_node
@pytest.mark.soak
def test_leaky_map_is_a_leak_attributed_to_its_records(tmp_path: Path) -> None:
    """Acceptance: within a 60 s soak, a leak attributed to RequestRecord held by the Map."""
    port = free_port()
    scenario = tmp_path / "leaky.yaml"
    scenario.write_text(
        json.dumps(
            {
                "name": "node-leaky-map",
                "target": {
                    "kind": "command",
                    "command": ["node", str(TARGETS / "node_leaky_map.js")],
                    "env": {"PORT": str(port)},
                    "ready": {"tcp": f"127.0.0.1:{port}"},
                    "driver": "http_load:drive",
                    "driver_args": {"port": port, "rate": 500},
                    "cwd": str(TARGETS),
                },
                "workload": {"duration": 60},
            }
        ),
        encoding="utf-8",
    )
    result = leakbench("run", scenario, "--out", tmp_path / "run", "--json", "--no-report")
    summary = result.json()
    assert result.code == 1, summary["headline"]
    assert summary["rss_vs_heap"]["post_gc_heap"]["verdict"] == "leak"
    grown = [c["type"] for c in summary["attribution"]["constructors"]]
    assert "RequestRecord" in grown
    assert "RequestRecord" in summary["headline"]
    assert refuses(port)


@needs_node
def test_attach_opens_the_inspector_by_sigusr1_and_closes_it(tmp_path: Path) -> None:
    """A Node process without --inspect: measured through an inspector opened for the run only."""
    assert NODE is not None
    process = subprocess.Popen(
        [NODE, str(TARGETS / "node_capped_cache.js")],
        env={"PORT": str(free_port()), "PATH": str(Path(NODE).parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # listening
        result = leakbench(
            "attach",
            str(process.pid),
            "--duration",
            "3s",
            "--interval",
            "250ms",
            "--out",
            tmp_path / "run",
            "--no-report",
            "-q",
        )
        assert result.code in (0, 4), result.stderr
        samples = (tmp_path / "run" / "samples.jsonl").read_text(encoding="utf-8")
        assert "js_heap_post_gc" in samples
        assert process.poll() is None  # attach never stops the process
        ports = [c.laddr.port for c in psutil.Process(process.pid).net_connections("inet")]
        assert all(not from_json_list_answers(port) for port in ports)
    finally:
        process.kill()
        process.wait()


def from_json_list_answers(port: int) -> bool:
    """True when an inspector answers /json/list on loopback `port`."""
    return from_json_list(port, timeout=0.5) is not None
