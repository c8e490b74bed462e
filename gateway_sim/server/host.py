"""The gateway core hosted on asyncio and a scaled clock: provider streams and timers as tasks.

Rules of this module: it owns the `Gateway`, its `ScaledClock` and every task that feeds it,
and nothing about connections or frames (broadcasts go to the `deliver` callback, settled runs
to `settled`). Theory of operation:
- each run's mock provider stream is one task: it sleeps until each step is due on the scaled
  clock (due times add up the planned delays, so a busy loop does not stretch a run further)
  and feeds the event to `agent_event`; at its end it settles the dispatch. Steps already
  overdue are fed back to back (a few at a time, then other tasks run), as a late provider's
  burst would arrive, and the gateway's throttle and coalescing then merge them. A stall, or an
  abort run's wait for the client's `chat.abort`, holds the task until an abort or a timeout
  cancels it;
- one timer task sleeps until `next_deadline()` and calls `advance()`; the runs maintenance
  timed out have their stream task cancelled and their dispatch settled;
- a run settles exactly once (stream end, abort or timeout), through `_settle`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from leakbench.gateway_sim.broadcast import Audience, Broadcast
from leakbench.gateway_sim.clock import ScaledClock
from leakbench.gateway_sim.gateway import Gateway, SendResult
from leakbench.gateway_sim.policy import CleanupPolicy
from leakbench.gateway_sim.provider import CLIENT_ABORT, EVENT, SETTLE, STALL, MockProvider, RunPlan
from leakbench.gateway_sim.server.behaviour import ProviderPool
from leakbench.gateway_sim.settings import GatewaySettings

log = logging.getLogger(__name__)

Deliver = Callable[[list[Broadcast]], None]
Settled = Callable[["LiveRun", str], None]
"""`settled(run, cause)`; cause is `stream_end`, `abort` or `timeout`."""

_WAITING_STEPS = (CLIENT_ABORT, STALL)
OVERDUE_BURST = 8
"""Steps already due that a stream feeds back to back before it lets other tasks run."""


class LiveRun:
    """A run whose dispatch has not settled: its plan, owner and provider stream task."""

    __slots__ = ("conn_id", "plan", "session_key", "started_at", "task")

    def __init__(self, plan: RunPlan, conn_id: str, session_key: str, started_at: float) -> None:
        self.plan = plan
        self.conn_id = conn_id
        self.session_key = session_key
        self.started_at = started_at
        """Gateway time of its `chat.send`."""
        self.task: asyncio.Task[None] | None = None


class AsyncHost:
    """Runs the gateway in real (scaled) time; start it inside a running event loop."""

    def __init__(
        self,
        settings: GatewaySettings,
        policy: CleanupPolicy,
        speedup: float,
        seed: int,
        *,
        audience: Audience,
        deliver: Deliver,
        settled: Settled,
        on_crash: Callable[[BaseException], None],
    ) -> None:
        self.clock = ScaledClock(speedup)
        self.gateway = Gateway(
            self.clock,
            settings,
            policy,
            audience=audience,
            drop_synthetic_end=self._synthetic_end_lost,
        )
        self.runs: dict[str, LiveRun] = {}
        self.runs_started = 0
        self.runs_settled = 0
        self.providers = ProviderPool(seed)
        """The mock providers of the behaviours clients asked for (a bounded cache)."""
        self._deliver = deliver
        self._settled = settled
        self._on_crash = on_crash
        self._wake = asyncio.Event()
        self._timer_due = 0.0
        self._timer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._timer = self._spawn(self._run_timers())

    async def close(self) -> None:
        """Stop every task, then forget all state (server close, both policies)."""
        tasks = [live.task for live in self.runs.values() if live.task is not None]
        if self._timer is not None:
            tasks.append(self._timer)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.runs.clear()
        self.gateway.close()

    # ---- requests --------------------------------------------------------------------------

    def send(
        self,
        conn_id: str,
        session_key: str,
        run_id: str,
        behaviour: object,
        timeout: float | None,
    ) -> SendResult:
        """`chat.send`: start the run and its provider stream, unless the key is a repeat."""
        plan, provider = self.providers.plan(run_id, behaviour)
        result = self.gateway.chat_send(
            conn_id, session_key, run_id, timeout=timeout, heartbeat=plan.heartbeat
        )
        fresh = run_id not in self.runs and run_id in self.gateway.abort_controllers
        if result.status == "started" and fresh:
            live = LiveRun(plan, conn_id, session_key, self.clock.now())
            self.runs[run_id] = live
            self.runs_started += 1
            live.task = self._spawn(self._stream(live, provider))
        return result

    def abort(
        self, conn_id: str, session_key: str, run_id: str | None, *, operator: bool
    ) -> list[str]:
        """`chat.abort`: the runs stopped (raises ProtocolError for a run not this caller's)."""
        gateway = self.gateway
        if run_id is None:
            before = set(gateway.runs_of_session(session_key))
            result = gateway.abort_session(session_key, conn_id=conn_id, operator=operator)
            stopped = sorted(before - set(gateway.runs_of_session(session_key)))
        else:
            result = gateway.abort(
                run_id, conn_id=conn_id, operator=operator, session_key=session_key
            )
            stopped = [run_id] if result.aborted else []
        self._deliver(result.broadcasts)
        for stopped_id in stopped:
            self._stop(stopped_id, "abort")
        return stopped

    # ---- provider streams ------------------------------------------------------------------

    async def _stream(self, live: LiveRun, provider: MockProvider) -> None:
        clock, gateway = self.clock, self.gateway
        run_id = live.plan.run_id
        due = clock.now()
        burst = 0
        for delay, kind, stream, seq, data in provider.steps(live.plan):
            due += delay
            wait = clock.wall_delay(due - clock.now())
            burst += 1
            if wait > 0 or burst >= OVERDUE_BURST:
                await asyncio.sleep(wait)
                burst = 0
            if kind == EVENT:
                assert stream is not None and data is not None
                self._deliver(gateway.agent_event(run_id, stream, seq, data))
                if stream == "lifecycle" and gateway.next_deadline() < self._timer_due:
                    self._wake.set()
            elif kind in _WAITING_STEPS:
                await asyncio.get_running_loop().create_future()  # until abort or timeout
            elif kind == SETTLE:
                self._settle(live, "stream_end")

    def _stop(self, run_id: str, cause: str) -> None:
        """An abort or timeout ended the run: stop its stream, settle its dispatch."""
        live = self.runs.get(run_id)
        if live is None:
            return
        if live.task is not None:
            live.task.cancel()
        self._settle(live, cause)

    def _settle(self, live: LiveRun, cause: str) -> None:
        self.gateway.dispatch_settled(live.plan.run_id)
        del self.runs[live.plan.run_id]
        self.runs_settled += 1
        self._settled(live, cause)

    def _synthetic_end_lost(self, run_id: str) -> bool:
        live = self.runs.get(run_id)
        return live is not None and live.plan.terminal_lost

    # ---- timers ----------------------------------------------------------------------------

    async def _run_timers(self) -> None:
        clock, gateway = self.clock, self.gateway
        while True:
            self._timer_due = gateway.next_deadline()
            wait = clock.wall_delay(self._timer_due - clock.now())
            if wait > 0:
                self._wake.clear()
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                continue
            result = gateway.advance()
            self._deliver(result.broadcasts)
            for run_id in result.timed_out:
                self._stop(run_id, "timeout")

    # ---- task bookkeeping ------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        task.add_done_callback(self._check_task)
        return task

    def _check_task(self, task: asyncio.Task[None]) -> None:
        """A task that failed is a bug in the simulator: crash loudly rather than hang a run."""
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("gateway task failed", exc_info=error)
            self._on_crash(error)
