"""The WebSocket server against careless and hostile clients (issue 11), on loopback.

Each test is one finding: before the fix the frame dropped the connection with 1011 and a
traceback, the value was accepted and broke a timer, or another connection's data leaked.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_gateway_server import OPERATOR, TOKEN, run, serving
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from leakbench.gateway_sim.client import GatewayClient, RequestFailed
from leakbench.gateway_sim.server.admission import check_bind
from leakbench.gateway_sim.server.limits import MAX_KEY_CHARS

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serving("--speedup", "1000", "--token", TOKEN, "--operator-token", OPERATOR) as url:
        yield url


async def ask(ws: ClientConnection, frame: str) -> dict[str, Any]:
    """Send one frame and return its `res` (events in between are skipped)."""
    await ws.send(frame)
    while True:
        reply = json.loads(await ws.recv())
        if reply["type"] == "res":
            return reply


def req(request_id: int, method: str, params: dict[str, Any]) -> str:
    return json.dumps({"type": "req", "id": request_id, "method": method, "params": params})


def send_params(**fields: Any) -> dict[str, Any]:
    return {"session_key": "s-hostile", "message": "hi", "idempotency_key": "normal-h", **fields}


BAD_FRAMES = {
    "a NaN literal": '{"type": "req", "id": 2, "method": "chat.send", "params": {"timeout": NaN}}',
    "an Infinity literal": '{"type": "req", "id": 2, "method": "connect", "x": -Infinity}',
    "100,000 nested brackets": "[" * 100_000 + "]" * 100_000,
    "an integer of 5,000 digits": '{"type": "req", "id": ' + "9" * 5000 + "}",
}


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_every_decoding_error_is_invalid_frame_and_the_connection_stays_open(
    url: str, frame: str
) -> None:
    async def scenario() -> None:
        async with connect(url) as ws:
            assert (await ask(ws, req(1, "connect", {"token": TOKEN})))["ok"]
            reply = await ask(ws, frame)
            assert reply["ok"] is False and reply["error"]["code"] == "INVALID_FRAME"
            assert (await ask(ws, req(3, "diagnostics.memory", {})))["ok"]

    run(scenario)


BAD_PARAMS = {
    "timeout 1e400 (inf)": ('{"timeout": 1e400}', "timeout"),
    "timeout 10**30": (json.dumps({"timeout": 10**30}), "timeout"),
    "timeout -1": (json.dumps({"timeout": -1}), "timeout"),
    "reply_chars 10**30": (json.dumps({"behaviour": {"reply_chars": 10**30}}), "reply_chars"),
    "chunks 5,000,000": (json.dumps({"behaviour": {"chunks": 5_000_000}}), "chunks"),
    "reply_chars x chunks too much text": (
        json.dumps({"behaviour": {"reply_chars": 500_000, "chunks": 10_000}}),
        "chunks",
    ),
    "chunk_interval 1e300": (json.dumps({"behaviour": {"chunk_interval": 1e300}}), "interval"),
    "a session key too long": (
        json.dumps({"session_key": "k" * (MAX_KEY_CHARS + 1)}),
        "session_key",
    ),
    "an idempotency key too long": (
        json.dumps({"idempotency_key": "k" * (MAX_KEY_CHARS + 1)}),
        "idempotency_key",
    ),
}


@pytest.mark.parametrize(("extra", "field"), BAD_PARAMS.values(), ids=BAD_PARAMS.keys())
def test_numbers_and_keys_out_of_range_are_refused_naming_the_field(
    url: str, extra: str, field: str
) -> None:
    async def scenario() -> None:
        async with connect(url) as ws:
            await ask(ws, req(1, "connect", {"token": TOKEN}))
            params = json.dumps(send_params())[:-1] + ", " + extra[1:]  # later keys win
            frame = f'{{"type": "req", "id": 2, "method": "chat.send", "params": {params}}}'
            reply = await ask(ws, frame)
            assert reply["ok"] is False and reply["error"]["code"] == "INVALID_REQUEST"
            assert field in reply["error"]["message"]
            memory = (await ask(ws, req(3, "diagnostics.memory", {})))["payload"]
            assert memory["runs_started"] == memory["runs_settled"]  # nothing was started

    run(scenario)


def test_a_client_cannot_join_another_connections_session_nor_list_its_runs(url: str) -> None:
    async def scenario() -> None:
        owner = await GatewayClient.open(url, token=TOKEN)
        intruder = await GatewayClient.open(url, token=TOKEN)
        seen: list[dict[str, Any]] = []
        route = intruder._route

        def spy(frame: dict[str, Any]) -> None:
            if frame.get("type") == "event" and frame["event"] in ("chat", "agent"):
                seen.append(frame)
            route(frame)

        intruder._route = spy  # type: ignore[method-assign]
        watch = owner.watch("normal-owned")
        params = {"session_key": "mine", "message": "hi", "idempotency_key": "normal-owned"}
        await owner.request("chat.send", {**params, "behaviour": {"chunks": 40}})
        with pytest.raises(RequestFailed) as joined:
            await intruder.request("chat.send", {**params, "idempotency_key": "normal-x"})
        assert joined.value.code == "FOREIGN_SESSION"
        with pytest.raises(RequestFailed) as aborted:
            await intruder.request("chat.abort", {"session_key": "mine"})
        assert aborted.value.code == "FOREIGN_SESSION"
        with pytest.raises(RequestFailed) as listed:
            await intruder.request("diagnostics.memory", {"runs": True})
        assert listed.value.code == "OPERATOR_ONLY"
        await watch.settled
        assert watch.chat and seen == []
        operator = await GatewayClient.open(url, token=OPERATOR)
        assert "run_keys" in await operator.request("diagnostics.memory", {"runs": True})
        for client in (owner, intruder, operator):
            await client.close()

    run(scenario)


def test_diagnostics_memory_reports_the_bytes_of_the_bounded_caches(url: str) -> None:
    """Entries alone plateau at a cache's cap whatever the keys hold: the bytes of the dedupe
    cache grow with the length of the keys it keeps, so the harness can see them."""

    async def scenario() -> None:
        client = await GatewayClient.open(url, token=TOKEN)
        before = await client.request("diagnostics.memory", {})
        for n, length in enumerate((8, MAX_KEY_CHARS)):
            key = f"normal-{n}-".ljust(length, "k")
            watch = client.watch(key)
            params = {"session_key": "bytes", "message": "hi", "idempotency_key": key}
            await client.request("chat.send", params)
            await watch.settled
        after = await client.request("diagnostics.memory", {})
        assert after["caches"]["dedupe"] == before["caches"]["dedupe"] + 2
        grown = after["cache_bytes"]["dedupe"] - before["cache_bytes"]["dedupe"]
        assert grown >= MAX_KEY_CHARS + 8  # both keys' characters are counted
        await client.close()

    run(scenario)


def test_a_session_is_free_again_once_its_owner_left_and_its_runs_settled(url: str) -> None:
    async def scenario() -> None:
        first = await GatewayClient.open(url, token=TOKEN)
        watch = first.watch("normal-first")
        params = {"session_key": "reused", "message": "hi", "idempotency_key": "normal-first"}
        await first.request("chat.send", params)
        await watch.settled
        await first.close()
        second = await GatewayClient.open(url, token=TOKEN)
        for _ in range(100):  # the server sees the close a moment after the client
            try:
                reply = await second.request(
                    "chat.send", {**params, "idempotency_key": "normal-second"}
                )
                break
            except RequestFailed:
                await asyncio.sleep(0.02)
        assert reply["status"] == "started"
        await second.close()

    run(scenario)


def test_a_browser_origin_is_refused_unless_allowed() -> None:
    async def scenario(url: str) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, origin="http://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        async with connect(url, origin="http://localhost:3000") as ws:
            assert (await ask(ws, req(1, "connect", {})))["ok"]

    with serving("--allow-origin", "http://localhost:3000") as url:
        run(lambda: scenario(url))


def test_a_socket_that_never_sends_connect_is_closed_at_the_deadline() -> None:
    async def scenario(url: str) -> None:
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), timeout=20)
            assert ws.close_code == 1008
        watcher = await GatewayClient.open(url)
        assert (await watcher.request("diagnostics.memory"))["connect_deadline_closed"] == 1
        await watcher.close()

    with serving("--connect-timeout", "0.3") as url:
        run(lambda: scenario(url))


def test_connections_over_the_pending_cap_are_answered_503() -> None:
    async def scenario(url: str) -> None:
        idle = [await connect(url), await connect(url)]
        with pytest.raises(InvalidStatus) as refused:
            await connect(url)
        assert refused.value.response.status_code == 503
        for ws in idle:
            await ws.close()

    with serving("--max-pending", "2") as url:
        run(lambda: scenario(url))


def test_idle_sockets_under_a_low_descriptor_limit_do_not_lock_out_the_right_client() -> None:
    """Under `ulimit -n 256`, 249 idle sockets once locked out the client with the token and
    filled the log with accept errors; now they are shed at the deadline and the cap."""
    command = (
        f"ulimit -n 256 && exec {sys.executable} -m leakbench.gateway_sim serve --port 0 "
        f"--token {TOKEN} --connect-timeout 1"
    )
    process = subprocess.Popen(
        ["bash", "-c", command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        url = json.loads(process.stdout.readline())["listening"]
        port = int(url.rpartition(":")[2])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]

        async def client_gets_in() -> None:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client = await GatewayClient.open(url, token=TOKEN)
                    break
                except (OSError, InvalidStatus, ConnectionClosed, TimeoutError):
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)
            assert (await client.request("diagnostics.memory"))["max_connections"] <= 256
            await client.close()

        asyncio.run(client_gets_in())
        for sock in idle:
            sock.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) < 20


def test_a_non_loopback_address_needs_a_token_or_insecure(caplog: Any) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "leakbench.gateway_sim", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2 and completed.stdout == ""
    assert "--token" in completed.stderr and "Traceback" not in completed.stderr
    check_bind("0.0.0.0", None, insecure=True)  # allowed, with a warning
    check_bind("192.0.2.1", "t", insecure=False)
    assert len([r for r in caplog.records if "non-loopback" in r.getMessage()]) == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--speedup", "inf"],
        ["--speedup", "nan"],
        ["--setting", "maintenance_interval=nan"],
        ["--setting", "stale_ttl=inf"],
        ["--connect-timeout", "nan"],
        ["--max-connections", "0"],
    ],
)
def test_start_up_numbers_that_are_not_finite_or_in_range_exit_2(args: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "leakbench.gateway_sim", "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2 and completed.stdout == ""
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr
