"""The maintenance sweep (spec §4), run every `maintenance_interval` by the gateway's timer.

Rules of this module: the steps run in exactly the order of the spec, each over a snapshot of
its map (so deleting while sweeping is safe); "older than" is strict (`now - t > ttl`); the
stale loops skip runs still in `aborted_runs` and runs that still have an abort controller,
because those are owned by the abort path. The policy picks `clear_run` or the legacy clear.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from leakbench.gateway_sim.abort import AbortController, Aborter
from leakbench.gateway_sim.broadcast import Broadcast
from leakbench.gateway_sim.dedupe import DedupeCache
from leakbench.gateway_sim.policy import CleanupPolicy, CleanupSite
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.state import ChatRunState, run_of_agent_key


class Maintenance:
    """One sweep over the gateway's per-run state and bounded caches."""

    def __init__(
        self,
        settings: GatewaySettings,
        policy: CleanupPolicy,
        now: Callable[[], float],
        state: ChatRunState,
        controllers: dict[str, AbortController],
        agent_run_seq: dict[str, int],
        dedupe: DedupeCache[object],
        aborter: Aborter,
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._now = now
        self._state = state
        self._controllers = controllers
        self._agent_run_seq = agent_run_seq
        self._dedupe = dedupe
        self._aborter = aborter
        partial, full = state.clear_run_partial, state.clear_run
        self._clear_aged_out = full if policy.clears_fully(CleanupSite.ABORTED_AGE_OUT) else partial
        self._clear_stale_delta = full if policy.clears_fully(CleanupSite.STALE_DELTA) else partial

    def sweep(self) -> tuple[list[Broadcast], list[str]]:
        """Run every step once; returns the broadcasts and the runs aborted for timeout."""
        now = self._now()
        state, settings = self._state, self._settings
        self._dedupe.sweep(now)
        self._trim_agent_run_seq()
        broadcasts, timed_out = self._abort_expired(now)

        aborted = state.aborted_runs
        for run_id in self._older_than(aborted, now, settings.aborted_ttl):
            del aborted[run_id]
            self._clear_aged_out(run_id)

        for run_id in self._stale(state.delta_sent_at, now):
            self._clear_stale_delta(run_id)

        if self._policy.stale_buffer_sweep:
            for run_id in self._stale(state.buffer_updated_at, now):
                state.clear_run(run_id)

        self._sweep_agent_keys(now)
        return broadcasts, timed_out

    def _trim_agent_run_seq(self) -> None:
        """Keep the newest `agent_run_seq_cap` entries (insertion order is age)."""
        seqs = self._agent_run_seq
        excess = len(seqs) - self._settings.agent_run_seq_cap
        if excess > 0:
            for run_id in list(islice(seqs, excess)):
                del seqs[run_id]

    def _abort_expired(self, now: float) -> tuple[list[Broadcast], list[str]]:
        expired = [
            run_id
            for run_id, controller in self._controllers.items()
            if controller.expires_at <= now
        ]
        broadcasts: list[Broadcast] = []
        for run_id in expired:
            broadcasts.extend(self._aborter.abort_run(run_id, "timeout"))
        return broadcasts, expired

    def _sweep_agent_keys(self, now: float) -> None:
        """Stale agent loop: legacy forgets just the stale key; the fix forgets the whole run."""
        state = self._state
        sent_at, buffered = state.agent_delta_sent_at, state.buffered_agent_events
        for key in self._older_than(sent_at, now, self._settings.stale_ttl):
            run_id = run_of_agent_key(key)
            if self._guarded(run_id):
                continue
            if self._policy.agent_loop_clears_run:
                state.clear_run(run_id)
            else:
                sent_at.pop(key, None)
                buffered.pop(key, None)

    def _stale(self, stamps: dict[str, float], now: float) -> list[str]:
        """Runs whose stamp is older than the stale TTL and that no abort path still owns."""
        return [
            run_id
            for run_id in self._older_than(stamps, now, self._settings.stale_ttl)
            if not self._guarded(run_id)
        ]

    def _guarded(self, run_id: str) -> bool:
        return run_id in self._state.aborted_runs or run_id in self._controllers

    @staticmethod
    def _older_than(stamps: dict[str, float], now: float, ttl: float) -> list[str]:
        return [key for key, stamp in stamps.items() if now - stamp > ttl]
