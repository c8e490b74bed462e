"""The event flow of one run (spec §2): merge, projection, throttle, diffing, coalescing, ends."""

from __future__ import annotations

import pytest

from leakbench.gateway_sim import FIXED, LEGACY, Broadcast, Gateway, GatewaySettings, VirtualClock
from leakbench.gateway_sim.projection import project


class Recorder:
    """A gateway with one subscriber on every session, and the broadcasts it received."""

    def __init__(self, policy=FIXED, **settings: float) -> None:
        self.clock = VirtualClock()
        self.gateway = Gateway(
            self.clock, GatewaySettings(**settings), policy, audience=lambda _session: True
        )
        self.seen: list[Broadcast] = []
        self.seq = 0

    def at(self, t: float) -> Recorder:
        self.clock.advance_to(t)
        return self

    def event(self, run_id: str, stream: str, **data: object) -> list[Broadcast]:
        self.seq += 1
        out = self.gateway.agent_event(run_id, stream, self.seq, data)
        self.seen.extend(out)
        return out

    def chat(self, state: str | None = None) -> list[dict]:
        return [
            b.payload
            for b in self.seen
            if b.event == "chat" and (state is None or b.payload["state"] == state)
        ]

    def agent(self, stream: str) -> list[dict]:
        return [
            b.payload for b in self.seen if b.event == "agent" and b.payload["stream"] == stream
        ]


def started(policy=FIXED, *, heartbeat: bool = False, **settings: float) -> Recorder:
    rec = Recorder(policy, **settings)
    rec.gateway.chat_send("c1", "s1", "r1", heartbeat=heartbeat)
    rec.event("r1", "lifecycle", phase="start")
    return rec


def test_cumulative_text_replaces_the_raw_buffer_and_a_bare_delta_is_appended() -> None:
    rec = started()
    rec.event("r1", "assistant", text="Hello", delta="Hello")
    rec.event("r1", "assistant", text="Hello wor", delta=" wor")
    assert rec.gateway.state.raw_buffers["r1"] == "Hello wor"
    rec.event("r1", "assistant", delta="ld")
    assert rec.gateway.state.raw_buffers["r1"] == "Hello world"
    rec.event("r1", "assistant", text="unrelated", delta="!")
    assert rec.gateway.state.raw_buffers["r1"] == "Hello world!"


def test_a_rewrite_without_delta_replaces_the_raw_text() -> None:
    rec = started()
    rec.event("r1", "assistant", text="draft", delta="draft")
    rec.event("r1", "assistant", text="final answer")
    assert rec.gateway.state.raw_buffers["r1"] == "final answer"


def test_raw_buffer_is_capped_keeping_the_tail() -> None:
    rec = started(raw_cap=10)
    rec.event("r1", "assistant", text="0123456789abcdef", delta="0123456789abcdef")
    assert rec.gateway.state.raw_buffers["r1"] == "6789abcdef"
    rec.event("r1", "assistant", delta="XYZ")
    assert rec.gateway.state.raw_buffers["r1"] == "9abcdefXYZ"


@pytest.mark.parametrize(
    ("text", "display", "suppressed"),
    [
        ("NO_REPLY", "", True),
        ("  NO_REPLY\n", "", True),
        ("ANNOUNCE_SKIP", "", True),
        ("REPLY_SKIP", "", True),
        ("NO", "NO", True),
        ("NO_RE", "NO_RE", True),
        ("N", "N", False),
        ("ANN", "ANN", True),
        ("AN", "AN", False),
        ("REP", "REP", True),
        ("RE", "RE", False),
        ("REPLY_S", "REPLY_S", True),
        ("no", "no", False),
        ("NO_REPLY.", "NO_REPLY.", False),
        ("NOPE", "NOPE", False),
        ("A normal reply", "A normal reply", False),
    ],
)
def test_projection_suppresses_control_tokens_and_their_leading_fragments(
    text: str, display: str, suppressed: bool
) -> None:
    assert project(text) == (display, suppressed)


@pytest.mark.parametrize("policy", [LEGACY, FIXED])
def test_suppressed_output_writes_buffers_but_never_a_delta(policy) -> None:
    rec = started(policy)
    for t, text in [(0.0, "NO"), (0.5, "NO_RE"), (1.0, "NO_REPLY")]:
        rec.at(t).event("r1", "assistant", text=text, delta=text[-1])
    state = rec.gateway.state
    assert state.raw_buffers["r1"] == "NO_REPLY"
    assert state.buffers["r1"] == ""
    assert "r1" not in state.delta_sent_at
    assert rec.chat() == []
    assert ("r1" in state.buffer_updated_at) is policy.stale_buffer_sweep


def test_heartbeat_runs_hide_every_live_delta() -> None:
    rec = started(heartbeat=True)
    rec.event("r1", "assistant", text="HEARTBEAT all good", delta="HEARTBEAT all good")
    state = rec.gateway.state
    assert state.buffers["r1"] == "HEARTBEAT all good"
    assert "r1" not in state.delta_sent_at
    assert rec.chat("delta") == []


def test_delta_throttle_is_leading_edge_on_delta_sent_at() -> None:
    rec = started()
    rec.at(0.0).event("r1", "assistant", text="a", delta="a")
    rec.at(0.1).event("r1", "assistant", text="ab", delta="b")
    rec.at(0.14).event("r1", "assistant", text="abc", delta="c")
    assert [d["delta_text"] for d in rec.chat("delta")] == ["a"]
    assert rec.gateway.state.delta_sent_at["r1"] == 0.0
    rec.at(0.15).event("r1", "assistant", text="abcd", delta="d")
    assert [d["delta_text"] for d in rec.chat("delta")] == ["a", "bcd"]
    state = rec.gateway.state
    assert state.delta_sent_at["r1"] == 0.15
    assert state.delta_last_broadcast_len["r1"] == 4
    assert state.delta_last_broadcast_text["r1"] == "abcd"


def test_delta_is_a_suffix_when_the_text_grows_and_a_replace_otherwise() -> None:
    rec = started()
    rec.at(0.0).event("r1", "assistant", text="Hello", delta="Hello")
    rec.at(1.0).event("r1", "assistant", text="Hello there", delta=" there")
    rec.at(2.0).event("r1", "assistant", text="Goodbye")
    first, grown, rewritten = rec.chat("delta")
    assert "replace" not in first and first["delta_text"] == "Hello"
    assert "replace" not in grown and grown["delta_text"] == " there"
    assert rewritten["replace"] is True and rewritten["delta_text"] == "Goodbye"


def test_agent_events_are_coalesced_per_stream_within_the_window() -> None:
    rec = started()
    rec.at(0.0).event("r1", "assistant", text="a", delta="a")
    rec.at(0.05).event("r1", "assistant", text="ab", delta="b")
    rec.at(0.1).event("r1", "assistant", text="abc", delta="c")
    state = rec.gateway.state
    pending = state.buffered_agent_events["r1:assistant"]
    assert (pending.text, pending.delta, pending.seq) == ("abc", "bc", 4)
    assert [a["data"]["delta"] for a in rec.agent("assistant")] == ["a"]
    assert state.agent_delta_sent_at["r1:assistant"] == 0.0
    rec.at(0.12).event("r1", "thinking", text="hmm", delta="hmm")
    assert [a["data"]["delta"] for a in rec.agent("assistant")] == ["a", "bc"]
    assert [a["data"]["delta"] for a in rec.agent("thinking")] == ["hmm"]
    assert "r1:assistant" not in state.buffered_agent_events  # flushed before the thinking event
    assert state.agent_delta_sent_at["r1:assistant"] == 0.12
    rec.at(0.2).event("r1", "assistant", text="abcd", delta="d")  # 0.08 after that flush
    assert state.buffered_agent_events["r1:assistant"].delta == "d"
    rec.at(0.3).event("r1", "assistant", text="abcde", delta="e")
    assert [a["data"]["delta"] for a in rec.agent("assistant")] == ["a", "bc", "d", "e"]
    assert state.buffered_agent_events == {}
    assert state.agent_delta_sent_at["r1:assistant"] == 0.3


