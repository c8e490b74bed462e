"""A client of the gateway's WebSocket protocol: requests with their replies, events by run.

One reader task per connection routes every frame: a `res` to the request waiting for it, a
`chat` / `agent` / `run.settled` event to the `RunWatch` of its run. A run is over for the
client when its `run.settled` event arrives (the server sends it to the run's owner when the
dispatch settles, on every path, lost terminals included).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class RequestFailed(Exception):
    """The server answered a request with an error `res`."""

    def __init__(self, method: str, code: str, message: str) -> None:
        super().__init__(f"{method}: {code}: {message}")
        self.code = code
        self.message = message


class RunWatch:
    """What the owner sees of one run."""

    __slots__ = ("chat", "first_text", "settled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.first_text: asyncio.Future[None] = loop.create_future()
        """Done at the first assistant text (an `agent` assistant event or a `chat` delta)."""
        self.settled: asyncio.Future[dict[str, Any]] = loop.create_future()
        """The `run.settled` payload: run_id, session_key, cause, t_gateway."""
        self.chat: list[dict[str, Any]] = []
        """The run's `chat` event payloads in arrival order (states delta, final, aborted,
        error)."""

    def mark_text(self) -> None:
        if not self.first_text.done():
            self.first_text.set_result(None)

    def fail(self, error: BaseException) -> None:
        for future in (self.first_text, self.settled):
            if not future.done():
                future.set_exception(error)
                future.exception()  # retrieved: a run that no longer waits must not warn


class GatewayClient:
    """One connection to the gateway; use `GatewayClient.open(url)`."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.hello: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._watches: dict[str, RunWatch] = {}
        self._loop = asyncio.get_running_loop()
        self._reader = self._loop.create_task(self._read())

    @classmethod
    async def open(
        cls, url: str, *, token: str | None = None, max_size: int | None = None
    ) -> GatewayClient:
        """Connect and send `connect`; raises RequestFailed if the server refuses the token."""
        ws = await connect(url, max_size=max_size, compression=None)
        client = cls(ws)
        try:
            client.hello = await client.request("connect", {"token": token} if token else {})
        except BaseException:
            await client.close()
            raise
        return client

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and return its `payload`; raises RequestFailed for an error `res`."""
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._pending[request_id] = (method, future)
        frame = {"type": "req", "id": request_id, "method": method, "params": params or {}}
        try:
            await self.ws.send(json.dumps(frame))
        except BaseException:
            self._pending.pop(request_id, None)
            raise
        return await future

    def watch(self, run_id: str) -> RunWatch:
        """Start following a run's events (before `chat.send`, so none is missed)."""
        watch = RunWatch(self._loop)
        self._watches[run_id] = watch
        return watch

    def forget(self, run_id: str) -> None:
        self._watches.pop(run_id, None)

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        error: BaseException = ConnectionError("connection closed")
        try:
            async for message in self.ws:
                self._route(json.loads(message))
        except ConnectionClosed as exc:
            error = exc
        finally:
            self._fail_all(error)

    def _route(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "res":
            method, future = self._pending.pop(frame["id"], ("", None))
            if future is None or future.done():
                return
            if frame["ok"]:
                future.set_result(frame["payload"])
            else:
                error = frame["error"]
                future.set_exception(RequestFailed(method, error["code"], error["message"]))
            return
        event, payload = frame["event"], frame["payload"]
        watch = self._watches.get(payload.get("run_id", ""))  # None for `tick`
        if watch is None:
            return
        if event == "chat":
            watch.chat.append(payload)
            if payload["state"] == "delta":
                watch.mark_text()
        elif event == "agent" and payload["stream"] == "assistant":
            watch.mark_text()
        elif event == "run.settled" and not watch.settled.done():
            watch.settled.set_result(payload)

    def _fail_all(self, error: BaseException) -> None:
        """The connection is gone: every waiting request and run fails with its close reason."""
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        for watch in self._watches.values():
            watch.fail(error)
