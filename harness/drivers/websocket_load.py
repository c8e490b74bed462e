"""The workload, driven over WebSocket: runs drawn from the fault mix, sent by N clients.

Runs are drawn exactly as the embedded host draws them (`MockProvider.plan` and the arrival
draw, from one RNG seeded with the scenario's seed): the same seed gives the same run ids,
paths and flags in the same order. The client tells the server each run's behaviour (path,
flags, the workload's ranges), so the server streams the same kind of run. Arrivals follow the
workload's rate in gateway time (Poisson, like the embedded host) with at most `concurrency`
runs in flight across the connections (round-robin), so a stalled run holds its slot until it
times out. When the server cannot keep up with `rate` at this speed-up, runs start as slots
free up.

Runs that stream (all but the stalled timeout path) also take a `StreamCap` slot, which keeps
the server from falling so far behind the scaled clock that runs time out on their own.

A run is complete when its `run.settled` event arrives. On the abort path the client sends
`chat.abort` at the run's first assistant text (so the raw buffer exists, as mid-stream).
Run ids name their path (`provider.run_id_for`), so the server's surviving keys attribute
themselves.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

from leakbench.gateway_sim.client import GatewayClient
from leakbench.gateway_sim.clock import ScaledClock
from leakbench.gateway_sim.provider import MockProvider, RunPlan
from leakbench.gateway_sim.workload import Workload
from leakbench.harness.drivers.stream_cap import StreamCap

STALLS = "timeout"
"""The path whose runs stall: they hold a concurrency slot, not a stream slot."""


def behaviour_of(plan: RunPlan, workload: Workload) -> dict[str, Any]:
    """The `chat.send` behaviour that makes the server stream a run like `plan`."""
    return {
        "path": plan.path,
        "heartbeat": plan.heartbeat,
        "thinking": bool(plan.thinking_cuts),
        "terminal_lost": plan.terminal_lost,
        "reply_chars": list(workload.reply_chars),
        "chunks": list(workload.chunks),
        "chunk_interval": list(workload.chunk_interval),
    }


class WebSocketLoad:
    """Runs a workload against a listening gateway; every method runs on one event loop."""

    def __init__(
        self,
        url: str,
        workload: Workload,
        seed: int,
        *,
        clients: int,
        speedup: float,
        token: str | None = None,
        stretch_budget: float = math.inf,
    ) -> None:
        """`stretch_budget`: gateway seconds a run may take before the stream cap backs off
        (a fraction of the runs' expiry)."""
        self.url = url
        self.workload = workload
        self._token = token
        self._clients_wanted = clients
        self._speedup = speedup
        self._rng = random.Random(seed)
        self._provider = MockProvider(workload, self._rng)
        self.clients: list[GatewayClient] = []
        self.runs_started = 0
        self.runs_done = 0
        self.stretched: set[str] = set()
        """Runs not drawn on the timeout path that timed out all the same: the server fell so
        far behind its scaled clock that they outlived their expiry."""
        self.last_settled_at = 0.0
        """Gateway time at which the latest run settled (the drain counts from there)."""
        self._arrivals_open = True
        self._feeder: asyncio.Task[None] | None = None
        self._runs: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._failure: BaseException | None = None
        self._clock = ScaledClock(speedup)
        self._t0 = 0.0
        self._slots = asyncio.Semaphore(workload.concurrency)
        self.stream_cap = StreamCap(workload.concurrency, stretch_budget)

    # ---- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect every client; gateway time is read from the server's hello."""
        opened = await asyncio.gather(
            *(GatewayClient.open(self.url, token=self._token) for _ in range(self._clients_wanted)),
            return_exceptions=True,
        )
        self.clients = [c for c in opened if isinstance(c, GatewayClient)]
        failed = [c for c in opened if not isinstance(c, GatewayClient)]
        if failed:
            await self.close()
            raise failed[0]
        self._clock = ScaledClock(self._speedup)
        self._t0 = self.clients[0].hello["t_gateway"]

    async def close(self) -> None:
        """Stop starting runs, cancel those in flight, close every connection."""
        self._arrivals_open = False
        tasks = [*self._runs, *([self._feeder] if self._feeder else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)

    @property
    def finished(self) -> bool:
        """No run will start any more and every started run has settled."""
        return not self._arrivals_open and not self._runs

    def gateway_now(self) -> float:
        """The server's gateway time, as this side's scaled clock estimates it."""
        return self._t0 + self._clock.now()

    # ---- driving ---------------------------------------------------------------------------

    async def run_until(self, runs_done: int, gateway_time: float = math.inf) -> None:
        """Keep the workload going until `runs_done` runs completed, gateway time reached
        `gateway_time`, or the workload is finished."""
        if self._feeder is None:
            self._feeder = asyncio.get_running_loop().create_task(self._feed())
            self._feeder.add_done_callback(self._check)
        while self.runs_done < runs_done and not self.finished:
            wait = self._clock.wall_delay(gateway_time - self.gateway_now())
            if wait <= 0:
                break
            self._progress.clear()
            try:
                async with asyncio.timeout(None if math.isinf(wait) else wait):
                    await self._progress.wait()
            except TimeoutError:
                break
            finally:
                if self._failure is not None:
                    raise self._failure

    async def settle_all(self) -> None:
        """Stop starting runs and wait for those in flight."""
        self._arrivals_open = False
        if self._feeder is not None:
            self._feeder.cancel()
        while self._runs:
            await asyncio.gather(*self._runs, return_exceptions=True)
        if self._failure is not None:
            raise self._failure

    async def diagnostics(self, runs: bool = False) -> dict[str, Any]:
        return await self.clients[0].request("diagnostics.memory", {"runs": runs})

    async def _feed(self) -> None:
        workload, clock = self.workload, self._clock
        slots = self._slots
        next_arrival = 0.0
        while self._arrivals_open:
            await slots.acquire()
            await asyncio.sleep(clock.wall_delay(next_arrival - self.gateway_now()))
            now = self.gateway_now()
            if workload.duration is not None and now >= workload.duration:
                break
            index = self.runs_started
            self.runs_started += 1
            plan = self._provider.plan(index)
            if plan.path != STALLS:
                await self.stream_cap.acquire()
            client = self.clients[index % len(self.clients)]
            task = asyncio.get_running_loop().create_task(
                self._run(client, f"session-{index % len(self.clients)}", plan)
            )
            self._runs.add(task)
            task.add_done_callback(self._run_done)
            if workload.runs is not None and self.runs_started >= workload.runs:
                break
            next_arrival = now + self._rng.expovariate(workload.rate)
        self._arrivals_open = False
        self._progress.set()

    async def _run(self, client: GatewayClient, session_key: str, plan: RunPlan) -> None:
        watch = client.watch(plan.run_id)
        streaming = plan.path != STALLS
        try:
            params = {
                "session_key": session_key,
                "message": "hello",
                "idempotency_key": plan.run_id,
                "behaviour": behaviour_of(plan, self.workload),
            }
            await client.request("chat.send", params)
            if plan.path == "abort":
                await asyncio.wait(
                    (watch.first_text, watch.settled), return_when=asyncio.FIRST_COMPLETED
                )
                if not watch.settled.done():
                    await client.request(
                        "chat.abort", {"session_key": session_key, "run_id": plan.run_id}
                    )
            settled = await watch.settled
            if streaming:
                streaming = False
                self.stream_cap.release(settled["t_gateway"] - settled["started_at"])
        finally:
            client.forget(plan.run_id)
            if streaming:
                self.stream_cap.release()
        self.runs_done += 1
        if settled["cause"] == "timeout" and plan.path != STALLS:
            self.stretched.add(plan.run_id)
        self.last_settled_at = max(self.last_settled_at, settled["t_gateway"])
        self._progress.set()

    def _run_done(self, task: asyncio.Task[None]) -> None:
        self._runs.discard(task)
        self._slots.release()
        self._check(task)

    def _check(self, task: asyncio.Task[None]) -> None:
        """A run or the feeder failed (connection lost, request refused): stop and report it."""
        if not task.cancelled() and task.exception() is not None and self._failure is None:
            self._failure = task.exception()
            self._arrivals_open = False
        self._progress.set()
