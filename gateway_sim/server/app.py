"""The server process: listen, answer each connection's requests in order, shut down cleanly.

Once listening it prints one JSON line on stdout, `{"listening": "ws://HOST:PORT", "pid": N}`,
and nothing else there (logs go to stderr), so a parent can read the port it picked. SIGTERM
and SIGINT close every connection (1001), stop the provider streams and timers, and
`gateway.close()` the core; the exit status is 0, or 1 if a gateway task failed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from leakbench.gateway_sim.errors import ConfigError, ProtocolError
from leakbench.gateway_sim.policy import policy_label, resolve_policy
from leakbench.gateway_sim.server.admission import AcceptLog, Admission, check_bind, check_numbers
from leakbench.gateway_sim.server.connections import Connection, Fanout
from leakbench.gateway_sim.server.host import AsyncHost, LiveRun
from leakbench.gateway_sim.server.limits import BEHAVIOUR_MAX, MAX_KEY_CHARS
from leakbench.gateway_sim.server.methods import Access, Methods
from leakbench.gateway_sim.server.wire import (
    WireCode,
    WireError,
    error_frame,
    ok_frame,
    parse_request,
)
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.probe.inprocess import InProcessProbe
from leakbench.probe.lifeline import die_with_parent

MIB = 1 << 20
UNAUTHORIZED_CLOSE = 1008

log = logging.getLogger("leakbench.gateway_sim.server")


@dataclass(frozen=True)
class ServerConfig:
    """Everything `python -m leakbench.gateway_sim serve` is told; validated by `GatewayServer`."""

    host: str = "127.0.0.1"
    port: int = 0
    policy: str = "fixed"
    policy_flags: dict[str, bool] = field(default_factory=dict)
    speedup: float = 1.0
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    operator_token: str | None = None
    max_frame_bytes: int = MIB
    """Largest client frame accepted; a bigger one closes the connection with 1009."""
    send_buffer_limit: int = MIB
    """Bytes a connection's write buffer may hold before it counts as a slow consumer."""
    objects: bool = True
    """Count gc objects in `diagnostics.memory` (walks the heap on every call)."""
    connect_timeout: float = 10.0
    """Wall seconds a socket has to finish the opening handshake and then `connect`."""
    max_connections: int = 1024
    """Open connections at most (lowered to fit the process's file descriptor limit)."""
    max_pending: int = 64
    """Connections at most that have not yet completed `connect`."""
    allowed_origins: tuple[str, ...] = ()
    """Browser `Origin` values accepted; a request without one (not a browser) always is."""
    insecure: bool = False
    """Allow a non-loopback address without a token."""


