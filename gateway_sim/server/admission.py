"""Who gets in, and for how long without `connect`: the server's defences against exhaustion.

- Bind: an address other than loopback needs a token (or `--insecure`); a warning either way,
  since anyone who can reach the port can then drive the gateway.
- Origin: a browser sends `Origin`; any web page open on the machine could otherwise talk to a
  loopback server. Requests with an `Origin` not in `allowed_origins` get 403 (websockets'
  `origins`); requests without one (every non-browser client) are accepted.
- Caps: at most `max_connections` open connections, at most `max_pending` of them not yet
  past `connect`; over a cap the opening handshake is answered 503. The connection cap is
  lowered to fit `RLIMIT_NOFILE` with a reserve, so idle sockets cannot take the descriptors
  the server needs to accept the client with the right token.
- Deadline: `connect_timeout` wall seconds for the opening handshake, and again for `connect`.
- Accept errors (out of descriptors) are logged once, then counted and summarised at most every
  `ACCEPT_LOG_EVERY_S`, instead of one line per failed accept.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import time
from http import HTTPStatus
from math import isfinite
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from leakbench.gateway_sim.errors import ConfigError

log = logging.getLogger("leakbench.gateway_sim.server")

FD_RESERVE = 32
"""Descriptors kept free of connections: the listener, the log, accepts under way."""
ACCEPT_LOG_EVERY_S = 10.0
LIMITS: dict[str, tuple[float, float]] = {
    "speedup": (0.001, 1_000_000.0),
    "connect_timeout": (0.1, 3_600.0),
    "max_frame_bytes": (1, 64 << 20),
    "send_buffer_limit": (1, 1 << 30),
    "max_connections": (1, 1_000_000),
    "max_pending": (1, 1_000_000),
}
"""The documented range of every number the server is started with (README)."""


def check_numbers(values: dict[str, Any]) -> None:
    """ConfigError (exit 2) for a start-up number that is not finite or out of its range."""
    for name, (lowest, highest) in LIMITS.items():
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"--{name.replace('_', '-')} must be a number")
        if not (isfinite(value) and lowest <= value <= highest):
            raise ConfigError(
                f"--{name.replace('_', '-')} must be from {lowest:g} to {highest:g}, "
                f"got {value!r:.24}"
            )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, token: str | None, insecure: bool) -> None:
    """Refuse a reachable address without a token unless told `--insecure`; warn either way."""
    if is_loopback(host):
        return
    if token is None and not insecure:
        raise ConfigError(
            f"--host {host} is not a loopback address: give --token (or --insecure to serve "
            "anyone who can reach it)"
        )
    who = "anyone who can reach it" if token is None else "anyone with the token"
    log.warning("serving on non-loopback address %s: %s can drive this gateway", host, who)


def connection_cap(wanted: int) -> int:
    """`wanted`, lowered so connections leave FD_RESERVE descriptors of RLIMIT_NOFILE free."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


class Admission:
    """Counts open and pending connections and answers 503 over a cap."""

    def __init__(self, max_connections: int, max_pending: int) -> None:
        self.max_connections = connection_cap(max_connections)
        self.max_pending = max_pending
        self.open = 0
        self.pending = 0
        self.refused = 0
        self.deadline_closed = 0

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """websockets' hook, before the handshake completes: refuse over a cap."""
        if self.open >= self.max_connections or self.pending >= self.max_pending:
            self.refused += 1
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections\n")
        return None

    def report(self) -> dict[str, int]:
        return {
            "max_connections": self.max_connections,
            "max_pending": self.max_pending,
            "refused_connections": self.refused,
            "connect_deadline_closed": self.deadline_closed,
        }


class AcceptLog:
    """An event-loop exception handler that rate-limits accept errors (EMFILE and friends)."""

    def __init__(self, every_s: float = ACCEPT_LOG_EVERY_S) -> None:
        self._every = every_s
        self._last = -float("inf")
        self._missed = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if not message.startswith("socket.accept()"):
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self._last < self._every:
            self._missed += 1
            return
        error = context.get("exception")
        extra = f" ({self._missed} more since the last report)" if self._missed else ""
        log.warning("cannot accept connections: %s%s", error or message, extra)
        self._last, self._missed = now, 0
