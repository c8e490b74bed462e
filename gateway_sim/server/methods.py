"""The server's methods: `connect`, `chat.send`, `chat.abort` and `diagnostics.memory`.

Each handler takes the connection and the request's params and returns the `res` payload, or
raises `WireError` / `ProtocolError` for an error `res`. Handlers never await: a request is
answered in one step of the event loop, in the order the connection sent it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from leakbench.gateway_sim.errors import ProtocolError, Refusal
from leakbench.gateway_sim.server.admission import Admission
from leakbench.gateway_sim.server.connections import Connection, Fanout
from leakbench.gateway_sim.server.host import AsyncHost
from leakbench.gateway_sim.server.limits import check_key, check_timeout
from leakbench.gateway_sim.server.sessions import SessionOwners
from leakbench.gateway_sim.server.wire import WireCode, WireError
from leakbench.probe.inprocess import InProcessProbe

PROTOCOL_VERSION = 1

Handler = Callable[[Connection, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Access:
    """Tokens: `token` (when set) is required of every client; `operator_token` grants operator,
    which may abort any connection's runs."""

    token: str | None = None
    operator_token: str | None = None


def _matches(given: object, expected: str | None) -> bool:
    return (
        expected is not None
        and isinstance(given, str)
        and hmac.compare_digest(given.encode(), expected.encode())
    )


class Methods:
    """Dispatches requests to their handler; only `connect` is allowed before `connect`."""

    def __init__(
        self,
        host: AsyncHost,
        fanout: Fanout,
        access: Access,
        probe: InProcessProbe,
        hello: dict[str, Any],
        admission: Admission,
    ) -> None:
        """`hello` is the static part of the `hello-ok` payload (policy, speed-up, limits)."""
        self._admission = admission
        self._host = host
        self._fanout = fanout
        self._access = access
        self._probe = probe
        self._hello = hello
        self._process = psutil.Process()
        self.sessions = SessionOwners(
            lambda session_key: bool(host.gateway.runs_of_session(session_key))
        )
        self._handlers: dict[str, Handler] = {
            "connect": self.connect,
            "chat.send": self.chat_send,
            "chat.abort": self.chat_abort,
            "diagnostics.memory": self.diagnostics_memory,
        }

    def handle(self, conn: Connection, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self._handlers.get(method)
        if handler is None:
            known = ", ".join(self._handlers)
            raise WireError(WireCode.UNKNOWN_METHOD, f"unknown method {method!r}; known: {known}")
        if not conn.connected and handler != self.connect:
            raise WireError(WireCode.CONNECT_REQUIRED, "the first request must be connect")
        return handler(conn, params)

    def connect(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        """`{token?}` → `hello-ok`; a bad or missing token (when one is set) is UNAUTHORIZED."""
        token = params.get("token")
        conn.operator = _matches(token, self._access.operator_token)
        if self._access.token is not None and not (
            conn.operator or _matches(token, self._access.token)
        ):
            raise WireError(WireCode.UNAUTHORIZED, "bad or missing token")
        conn.connected = True
        self._fanout.add(conn)
        return {
            "type": "hello-ok",
            "protocol": PROTOCOL_VERSION,
            "conn_id": conn.conn_id,
            "operator": conn.operator,
            "t_gateway": self._host.clock.now(),
            **self._hello,
        }

    def chat_send(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        """`{session_key, message, idempotency_key, behaviour?, timeout?}` → `{run_id, status}`;
        FOREIGN_SESSION when another connection owns the session (unless operator)."""
        session_key = check_key(params.get("session_key"), "session_key")
        run_id = check_key(params.get("idempotency_key"), "idempotency_key")
        if not isinstance(params.get("message"), str):
            raise ProtocolError(Refusal.INVALID_REQUEST, field="message", expected="a string")
        timeout = check_timeout(params.get("timeout"))
        self.sessions.check(session_key, conn.conn_id, operator=conn.operator)
        result = self._host.send(
            conn.conn_id, session_key, run_id, params.get("behaviour"), timeout
        )
        self.sessions.claim(session_key, conn.conn_id, operator=conn.operator)
        self._fanout.subscribe(conn, session_key)
        return result.payload()

    def chat_abort(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        """`{session_key, run_id?}` → `{aborted, run_ids}`; FOREIGN_SESSION for another
        connection's session, NOT_OWNER for another's run."""
        session_key = check_key(params.get("session_key"), "session_key")
        run_id = params.get("run_id")
        if run_id is not None:
            check_key(run_id, "run_id")
        self.sessions.check(session_key, conn.conn_id, operator=conn.operator)
        stopped = self._host.abort(conn.conn_id, session_key, run_id, operator=conn.operator)
        return {"aborted": bool(stopped), "run_ids": stopped}

    def diagnostics_memory(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        """Entries and bytes per map, caches, controllers, RSS, heap; `{runs: true}` adds the
        keys each per-run map still holds (`run_keys`), for attributing survivors."""
        host = self._host
        report = host.gateway.memory_report()
        report["caches"]["providers"] = len(host.providers)
        report["cache_bytes"]["providers"] = host.providers.cached_chars()
        payload: dict[str, Any] = {
            "t_gateway": host.clock.now(),
            **report,
            "rss": self._process.memory_info().rss,
            **self._probe.sample(),
            "runs_started": host.runs_started,
            "runs_settled": host.runs_settled,
            "runs_in_flight": len(host.runs),
            "connections": len(self._fanout.connections),
            "sessions": len(self.sessions),
            **self._admission.report(),
            "dropped_deltas": self._fanout.dropped_total,
            "slow_consumers_closed": self._fanout.slow_closed,
        }
        if params.get("runs") is True:
            if not conn.operator:
                raise ProtocolError(Refusal.OPERATOR_ONLY, what="diagnostics.memory {runs: true}")
            payload["run_keys"] = {
                name: list(entries) for name, entries in host.gateway.run_maps().items() if entries
            }
        return payload