class GatewayServer:
    """One gateway, its connections and its request loop."""

    def __init__(self, config: ServerConfig) -> None:
        check_numbers(asdict(config))
        check_bind(config.host, config.token, config.insecure)
        policy = resolve_policy(config.policy, config.policy_flags or None)
        self.config = config
        self.admission = Admission(config.max_connections, config.max_pending)
        self.fanout = Fanout(config.send_buffer_limit)
        self.host = AsyncHost(
            GatewaySettings.from_dict(config.settings),
            policy,
            config.speedup,
            config.seed,
            audience=self.fanout.audience,
            deliver=self.fanout.deliver,
            settled=self._on_settled,
            on_crash=self._on_crash,
        )
        hello = {
            "policy": policy_label(config.policy, config.policy_flags or None),
            "speedup": config.speedup,
            "limits": {
                "max_frame_bytes": config.max_frame_bytes,
                "send_buffer_limit": config.send_buffer_limit,
                "max_key_chars": MAX_KEY_CHARS,
                "behaviour_max": BEHAVIOUR_MAX,
            },
        }
        probe = InProcessProbe(objects=config.objects, tracemalloc=False)
        access = Access(config.token, config.operator_token)
        self.methods = Methods(self.host, self.fanout, access, probe, hello, self.admission)
        self.stopped = asyncio.Event()
        self.exit_status = 0
        self._ids = itertools.count(1)

    def stop(self) -> None:
        self.stopped.set()

    async def handle(self, ws: ServerConnection) -> None:
        """One connection: `connect` within the deadline, then its requests in order."""
        conn = Connection(ws, f"conn-{next(self._ids)}")
        admission = self.admission
        admission.open += 1
        admission.pending += 1
        try:
            try:
                async with asyncio.timeout(self.config.connect_timeout):
                    while not conn.connected:
                        if not await self._reply(conn, await ws.recv()):
                            return
            except TimeoutError:
                admission.deadline_closed += 1
                await ws.close(UNAUTHORIZED_CLOSE, "no connect within the deadline")
                return
            finally:
                admission.pending -= 1
            async for message in ws:
                if not await self._reply(conn, message):
                    return
        except ConnectionClosed:
            pass  # the client went away, or sent a frame over max_frame_bytes (1009)
        finally:
            admission.open -= 1
            self.methods.sessions.release(conn.conn_id, conn.sessions)
            self.fanout.remove(conn)

    async def _reply(self, conn: Connection, message: str | bytes) -> bool:
        """Answer one frame; False once the connection is closed (unauthorized)."""
        reply, refused = self._answer(conn, message)
        conn.flush()
        await conn.ws.send(reply)
        if refused:
            await conn.ws.close(UNAUTHORIZED_CLOSE, "unauthorized")
        return not refused

    def _answer(self, conn: Connection, message: str | bytes) -> tuple[str, bool]:
        """The `res` frame for one client frame, and whether to close (unauthorized)."""
        request_id = None
        try:
            request = parse_request(message)
            request_id = request.id
            return ok_frame(
                request_id, self.methods.handle(conn, request.method, request.params)
            ), False
        except WireError as exc:
            answer_id = exc.request_id if request_id is None else request_id
            refused = exc.code == WireCode.UNAUTHORIZED
            return error_frame(answer_id, exc.code, exc.message), refused
        except ProtocolError as exc:
            return error_frame(request_id, exc.code, exc.message), False

    def _on_settled(self, live: LiveRun, cause: str) -> None:
        payload = {
            "run_id": live.plan.run_id,
            "session_key": live.session_key,
            "cause": cause,
            "started_at": live.started_at,
            "t_gateway": self.host.clock.now(),
        }
        self.fanout.notify(live.conn_id, "run.settled", payload)
        self.methods.sessions.run_settled(live.session_key)

    def _on_crash(self, _error: BaseException) -> None:
        self.exit_status = 1
        self.stop()


async def serve_forever(config: ServerConfig, announce: Callable[[str], None]) -> int:
    """Listen until SIGTERM/SIGINT; `announce(url)` once listening. Returns the exit status."""
    server = GatewayServer(config)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(AcceptLog())
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, server.stop)
    try:
        listener = await serve(
            server.handle,
            config.host,
            config.port,
            max_size=config.max_frame_bytes,
            compression=None,
            origins=[None, *config.allowed_origins],
            process_request=server.admission.process_request,
            open_timeout=config.connect_timeout,
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from None
    server.host.start()
    port = listener.sockets[0].getsockname()[1]
    announce(f"ws://{config.host}:{port}")
    try:
        await server.stopped.wait()
    finally:
        listener.close()
        await listener.wait_closed()
        await server.host.close()
    return server.exit_status


def parse_settings(settings_json: str | None, pairs: list[str]) -> dict[str, Any]:
    """Gateway setting overrides from `--settings-json` then `--setting NAME=VALUE` (numbers;
    `GatewaySettings` validates names and ranges)."""
    settings: dict[str, Any] = {}
    if settings_json is not None:
        try:
            settings = json.loads(settings_json)
        except ValueError as exc:
            raise ConfigError(f"--settings-json is not valid JSON: {exc}") from None
        if not isinstance(settings, dict):
            raise ConfigError("--settings-json must be a JSON object")
    for pair in pairs:
        name, sep, text = pair.partition("=")
        try:
            value: float = int(text) if text.strip().isdigit() else float(text)
        except ValueError:
            value = -1.0
        if not sep or not name.strip() or value < 0:
            raise ConfigError(f"--setting must look like NAME=NUMBER, got {pair!r}")
        settings[name.strip()] = value
    return settings


def main(**options: Any) -> int:
    """Run the server with `ServerConfig(**options)`; prints the listening line on stdout."""
    die_with_parent()  # when started by spawn_server: end with the process that started it
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    config = ServerConfig(**options)

    def announce(url: str) -> None:
        print(json.dumps({"listening": url, "pid": os.getpid()}), flush=True)

    return asyncio.run(serve_forever(config, announce))
