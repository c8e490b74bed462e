"""`python -m leakbench.gateway_sim serve` over a real loopback connection (spec §6, design §8)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from leakbench.gateway_sim.client import GatewayClient, RequestFailed, RunWatch
from leakbench.gateway_sim.server.spawn import spawn_server

TOKEN = "s3cret"
OPERATOR = "op-token"
SPEEDUP = 1000.0
SHORT_TTLS = {
    "maintenance_interval": 10,
    "stale_ttl": 60,
    "aborted_ttl": 60,
    "dedupe_ttl": 60,
    "error_grace": 5,
    "tick_interval": 10,
}
"""Every TTL about a minute, so that at 1000x the drain horizon passes in a tenth of a second."""


@contextmanager
def serving(*args: str) -> Iterator[str]:
    """A server on a free loopback port; on exit SIGTERM must stop it cleanly (status 0)."""
    process, url = spawn_server(["--port", "0", *args])
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert status == 0


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=30))


@pytest.fixture(scope="module")
def legacy_url() -> Iterator[str]:
    """Shared by the tests that only look at their own runs."""
    with serving(
        "--policy",
        "legacy",
        "--speedup",
        str(SPEEDUP),
        "--token",
        TOKEN,
        "--operator-token",
        OPERATOR,
    ) as url:
        yield url


async def start_run(
    client: GatewayClient, run_id: str, session: str = "s1", **behaviour: Any
) -> RunWatch:
    watch = client.watch(run_id)
    reply = await client.request(
        "chat.send",
        {
            "session_key": session,
            "message": "hi",
            "idempotency_key": run_id,
            "behaviour": behaviour,
        },
    )
    assert reply == {"run_id": run_id, "status": "started"}
    return watch


def replay(chat: list[dict[str, Any]]) -> str:
    """The text a client shows after applying a run's chat deltas in order."""
    text = ""
    for event in chat:
        if event["state"] == "delta":
            text = event["delta_text"] if event.get("replace") else text + event["delta_text"]
    return text


def test_it_binds_loopback_and_says_where(legacy_url: str) -> None:
    assert legacy_url.startswith("ws://127.0.0.1:")


def test_a_run_streams_deltas_then_its_final(legacy_url: str) -> None:
    async def scenario() -> None:
        client = await GatewayClient.open(legacy_url, token=TOKEN)
        assert client.hello["type"] == "hello-ok"
        assert client.hello["policy"] == "legacy"
        watch = await start_run(client, "normal-1", path="normal", chunks=30, reply_chars=3000)
        settled = await watch.settled
        states = [event["state"] for event in watch.chat]
        assert settled["cause"] == "stream_end"
        assert states[-1] == "final" and states.count("final") == 1
        assert set(states[:-1]) == {"delta"}
        assert replay(watch.chat) == watch.chat[-1]["message"]
        assert len(watch.chat[-1]["message"]) == 3000
        await client.close()

    run(scenario)


def test_a_repeated_idempotency_key_gets_the_first_answer(legacy_url: str) -> None:
    async def scenario() -> None:
        client = await GatewayClient.open(legacy_url, token=OPERATOR)
        watch = await start_run(client, "normal-dedupe", session="dedupe", chunks=5)
        await watch.settled
        params = {"session_key": "dedupe", "message": "hi", "idempotency_key": "normal-dedupe"}
        assert (await client.request("chat.send", params))["status"] == "started"
        memory = await client.request("diagnostics.memory", {"runs": True})
        assert "normal-dedupe" not in memory["run_keys"].get("abort_controllers", [])
        await client.close()

    run(scenario)


