"""Cleanup policies as data: one flag per part of the fix, so a user can bisect which part matters.

`LEGACY` is the gateway before its fix for stale chat stream buffers (the bug as the fix describes
it), `FIXED` the gateway after it. `legacy-2026.5.27` is the release just before the fix, whose
synthetic lifecycle end (emitted by abort) also cleared the raw buffer: there, aborts and timeouts
leak only when that synthetic end is lost (spec §5, fidelity note).

Which cleanup each site of the gateway performs is looked up in `SITE_FLAGS`, not decided by
chains of ifs: a site whose flag is on calls `clear_run` (every per-run map), otherwise it does
the legacy partial clear (everything but `raw_buffers`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum

from leakbench.gateway_sim.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CleanupPolicy:
    """Which parts of the fix are in force; all off is the legacy gateway."""

    abort_clears_raw: bool = False
    """Abort (client, stop command or timeout) clears the run with clear_run."""
    stale_buffer_sweep: bool = False
    """Stamp buffer_updated_at on every raw change and sweep stale buffers with clear_run."""
    sweeps_use_clear_run: bool = False
    """Aged-out aborted runs and the stale-delta loop clear the run with clear_run."""
    agent_loop_clears_run: bool = False
    """The stale agent-event loop clears the whole run, not just the stale key."""
    synthetic_end_clears_raw: bool = False
    """Legacy-side: the synthetic lifecycle end that abort emits clears the whole run."""

    def flags(self) -> dict[str, bool]:
        return asdict(self)

    def clears_fully(self, site: CleanupSite) -> bool:
        """Whether `site` calls clear_run under this policy (else the legacy partial clear)."""
        return getattr(self, SITE_FLAGS[site])


class CleanupSite(StrEnum):
    """The places where the gateway clears one run's state and the two policies differ."""

    ABORT = "abort"
    SYNTHETIC_END = "synthetic_end"
    ABORTED_AGE_OUT = "aborted_age_out"
    STALE_DELTA = "stale_delta"


SITE_FLAGS: dict[CleanupSite, str] = {
    CleanupSite.ABORT: "abort_clears_raw",
    CleanupSite.SYNTHETIC_END: "synthetic_end_clears_raw",
    CleanupSite.ABORTED_AGE_OUT: "sweeps_use_clear_run",
    CleanupSite.STALE_DELTA: "sweeps_use_clear_run",
}

LEGACY = CleanupPolicy()
FIXED = CleanupPolicy(
    abort_clears_raw=True,
    stale_buffer_sweep=True,
    sweeps_use_clear_run=True,
    agent_loop_clears_run=True,
)
POLICIES: dict[str, CleanupPolicy] = {
    "legacy": LEGACY,
    "fixed": FIXED,
    "legacy-2026.5.27": replace(LEGACY, synthetic_end_clears_raw=True),
}
FLAG_NAMES: tuple[str, ...] = tuple(f.name for f in fields(CleanupPolicy))


def resolve_policy(name: str, overrides: dict[str, bool] | None = None) -> CleanupPolicy:
    """The named policy with some flags switched; unknown names or flags list the valid ones."""
    if name not in POLICIES:
        raise ConfigError(f"unknown policy {name!r}; valid policies: {', '.join(POLICIES)}")
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(FLAG_NAMES))
    if unknown:
        raise ConfigError(
            f"unknown policy flag(s): {', '.join(unknown)}; valid flags: {', '.join(FLAG_NAMES)}"
        )
    for flag, value in overrides.items():
        if not isinstance(value, bool):
            raise ConfigError(f"policy flag {flag} must be true or false, got {value!r}")
    return replace(POLICIES[name], **overrides)


def parse_flag_override(text: str) -> tuple[str, bool]:
    """Parse a command-line override such as `abort_clears_raw=true`."""
    name, sep, value = text.partition("=")
    truth = {"true": True, "false": False}.get(value.strip().lower())
    if not sep or truth is None:
        raise ConfigError(f"policy flag override must look like NAME=true|false, got {text!r}")
    return name.strip(), truth


def policy_label(name: str, overrides: dict[str, bool] | None = None) -> str:
    """A name for a policy with overrides, e.g. `legacy[abort_clears_raw=true]`."""
    if not overrides:
        return name
    switched = ",".join(f"{flag}={str(value).lower()}" for flag, value in overrides.items())
    return f"{name}[{switched}]"
