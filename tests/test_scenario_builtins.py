"""The built-in scenarios: all load, each shows what its name says, each stays quick to run."""

import pytest

from leakbench.harness.scenario import (
    GatewayTarget,
    builtin_names,
    find_scenario_file,
    load_scenario,
)

BUILTINS = [
    "abort-storm",
    "bounded-caches",
    "clean",
    "missing-terminal",
    "mixed-faults",
    "suppressed-output",
    "timeouts",
    "uptime-4d",
]
# Embedded runs at 3,000-5,000 runs/s and WebSocket at ~1,000: keep every built-in in seconds.
MAX_RUNS = 50_000


def test_the_built_ins_are_shipped():
    assert builtin_names() == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_built_in_loads_by_name_and_by_path(name):
    by_name = load_scenario(name)
    assert by_name.name == name
    assert load_scenario(find_scenario_file(name)) == by_name
    assert by_name.description.endswith(".")


@pytest.mark.parametrize("name", BUILTINS)
def test_built_in_is_a_fixed_policy_gateway_that_finishes_quickly(name):
    scenario = load_scenario(name)
    assert isinstance(scenario.target, GatewayTarget)
    assert scenario.target.policy == "fixed"
    workload = scenario.workload
    expected_runs = workload.runs or (workload.duration or 0) * workload.rate
    assert 2_000 <= expected_runs <= MAX_RUNS


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("abort-storm", "abort"),
        ("timeouts", "timeout"),
        ("suppressed-output", "suppressed_output"),
        ("missing-terminal", "missing_terminal"),
    ],
)
def test_single_fault_scenarios_exercise_only_their_fault(name, fault):
    faults = load_scenario(name).workload.faults.model_dump()
    assert faults.pop(fault) > 0
    assert set(faults.values()) == {0.0}


def test_abort_storm_aborts_a_fifth_of_the_runs():
    assert load_scenario("abort-storm").workload.faults.abort == 0.2


def test_mixed_faults_has_every_fault_and_mostly_normal_runs():
    faults = load_scenario("mixed-faults").workload.faults
    assert all(faults.model_dump().values())
    assert faults.total < 0.5


@pytest.mark.parametrize("name", ["clean", "bounded-caches"])
def test_negatives_have_no_faults(name):
    workload = load_scenario(name).workload
    assert workload.faults.total == 0
    assert workload.terminal_loss == 0


def test_bounded_caches_fill_their_cap_in_the_first_part_of_the_run():
    scenario = load_scenario("bounded-caches")
    gateway, workload = scenario.gateway, scenario.workload
    assert workload.runs is not None
    fill_time = gateway.dedupe_max / workload.rate
    assert gateway.dedupe_ttl > fill_time  # the cap binds, not the TTL
    assert fill_time <= 0.3 * workload.runs / workload.rate


def test_uptime_is_four_days_of_gateway_time_at_a_low_rate():
    scenario = load_scenario("uptime-4d")
    assert scenario.workload.duration == 4 * 86_400
    assert scenario.workload.rate <= 0.1
    assert scenario.workload.faults.total > 0
    assert scenario.gateway.stale_ttl == 3600  # production TTLs
    assert isinstance(scenario.target, GatewayTarget)
    assert scenario.workload.duration / scenario.target.speedup <= 60  # WebSocket wall time


@pytest.mark.parametrize("name", BUILTINS)
def test_stalled_runs_fit_the_concurrency(name):
    """Timed-out runs hold a slot until expiry and the next sweep; they must not starve the rest."""
    scenario = load_scenario(name)
    gateway, workload = scenario.gateway, scenario.workload
    expiry = min(
        max(gateway.run_timeout + gateway.expiry_grace, gateway.expiry_min), gateway.expiry_max
    )
    stalled = workload.rate * workload.faults.timeout * (expiry + gateway.maintenance_interval)
    chunks, interval = workload.chunks, workload.chunk_interval
    mean_stream = (chunks.min + chunks.max) / 2 * (interval.min + interval.max) / 2
    streaming = workload.rate * mean_stream  # Little's law
    assert stalled + 2 * streaming < workload.concurrency
