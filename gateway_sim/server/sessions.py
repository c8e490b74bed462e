"""Who may use a session: the connection that created it, and operators.

A session key is claimed by the first connection that sends `chat.send` into it; from then on
another connection's `chat.send` or `chat.abort` into that session is refused (FOREIGN_SESSION),
so no client can subscribe itself to someone else's deltas or learn which runs a session has.
Operators (the operator token) may use every session. A claim ends when its connection has
closed and the session has no run in flight, so a client that reconnects can take its session
key back once its old runs are over, and a run's remaining events never reach a newcomer.
"""

from __future__ import annotations

from collections.abc import Callable

from leakbench.gateway_sim.errors import ProtocolError, Refusal


class SessionOwners:
    """session key → owning connection id; bounded by the open connections' sessions plus
    the sessions of closed connections that still have runs in flight."""

    def __init__(self, has_live_runs: Callable[[str], bool]) -> None:
        self._owner: dict[str, str] = {}
        self._orphans: set[str] = set()
        """Sessions whose owner has closed while runs of theirs were still in flight."""
        self._has_live_runs = has_live_runs

    def __len__(self) -> int:
        return len(self._owner)

    def check(self, session_key: str, conn_id: str, *, operator: bool) -> None:
        """Raise FOREIGN_SESSION if `session_key` belongs to another connection."""
        owner = self._owner.get(session_key)
        if owner is not None and owner != conn_id and not operator:
            raise ProtocolError(Refusal.FOREIGN_SESSION, session_key=session_key)

    def claim(self, session_key: str, conn_id: str, *, operator: bool) -> None:
        """`chat.send`: check, then make `conn_id` the owner of a session nobody owns."""
        self.check(session_key, conn_id, operator=operator)
        self._owner.setdefault(session_key, conn_id)

    def release(self, conn_id: str, sessions: set[str]) -> None:
        """The connection closed: free its sessions, or keep those with runs in flight."""
        for session_key in sessions:
            if self._owner.get(session_key) != conn_id:
                continue
            if self._has_live_runs(session_key):
                self._orphans.add(session_key)
            else:
                del self._owner[session_key]

    def run_settled(self, session_key: str) -> None:
        """A run settled: free its session if its owner is gone and nothing else runs there."""
        if session_key in self._orphans and not self._has_live_runs(session_key):
            self._orphans.discard(session_key)
            self._owner.pop(session_key, None)
