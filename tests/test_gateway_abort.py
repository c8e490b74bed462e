"""Abort and timeout (spec §3), chat.send validation and dedupe."""

from __future__ import annotations

import pytest

from leakbench.gateway_sim import (
    FIXED,
    LEGACY,
    Gateway,
    GatewaySettings,
    ProtocolError,
    VirtualClock,
    resolve_policy,
)


def streaming(policy=FIXED, *, drop_synthetic_end=None, **settings: float):
    """A gateway with run r1 of conn c1 on session s1, one assistant event in."""
    clock = VirtualClock()
    gateway = Gateway(
        clock,
        GatewaySettings(**settings),
        policy,
        audience=lambda _session: True,
        drop_synthetic_end=drop_synthetic_end,
    )
    gateway.chat_send("c1", "s1", "r1")
    gateway.agent_event("r1", "lifecycle", 1, {"phase": "start"})
    gateway.agent_event("r1", "assistant", 2, {"text": "partial", "delta": "partial"})
    return clock, gateway


def test_a_connection_that_does_not_own_the_run_is_refused() -> None:
    _, gateway = streaming()
    with pytest.raises(ProtocolError) as refused:
        gateway.abort("r1", conn_id="c2")
    assert refused.value.code == "NOT_OWNER"
    assert refused.value.message == "run r1 belongs to another connection"
    assert "r1" in gateway.abort_controllers
    assert gateway.state.raw_buffers["r1"] == "partial"


def test_an_operator_may_abort_any_run() -> None:
    _, gateway = streaming()
    assert gateway.abort("r1", conn_id="ops", operator=True).aborted
    assert gateway.abort_controllers == {}


def test_abort_naming_another_session_is_refused() -> None:
    _, gateway = streaming()
    with pytest.raises(ProtocolError) as refused:
        gateway.abort("r1", conn_id="c1", session_key="s2")
    assert refused.value.code == "WRONG_SESSION"
    assert refused.value.message == "run r1 does not belong to session s2"


def test_a_non_owner_is_refused_as_such_whatever_session_it_names() -> None:
    # The owner check comes first: a WRONG_SESSION here would tell a non-owner that the run
    # exists and, by trying keys, which session it belongs to.
    _, gateway = streaming()
    for session_key in ("s2", "s1", None):
        with pytest.raises(ProtocolError) as refused:
            gateway.abort("r1", conn_id="c2", session_key=session_key)
        assert refused.value.code == "NOT_OWNER", session_key
        assert "s1" not in refused.value.message
    assert "r1" in gateway.abort_controllers


def test_abort_session_of_only_another_connections_runs_is_refused() -> None:
    _, gateway = streaming()
    with pytest.raises(ProtocolError) as refused:
        gateway.abort_session("s1", conn_id="c2")
    assert refused.value.code == "FOREIGN_SESSION"
    assert "r1" in gateway.abort_controllers
    assert not gateway.abort_session("idle", conn_id="c2").aborted  # no runs: nothing to stop


def test_aborting_an_unknown_run_is_not_an_error() -> None:
    _, gateway = streaming()
    result = gateway.abort("nope", conn_id="c1")
    assert not result.aborted and result.broadcasts == []


def test_abort_announces_the_partial_text_and_emits_the_synthetic_end() -> None:
    clock, gateway = streaming(LEGACY)
    clock.advance_to(5.0)
    controller = gateway.abort_controllers["r1"]
    result = gateway.abort("r1", conn_id="c1")
    assert (controller.aborted, controller.reason) == (True, "rpc")
    chat = [b.payload for b in result.broadcasts if b.event == "chat"]
    assert chat == [
        {
            "run_id": "r1",
            "session_key": "s1",
            "state": "aborted",
            "message": "partial",
            "stop_reason": "rpc",
        }
    ]
    lifecycle = [b.payload["data"] for b in result.broadcasts if b.event == "agent"]
    assert lifecycle == [
        {"phase": "end", "aborted": True, "stop_reason": "rpc", "session_key": "s1"}
    ]
    assert gateway.state.aborted_runs == {"r1": 5.0}
    assert "r1" not in gateway.agent_run_seq  # the synthetic end finalized the run
    assert "r1" not in gateway.state.registry


