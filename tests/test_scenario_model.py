"""The scenario model: defaults, resolved values, overrides, and the files it accepts."""

import json
from pathlib import Path

import pytest

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario import (
    CommandTarget,
    GatewayTarget,
    Scenario,
    load_scenario,
    parse_scenario,
)

FULL = """\
name: full
description: Every section, with units.
target: {kind: gateway, policy: legacy, policy_flags: {abort_clears_raw: true}}
gateway: {maintenance_interval: 30s, stale_ttl: 10m, run_timeout: 2m, raw_cap: 1000}
workload:
  runs: 5000
  rate: 3000/m
  chunk_interval: {min: &fast 20ms, max: *fast}
  faults: {abort: 0.2, missing_terminal: 0.1}
  terminal_loss: 0.05
probe: {interval: 100ms, tracemalloc: true}
verdict: {warmup: 0.25, max_growth_per_run: 1KiB, max_rss_growth: 10MB/h}
seed: 7
"""


def _parse(text: str, base_dir: Path | None = None) -> Scenario:
    return parse_scenario(text, source="test.yaml", base_dir=base_dir)


def test_units_are_resolved_and_defaults_filled():
    scenario = _parse(FULL)
    assert isinstance(scenario.target, GatewayTarget)
    assert scenario.target.policy == "legacy"
    assert scenario.target.policy_flags.abort_clears_raw is True
    assert scenario.target.policy_flags.stale_buffer_sweep is None
    assert scenario.gateway.stale_ttl == 600.0
    assert scenario.gateway.aborted_ttl == 3600.0
    assert scenario.gateway.expiry_max == 86_400.0
    assert scenario.workload.rate == 50.0
    assert scenario.workload.chunk_interval.min == scenario.workload.chunk_interval.max == 0.02
    assert scenario.workload.faults.total == pytest.approx(0.3)
    assert scenario.workload.reply_chars.max == 4000
    assert scenario.probe.interval == 0.1
    assert scenario.verdict.max_growth_per_run == 1024
    assert scenario.verdict.max_rss_growth == pytest.approx(10e6 / 3600)
    assert scenario.verdict.warmup == 0.25


def test_minimal_scenario_defaults_to_the_fixed_embedded_gateway():
    scenario = _parse("name: tiny\nworkload: {runs: 10}\n")
    assert scenario.target == GatewayTarget(policy="fixed", transport="embedded")
    assert scenario.verdict.warmup == "auto"
    assert scenario.seed == 1


def test_resolved_dict_is_json_in_seconds_and_bytes():
    resolved = _parse(FULL).to_resolved_dict()
    assert json.loads(json.dumps(resolved)) == resolved
    assert resolved["gateway"]["maintenance_interval"] == 30.0
    assert resolved["verdict"]["max_growth_per_run"] == 1024
    assert resolved["workload"]["duration"] is None
    assert set(resolved) == {
        "name", "description", "target", "gateway", "workload", "probe", "verdict", "seed"
    }  # fmt: skip


def test_scenario_is_frozen():
    scenario = _parse(FULL)
    with pytest.raises(ValueError, match="frozen"):
        scenario.seed = 3


def test_overrides_replace_file_values_and_keep_the_rest():
    scenario = _parse(FULL)
    changed = scenario.with_overrides(policy="fixed", seed=9, transport="websocket")
    assert isinstance(changed.target, GatewayTarget)
    assert (changed.target.policy, changed.target.transport, changed.seed) == (
        "fixed",
        "websocket",
        9,
    )
    assert changed.target.policy_flags.abort_clears_raw is True
    assert changed.gateway == scenario.gateway
    assert scenario.target.policy == "legacy"


def test_duration_override_replaces_runs():
    changed = _parse(FULL).with_overrides(duration="2h")
    assert (changed.workload.runs, changed.workload.duration) == (None, 7200.0)
    assert _parse(FULL).with_overrides(duration=90.0).workload.duration == 90.0


def test_override_of_a_defaulted_target():
    changed = _parse("name: tiny\nworkload: {runs: 10}\n").with_overrides(policy="legacy")
    assert changed.target.policy == "legacy"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"policy": "bogus"}, "--policy bogus: Input should be 'legacy', 'fixed'"),
        ({"transport": "carrier-pigeon"}, "--transport carrier-pigeon: Input should be"),
        ({"seed": -1}, "--seed -1: Input should be greater than or equal to 0"),
        ({"duration": "soon"}, "--duration: expected a duration like"),
        ({"duration": 0}, "--duration 0: Input should be greater than 0"),
    ],
)
def test_bad_overrides_name_the_flag(overrides, message):
    with pytest.raises(BadInput) as info:
        _parse(FULL).with_overrides(**overrides)
    assert str(info.value).startswith(message)


