"""The embedded host: the gateway core driven by a discrete-event loop on a virtual clock.

Rules of this module: gateway time jumps straight from one event to the next (provider steps,
run arrivals, the gateway's own timers, whichever is earliest; timers first on a tie), so hours
of gateway time pass in seconds; all randomness comes from one `random.Random(seed)` drawn in
event order, so a seed always gives the same events, broadcasts and memory report. The host
keeps nothing per finished run (run ids carry their path), so the process it runs in measures
the gateway and not the host.

Drain: after the workload, `drain()` first lets the runs still in flight settle (a stalled run
settles when maintenance aborts it, at the first sweep at or after its controller's
`expires_at`), at time T. No per-run entry is written after T, and every entry is removed at the
first sweep more than its TTL after its last stamp, which comes at most one maintenance interval
after T + TTL. So the drain ends at

    T + max(stale_ttl, aborted_ttl, dedupe_ttl, error_grace) + maintenance_interval

after which, under the fixed policy, every per-run map is empty on every path; whatever a map
still holds then is a leak.
"""

from __future__ import annotations

import random
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from itertools import count
from math import inf
from typing import Any

from leakbench.gateway_sim.broadcast import Broadcast
from leakbench.gateway_sim.clock import VirtualClock
from leakbench.gateway_sim.gateway import Gateway
from leakbench.gateway_sim.policy import CleanupPolicy
from leakbench.gateway_sim.provider import (
    CLIENT_ABORT,
    EVENT,
    SETTLE,
    STALL,
    MockProvider,
    RunPlan,
    Step,
    path_of_run,
)
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.state import run_of_agent_key
from leakbench.gateway_sim.workload import Workload


class _LiveRun:
    """A run in flight: its plan, its remaining steps and the connection that owns it."""

    __slots__ = ("cancelled", "conn_id", "plan", "steps")

    def __init__(self, plan: RunPlan, steps: Iterator[Step], conn_id: str) -> None:
        self.plan = plan
        self.steps = steps
        self.conn_id = conn_id
        self.cancelled = False


def _stall(_live: _LiveRun) -> None:
    """A stalled run waits, holding its slot, until maintenance aborts it for timeout."""


def _everyone(_session_key: str | None) -> bool:
    return True