@pytest.mark.parametrize(("policy", "keeps_raw"), [(LEGACY, True), (FIXED, False)])
def test_legacy_abort_keeps_the_raw_buffer_and_fixed_clears_it(policy, keeps_raw: bool) -> None:
    _, gateway = streaming(policy)
    gateway.abort("r1", conn_id="c1")
    maps = {name: entries for name, entries in gateway.run_maps().items() if entries}
    expected = {"aborted_runs"} | ({"raw_buffers"} if keeps_raw else set())
    assert set(maps) == expected


@pytest.mark.parametrize(("lost", "keeps_raw"), [(False, False), (True, True)])
def test_on_the_2026_5_27_build_an_abort_leaks_only_when_its_synthetic_end_is_lost(
    lost: bool, keeps_raw: bool
) -> None:
    _, gateway = streaming(
        resolve_policy("legacy-2026.5.27"), drop_synthetic_end=lambda _run_id: lost
    )
    gateway.abort("r1", conn_id="c1")
    assert ("r1" in gateway.state.raw_buffers) is keeps_raw
    assert ("r1" in gateway.agent_run_seq) is lost


def test_an_expired_controller_is_aborted_by_maintenance_with_reason_timeout() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(), LEGACY, audience=lambda _session: True)
    gateway.chat_send("c1", "s1", "r1", timeout=0)
    assert gateway.abort_controllers["r1"].expires_at == 120.0  # clamped up to 2 min
    gateway.agent_event("r1", "assistant", 1, {"text": "stuck", "delta": "stuck"})
    clock.advance_to(60.0)
    assert gateway.advance().timed_out == []
    clock.advance_to(gateway.next_deadline())
    assert clock.now() == 90.0  # a tick, not a sweep
    assert gateway.advance().timed_out == []
    clock.advance_to(120.0)
    result = gateway.advance()
    assert result.timed_out == ["r1"]
    (aborted,) = [b.payload for b in result.broadcasts if b.event == "chat"]
    assert aborted["stop_reason"] == "timeout" and aborted["message"] == "stuck"
    assert gateway.state.raw_buffers == {"r1": "stuck"}  # legacy
    assert gateway.state.aborted_runs == {"r1": 120.0}


def test_abort_session_stops_only_the_runs_this_connection_may_stop() -> None:
    _, gateway = streaming()
    gateway.chat_send("c1", "s1", "r2")
    gateway.chat_send("c2", "s1", "r3")
    gateway.chat_send("c1", "s2", "r4")
    result = gateway.abort_session("s1", conn_id="c1")
    assert result.aborted
    assert sorted(gateway.abort_controllers) == ["r3", "r4"]
    assert gateway.runs_of_session("s1") == ["r3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "s1", "r1"), "conn_id must be a non-empty string"),
        (("c1", "", "r1"), "session_key must be a non-empty string"),
        (("c1", "s1", None), "run_id must be a non-empty string"),
    ],
)
def test_chat_send_refuses_missing_fields(args: tuple, message: str) -> None:
    gateway = Gateway(VirtualClock())
    with pytest.raises(ProtocolError) as refused:
        gateway.chat_send(*args)
    assert (refused.value.code, refused.value.message) == ("INVALID_REQUEST", message)


@pytest.mark.parametrize("timeout", [-1, float("nan"), float("inf"), 10**400, True, "60"])
def test_chat_send_refuses_a_timeout_that_is_not_a_finite_non_negative_number(
    timeout: object,
) -> None:
    """NaN was accepted and never expired (its controller then guarded the run's state from
    every sweep); a huge integer overflowed the expiry sum."""
    gateway = Gateway(VirtualClock())
    with pytest.raises(ProtocolError, match=r"^timeout must be a finite non-negative number$"):
        gateway.chat_send("c1", "s1", "r1", timeout=timeout)
    assert gateway.abort_controllers == {}


def test_a_repeated_send_gets_the_first_answer_and_starts_nothing() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock)
    first = gateway.chat_send("c1", "s1", "r1")
    clock.advance_to(10.0)
    again = gateway.chat_send("c2", "s1", "r1")
    assert again is first and first.payload() == {"run_id": "r1", "status": "started"}
    assert gateway.abort_controllers["r1"].owner_conn == "c1"
    assert len(gateway.dedupe) == 1


def test_a_send_for_a_running_run_after_the_dedupe_ttl_reports_in_flight() -> None:
    clock = VirtualClock()
    gateway = Gateway(clock, GatewaySettings(dedupe_ttl=5.0))
    gateway.chat_send("c1", "s1", "r1")
    clock.advance_to(6.0)
    assert gateway.chat_send("c1", "s1", "r1").status == "in_flight"
