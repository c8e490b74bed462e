"""Abort and timeout (spec §3): stopping a run early, and what that leaves behind.

Rules of this module: an abort always records `aborted_runs[R]`, drops the abort controller and
the chat link, announces `chat aborted` and emits the synthetic lifecycle `end {aborted: true}`
into the event flow; the policy decides only whether the run's buffers go with `clear_run` or
with the legacy partial clear that keeps `raw_buffers`. A client may abort only the runs its
connection started, unless it is an operator.

The synthetic end can be lost on its way to the handler (`drop_synthetic_end`, a fault-injection
seam): on the 2026.5.27 build that loss is exactly what makes an abort leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from leakbench.gateway_sim.broadcast import Audience, Broadcast
from leakbench.gateway_sim.chat import ChatFlow
from leakbench.gateway_sim.errors import ProtocolError, Refusal
from leakbench.gateway_sim.policy import CleanupPolicy, CleanupSite
from leakbench.gateway_sim.state import ChatRunState


class AbortController:
    """A run that can still be stopped: its owner and when it expires (spec §1)."""

    __slots__ = (
        "__weakref__",
        "aborted",
        "expires_at",
        "owner_conn",
        "reason",
        "run_id",
        "session_key",
        "started_at",
    )

    def __init__(
        self, run_id: str, session_key: str, owner_conn: str, started_at: float, expires_at: float
    ) -> None:
        self.run_id = run_id
        self.session_key = session_key
        self.owner_conn = owner_conn
        self.started_at = started_at
        self.expires_at = expires_at
        self.aborted = False
        self.reason: str | None = None


@dataclass(frozen=True, slots=True)
class AbortResult:
    """`aborted` is False when there was no active run to stop (not an error, as in the gateway)."""

    aborted: bool
    broadcasts: list[Broadcast] = field(default_factory=list)


class Aborter:
    """Owner checks and `abort_run`; shared by `chat.abort`, stop commands and maintenance."""

    def __init__(
        self,
        policy: CleanupPolicy,
        now: Callable[[], float],
        state: ChatRunState,
        controllers: dict[str, AbortController],
        agent_run_seq: dict[str, int],
        chat: ChatFlow,
        audience: Audience | None,
        drop_synthetic_end: Callable[[str], bool] | None,
    ) -> None:
        self._now = now
        self._state = state
        self._controllers = controllers
        self._agent_run_seq = agent_run_seq
        self._chat = chat
        self._audience = audience
        self._drop_synthetic_end = drop_synthetic_end
        self._clear = (
            state.clear_run if policy.clears_fully(CleanupSite.ABORT) else state.clear_run_partial
        )

    def abort(
        self,
        run_id: str,
        *,
        conn_id: str,
        operator: bool = False,
        reason: str = "rpc",
        session_key: str | None = None,
    ) -> AbortResult:
        """A client's request to stop `run_id`; refuses connections that do not own it.

        The owner check comes before the session check, so a non-owner learns nothing of the
        run's session (WRONG_SESSION goes only to those who may stop the run)."""
        controller = self._controllers.get(run_id)
        if controller is None:
            return AbortResult(aborted=False)
        if not operator and controller.owner_conn != conn_id:
            raise ProtocolError(Refusal.NOT_OWNER, run_id=run_id)
        if session_key is not None and controller.session_key != session_key:
            raise ProtocolError(Refusal.WRONG_SESSION, run_id=run_id, session_key=session_key)
        return AbortResult(aborted=True, broadcasts=self.abort_run(run_id, reason))

    def abort_session(
        self, session_key: str, *, conn_id: str, operator: bool = False, reason: str = "rpc"
    ) -> AbortResult:
        """Stop every run of a session that this connection may stop (`chat.abort` without id).

        A session whose active runs are all another connection's is refused (FOREIGN_SESSION),
        as the spec refuses a non-owner's abort; one without active runs stops nothing."""
        runs = [c for c in self._controllers.values() if c.session_key == session_key]
        mine = [c.run_id for c in runs if operator or c.owner_conn == conn_id]
        if runs and not mine:
            raise ProtocolError(Refusal.FOREIGN_SESSION, session_key=session_key)
        out: list[Broadcast] = []
        for run_id in mine:
            out.extend(self.abort_run(run_id, reason))
        return AbortResult(aborted=bool(mine), broadcasts=out)

    def abort_run(self, run_id: str, reason: str) -> list[Broadcast]:
        """Stop a run unconditionally (spec §3); `reason` is also the announced stop reason."""
        now = self._now()
        controller = self._controllers.pop(run_id, None)
        if controller is not None:
            controller.aborted = True
            controller.reason = reason
        self._state.aborted_runs[run_id] = now
        partial = self._state.buffers.get(run_id)
        self._clear(run_id)
        entry = self._state.registry.pop(run_id, None)
        session_key = entry.session_key if entry is not None else None
        if session_key is None and controller is not None:
            session_key = controller.session_key
        out: list[Broadcast] = []
        if session_key is not None and self._audience is not None and self._audience(session_key):
            payload = {
                "run_id": run_id,
                "session_key": session_key,
                "state": "aborted",
                "message": partial or None,
                "stop_reason": reason,
            }
            out.append(Broadcast("chat", payload, session_key))
        if self._drop_synthetic_end is None or not self._drop_synthetic_end(run_id):
            synthetic_end = {"phase": "end", "aborted": True, "stop_reason": reason}
            if session_key is not None:
                synthetic_end["session_key"] = session_key
            seq = self._agent_run_seq.get(run_id, 0) + 1
            out.extend(self._chat.handle(run_id, "lifecycle", seq, synthetic_end))
        return out
