"""The gateway core: one sans-I/O state machine for a whole gateway (spec §1 to §4).

Rules, as in h11: this core never knows
- sockets, connections or JSON frames: a host (the embedded loop, the WebSocket server) turns
  requests into method calls and delivers the broadcasts those calls return;
- wall time: time comes only from the `Clock` passed in, and nothing here sleeps;
- the harness: no scenarios, no sampling, no run directory.

Theory of operation: a host calls `chat_send` when a client starts a run, feeds the provider's
events to `agent_event`, calls `dispatch_settled` when the provider stream finished or broke,
and `abort` for `chat.abort`. Timers (maintenance, the `tick` event, lifecycle-error grace)
never fire by themselves: the host reads `next_deadline()` and calls `advance()` once its clock
reaches it. `advance()` also names the runs maintenance aborted for timeout, whose provider
streams the host must stop. Everything a run leaves behind is visible in `run_maps()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from math import floor, inf
from typing import Any

from leakbench.gateway_sim.abort import AbortController, Aborter, AbortResult
from leakbench.gateway_sim.broadcast import Audience, Broadcast
from leakbench.gateway_sim.chat import ChatFlow, TrackObject
from leakbench.gateway_sim.clock import Clock
from leakbench.gateway_sim.dedupe import DedupeCache
from leakbench.gateway_sim.errors import ProtocolError, Refusal
from leakbench.gateway_sim.maintenance import Maintenance
from leakbench.gateway_sim.memory import memory_report
from leakbench.gateway_sim.policy import FIXED, CleanupPolicy
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.state import STATE_MAPS, ChatRunState, RegistryEntry

RUN_MAPS: tuple[str, ...] = (*STATE_MAPS, "abort_controllers")
"""Every per-run map, in report order: none of them may hold a finished run for good."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The answer to `chat.send`: `started`, or `in_flight` for a run id already running."""

    run_id: str
    status: str

    def payload(self) -> dict[str, str]:
        return {"run_id": self.run_id, "status": self.status}


@dataclass(frozen=True, slots=True)
class TimerResult:
    """What `advance()` produced: broadcasts, and runs aborted for timeout (stop their streams)."""

    broadcasts: list[Broadcast] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)


