"""Who receives what: open connections, their session subscriptions, and slow consumers.

Only connections that completed `connect` receive events. A connection subscribes to a session
by sending `chat.send` for it; `chat` and `agent` events go
to a session's subscribers, `tick` to every connection, `run.settled` to the run's owner only.
Events never wait for a client, so one slow client never holds up the provider streams: they
are framed into the connection's outbox, which is written to the socket in one write at the end
of the event-loop iteration (one system call for all the events of an iteration, instead of one
per event), and before any `res` so a connection sees everything in the order it happened. The
send buffer is the outbox plus the transport's write buffer: when it is over `send_buffer_limit`
bytes, a `delta` (`drop_if_slow`) is dropped and any other event closes the connection with
1008 (spec §6). `seq` counts the events addressed to a connection,
dropped ones included, so a client sees a gap where deltas were dropped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from leakbench.gateway_sim.broadcast import Broadcast
from leakbench.gateway_sim.server.wire import event_frame

SLOW_CONSUMER_CLOSE = 1008


class Connection:
    """One client connection: identity, role, subscriptions and its event counter."""

    __slots__ = (
        "conn_id",
        "connected",
        "operator",
        "outbox",
        "outbox_bytes",
        "seq",
        "sessions",
        "ws",
    )

    def __init__(self, ws: ServerConnection, conn_id: str) -> None:
        self.ws = ws
        self.conn_id = conn_id
        self.connected = False
        """True after a successful `connect`."""
        self.operator = False
        self.sessions: set[str] = set()
        self.seq = 0
        self.outbox: list[bytes] = []
        self.outbox_bytes = 0

    def buffered(self) -> int:
        """Bytes written but not yet sent: the outbox, then the transport's write buffer."""
        return self.outbox_bytes + self.ws.transport.get_write_buffer_size()

    def flush(self) -> None:
        """Write the outbox in one go (websockets' `broadcast` does the same per message)."""
        frames, self.outbox, self.outbox_bytes = self.outbox, [], 0
        ws = self.ws
        if not frames or ws.protocol.state is not State.OPEN:
            return
        for frame in frames:
            ws.protocol.send_text(frame)
        ws.transport.write(b"".join(ws.protocol.data_to_send()))


class Fanout:
    """Delivers the core's broadcasts and the server's own events to the right connections."""

    def __init__(self, send_buffer_limit: int) -> None:
        self.limit = send_buffer_limit
        self.connections: dict[str, Connection] = {}
        self._subscribers: dict[str, set[Connection]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self.dropped_total = 0
        self.slow_closed = 0

    # ---- membership ------------------------------------------------------------------------

    def add(self, conn: Connection) -> None:
        """A connection that completed `connect`: it receives `tick` from now on."""
        self.connections[conn.conn_id] = conn

    def remove(self, conn: Connection) -> None:
        self.connections.pop(conn.conn_id, None)
        for session_key in conn.sessions:
            members = self._subscribers.get(session_key)
            if members is not None:
                members.discard(conn)
                if not members:
                    del self._subscribers[session_key]
        conn.sessions.clear()

    def subscribe(self, conn: Connection, session_key: str) -> None:
        """Follow a session's events (ignored for a connection already removed)."""
        if conn.conn_id in self.connections and session_key not in conn.sessions:
            conn.sessions.add(session_key)
            self._subscribers.setdefault(session_key, set()).add(conn)

    def audience(self, session_key: str | None) -> bool:
        """The core's `Audience`: build payloads only for sessions somebody follows."""
        if session_key is None:
            return bool(self.connections)
        return session_key in self._subscribers

    # ---- delivery --------------------------------------------------------------------------

    def deliver(self, broadcasts: list[Broadcast]) -> None:
        for item in broadcasts:
            if item.session_key is None:
                targets: Iterable[Connection] = tuple(self.connections.values())
            else:
                targets = tuple(self._subscribers.get(item.session_key, ()))
            if targets:
                payload = json.dumps(item.payload)
                for conn in targets:
                    self._push(conn, item.event, payload, item.drop_if_slow)

    def notify(self, conn_id: str, event: str, payload: dict[str, Any]) -> None:
        """A server event for one connection (if it is still open); never dropped."""
        conn = self.connections.get(conn_id)
        if conn is not None:
            self._push(conn, event, json.dumps(payload), droppable=False)

    def _push(self, conn: Connection, event: str, payload: str, droppable: bool) -> None:
        conn.seq += 1
        if conn.buffered() > self.limit:
            if droppable:
                self.dropped_total += 1
                return
            self._close_slow(conn)
            return
        frame = event_frame(event, payload, conn.seq).encode()
        if not conn.outbox:
            asyncio.get_running_loop().call_soon(conn.flush)
        conn.outbox.append(frame)
        conn.outbox_bytes += len(frame)

    def _close_slow(self, conn: Connection) -> None:
        self.remove(conn)
        self.slow_closed += 1
        reason = f"slow consumer: send buffer over {self.limit} bytes"
        task = asyncio.get_running_loop().create_task(conn.ws.close(SLOW_CONSUMER_CLOSE, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
