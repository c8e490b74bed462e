"""Generated frames and request params against one live server (issue 11): every request with
an id is answered, and the server still serves a well-behaved client afterwards. The 10,000-
example run is `pytest -m soak tests/test_gateway_fuzz.py`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_gateway_server import TOKEN, serving
from websockets.asyncio.client import connect

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


def _fuzz(max_examples: int) -> None:
    with serving("--speedup", "1000", "--token", TOKEN) as url:

        @settings(
            max_examples=max_examples,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.lists(REQUESTS, min_size=1, max_size=5))
        def check(frames: list[dict[str, Any]]) -> None:
            asyncio.run(_exchange(url, frames))

        check()

        async def still_serves() -> None:
            async with connect(url) as ws:
                await ws.send(
                    json.dumps(
                        {"type": "req", "id": 1, "method": "connect", "params": {"token": TOKEN}}
                    )
                )
                assert json.loads(await ws.recv())["ok"]

        asyncio.run(still_serves())


def test_generated_frames_are_all_answered_and_the_server_survives() -> None:
    _fuzz(50)


@pytest.mark.soak
def test_ten_thousand_generated_frames() -> None:
    _fuzz(10_000)
