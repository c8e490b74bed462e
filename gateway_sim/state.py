"""Per-run chat state (spec §1): every map keyed by run id, and the two ways to clear one run.

Rules of this module: it holds state and knows how to delete it; it never decides *when* to
delete (that is `chat`, `abort` and `maintenance`, steered by the policy), never reads a clock
and never builds a broadcast.

Keys are the run id `R`, except in the two agent-event maps, keyed `R:assistant` / `R:thinking`.
The objects stored per run (registry entries, pending agent events) are weak-referenceable so a
host can count exactly how many outlive their run.
"""

from __future__ import annotations

AGENT_KEY_SUFFIX: dict[str, str] = {"assistant": ":assistant", "thinking": ":thinking"}
"""Streams whose agent events are coalesced, and the suffix of their key in the agent maps."""

STATE_MAPS: tuple[str, ...] = (
    "raw_buffers",
    "buffers",
    "buffer_updated_at",
    "delta_sent_at",
    "delta_last_broadcast_len",
    "delta_last_broadcast_text",
    "agent_delta_sent_at",
    "buffered_agent_events",
    "aborted_runs",
    "registry",
)


def run_of_agent_key(key: str) -> str:
    """The run id of an agent-map key (`R:assistant` → `R`; a bare `R` stays `R`)."""
    head, sep, stream = key.rpartition(":")
    return head if sep and stream in AGENT_KEY_SUFFIX else key


class RegistryEntry:
    """The chat link of a run: which session it streams to (spec §1 `registry`)."""

    __slots__ = ("__weakref__", "client_run_id", "heartbeat", "run_id", "session_key")

    def __init__(self, run_id: str, session_key: str, client_run_id: str, heartbeat: bool) -> None:
        self.run_id = run_id
        self.session_key = session_key
        self.client_run_id = client_run_id
        self.heartbeat = heartbeat
        """Heartbeat runs never show live deltas (spec §2.5)."""


class BufferedAgentEvent:
    """An agent text event held back by coalescing; later events in the window merge into it."""

    __slots__ = ("__weakref__", "delta", "run_id", "seq", "stream", "text")

    def __init__(self, run_id: str, stream: str, seq: int, text: str | None, delta: str) -> None:
        self.run_id = run_id
        self.stream = stream
        self.seq = seq
        self.text = text
        self.delta = delta

    def absorb(self, seq: int, text: str | None, delta: str) -> None:
        """Merge a later event of the same stream: latest text, concatenated deltas."""
        self.seq = seq
        self.text = text
        self.delta += delta

    def data(self) -> dict[str, object]:
        return {"text": self.text, "delta": self.delta}


class ChatRunState:
    """The maps of spec §1, plus `clear_run` (fixed), the legacy partial clear, and `clear`."""

    __slots__ = STATE_MAPS

    def __init__(self) -> None:
        self.raw_buffers: dict[str, str] = {}
        self.buffers: dict[str, str] = {}
        self.buffer_updated_at: dict[str, float] = {}
        self.delta_sent_at: dict[str, float] = {}
        self.delta_last_broadcast_len: dict[str, int] = {}
        self.delta_last_broadcast_text: dict[str, str] = {}
        self.agent_delta_sent_at: dict[str, float] = {}
        self.buffered_agent_events: dict[str, BufferedAgentEvent] = {}
        self.aborted_runs: dict[str, float] = {}
        self.registry: dict[str, RegistryEntry] = {}

    def clear_run(self, run_id: str) -> None:
        """Forget every buffer of one run (the fix's `clear_run`; spec §1)."""
        self.raw_buffers.pop(run_id, None)
        self.buffer_updated_at.pop(run_id, None)
        self.clear_run_partial(run_id)

    def clear_run_partial(self, run_id: str) -> None:
        """The legacy clear: buffers, the delta maps and the agent keys, *not* `raw_buffers`.

        It predates `buffer_updated_at` and so leaves that map alone as well.
        """
        self.buffers.pop(run_id, None)
        self.delta_sent_at.pop(run_id, None)
        self.delta_last_broadcast_len.pop(run_id, None)
        self.delta_last_broadcast_text.pop(run_id, None)
        sent_at, buffered = self.agent_delta_sent_at, self.buffered_agent_events
        for key in (run_id, run_id + ":assistant", run_id + ":thinking"):
            sent_at.pop(key, None)
            buffered.pop(key, None)

    def clear(self) -> None:
        """Empty every map (server close)."""
        for name in STATE_MAPS:
            getattr(self, name).clear()

    def maps(self) -> dict[str, dict[str, object]]:
        """Every map by name, in the order of spec §1."""
        return {name: getattr(self, name) for name in STATE_MAPS}