class EmbeddedHost:
    """Runs a workload against one gateway, in steps the harness can sample between."""

    def __init__(
        self,
        settings: GatewaySettings | None,
        policy: CleanupPolicy,
        workload: Workload,
        seed: int = 0,
        *,
        broadcast_sink: Callable[[Broadcast], None] | None = None,
        track_objects: bool = True,
    ) -> None:
        """`broadcast_sink` receives every broadcast (as if every session had a subscriber);
        without it no broadcast is built. `track_objects` enables `live_run_objects()`."""
        self.workload = workload
        self.clock = VirtualClock()
        self._rng = random.Random(seed)
        self._provider = MockProvider(workload, self._rng)
        self._sink = broadcast_sink
        self._objects: weakref.WeakSet[Any] | None = weakref.WeakSet() if track_objects else None
        self.gateway = Gateway(
            self.clock,
            settings,
            policy,
            audience=_everyone if broadcast_sink is not None else None,
            drop_synthetic_end=self._synthetic_end_lost,
            track_object=self._objects.add if self._objects is not None else None,
        )
        self.settings = self.gateway.settings
        self._heap: list[tuple[float, int, _LiveRun, Step]] = []
        self._order = count()
        self._inflight: dict[str, _LiveRun] = {}
        self._arrivals_open = True
        self._next_arrival = 0.0
        self._drain_end: float | None = None
        self._end_steps: dict[str, Callable[[_LiveRun], None]] = {
            CLIENT_ABORT: self._client_abort,
            SETTLE: self._settle,
            STALL: _stall,
        }
        self.runs_started = 0
        self.runs_done = 0
        self.terminal_losses: Counter[str] = Counter()
        """Runs per path whose terminal event (real or synthetic) was planned to be lost."""

    # ---- progress --------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Gateway seconds since the host started."""
        return self.clock.t

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    @property
    def finished(self) -> bool:
        """No run will start any more and every started run has settled."""
        return not self._arrivals_open and not self._inflight

    @property
    def drained(self) -> bool:
        return self._drain_end is not None and self.clock.t >= self._drain_end

    def advance(self, runs: int) -> None:
        """Run until `runs` more runs have completed (settled), or the workload is finished."""
        self._run(self.runs_done + runs, inf)

    def drain(self, max_seconds: float | None = None) -> bool:
        """Stop starting runs and let gateway time pass to the drain end (module docstring).

        With `max_seconds`, move at most that much gateway time (so a caller can sample along
        the way); returns True once the drain is complete.
        """
        self._arrivals_open = False
        limit = inf if max_seconds is None else self.clock.t + max_seconds
        if self._inflight:
            self._run(inf, limit)
            if self._inflight:
                return False
        if self._drain_end is None:
            self._drain_end = self.clock.t + self.settings.drain_horizon()
        target = min(limit, self._drain_end)
        while self.gateway.next_deadline() <= target:
            self.clock.t = self.gateway.next_deadline()
            self._fire_timers()
        self.clock.t = max(self.clock.t, target)
        return self.drained

    # ---- what the gateway holds ------------------------------------------------------------

    def memory_report(self) -> dict[str, Any]:
        """`{"state": {map: {entries, bytes}}, "caches": {...}, "controllers": n}`."""
        return self.gateway.memory_report()

    def retained_by_path(self) -> dict[str, dict[str, int]]:
        """Entries per path and map, for the maps and paths that hold any."""
        found: dict[str, Counter[str]] = {}
        for name, entries in self.gateway.run_maps().items():
            for key in entries:
                path = path_of_run(run_of_agent_key(key))
                found.setdefault(path, Counter())[name] += 1
        return {path: dict(maps) for path, maps in sorted(found.items())}

    def live_run_objects(self) -> dict[str, int]:
        """Per path, the per-run objects the core created that are still alive (weak refs)."""
        if self._objects is None:
            raise RuntimeError("object tracking is off (EmbeddedHost(track_objects=False))")
        return dict(sorted(Counter(path_of_run(obj.run_id) for obj in self._objects).items()))

    # ---- the event loop --------------------------------------------------------------------

    def _run(self, done_target: float, time_limit: float) -> None:
        """Process events in time order until `done_target` runs settled, `time_limit` is
        reached, or nothing is in flight and nothing will start.

        On equal times a gateway timer goes first, then provider steps, then a new run. The
        inner loop streams provider events while neither a timer nor an arrival is due; it
        hands back to the outer loop after anything that can move those (a settled run, a
        lifecycle event), which recomputes them.
        """
        heap, clock, inflight = self._heap, self.clock, self._inflight
        next_deadline = self.gateway.next_deadline
        agent_event = self.gateway.agent_event
        concurrency = self.workload.concurrency
        sink = self._sink
        order = self._order
        while self.runs_done < done_target and (inflight or self._arrivals_open):
            t_timer = next_deadline()
            t_arrival = inf
            if self._arrivals_open and len(inflight) < concurrency:
                t_arrival = max(self._next_arrival, clock.t)
            events_until = min(t_arrival, time_limit)
            while heap and heap[0][0] < t_timer and heap[0][0] <= events_until:
                t, _, live, step = heappop(heap)
                if live.cancelled:
                    continue
                clock.t = t
                if step[1] != EVENT:
                    self._end_step(live, step[1])
                    break
                broadcasts = agent_event(live.plan.run_id, step[2], step[3], step[4])
                if sink is not None:
                    for broadcast in broadcasts:
                        sink(broadcast)
                following = next(live.steps, None)
                if following is not None:
                    heappush(heap, (t + following[0], next(order), live, following))
                if step[2] == "lifecycle":
                    break
            else:
                if t_timer <= t_arrival:
                    if t_timer > time_limit:
                        return
                    clock.t = t_timer
                    self._fire_timers()
                else:
                    if t_arrival > time_limit:
                        return
                    clock.t = t_arrival
                    self._start_run()

    def _start_run(self) -> None:
        workload, now = self.workload, self.clock.t
        if workload.duration is not None and now >= workload.duration:
            self._arrivals_open = False
            return
        index = self.runs_started
        self.runs_started += 1
        plan = self._provider.plan(index)
        if plan.terminal_lost:
            self.terminal_losses[plan.path] += 1
        slot = index % workload.concurrency
        conn_id = f"conn-{slot}"
        self.gateway.chat_send(conn_id, f"session-{slot}", plan.run_id, heartbeat=plan.heartbeat)
        live = _LiveRun(plan, self._provider.steps(plan), conn_id)
        self._inflight[plan.run_id] = live
        first = next(live.steps)
        heappush(self._heap, (now + first[0], next(self._order), live, first))
        if workload.runs is not None and self.runs_started >= workload.runs:
            self._arrivals_open = False
        else:
            self._next_arrival = now + self._rng.expovariate(workload.rate)

    def _end_step(self, live: _LiveRun, kind: str) -> None:
        """The non-event steps: the client aborts, the provider stalls, or the dispatch settles."""
        self._end_steps[kind](live)

    def _client_abort(self, live: _LiveRun) -> None:
        result = self.gateway.abort(live.plan.run_id, conn_id=live.conn_id)
        self._deliver(result.broadcasts)
        self._settle(live)

    def _fire_timers(self) -> None:
        result = self.gateway.advance()
        self._deliver(result.broadcasts)
        for run_id in result.timed_out:
            live = self._inflight.get(run_id)
            if live is not None:
                live.cancelled = True
                self._settle(live)

    def _settle(self, live: _LiveRun) -> None:
        self.gateway.dispatch_settled(live.plan.run_id)
        del self._inflight[live.plan.run_id]
        self.runs_done += 1

    def _deliver(self, broadcasts: list[Broadcast]) -> None:
        if self._sink is not None:
            for broadcast in broadcasts:
                self._sink(broadcast)

    def _synthetic_end_lost(self, run_id: str) -> bool:
        live = self._inflight.get(run_id)
        return live is not None and live.plan.terminal_lost
