"""Generated frames and request params against one live server (issue 11): every request with
an id is answered, the server never logs a traceback, and it still serves a well-behaved
client afterwards. Beside the fuzz a well-behaved client (a process of its own) sends a
`chat.send` every 100 ms and its latencies are recorded; the server's RSS is read before and
after.

The 10,000-example run is `pytest -m soak -s tests/test_gateway_fuzz.py`: there the RSS
(within RSS_SLACK of the start) and the well-behaved client's latency (every request under
LATENCY_BOUND_S) are the acceptance itself, and the figures are printed (BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_gateway_server import TOKEN
from websockets.asyncio.client import connect

from leakbench.gateway_sim.client import GatewayClient
from leakbench.gateway_sim.server.spawn import spawn_server

PROBE_INTERVAL_S = 0.1
LATENCY_BOUND_S = 0.050
RSS_SLACK = 8 * 2**20
"""'A few MB': the end RSS may exceed the start by this much (allocator arenas kept)."""
SETTLE_S = 3.0
"""After the fuzz, for the runs it started to end and the sweeps to run (at speedup 1000)."""

METHODS = st.sampled_from(["connect", "chat.send", "chat.abort", "diagnostics.memory", "x"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
BEHAVIOUR = st.fixed_dictionaries(
    {},
    optional={
        "path": st.sampled_from(["normal", "abort", "timeout", "nope"]) | VALUES,
        "reply_chars": VALUES | st.integers(0, 10**7),
        "chunks": VALUES | st.integers(0, 10**7),
        "chunk_interval": VALUES | st.floats(),
        "heartbeat": VALUES,
        "thinking": VALUES,
        "terminal_lost": VALUES,
    },
)
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "token": st.just(TOKEN) | VALUES,
        "session_key": st.text(max_size=300) | VALUES,
        "message": VALUES,
        "idempotency_key": st.text(min_size=1, max_size=300) | VALUES,
        "run_id": VALUES,
        "timeout": VALUES,
        "behaviour": BEHAVIOUR | VALUES,
        "runs": VALUES,
    },
)
REQUESTS = st.builds(
    lambda request_id, method, params: {
        "type": "req",
        "id": request_id,
        "method": method,
        "params": params,
    },
    st.integers(0, 10**6),
    METHODS,
    PARAMS,
)


async def _exchange(url: str, frames: list[dict[str, Any]]) -> None:
    async with connect(url, max_size=None) as ws:
        await ws.send(
            json.dumps({"type": "req", "id": -1, "method": "connect", "params": {"token": TOKEN}})
        )
        for frame in frames:
            await ws.send(json.dumps(frame))  # Python writes NaN/Infinity literals: also tried
        answered = 0
        while answered < len(frames) + 1:  # every frame here has an id: each gets one `res`
            reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if reply["type"] != "res":
                continue
            assert isinstance(reply["ok"], bool)
            answered += 1
            if reply.get("error", {}).get("code") == "UNAUTHORIZED":
                return  # a bad token in a repeated connect closes the connection, by design


@dataclass
class Figures:
    """What one fuzz run measured."""

    examples: int = 0
    frames: int = 0
    rss_start: int = 0
    rss_end: int = 0
    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    log: str = ""

    def line(self) -> str:
        ms = sorted(1000 * x for x in self.latencies)
        p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))] if ms else float("nan")
        return (
            f"{self.examples} examples, {self.frames} frames; server RSS "
            f"{self.rss_start / 2**20:.1f} -> {self.rss_end / 2**20:.1f} MiB; well-behaved "
            f"client {len(ms)} requests, latency p50 {statistics.median(ms) if ms else 0:.1f} "
            f"ms, p99 {p99:.1f} ms, max {max(ms, default=0):.1f} ms; wall {self.wall_s:.0f} s"
        )


async def _probe(url: str, stopping: Any, latencies: list[float], ready: Any) -> None:
    client = await GatewayClient.open(url, token=TOKEN)
    try:
        for n in range(10**9):
            if stopping.is_set():
                return
            params = {
                "session_key": "well-behaved",
                "message": "hi",
                "idempotency_key": f"probe-{n}",
                "behaviour": {"reply_chars": 40, "chunks": 2},
            }
            started = time.perf_counter()
            reply = await client.request("chat.send", params)
            latencies.append(time.perf_counter() - started)
            assert reply["status"] == "started", reply
            ready.set()
            await asyncio.sleep(PROBE_INTERVAL_S)
    finally:
        await client.close()


def _well_behaved_client(url: str, stopping: Any, ready: Any, results: Any) -> None:
    """One connection beside the fuzz, a small `chat.send` every PROBE_INTERVAL_S, the time to
    each answer sent back: a process of its own, so that neither the fuzz's event loop nor the
    test's GIL (hypothesis drawing a frame) delays it, only the server."""
    latencies: list[float] = []
    try:
        asyncio.run(_probe(url, stopping, latencies, ready))
        results.put((latencies, None))
    except BaseException as exc:  # reported in the test's process
        results.put((latencies, repr(exc)))
        ready.set()


