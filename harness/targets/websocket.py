"""The built-in gateway as a real WebSocket server on loopback, driven by concurrent clients.

The server (`python -m leakbench.gateway_sim serve`) is its own process on a scaled clock
(gateway time = wall time x `speedup`), started with the scenario's settings and policy and a
random token. The clients (`harness.drivers.websocket_load`) run here on an asyncio loop in a
background thread, so they keep reading events between the runner's steps, and the workload runs
freely: a step
waits until about `expected_runs / 300` more runs completed, then asks the server for
`diagnostics.memory`. Unlike the embedded target, the load does not pause while the runner
samples.

Drain: after the last run settled at gateway time T, wall time passes until the server's
gateway time is past T + the drain horizon the embedded host uses too
(`GatewaySettings.drain_horizon()`); `diagnostics.memory {runs: true}` then names the keys
every per-run map still holds, and run ids carry their path. Heap censuses are not taken
(`checkpoint` is None): a census pauses the server's event loop, and on a scaled clock a pause
is gateway time that would expire the runs in flight.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import subprocess
import sys
import threading
from collections import Counter, deque
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from websockets.exceptions import ConnectionClosed

from leakbench.gateway_sim.client import RequestFailed
from leakbench.gateway_sim.provider import path_of_run
from leakbench.gateway_sim.server.spawn import ServerDidNotStart, spawn_server
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.state import run_of_agent_key
from leakbench.gateway_sim.workload import Workload
from leakbench.harness.drivers.websocket_load import WebSocketLoad
from leakbench.harness.errors import TargetFailed
from leakbench.harness.scenario import Scenario
from leakbench.harness.scenario.model import GatewayTarget
from leakbench.harness.targets.base import (
    SAMPLES_PER_RUN,
    ChildProcessTarget,
    DrainResult,
    StepResult,
)
from leakbench.harness.targets.process_exit import describe_exit

START_TIMEOUT_S = 30.0
STEP_TIMEOUT_S = 120.0
STOP_GRACE_S = 5.0
CLIENT_BUFFER_LIMIT = 64 << 20
"""Send buffer the server allows our clients: their load is bounded by the stream cap, so a
moment of lag in this process must not get them closed as slow consumers."""
MIN_STEP_WALL_S = 0.02
"""Time-based steps are at least this far apart (a sample costs the server milliseconds)."""
STDERR_LINES = 20
STRETCH_FRACTION = 0.1
"""A run may take this fraction of its expiry before the clients back off (StreamCap)."""
TIMEOUT_PATH = "timeout"
SAMPLE_FIELDS = (
    "state",
    "caches",
    "cache_bytes",
    "controllers",
    "heap_blocks",
    "gc_objects",
    "gc_counts",
    "malloc",
)
"""What `diagnostics.memory` measures that goes into a sample (docs/run-dir.md)."""

T = TypeVar("T")


def retained_by_path(
    run_keys: dict[str, list[str]], timed_out: set[str] = frozenset()
) -> dict[str, dict[str, int]]:
    """Entries per path and map, from the keys each map holds (as `EmbeddedHost` counts them).

    A run in `timed_out` is attributed to the timeout path it actually took, whatever it was
    drawn as."""
    found: dict[str, Counter[str]] = {}
    for name, keys in run_keys.items():
        for key in keys:
            run_id = run_of_agent_key(key)
            path = TIMEOUT_PATH if run_id in timed_out else path_of_run(run_id)
            found.setdefault(path, Counter())[name] += 1
    return {path: dict(maps) for path, maps in sorted(found.items())}


def _workload(config: dict[str, Any]) -> Workload:
    values = dict(config["workload"])
    for key in ("reply_chars", "chunks", "chunk_interval"):
        values[key] = tuple(values[key])
    return Workload(**values)


class WebSocketTarget(ChildProcessTarget):
    """Starts the gateway server, drives the workload through it, drains and reports."""

    transport = "websocket"

    def __init__(self, scenario: Scenario, config: dict[str, Any], expected_runs: int) -> None:
        target = scenario.target
        assert isinstance(target, GatewayTarget)
        self._speedup = target.speedup
        self._clients = target.clients
        super().__init__(expected_runs)
        self._config = config
        self._settings = GatewaySettings.from_dict(config["settings"])
        self._workload = _workload(config)
        self._runs_per_step = max(1, math.ceil(max(1, expected_runs) / SAMPLES_PER_RUN))
        self._next_mark = 0
        self._next_time = 0.0
        self._time_per_step = max(
            (self._workload.duration or math.inf) / SAMPLES_PER_RUN,
            MIN_STEP_WALL_S * self._speedup,
        )
        self._token = secrets.token_urlsafe(16)
        self._stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
        self._stderr_reader: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._load: WebSocketLoad | None = None

    # ---- start -----------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._process, url = spawn_server(self._server_args(), stderr=subprocess.PIPE)
        except ServerDidNotStart as exc:
            self._process = exc.process
            self._read_stderr()
            raise TargetFailed(
                f"gateway server did not start: {self.exit_status()}", reason="target-refused"
            ) from None
        self._read_stderr()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="websocket-load", daemon=True
        )
        self._thread.start()
        try:
            self._load = self._call(self._open(url), START_TIMEOUT_S, "connect")
        except TargetFailed as exc:
            raise TargetFailed(str(exc), reason="target-refused") from None

    def _server_args(self) -> list[str]:
        config = self._config
        args = [
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--policy",
            config["policy"],
            "--speedup",
            repr(self._speedup),
            "--seed",
            str(config["seed"]),
            "--settings-json",
            json.dumps(config["settings"]),
            "--token",
            self._token,
            "--operator-token",  # the harness started this server: it operates it (run_keys)
            self._token,
            "--send-buffer-limit",
            str(CLIENT_BUFFER_LIMIT),
            "--objects" if config.get("objects", True) else "--no-objects",
        ]
        for name, value in (config.get("policy_flags") or {}).items():
            args += ["--policy-flag", f"{name}={str(value).lower()}"]
        return args

    async def _open(self, url: str) -> WebSocketLoad:
        load = WebSocketLoad(
            url,
            self._workload,
            self._config["seed"],
            clients=self._clients,
            speedup=self._speedup,
            token=self._token,
            stretch_budget=STRETCH_FRACTION * self._expiry(),
        )
        await load.open()
        return load

    # ---- steps and drain -------------------------------------------------------------------

    def step(self) -> StepResult:
        """About `expected_runs / 300` more runs, or for a duration workload a 300th of the
        duration in gateway time if that comes first (the server may not keep the rate)."""
        self._next_mark += self._runs_per_step
        self._next_time += self._time_per_step
        step = self._step(self._next_mark, self._next_time)
        return self._as_step(self._call(step, self._step_timeout(), "step"))

    async def _step(self, mark: int, until: float) -> dict[str, Any]:
        assert self._load is not None
        await self._load.run_until(mark, until)
        self._finished = self._load.finished
        return await self._load.diagnostics()

    def drain(self) -> DrainResult:
        reply, drained = self._call(self._drain(), self._drain_timeout(), "drain")
        assert self._load is not None
        stretched = self._load.stretched
        if stretched:
            print(
                f"warning: {len(stretched)} run(s) timed out that were not drawn to: the gateway "
                f"server fell behind its scaled clock (lower target.speedup, now "
                f"{self._speedup:g}); their state is attributed to the timeout path",
                file=sys.stderr,
            )
        return DrainResult(
            step=self._as_step(reply),
            retained_by_path=retained_by_path(reply.get("run_keys", {}), stretched),
            live_run_objects=None,
            drained_gateway_s=drained,
        )

    async def _drain(self) -> tuple[dict[str, Any], float]:
        """Let every run settle, then gateway time pass the drain horizon (module docstring)."""
        load = self._load
        assert load is not None
        await load.settle_all()
        until = load.last_settled_at + self._settings.drain_horizon()
        started = now = (await load.diagnostics())["t_gateway"]
        while now < until:
            await asyncio.sleep((until - now) / self._speedup)
            now = (await load.diagnostics())["t_gateway"]
        final = await load.diagnostics(runs=True)
        return final, final["t_gateway"] - started

    def _expiry(self) -> float:
        """Gateway seconds from a run's start to its controller's expiry."""
        return self._settings.run_expiry(0.0, self._settings.run_timeout)

    def _step_timeout(self) -> float:
        """Wall seconds a step may take: a stalled run holds its slot until its expiry."""
        arrivals = self._runs_per_step / self._workload.rate
        return STEP_TIMEOUT_S + 2 * (self._expiry() + arrivals) / self._speedup

    def _drain_timeout(self) -> float:
        settings = self._settings
        horizon = settings.drain_horizon() + settings.maintenance_interval
        return STEP_TIMEOUT_S + 2 * (self._expiry() + horizon) / self._speedup

    @staticmethod
    def _as_step(reply: dict[str, Any]) -> StepResult:
        inside = {key: reply[key] for key in SAMPLE_FIELDS if key in reply}
        return StepResult(reply["runs_settled"], reply["t_gateway"], inside)

    # ---- the bridge to the client loop -----------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float, what: str) -> T:
        """Run `coroutine` on the client loop; server trouble becomes TargetFailed."""
        assert self._loop is not None
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            if future.done():
                raise
            future.cancel()
            raise TargetFailed(
                f"gateway server hung: {what} did not complete within {timeout:.0f}s",
                reason="target-hung",
            ) from None
        except (ConnectionClosed, OSError, RequestFailed) as exc:
            status = self.exit_status()  # waits a moment: a dying server drops its sockets first
            assert self._process is not None
            if self._process.returncode is not None:
                raise TargetFailed(f"gateway server died: {status}") from None
            raise TargetFailed(f"gateway server failed during {what}: {exc}") from None

    # ---- stop ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Close the clients, SIGTERM the server, SIGKILL it after a grace; idempotent."""
        loop, self._loop = self._loop, None
        if loop is not None:
            if self._load is not None:
                closing = asyncio.run_coroutine_threadsafe(self._load.close(), loop)
                try:
                    closing.result(STOP_GRACE_S)
                except Exception:
                    closing.cancel()
            loop.call_soon_threadsafe(loop.stop)
            assert self._thread is not None
            self._thread.join(STOP_GRACE_S)
            if not self._thread.is_alive():
                loop.close()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()

    def exit_status(self) -> str | None:
        """How the server ended, with its last stderr line (its error) when it failed."""
        if self._process is None:
            return None
        status = describe_exit(self._process)
        if self._process.returncode is not None and self._stderr_reader is not None:
            self._stderr_reader.join(STOP_GRACE_S)  # it ends at the dead server's end of file
        lines = [line.strip() for line in self._stderr_tail if line.strip()]
        if self._process.returncode and lines:
            status += f": {lines[-1]}"
        return status

    def _read_stderr(self) -> None:
        self._stderr_reader = threading.Thread(
            target=self._keep_stderr_tail, name="websocket-server-stderr", daemon=True
        )
        self._stderr_reader.start()

    def _keep_stderr_tail(self) -> None:
        """Drain the server's stderr (so it never blocks), keeping its last lines for errors."""
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr_tail.append(line)