@pytest.mark.parametrize(
    ("policy", "left"), [("legacy", {"raw_buffers", "aborted_runs"}), ("fixed", {"aborted_runs"})]
)
def test_the_owner_aborts_mid_stream(policy: str, left: set[str]) -> None:
    async def scenario(url: str) -> None:
        client = await GatewayClient.open(url, token=OPERATOR)
        watch = await start_run(client, "abort-1", path="abort", chunks=40)
        await watch.first_text
        reply = await client.request("chat.abort", {"session_key": "s1", "run_id": "abort-1"})
        assert reply == {"aborted": True, "run_ids": ["abort-1"]}
        assert (await watch.settled)["cause"] == "abort"
        aborted = watch.chat[-1]
        assert aborted["state"] == "aborted" and aborted["stop_reason"] == "rpc"
        memory = await client.request("diagnostics.memory", {"runs": True})
        assert {name for name, keys in memory["run_keys"].items() if "abort-1" in keys} == left
        await client.close()

    with serving(
        "--policy", policy, "--speedup", str(SPEEDUP), "--operator-token", OPERATOR
    ) as url:
        run(lambda: scenario(url))


def test_abort_is_refused_to_another_connection_but_not_to_an_operator(legacy_url: str) -> None:
    async def scenario() -> None:
        owner = await GatewayClient.open(legacy_url, token=TOKEN)
        other = await GatewayClient.open(legacy_url, token=TOKEN)
        operator = await GatewayClient.open(legacy_url, token=OPERATOR)
        assert operator.hello["operator"] and not other.hello["operator"]
        watch = await start_run(owner, "abort-owned", session="owned", path="abort")
        await watch.first_text
        params = {"session_key": "owned", "run_id": "abort-owned"}
        with pytest.raises(RequestFailed) as refused:
            await other.request("chat.abort", params)
        assert refused.value.code == "FOREIGN_SESSION"
        assert not watch.settled.done()
        assert (await operator.request("chat.abort", params))["aborted"]
        assert (await watch.settled)["cause"] == "abort"
        for client in (owner, other, operator):
            await client.close()

    run(scenario)


def test_a_malformed_frame_is_answered_and_the_connection_stays_usable(legacy_url: str) -> None:
    async def scenario() -> None:
        async with connect(legacy_url) as ws:

            async def answer(frame: str | bytes) -> dict[str, Any]:
                await ws.send(frame)
                reply = json.loads(await ws.recv())
                while reply["type"] == "event":  # a `tick` may come first once connected
                    reply = json.loads(await ws.recv())
                return reply

            connect_req = {"type": "req", "id": 1, "method": "connect", "params": {"token": TOKEN}}
            early = await answer(json.dumps({**connect_req, "method": "diagnostics.memory"}))
            assert early["error"]["code"] == "CONNECT_REQUIRED"
            assert (await answer(json.dumps(connect_req)))["payload"]["type"] == "hello-ok"
            broken = await answer("{not json")
            assert broken["ok"] is False and broken["id"] is None
            assert broken["error"]["code"] == "INVALID_FRAME"
            binary = await answer(b"\x00\x01")
            assert binary["error"]["code"] == "INVALID_FRAME"
            unknown = await answer(json.dumps({**connect_req, "id": 7, "method": "chat.fly"}))
            assert unknown["id"] == 7 and unknown["error"]["code"] == "UNKNOWN_METHOD"
            bad_params = {"session_key": "s1", "message": "hi", "idempotency_key": ""}
            invalid = await answer(
                json.dumps({**connect_req, "id": 8, "method": "chat.send", "params": bad_params})
            )
            assert invalid["error"]["code"] == "INVALID_REQUEST"
            still = await answer(
                json.dumps({**connect_req, "id": 9, "method": "diagnostics.memory"})
            )
            assert still["ok"] is True and still["id"] == 9

    run(scenario)


@pytest.mark.parametrize("params", [{}, {"token": "wrong"}])
def test_a_bad_or_missing_token_is_refused_and_the_connection_closed(
    legacy_url: str, params: dict[str, str]
) -> None:
    async def scenario() -> None:
        async with connect(legacy_url) as ws:
            await ws.send(
                json.dumps({"type": "req", "id": 1, "method": "connect", "params": params})
            )
            reply = json.loads(await ws.recv())
            assert reply["ok"] is False and reply["error"]["code"] == "UNAUTHORIZED"
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1008

    run(scenario)


def test_a_frame_over_the_size_cap_closes_the_connection_with_1009() -> None:
    async def scenario(url: str) -> None:
        async with connect(url, max_size=None) as ws:
            await ws.send(
                json.dumps({"type": "req", "id": 1, "method": "connect", "pad": "x" * 8192})
            )
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1009
        client = await GatewayClient.open(url)  # the server itself is fine
        await client.close()

    with serving("--max-frame-bytes", "4096") as url:
        run(lambda: scenario(url))