@contextmanager
def _server() -> Iterator[tuple[str, psutil.Process, Path]]:
    """A server at speedup 1000 with its stderr in a file; SIGTERM must stop it cleanly."""
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "server.log"
        with open(log, "wb") as stderr:
            process, url = spawn_server(
                ["--port", "0", "--speedup", "1000", "--token", TOKEN], stderr=stderr
            )
            try:
                yield url, psutil.Process(process.pid), log
            finally:
                process.send_signal(signal.SIGTERM)
                try:
                    status = process.wait(timeout=10)
                except Exception:
                    process.kill()
                    raise
        assert status == 0, log.read_text(errors="replace")


def _fuzz(max_examples: int) -> Figures:
    figures = Figures()
    began = time.perf_counter()
    with _server() as (url, server, log):
        spawn = multiprocessing.get_context("spawn")
        stopping, ready, results = spawn.Event(), spawn.Event(), spawn.Queue()
        probe = spawn.Process(target=_well_behaved_client, args=(url, stopping, ready, results))
        probe.start()
        assert ready.wait(60), "the well-behaved client never got an answer"
        figures.rss_start = server.memory_info().rss

        @settings(
            max_examples=max_examples,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.lists(REQUESTS, min_size=1, max_size=5))
        def check(frames: list[dict[str, Any]]) -> None:
            figures.examples += 1
            figures.frames += len(frames)
            asyncio.run(_exchange(url, frames))

        try:
            check()
        finally:
            stopping.set()
            latencies, error = results.get(timeout=60)
            probe.join(30)
        assert error is None, error
        figures.latencies = latencies

        async def still_serves() -> None:
            async with connect(url) as ws:
                await ws.send(
                    json.dumps(
                        {"type": "req", "id": 1, "method": "connect", "params": {"token": TOKEN}}
                    )
                )
                assert json.loads(await ws.recv())["ok"]

        asyncio.run(still_serves())
        time.sleep(SETTLE_S)
        figures.rss_end = server.memory_info().rss
        figures.log = log.read_text(errors="replace")
    figures.wall_s = time.perf_counter() - began
    assert "Traceback" not in figures.log, figures.log[-4000:]
    return figures


def test_generated_frames_are_all_answered_and_the_server_survives() -> None:
    figures = _fuzz(50)
    assert figures.examples == 50
    assert figures.latencies  # the well-behaved client was answered throughout


@pytest.mark.soak
@pytest.mark.timeout(4 * 3600)  # 10,000 examples outlast the default 300 s
def test_ten_thousand_generated_frames() -> None:
    figures = _fuzz(10_000)
    print(f"\ngateway fuzz: {figures.line()}")
    assert figures.rss_end - figures.rss_start < RSS_SLACK, figures.line()
    assert max(figures.latencies) < LATENCY_BOUND_S, figures.line()
