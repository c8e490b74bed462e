"""The maintenance sweep (spec §4): its guards, the stale loops per policy, bounded caches."""

from __future__ import annotations

import pytest

from leakbench.gateway_sim import (
    FIXED,
    LEGACY,
    Gateway,
    GatewaySettings,
    VirtualClock,
    resolve_policy,
)

HOUR = 3600.0


def sweep_at(clock: VirtualClock, gateway: Gateway, t: float) -> None:
    """Run every timer up to and including gateway time `t`."""
    while gateway.next_deadline() <= t:
        clock.advance_to(gateway.next_deadline())
        gateway.advance()
    clock.advance_to(t)


def visible_run(gateway: Gateway, run_id: str, *, timeout: float | None = None) -> None:
    gateway.chat_send("c1", "s1", run_id, timeout=timeout)
    gateway.agent_event(run_id, "lifecycle", 1, {"phase": "start"})
    gateway.agent_event(run_id, "assistant", 2, {"text": "visible", "delta": "visible"})


def held_maps(gateway: Gateway) -> set[str]:
    return {name for name, entries in gateway.run_maps().items() if entries}


@pytest.mark.parametrize("policy", [LEGACY, FIXED])
def test_a_run_that_still_has_an_abort_controller_keeps_its_state(policy) -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(), policy)
    visible_run(gateway, "r1", timeout=10 * HOUR)
    before = held_maps(gateway)
    sweep_at(clock, gateway, 3 * HOUR)
    assert held_maps(gateway) == before
    assert gateway.state.raw_buffers["r1"] == "visible"
    gateway.dispatch_settled("r1")  # terminal lost: only the sweeps can clear it now
    sweep_at(clock, gateway, 3 * HOUR + 60)
    assert held_maps(gateway) == ({"raw_buffers"} if policy is LEGACY else set())


def test_an_aborted_run_is_aged_out_after_the_aborted_ttl() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(), FIXED)
    visible_run(gateway, "r1")
    clock.advance_to(30.0)
    gateway.abort("r1", conn_id="c1")
    sweep_at(clock, gateway, 30.0 + HOUR)
    assert gateway.state.aborted_runs == {"r1": 30.0}  # not yet *older* than one hour
    sweep_at(clock, gateway, 30.0 + HOUR + 60)
    assert gateway.state.aborted_runs == {}


@pytest.mark.parametrize(("policy", "kept"), [(LEGACY, True), (FIXED, False)])
def test_a_raw_only_stale_buffer_is_swept_only_by_the_fix(policy, kept: bool) -> None:
    """The fix's regression case: a buffer no delta, abort or agent loop will ever see."""
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(), policy)
    gateway.state.raw_buffers["orphan"] = "NO_REPLY"
    if policy.stale_buffer_sweep:
        gateway.state.buffer_updated_at["orphan"] = 0.0
    sweep_at(clock, gateway, HOUR + 60)
    assert ("orphan" in gateway.state.raw_buffers) is kept
    assert gateway.state.buffer_updated_at == {}


@pytest.mark.parametrize(("policy", "raw_kept"), [(LEGACY, True), (FIXED, False)])
def test_the_stale_agent_loop_forgets_the_key_or_the_whole_run(policy, raw_kept: bool) -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(), policy)
    state = gateway.state
    state.raw_buffers["r1"] = "text"
    state.agent_delta_sent_at["r1:thinking"] = 0.0
    sweep_at(clock, gateway, HOUR + 60)
    assert state.agent_delta_sent_at == {}
    assert ("r1" in state.raw_buffers) is raw_kept


def test_stale_loops_skip_runs_still_in_aborted_runs() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(aborted_ttl=3 * HOUR), FIXED)
    state = gateway.state
    state.aborted_runs["r1"] = 0.0
    state.raw_buffers["r1"] = "text"
    state.buffer_updated_at["r1"] = 0.0
    state.delta_sent_at["r1"] = 0.0
    sweep_at(clock, gateway, 2 * HOUR)
    assert state.raw_buffers == {"r1": "text"}
    sweep_at(clock, gateway, 3 * HOUR + 60)
    assert held_maps(gateway) == set()


def test_dedupe_cache_drops_expired_entries_then_keeps_the_newest() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(dedupe_max=5, dedupe_ttl=300.0), FIXED)
    for index in range(20):
        clock.advance_to(float(index))
        gateway.chat_send("c1", "s1", f"r{index}")
    sweep_at(clock, gateway, 60.0)
    assert len(gateway.dedupe) == 5
    assert gateway.dedupe.get("r19", 60.0) is not None
    assert gateway.dedupe.get("r14", 60.0) is None
    sweep_at(clock, gateway, 19.0 + 300.0 + 60.0)
    assert len(gateway.dedupe) == 0


def test_agent_run_seq_is_trimmed_to_its_newest_entries() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(agent_run_seq_cap=3), LEGACY)
    for index in range(10):
        run_id = f"r{index}"
        visible_run(gateway, run_id)
        gateway.dispatch_settled(run_id)  # the terminal is lost: agent_run_seq keeps the run
    assert len(gateway.agent_run_seq) == 10
    sweep_at(clock, gateway, 60.0)
    assert list(gateway.agent_run_seq) == ["r7", "r8", "r9"]
    report = gateway.memory_report()
    assert report["caches"] == {"agent_run_seq": 3, "dedupe": 10}
    assert "agent_run_seq" not in report["state"]


def test_each_cleanup_site_follows_its_policy_flag() -> None:
    """Only `sweeps_use_clear_run` changes the stale-delta loop: legacy keeps the raw buffer."""
    for flags, raw_kept in [({}, True), ({"sweeps_use_clear_run": True}, False)]:
        clock = VirtualClock()
        gateway = Gateway(clock, GatewaySettings(), resolve_policy("legacy", flags))
        visible_run(gateway, "r1")
        gateway.dispatch_settled("r1")
        sweep_at(clock, gateway, HOUR + 60)
        assert held_maps(gateway) == ({"raw_buffers"} if raw_kept else set())


def test_close_forgets_everything_in_both_policies() -> None:
    for policy in (LEGACY, FIXED):
        gateway = Gateway(VirtualClock(), GatewaySettings(), policy)
        visible_run(gateway, "r1")
        gateway.abort("r1", conn_id="c1")
        visible_run(gateway, "r2")
        gateway.close()
        report = gateway.memory_report()
        assert all(sizes == {"entries": 0, "bytes": 0} for sizes in report["state"].values())
        assert report["caches"] == {"agent_run_seq": 0, "dedupe": 0}
        assert report["controllers"] == 0