COMMAND = """\
name: my-service
target:
  kind: command
  command: [python, -m, http.server, 8000]
  env: {PORT: 8000, MODE: soak}
  cwd: service
  ready: {tcp: "127.0.0.1:8000", timeout: 10s}
  driver: loadgen:drive
  driver_args: {path: /, clients: 4}
workload: {duration: 10m}
"""


def test_command_target(tmp_path):
    (tmp_path / "service").mkdir()
    scenario = _parse(COMMAND, base_dir=tmp_path)
    target = scenario.target
    assert isinstance(target, CommandTarget)
    assert target.command == ["python", "-m", "http.server", "8000"]
    assert target.env == {"PORT": "8000", "MODE": "soak"}
    assert target.cwd == str((tmp_path / "service").resolve())
    assert target.ready is not None and target.ready.timeout == 10.0
    assert target.driver_args == {"path": "/", "clients": 4}
    assert scenario.workload.duration == 600.0


def test_command_target_accepts_duration_override_but_not_policy(tmp_path):
    (tmp_path / "service").mkdir()
    scenario = _parse(COMMAND, base_dir=tmp_path)
    assert scenario.with_overrides(duration="1m", seed=3).workload.duration == 60.0
    with pytest.raises(BadInput, match="--policy applies only to gateway targets"):
        scenario.with_overrides(policy="legacy")


def test_cwd_is_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "service").mkdir()
    (tmp_path / "svc.yaml").write_text(COMMAND, encoding="utf-8")
    scenario = load_scenario(tmp_path / "svc.yaml")
    assert scenario.target.cwd == str((tmp_path / "service").resolve())


def test_bad_driver_spec():
    with pytest.raises(BadInput, match=r"target\.driver: expected 'module:function'"):
        _parse(COMMAND.replace("loadgen:drive", "loadgen.drive"))


def test_warmup_bounds():
    with pytest.raises(BadInput, match=r"verdict\.warmup: expected 'auto' or a fraction"):
        _parse("name: x\nworkload: {runs: 5}\nverdict: {warmup: 0.95}\n")


def test_expiry_bounds_ordered():
    with pytest.raises(BadInput, match=r"test\.yaml:3: gateway\.expiry_max: expiry_max"):
        _parse("name: x\nworkload: {runs: 5}\ngateway: {expiry_min: 1d, expiry_max: 1h}\n")


def test_name_must_be_usable_in_a_directory_name():
    with pytest.raises(BadInput, match=r"test\.yaml:1: name: expected up to 64 letters"):
        _parse("name: my scenario/1\nworkload: {runs: 5}\n")


def test_meta_json_reads_the_verdict_section_with_the_scenario_model(tmp_path: Path) -> None:
    """The recomputed verdict (a report without summary.json) judges by the tolerances the run
    had: meta.json's `verdict` is read by the scenario's own model, units and limits alike."""
    from leakbench.harness.rundir.meta import check_meta
    from leakbench.harness.verdict import tolerances_for, tolerances_from_settings

    scenario = parse_scenario(FULL, source="full.yaml")
    meta = {"scenario": json.loads(json.dumps(scenario.to_resolved_dict()))}
    read = check_meta(tmp_path / "meta.json", meta)["scenario"]["verdict"]
    assert tolerances_from_settings(read) == tolerances_from_settings(
        scenario.to_resolved_dict()["verdict"]
    )
    assert tolerances_from_settings(read).bytes_per_run == 1024
    assert tolerances_for(scenario).rss_per_hour == pytest.approx(10e6)
    # A hand-edited meta.json may write units as a scenario does; limits are the scenario's.
    edited = check_meta(
        tmp_path / "meta.json", {"scenario": {"verdict": {"max_rss_growth": "1MB/h"}}}
    )
    assert tolerances_from_settings(edited["scenario"]["verdict"]).rss_per_hour == pytest.approx(
        1e6
    )
    with pytest.raises(BadInput, match=r"field scenario\.verdict\.alpha: expected .*0\.5"):
        check_meta(tmp_path / "meta.json", {"scenario": {"verdict": {"alpha": 0.6}}})