def _require_text(value: object, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise ProtocolError(Refusal.INVALID_REQUEST, field=name, expected="a non-empty string")


class Gateway:
    """A whole gateway: chat run state, abort controllers, bounded caches and timers."""

    agent_event: Callable[[str, str, int, Mapping[str, Any]], list[Broadcast]]
    """`agent_event(run_id, stream, seq, data)`: one provider event; returns its broadcasts.

    Streams: `lifecycle` (`data["phase"]`: start, end or error), `assistant` and `thinking`
    (`data["text"]` cumulative, `data["delta"]` new), any other stream is fanned out as is.
    It is the chat flow's handler itself, bound at construction: the hot path is one call."""

    def __init__(
        self,
        clock: Clock,
        settings: GatewaySettings | None = None,
        policy: CleanupPolicy = FIXED,
        *,
        audience: Audience | None = None,
        drop_synthetic_end: Callable[[str], bool] | None = None,
        track_object: TrackObject | None = None,
    ) -> None:
        """`audience(session_key)` says whether to build broadcasts for a session (None: never);
        `drop_synthetic_end(run_id)` → True loses that run's synthetic end (fault injection);
        `track_object(obj)` sees every per-run object created (for weak-reference counting)."""
        self.clock = clock
        self.settings = settings or GatewaySettings()
        self.policy = policy
        self.state = ChatRunState()
        self.abort_controllers: dict[str, AbortController] = {}
        self.agent_run_seq: dict[str, int] = {}
        self.dedupe: DedupeCache[SendResult] = DedupeCache(
            self.settings.dedupe_ttl, self.settings.dedupe_max
        )
        self._track = track_object
        now = clock.now
        self._chat = ChatFlow(
            self.settings, policy, now, self.state, self.agent_run_seq, audience, track_object
        )
        self.agent_event = self._chat.handle
        self._aborter = Aborter(
            policy,
            now,
            self.state,
            self.abort_controllers,
            self.agent_run_seq,
            self._chat,
            audience,
            drop_synthetic_end,
        )
        self._maintenance = Maintenance(
            self.settings,
            policy,
            now,
            self.state,
            self.abort_controllers,
            self.agent_run_seq,
            self.dedupe,
            self._aborter,
        )
        self._audience = audience
        start = now()
        self._next_sweep = start + self.settings.maintenance_interval
        self._next_tick = start + self.settings.tick_interval

    # ---- requests and provider events ------------------------------------------------------

    def chat_send(
        self,
        conn_id: str,
        session_key: str,
        run_id: str,
        *,
        timeout: float | None = None,
        heartbeat: bool = False,
    ) -> SendResult:
        """Start run `run_id` (the idempotency key) for `conn_id`; a repeat gets the first answer.

        `timeout` is the agent timeout in gateway seconds (default `settings.run_timeout`); the
        run's controller expires at clamp(now + timeout + grace, now + min, now + max).
        """
        _require_text(conn_id, "conn_id")
        _require_text(session_key, "session_key")
        _require_text(run_id, "run_id")
        timeout = self.settings.run_timeout if timeout is None else _finite_timeout(timeout)
        now = self.clock.now()
        cached = self.dedupe.get(run_id, now)
        if cached is not None:
            return cached
        if run_id in self.abort_controllers:
            return SendResult(run_id, "in_flight")
        entry = RegistryEntry(run_id, session_key, run_id, heartbeat)
        controller = AbortController(
            run_id, session_key, conn_id, now, self.settings.run_expiry(now, timeout)
        )
        self.state.registry[run_id] = entry
        self.abort_controllers[run_id] = controller
        if self._track is not None:
            self._track(entry)
            self._track(controller)
        result = SendResult(run_id, "started")
        self.dedupe.put(run_id, result, now)
        return result

    def dispatch_settled(self, run_id: str) -> None:
        """The provider stream of `run_id` finished or broke: drop its controller and chat link,
        whether or not a terminal event was seen (spec §2.7)."""
        self.abort_controllers.pop(run_id, None)
        self.state.registry.pop(run_id, None)

    def abort(
        self,
        run_id: str,
        *,
        conn_id: str,
        operator: bool = False,
        reason: str = "rpc",
        session_key: str | None = None,
    ) -> AbortResult:
        """`chat.abort` for one run (or a stop command with `reason="stop"`).

        Raises ProtocolError if `conn_id` does not own the run (and is not an operator) or the
        run belongs to another `session_key`. The caller stops the run's provider stream."""
        return self._aborter.abort(
            run_id, conn_id=conn_id, operator=operator, reason=reason, session_key=session_key
        )

    def abort_session(
        self, session_key: str, *, conn_id: str, operator: bool = False, reason: str = "rpc"
    ) -> AbortResult:
        """`chat.abort` without a run id: every run of the session this connection may stop;
        raises ProtocolError (FOREIGN_SESSION) when all its active runs are another's."""
        return self._aborter.abort_session(
            session_key, conn_id=conn_id, operator=operator, reason=reason
        )

    def runs_of_session(self, session_key: str) -> list[str]:
        """Active runs of a session (those that still have an abort controller)."""
        return [
            run_id
            for run_id, controller in self.abort_controllers.items()
            if controller.session_key == session_key
        ]

    # ---- timers ----------------------------------------------------------------------------

    def next_deadline(self) -> float:
        """Gateway time at which `advance()` has work to do.

        It only moves when `advance()` runs or a lifecycle event is handled (an error starts
        a grace timer; a later start or end cancels it)."""
        return min(self._next_sweep, self._next_tick, self._chat.next_error_at)

    def advance(self) -> TimerResult:
        """Run every timer that is due at the clock's current time, each once."""
        now = self.clock.now()
        result = TimerResult()
        if self._chat.next_error_at <= now:
            result.broadcasts.extend(self._chat.finalize_due_errors(now))
        if self._next_sweep <= now:
            broadcasts, timed_out = self._maintenance.sweep()
            result.broadcasts.extend(broadcasts)
            result.timed_out.extend(timed_out)
            self._next_sweep = _after(self._next_sweep, self.settings.maintenance_interval, now)
        if self._next_tick <= now:
            if self._audience is not None and self._audience(None):
                result.broadcasts.append(Broadcast("tick", {"ts": now}, None))
            self._next_tick = _after(self._next_tick, self.settings.tick_interval, now)
        return result

    # ---- inspection and shutdown -----------------------------------------------------------

    def run_maps(self) -> dict[str, dict[str, Any]]:
        """Every per-run map by name (`RUN_MAPS` order); live objects, do not mutate."""
        maps: dict[str, dict[str, Any]] = self.state.maps()
        maps["abort_controllers"] = self.abort_controllers
        return maps

    def memory_report(self) -> dict[str, Any]:
        """Entries and shallow bytes per map and per bounded cache, and live controllers."""
        caches = {"agent_run_seq": self.agent_run_seq, "dedupe": self.dedupe.entries()}
        return memory_report(self.run_maps(), caches, len(self.abort_controllers))

    def close(self) -> None:
        """Server close: forget everything, in both policies."""
        self.state.clear()
        self.abort_controllers.clear()
        self.agent_run_seq.clear()
        self.dedupe.clear()
        self._chat.forget_pending_errors()


def _finite_timeout(value: object) -> float:
    """An agent timeout as seconds: NaN would never expire (its controller would then guard
    the run's state from every sweep) and a huge integer would overflow the expiry sum."""
    if not isinstance(value, bool) and isinstance(value, int | float):
        seconds = float(value) if abs(value) < 1e300 else inf
        if 0 <= seconds < inf:
            return seconds
    raise ProtocolError(
        Refusal.INVALID_REQUEST, field="timeout", expected="a finite non-negative number"
    )


def _after(due: float, interval: float, now: float) -> float:
    """The next firing of a periodic timer that fired at or after `due`: strictly after `now`."""
    due += interval
    if due <= now:  # missed firings (a host that fell behind): skip them in one step
        due += (floor((now - due) / interval) + 1) * interval
        if due <= now:  # rounding
            due = now + interval
    return due
