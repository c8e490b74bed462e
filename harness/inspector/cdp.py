"""A small Chrome DevTools Protocol client over `websockets` (synchronous, one session).

Requests carry an id and wait for the response with that id; events that arrive meanwhile go to
the handler registered for their method (heap-snapshot chunks) or are dropped. Every wait has a
deadline, so a target that stops answering costs a timeout, never a hung harness.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

MAX_MESSAGE = 256 * 2**20
"""Largest CDP message accepted; heap-snapshot chunks are far smaller, replies to evaluations
of user code could be large."""


class CdpError(Exception):
    """The inspector refused a request, timed out, or the connection is gone."""


class CdpSession:
    """One DevTools connection to a target's inspector."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self._stack = contextlib.ExitStack()
        try:
            self._ws: ClientConnection = self._stack.enter_context(
                connect(
                    url,
                    open_timeout=timeout,
                    max_size=MAX_MESSAGE,
                    compression=None,
                    ping_interval=None,  # Node's inspector drops a connection that pings it
                )
            )
        except (OSError, WebSocketException, TimeoutError) as exc:
            raise CdpError(f"cannot connect to the inspector at {url}: {exc}") from None
        self.url = url
        self._next_id = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {}

    def on(self, method: str, handler: Callable[[dict[str, Any]], None] | None) -> None:
        """Call `handler(params)` for each `method` event (None removes it)."""
        if handler is None:
            self._handlers.pop(method, None)
        else:
            self._handlers[method] = handler

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Send one request and return its `result`, dispatching events until it arrives."""
        self._next_id += 1
        request_id = self._next_id
        message = {"id": request_id, "method": method, "params": params or {}}
        deadline = time.monotonic() + timeout
        try:
            self._ws.send(json.dumps(message))
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CdpError(f"{method}: no answer within {timeout:g}s")
                reply = json.loads(self._ws.recv(timeout=remaining))
                if reply.get("id") == request_id:
                    break
                handler = self._handlers.get(reply.get("method", ""))
                if handler is not None:
                    handler(reply.get("params", {}))
        except TimeoutError:
            raise CdpError(f"{method}: no answer within {timeout:g}s") from None
        except (OSError, WebSocketException) as exc:
            raise CdpError(f"{method}: inspector connection lost ({exc})") from None
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error'].get('message', reply['error'])}")
        return reply.get("result", {})

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        self._stack.close()
