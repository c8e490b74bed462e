"""The embedded host: stepping, drain, attribution, weak-reference survivors, determinism."""

from __future__ import annotations

import pytest

from leakbench.gateway_sim import (
    FIXED,
    LEGACY,
    Broadcast,
    ConfigError,
    EmbeddedHost,
    GatewaySettings,
    Workload,
)

MIXED = {"abort": 0.2, "timeout": 0.1, "suppressed_output": 0.1, "missing_terminal": 0.1}
SHORT = GatewaySettings(run_timeout=60.0)  # stalled runs expire after 2 minutes, not 24 h


def test_advance_completes_the_requested_runs_within_the_concurrency() -> None:
    workload = Workload(runs=100, concurrency=8)
    host = EmbeddedHost(None, FIXED, workload, seed=1)
    host.advance(30)
    assert host.runs_done == 30
    assert host.runs_started - host.runs_done == host.in_flight <= 8
    assert host.now > 0 and not host.finished
    host.advance(1000)
    assert host.runs_done == host.runs_started == 100
    assert host.finished and host.in_flight == 0


def test_a_duration_workload_stops_starting_runs_at_its_end() -> None:
    host = EmbeddedHost(None, FIXED, Workload(duration=20.0, rate=5.0), seed=1)
    host.advance(10_000)
    assert host.finished
    assert 40 < host.runs_done < 200  # about rate * duration = 100
    assert host.runs_done == host.runs_started


def test_drain_ends_one_sweep_after_the_longest_ttl_past_the_last_settled_run() -> None:
    settings = GatewaySettings(stale_ttl=600.0, aborted_ttl=900.0, maintenance_interval=30.0)
    host = EmbeddedHost(settings, FIXED, Workload(runs=50), seed=1)
    host.advance(50)
    settled_at = host.now
    assert host.drain(max_seconds=100.0) is False
    assert host.now == settled_at + 100.0
    assert host.drain() is True
    assert host.now == settled_at + 900.0 + 30.0


def test_drain_first_lets_stalled_runs_time_out() -> None:
    host = EmbeddedHost(SHORT, FIXED, Workload(runs=20, faults={"timeout": 1.0}), seed=1)
    host.advance(5)
    assert host.drain() is True
    assert host.runs_done == host.runs_started
    assert host.retained_by_path() == {}


def test_retained_by_path_attributes_every_survivor_to_its_path() -> None:
    host = EmbeddedHost(SHORT, LEGACY, Workload(runs=300, faults=MIXED), seed=3)
    host.advance(300)
    host.drain()
    by_path = host.retained_by_path()
    assert set(by_path) == {"abort", "timeout", "suppressed_output", "missing_terminal"}
    assert set(by_path["suppressed_output"]) == {"raw_buffers", "buffers"}
    for path in ("abort", "timeout", "missing_terminal"):
        assert set(by_path[path]) == {"raw_buffers"}
    report = host.memory_report()
    assert report["state"]["raw_buffers"]["entries"] == sum(
        m["raw_buffers"] for m in by_path.values()
    )


@pytest.mark.parametrize(
    ("faults", "heartbeat", "path"),
    [
        ({}, 1.0, "suppressed_output"),  # hidden deltas: no delta_sent_at, like a control token
        ({"missing_terminal": 1.0}, 1.0, "suppressed_output"),
        ({}, 0.0, "missing_terminal"),  # visible deltas sent, then the end lost
    ],
)
def test_runs_that_lose_their_terminal_are_attributed_to_the_path_they_take(
    faults: dict[str, float], heartbeat: float, path: str
) -> None:
    # Spec §5 names a path by how it happens: a heartbeat run whose terminal is lost is
    # `suppressed_output`, a visible run's is `missing_terminal`, whatever path was drawn.
    workload = Workload(runs=40, faults=faults, heartbeat=heartbeat, terminal_loss=1.0)
    host = EmbeddedHost(SHORT, LEGACY, workload, seed=5)
    host.advance(40)
    host.drain()
    by_path = host.retained_by_path()
    assert set(by_path) == {path}
    expected = {"raw_buffers", "buffers"} if path == "suppressed_output" else {"raw_buffers"}
    assert set(by_path[path]) == expected


@pytest.mark.parametrize("policy", [LEGACY, FIXED])
def test_weak_references_count_exactly_the_per_run_objects_the_maps_hold(policy) -> None:
    host = EmbeddedHost(SHORT, policy, Workload(runs=200, faults=MIXED), seed=4)
    host.advance(120)
    gateway = host.gateway
    held = (
        len(gateway.abort_controllers)
        + len(gateway.state.registry)
        + len(gateway.state.buffered_agent_events)
    )
    assert held > 0
    assert sum(host.live_run_objects().values()) == held
    host.advance(200)
    host.drain()
    assert host.live_run_objects() == {}


def test_live_objects_of_stalled_runs_are_attributed_to_the_timeout_path() -> None:
    workload = Workload(runs=40, concurrency=40, faults={"timeout": 1.0})
    host = EmbeddedHost(None, FIXED, workload, seed=1)  # default expiry: 24 h
    host.advance(1)  # returns once the first stalled run has timed out, 24 h later
    assert host.in_flight > 0
    pending_events = len(host.gateway.state.buffered_agent_events)
    # a controller and a chat link per stalled run, plus its coalesced agent events
    assert host.live_run_objects() == {"timeout": 2 * host.in_flight + pending_events}


def test_same_seed_gives_the_same_broadcasts_and_memory_report() -> None:
    workload = Workload(runs=150, faults=MIXED, heartbeat=0.1, thinking=0.3, terminal_loss=0.1)

    def soak(seed: int) -> tuple[list[Broadcast], dict]:
        seen: list[Broadcast] = []
        host = EmbeddedHost(SHORT, LEGACY, workload, seed, broadcast_sink=seen.append)
        host.advance(150)
        report = host.memory_report()
        host.drain()
        return seen, [report, host.memory_report(), host.retained_by_path()]

    first, again, other = soak(11), soak(11), soak(12)
    assert len(first[0]) > 1000
    assert {b.event for b in first[0]} == {"chat", "agent", "tick"}
    assert first == again
    assert first[0] != other[0]


def test_without_a_sink_no_broadcast_is_built() -> None:
    host = EmbeddedHost(None, FIXED, Workload(runs=20), seed=1)
    host.advance(20)
    assert host.gateway.agent_event("normal-0", "lifecycle", 99, {"phase": "start"}) == []


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({}, "exactly one of runs or duration"),
        ({"runs": 5, "duration": 10.0}, "exactly one of runs or duration"),
        ({"runs": 0}, "runs must be at least 1"),
        ({"runs": 5, "rate": 0}, "rate must be positive"),
        ({"runs": 5, "chunks": (10, 5)}, "chunks must be a range"),
        ({"runs": 5, "faults": {"abort": 0.7, "timeout": 0.5}}, "add up to 1.2, above 1"),
        ({"runs": 5, "faults": {"explode": 0.1}}, "unknown fault(s): explode; valid faults:"),
        ({"runs": 5, "terminal_loss": 1.5}, "terminal_loss must be within [0, 1]"),
    ],
)
def test_workload_rejects_what_it_cannot_run(fields: dict, complaint: str) -> None:
    with pytest.raises(ConfigError) as rejected:
        Workload(**fields)
    assert complaint in str(rejected.value)
