"""The direct soak: every run takes one path; drain; report what the per-run maps still hold.

This is spec §5's table, measured: after the drain (see `embedded`), an entry left in any
per-run map belongs to a finished run and is a leak; `caches` are the bounded caches, reported
apart because they plateau instead of growing.
"""

from __future__ import annotations

from typing import Any

from leakbench.gateway_sim.embedded import EmbeddedHost
from leakbench.gateway_sim.errors import ConfigError
from leakbench.gateway_sim.policy import policy_label, resolve_policy
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.workload import PATHS, Workload


def run_soak(
    policy: str,
    fault: str,
    runs: int,
    seed: int = 0,
    *,
    flags: dict[str, bool] | None = None,
    settings: GatewaySettings | None = None,
    terminal_loss: float = 0.0,
) -> dict[str, Any]:
    """Soak `runs` runs that all take path `fault` under `policy` (with `flags` switched)."""
    if fault not in PATHS:
        raise ConfigError(f"unknown fault path {fault!r}; valid paths: {', '.join(PATHS)}")
    cleanup = resolve_policy(policy, flags)
    faults = {} if fault == "normal" else {fault: 1.0}
    workload = Workload(runs=runs, faults=faults, terminal_loss=terminal_loss)
    host = EmbeddedHost(settings, cleanup, workload, seed, track_objects=False)
    host.advance(runs)
    host.drain()
    report = host.memory_report()
    return {
        "policy": policy_label(policy, flags),
        "fault": fault,
        "terminal_loss": terminal_loss,
        "runs": host.runs_done,
        "retained": {name: sizes["entries"] for name, sizes in report["state"].items()},
        "retained_bytes": {name: sizes["bytes"] for name, sizes in report["state"].items()},
        "caches": report["caches"],
    }