def test_a_slow_consumer_is_closed_with_1008() -> None:
    async def scenario(url: str) -> None:
        # max_queue=1: the client library stops reading once one message waits, so the
        # server's send buffer fills (agent events carry the growing reply text).
        async with connect(url, max_queue=1, max_size=None) as slow:
            await slow.send(json.dumps({"type": "req", "id": 0, "method": "connect"}))
            for index in range(4):
                params = {
                    "session_key": "s1",
                    "message": "hi",
                    "idempotency_key": f"normal-{index}",
                    "behaviour": {"reply_chars": 200_000, "chunks": 60},
                }
                await slow.send(
                    json.dumps(
                        {"type": "req", "id": index + 1, "method": "chat.send", "params": params}
                    )
                )
            watcher = await GatewayClient.open(url)
            memory = await watcher.request("diagnostics.memory")
            while memory["slow_consumers_closed"] == 0 and memory["runs_in_flight"] > 0:
                await asyncio.sleep(0.05)
                memory = await watcher.request("diagnostics.memory")
            assert memory["slow_consumers_closed"] == 1
            with pytest.raises(ConnectionClosed):
                while True:
                    await slow.recv()
            assert slow.close_code == 1008
            await watcher.close()

    with serving("--speedup", "100", "--send-buffer-limit", "65536") as url:
        run(lambda: scenario(url))


@pytest.mark.parametrize("policy", ["legacy", "fixed"])
def test_diagnostics_show_what_the_runs_left_after_the_drain(policy: str) -> None:
    """Past every TTL, legacy still holds the raw buffer of each aborted and lost-terminal run
    and nothing else; fixed holds nothing. Runs are named by path, as the harness names them."""

    async def scenario(url: str) -> None:
        client = await GatewayClient.open(url, token=OPERATOR)
        paths = ["normal", "abort", "missing_terminal", "normal", "abort", "abort"]
        run_ids = [f"{path}-{index}" for index, path in enumerate(paths)]
        watches = [
            await start_run(client, run_id, path=path, chunks=10)
            for run_id, path in zip(run_ids, paths, strict=True)
        ]
        for run_id, path, watch in zip(run_ids, paths, watches, strict=True):
            if path == "abort":
                await watch.first_text
                await client.request("chat.abort", {"session_key": "s1", "run_id": run_id})
        last_settled = max([(await watch.settled)["t_gateway"] for watch in watches])
        horizon = last_settled + max(SHORT_TTLS.values()) + SHORT_TTLS["maintenance_interval"]
        memory = await client.request("diagnostics.memory", {"runs": True})
        while memory["t_gateway"] <= horizon:
            await asyncio.sleep((horizon - memory["t_gateway"]) / SPEEDUP)
            memory = await client.request("diagnostics.memory", {"runs": True})
        held = {name: set(keys) for name, keys in memory["run_keys"].items()}
        if policy == "legacy":
            lost = {run_id for run_id in run_ids if not run_id.startswith("normal")}
            assert held == {"raw_buffers": lost}
            assert memory["state"]["raw_buffers"]["entries"] == len(lost)
            assert memory["state"]["raw_buffers"]["bytes"] > 0
        else:
            assert held == {}
        assert memory["controllers"] == 0 and memory["runs_in_flight"] == 0
        assert memory["rss"] > 0 and memory["heap_blocks"] > 0 and len(memory["gc_counts"]) == 3
        await client.close()

    settings = json.dumps(SHORT_TTLS)
    with serving(
        "--policy",
        policy,
        "--speedup",
        str(SPEEDUP),
        "--settings-json",
        settings,
        "--operator-token",
        OPERATOR,
    ) as url:
        run(lambda: scenario(url))


def test_bad_settings_are_refused_before_listening() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "leakbench.gateway_sim", "serve", "--setting", "stale_ttl=-1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "stale_ttl" in completed.stderr and "Traceback" not in completed.stderr
