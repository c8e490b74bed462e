"""Gateway settings and cleanup policies: defaults, overrides and the errors users see."""

from __future__ import annotations

import re

import pytest

from leakbench.gateway_sim import (
    FIXED,
    FLAG_NAMES,
    LEGACY,
    ConfigError,
    GatewaySettings,
    resolve_policy,
)
from leakbench.gateway_sim.policy import CleanupSite, parse_flag_override, policy_label


def test_defaults_are_the_production_constants() -> None:
    settings = GatewaySettings()
    assert (settings.delta_throttle, settings.agent_coalesce, settings.error_grace) == (
        0.15,
        0.15,
        15.0,
    )
    assert (settings.raw_cap, settings.agent_run_seq_cap, settings.dedupe_max) == (
        500_000,
        10_000,
        1000,
    )
    assert (settings.maintenance_interval, settings.tick_interval) == (60.0, 30.0)
    assert (settings.stale_ttl, settings.aborted_ttl, settings.dedupe_ttl) == (
        3600.0,
        3600.0,
        300.0,
    )
    assert settings.run_timeout == 48 * 3600


def test_from_dict_overrides_some_settings() -> None:
    settings = GatewaySettings.from_dict({"stale_ttl": 60, "dedupe_max": 10})
    assert settings.stale_ttl == 60.0 and isinstance(settings.stale_ttl, float)
    assert settings.dedupe_max == 10
    assert settings.aborted_ttl == 3600.0


def test_from_dict_rejects_unknown_keys_naming_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as rejected:
        GatewaySettings.from_dict({"stale_tll": 60})
    message = str(rejected.value)
    assert message.startswith("unknown gateway setting(s): stale_tll; valid settings: ")
    assert "stale_ttl" in message and "expiry_max" in message


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"maintenance_interval": 0}, "maintenance_interval must be positive"),
        ({"stale_ttl": -1}, "stale_ttl must be positive"),
        ({"raw_cap": 0}, "raw_cap must be a whole number >= 1"),
        ({"dedupe_max": 2.5}, "dedupe_max must be a whole number >= 1"),
        ({"error_grace": "15s"}, "error_grace must be a finite number of seconds"),
        ({"stale_ttl": float("nan")}, "stale_ttl must be a finite number of seconds"),
        # NaN or a sub-millisecond period once stopped the sweep or made the timer spin; a huge
        # integer overflowed the float conversion.
        ({"maintenance_interval": float("inf")}, "maintenance_interval must be at most 1e\\+09"),
        ({"tick_interval": 1e-12}, "tick_interval must be at least 0.001s"),
        ({"delta_throttle": 1e-12}, "delta_throttle must be 0 or at least 0.001s"),
        ({"raw_cap": 10**30}, "raw_cap must be at most 1,000,000,000"),
        ({"stale_ttl": 10**400}, "stale_ttl must be at most 1e\\+09 seconds"),
        ({"expiry_min": 10.0, "expiry_max": 5.0}, r"expiry_max \(5s\) must be at least expiry_min"),
    ],
)
def test_invalid_values_are_refused(values: dict, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        GatewaySettings.from_dict(values)


def test_zero_error_grace_is_allowed() -> None:
    assert GatewaySettings(error_grace=0).error_grace == 0.0


@pytest.mark.parametrize(
    ("timeout", "expires_after"),
    [(0.0, 120.0), (300.0, 360.0), (172_800.0, 86_400.0)],
)
def test_run_expiry_is_timeout_plus_grace_clamped(timeout: float, expires_after: float) -> None:
    assert GatewaySettings().run_expiry(1000.0, timeout) == 1000.0 + expires_after


def test_legacy_sets_no_flag_and_fixed_sets_the_four_parts_of_the_fix() -> None:
    assert not any(LEGACY.flags().values())
    assert FIXED.flags() == {
        "abort_clears_raw": True,
        "stale_buffer_sweep": True,
        "sweeps_use_clear_run": True,
        "agent_loop_clears_run": True,
        "synthetic_end_clears_raw": False,
    }
    assert list(FIXED.flags()) == list(FLAG_NAMES)


def test_cleanup_sites_follow_their_flags() -> None:
    assert not any(LEGACY.clears_fully(site) for site in CleanupSite)
    assert [site for site in CleanupSite if FIXED.clears_fully(site)] == [
        CleanupSite.ABORT,
        CleanupSite.ABORTED_AGE_OUT,
        CleanupSite.STALE_DELTA,
    ]
    assert resolve_policy("legacy-2026.5.27").clears_fully(CleanupSite.SYNTHETIC_END)


def test_resolve_policy_switches_single_flags() -> None:
    policy = resolve_policy("fixed", {"stale_buffer_sweep": False})
    assert not policy.stale_buffer_sweep and policy.abort_clears_raw
    assert resolve_policy("legacy") == LEGACY


def test_resolve_policy_names_the_valid_policies_and_flags() -> None:
    with pytest.raises(
        ConfigError, match=re.escape("valid policies: legacy, fixed, legacy-2026.5.27")
    ):
        resolve_policy("patched")
    with pytest.raises(
        ConfigError, match=re.escape("unknown policy flag(s): turbo; valid flags: abort")
    ):
        resolve_policy("legacy", {"turbo": True})
    with pytest.raises(ConfigError, match="must be true or false"):
        resolve_policy("legacy", {"abort_clears_raw": "yes"})


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("abort_clears_raw=true", ("abort_clears_raw", True)), (" x = FALSE", ("x", False))],
)
def test_flag_overrides_parse_from_the_command_line(text: str, parsed: tuple) -> None:
    assert parse_flag_override(text) == parsed


@pytest.mark.parametrize("text", ["abort_clears_raw", "abort_clears_raw=1", "=maybe"])
def test_malformed_flag_overrides_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match=re.escape("NAME=true|false")):
        parse_flag_override(text)


def test_policy_label_names_the_switched_flags() -> None:
    assert policy_label("fixed") == "fixed"
    assert policy_label("legacy", {"abort_clears_raw": True}) == "legacy[abort_clears_raw=true]"
