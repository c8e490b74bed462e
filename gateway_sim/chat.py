"""The event flow of a run (spec §2): agent events in, state changes and broadcasts out.

Rules of this module: everything a provider event does to the per-run maps happens here and
nowhere else; time comes from the clock it is given; it never sends anything (broadcasts are
returned, and built only when the `Audience` says someone listens); it does not know about
connections, sockets or the harness.

Theory of operation, per event of run `R`:
1. `agent_run_seq[R] = seq`.
2. `assistant` / `thinking` events fan out as `agent` events, coalesced per `R:stream` key:
   within `agent_coalesce` of the last fan-out they wait (merged) in `buffered_agent_events`;
   otherwise the run's pending events are flushed, this one goes out, and
   `agent_delta_sent_at[key]` is stamped. Other streams flush and go out at once.
3. An `assistant` event of a run not aborted also updates the chat view (`_emit_chat_delta`):
   merge into `raw_buffers` (capped, keeping the tail), stamp `buffer_updated_at` if the policy
   has the stale-buffer sweep, project into `buffers`, then stop if the projection is
   suppressed or the run is a heartbeat run (the gap the fix closes: no `delta_sent_at`), else
   apply the leading-edge throttle on `delta_sent_at`, diff against the last broadcast text
   (suffix, or whole text with `replace`) and record the three delta maps.
4. Lifecycle `end` finalizes the run; lifecycle `error` clears its buffers at once and finalizes
   after `error_grace` (a retry may reuse the run id; a later `start` or `end` cancels it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import inf
from typing import Any, NamedTuple

from leakbench.gateway_sim.broadcast import Audience, Broadcast
from leakbench.gateway_sim.policy import CleanupPolicy, CleanupSite
from leakbench.gateway_sim.projection import project
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.state import (
    AGENT_KEY_SUFFIX,
    BufferedAgentEvent,
    ChatRunState,
    RegistryEntry,
)

TrackObject = Callable[[object], None]
"""Called with every per-run object the core creates, so a host can hold weak references."""


class _PendingError(NamedTuple):
    """A lifecycle error waiting out its grace. `entry` is the run's registry link taken when
    the error arrived: the provider stream ends with the error, so its dispatch settles and
    drops the link (spec §2.7) long before the grace runs out, and the announcement needs it."""

    due: float
    seq: int
    message: str
    entry: RegistryEntry | None


def _chat_payload(run_id: str, session_key: str, seq: int, state: str) -> dict[str, Any]:
    return {"run_id": run_id, "session_key": session_key, "seq": seq, "state": state}


def _delta_broadcast(
    run_id: str, session_key: str, seq: int, text: str, previous: str | None
) -> Broadcast | None:
    """The `chat` delta taking a client from `previous` to `text`, or None if nothing changed."""
    payload = _chat_payload(run_id, session_key, seq, "delta")
    if previous is not None and text.startswith(previous):
        if len(text) == len(previous):
            return None
        payload["delta_text"] = text[len(previous) :]
    else:
        payload["delta_text"] = text
        if previous is not None:
            payload["replace"] = True
    return Broadcast("chat", payload, session_key, drop_if_slow=True)


class ChatFlow:
    """Applies provider events to the per-run state; one instance per gateway."""

    __slots__ = (
        "_aborted",
        "_agent_run_seq",
        "_agent_sent_at",
        "_audience",
        "_buffered",
        "_buffers",
        "_clear_synthetic_end",
        "_coalesce",
        "_error_grace",
        "_lifecycle",
        "_now",
        "_raw",
        "_raw_cap",
        "_registry",
        "_sent_at",
        "_sent_len",
        "_sent_text",
        "_stamp_updates",
        "_state",
        "_throttle",
        "_track",
        "_updated_at",
        "next_error_at",
        "pending_errors",
    )

    def __init__(
        self,
        settings: GatewaySettings,
        policy: CleanupPolicy,
        now: Callable[[], float],
        state: ChatRunState,
        agent_run_seq: dict[str, int],
        audience: Audience | None,
        track: TrackObject | None,
    ) -> None:
        self._now = now
        self._state = state
        self._agent_run_seq = agent_run_seq
        self._audience = audience
        self._track = track
        self._throttle = settings.delta_throttle
        self._coalesce = settings.agent_coalesce
        self._raw_cap = settings.raw_cap
        self._error_grace = settings.error_grace
        self._stamp_updates = policy.stale_buffer_sweep
        self._clear_synthetic_end = (
            state.clear_run
            if policy.clears_fully(CleanupSite.SYNTHETIC_END)
            else state.clear_run_partial
        )
        # The maps never change identity (clear() empties them), so bind them once.
        self._raw = state.raw_buffers
        self._buffers = state.buffers
        self._updated_at = state.buffer_updated_at
        self._sent_at = state.delta_sent_at
        self._sent_len = state.delta_last_broadcast_len
        self._sent_text = state.delta_last_broadcast_text
        self._agent_sent_at = state.agent_delta_sent_at
        self._buffered = state.buffered_agent_events
        self._aborted = state.aborted_runs
        self._registry = state.registry
        self._lifecycle = {"start": self._on_start, "end": self._on_end, "error": self._on_error}
        self.pending_errors: dict[str, _PendingError] = {}
        self.next_error_at = inf
        """When the earliest pending lifecycle error must be finalized (inf: none)."""

    # ---- entry point -----------------------------------------------------------------------

    def handle(
        self, run_id: str, stream: str, seq: int, data: Mapping[str, Any]
    ) -> list[Broadcast]:
        """Process one agent event of `run_id`; returns the broadcasts it causes."""
        self._agent_run_seq[run_id] = seq
        out: list[Broadcast] = []
        suffix = AGENT_KEY_SUFFIX.get(stream)
        now = self._now()
        if suffix is not None:
            self._fan_out_text(run_id, run_id + suffix, stream, seq, data, now, out)
            if stream == "assistant" and run_id not in self._aborted:
                self._emit_chat_delta(run_id, seq, data, now, out)
            return out
        self._fan_out_now(run_id, stream, seq, data, now, out)
        if stream == "lifecycle":
            on_phase = self._lifecycle.get(data.get("phase"))
            if on_phase is not None:
                on_phase(run_id, seq, data, now, out)
        return out

    # ---- agent fan-out with coalescing ------------------------------------------------------

    def _fan_out_text(
        self,
        run_id: str,
        key: str,
        stream: str,
        seq: int,
        data: Mapping[str, Any],
        now: float,
        out: list[Broadcast],
    ) -> None:
        last = self._agent_sent_at.get(key)
        if last is not None and now - last < self._coalesce:
            pending = self._buffered.get(key)
            if pending is None:
                pending = BufferedAgentEvent(
                    run_id, stream, seq, data.get("text"), data.get("delta") or ""
                )
                self._buffered[key] = pending
                if self._track is not None:
                    self._track(pending)
            else:
                pending.absorb(seq, data.get("text"), data.get("delta") or "")
            return
        if self._buffered:
            self._flush_agent(run_id, now, out)
        if self._audience is not None:
            self._broadcast_agent(run_id, stream, seq, dict(data), out)
        self._agent_sent_at[key] = now

    def _fan_out_now(
        self,
        run_id: str,
        stream: str,
        seq: int,
        data: Mapping[str, Any],
        now: float,
        out: list[Broadcast],
    ) -> None:
        if self._buffered:
            self._flush_agent(run_id, now, out)
        if self._audience is not None:
            self._broadcast_agent(run_id, stream, seq, dict(data), out)

    def _flush_agent(self, run_id: str, now: float, out: list[Broadcast]) -> None:
        """Send the run's coalesced agent events, oldest first (spec §2.4)."""
        flushed = []
        for suffix in AGENT_KEY_SUFFIX.values():
            key = run_id + suffix
            pending = self._buffered.pop(key, None)
            if pending is not None:
                self._agent_sent_at[key] = now
                flushed.append(pending)
        if self._audience is not None:
            for pending in sorted(flushed, key=lambda event: event.seq):
                self._broadcast_agent(run_id, pending.stream, pending.seq, pending.data(), out)

    def _broadcast_agent(
        self, run_id: str, stream: str, seq: int, data: dict[str, Any], out: list[Broadcast]
    ) -> None:
        session_key = self._session_of(run_id, data)
        if session_key is not None and self._audience(session_key):
            payload = {
                "run_id": run_id,
                "session_key": session_key,
                "stream": stream,
                "seq": seq,
                "data": data,
            }
            out.append(Broadcast("agent", payload, session_key))

    def _session_of(self, run_id: str, data: Mapping[str, Any]) -> str | None:
        entry = self._registry.get(run_id)
        return entry.session_key if entry is not None else data.get("session_key")

    # ---- chat view ----------------------------------------------------------------------

    def _emit_chat_delta(
        self, run_id: str, seq: int, data: Mapping[str, Any], now: float, out: list[Broadcast]
    ) -> None:
        text = data.get("text")
        delta = data.get("delta")
        previous_raw = self._raw.get(run_id)
        if previous_raw is None:
            merged = text or delta or ""
        elif text is not None and text.startswith(previous_raw):
            merged = text
        elif delta:
            merged = previous_raw + delta
        else:
            merged = text or previous_raw  # a rewrite without a delta replaces the text
        if not merged:
            return
        if len(merged) > self._raw_cap:
            merged = merged[-self._raw_cap :]
        self._raw[run_id] = merged
        if self._stamp_updates:
            self._updated_at[run_id] = now
        display, suppressed = project(merged)
        self._buffers[run_id] = display
        if suppressed:
            return
        entry = self._registry.get(run_id)
        if entry is not None and entry.heartbeat:
            return
        last = self._sent_at.get(run_id)
        if last is not None and now - last < self._throttle:
            return
        previous = self._sent_text.get(run_id)
        if display == previous:
            return
        self._sent_at[run_id] = now
        self._sent_len[run_id] = len(display)
        self._sent_text[run_id] = display
        if entry is not None and self._audience is not None and self._audience(entry.session_key):
            broadcast = _delta_broadcast(run_id, entry.session_key, seq, display, previous)
            if broadcast is not None:
                out.append(broadcast)

    # ---- lifecycle ------------------------------------------------------------------------

    def _on_start(
        self, run_id: str, seq: int, data: Mapping[str, Any], now: float, out: list[Broadcast]
    ) -> None:
        self._cancel_error(run_id)

    def _on_end(
        self, run_id: str, seq: int, data: Mapping[str, Any], now: float, out: list[Broadcast]
    ) -> None:
        self._cancel_error(run_id)
        self.finalize(run_id, seq, out)

    def _on_error(
        self, run_id: str, seq: int, data: Mapping[str, Any], now: float, out: list[Broadcast]
    ) -> None:
        message = data.get("error")
        message = "error" if message is None else str(message)  # announced as an error either way
        self._state.clear_run(run_id)
        self._cancel_error(run_id)
        if run_id in self._aborted or self._error_grace <= 0:
            self.finalize(run_id, seq, out, error=message)
            return
        due = now + self._error_grace
        entry = self._registry.get(run_id)
        self.pending_errors[run_id] = _PendingError(due, seq, message, entry)
        self.next_error_at = min(self.next_error_at, due)

    def _cancel_error(self, run_id: str) -> None:
        if self.pending_errors and self.pending_errors.pop(run_id, None) is not None:
            self.next_error_at = min((p.due for p in self.pending_errors.values()), default=inf)

    def finalize_due_errors(self, now: float) -> list[Broadcast]:
        """Finalize every lifecycle error whose grace has run out by `now`, earliest first."""
        due = sorted(
            (pending.due, run_id)
            for run_id, pending in self.pending_errors.items()
            if pending.due <= now
        )
        out: list[Broadcast] = []
        for _, run_id in due:
            pending = self.pending_errors.pop(run_id)
            self.finalize(run_id, pending.seq, out, error=pending.message, entry=pending.entry)
        self.next_error_at = min((p.due for p in self.pending_errors.values()), default=inf)
        return out

    def forget_pending_errors(self) -> None:
        self.pending_errors.clear()
        self.next_error_at = inf

    def finalize(
        self,
        run_id: str,
        seq: int,
        out: list[Broadcast],
        *,
        error: str | None = None,
        entry: RegistryEntry | None = None,
    ) -> None:
        """Terminal event of a run: last delta, `final`/`error`, then forget the run (§2.6).

        `entry`: the registry link to announce to when the run's is gone (a lifecycle error's
        grace outlasts it). A run already aborted only has its buffers cleared: abort has
        announced it. Whether that clear includes the raw buffer is the policy's
        `synthetic_end_clears_raw`.
        """
        entry = self._registry.pop(run_id, None) or entry
        if run_id in self._aborted:
            self._clear_synthetic_end(run_id)
        else:
            if entry is not None and self._audience is not None:
                self._announce_end(run_id, seq, entry, error, out)
            self._state.clear_run(run_id)
        self._agent_run_seq.pop(run_id, None)

    def _announce_end(
        self,
        run_id: str,
        seq: int,
        entry: RegistryEntry,
        error: str | None,
        out: list[Broadcast],
    ) -> None:
        session_key = entry.session_key
        if not self._audience(session_key):
            return
        display, suppressed = project(self._raw.get(run_id, ""))
        visible = bool(display) and not suppressed and not entry.heartbeat
        if visible and error is None:
            pending = _delta_broadcast(
                run_id, session_key, seq, display, self._sent_text.get(run_id)
            )
            if pending is not None:
                out.append(pending)
        if error is None:
            payload = _chat_payload(run_id, session_key, seq, "final")
            payload["message"] = display if visible else None
        else:
            payload = _chat_payload(run_id, session_key, seq, "error")
            payload["error"] = error
        out.append(Broadcast("chat", payload, session_key))