def test_lifecycle_end_flushes_the_pending_delta_then_finalizes() -> None:
    rec = started()
    rec.at(0.0).event("r1", "assistant", text="Hi", delta="Hi")
    rec.at(0.05).event("r1", "assistant", text="Hi there", delta=" there")
    rec.at(0.07).event("r1", "lifecycle", phase="end")
    assert [d["delta_text"] for d in rec.chat("delta")] == ["Hi", " there"]
    (final,) = rec.chat("final")
    assert final["message"] == "Hi there"
    gateway = rec.gateway
    assert all(not entries for entries in gateway.state.maps().values())
    assert "r1" not in gateway.agent_run_seq
    assert "r1" in gateway.abort_controllers  # until the dispatch settles
    gateway.dispatch_settled("r1")
    assert gateway.abort_controllers == {}


def test_final_message_is_withheld_for_a_control_token() -> None:
    rec = started()
    rec.event("r1", "assistant", text="NO_REPLY", delta="NO_REPLY")
    rec.event("r1", "lifecycle", phase="end")
    (final,) = rec.chat("final")
    assert final["message"] is None


def test_lifecycle_error_clears_at_once_and_finalizes_after_the_grace() -> None:
    rec = started()
    rec.at(1.0).event("r1", "assistant", text="partial", delta="partial")
    rec.at(2.0).event("r1", "lifecycle", phase="error", error="provider overloaded")
    gateway = rec.gateway
    assert "r1" not in gateway.state.raw_buffers
    assert "r1" in gateway.state.registry
    assert gateway.next_deadline() == 17.0
    assert rec.chat("error") == []
    rec.at(17.0)
    result = gateway.advance()
    assert [b.payload["state"] for b in result.broadcasts] == ["error"]
    assert result.broadcasts[0].payload["error"] == "provider overloaded"
    assert "r1" not in gateway.state.registry
    assert "r1" not in gateway.agent_run_seq


def test_a_lifecycle_error_is_announced_after_the_grace_though_the_dispatch_settled() -> None:
    # Spec §2.6-2.7: the provider stream ends with the error, so its dispatch settles at once
    # and drops the registry link; the `chat error` due after the grace must still go out.
    rec = started()
    rec.at(1.0).event("r1", "assistant", text="partial", delta="partial")
    rec.at(2.0).event("r1", "lifecycle", phase="error", error="provider overloaded")
    gateway = rec.gateway
    gateway.dispatch_settled("r1")
    assert "r1" not in gateway.state.registry
    rec.at(17.0)
    result = gateway.advance()
    (error,) = [b for b in result.broadcasts if b.event == "chat"]
    assert error.payload["state"] == "error"
    assert error.payload["error"] == "provider overloaded"
    assert error.session_key == "s1"


def test_with_no_grace_an_error_without_a_message_is_still_an_error() -> None:
    rec = started(error_grace=0.0)
    rec.at(1.0).event("r1", "assistant", text="partial", delta="partial")
    rec.at(2.0).event("r1", "lifecycle", phase="error")
    assert rec.chat("final") == []
    (error,) = rec.chat("error")
    assert error["error"] == "error"


def test_a_retry_within_the_grace_cancels_the_pending_error() -> None:
    rec = started(maintenance_interval=1000.0, tick_interval=1000.0)
    rec.at(2.0).event("r1", "lifecycle", phase="error", error="boom")
    rec.at(5.0).event("r1", "lifecycle", phase="start")
    assert rec.gateway.next_deadline() == 1000.0
    rec.at(20.0)
    assert rec.gateway.advance().broadcasts == []
    assert "r1" in rec.gateway.state.registry


def test_events_of_an_aborted_run_no_longer_touch_its_buffers() -> None:
    rec = started(LEGACY)
    rec.event("r1", "assistant", text="before", delta="before")
    rec.gateway.abort("r1", conn_id="c1")
    rec.event("r1", "assistant", text="before and after", delta=" and after")
    assert rec.gateway.state.raw_buffers["r1"] == "before"
