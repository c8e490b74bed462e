"""Bad scenario files: one line `FILE:LINE: field.path: message`, exit code 2, never a traceback."""

from pathlib import Path

import pytest

from leakbench.harness.errors import BadInput
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.scenario import load_scenario


def _error(tmp_path: Path, text: str, name: str = "bad.yaml") -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as info:
        load_scenario(path)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    message = str(info.value)
    assert "\n" not in message
    return str(path), message


def test_invalid_yaml_names_file_and_line(tmp_path):
    path, message = _error(tmp_path, "name: demo\nworkload\n  runs: 5\n")
    assert message.startswith(f"{path}:3: invalid YAML: could not find expected ':'")
    assert "line 2" in message


def test_unknown_field_suggests_the_right_one(tmp_path):
    text = "name: demo\nworkload:\n  runs: 100\n  rnus: 5\n"
    path, message = _error(tmp_path, text)
    assert message == f"{path}:4: workload.rnus: unknown field (did you mean 'runs'?)"


def test_unknown_field_without_a_close_match_lists_the_fields(tmp_path):
    path, message = _error(tmp_path, "name: demo\nworkload: {runs: 5}\nprobe: {zzz: 1}\n")
    assert message.startswith(f"{path}:3: probe.zzz: unknown field; expected one of: interval,")


def test_wrong_type_shows_the_value(tmp_path):
    text = "name: demo\nworkload:\n  runs: 100\n  concurrency: many\n"
    path, message = _error(tmp_path, text)
    assert message.startswith(f"{path}:4: workload.concurrency: Input should be a valid integer")
    assert message.endswith("; got 'many'")


def test_bad_unit(tmp_path):
    text = "name: demo\nworkload:\n  runs: 100\n  rate: 50/fortnight\n"
    path, message = _error(tmp_path, text)
    assert message == (
        f"{path}:4: workload.rate: expected a rate like 50/s, 3000/m, 1000/h; got '50/fortnight'"
    )


def test_probability_out_of_range(tmp_path):
    text = "name: demo\nworkload:\n  runs: 100\n  faults:\n    abort: 1.5\n"
    path, message = _error(tmp_path, text)
    assert message == f"{path}:5: workload.faults.abort: Input should be less than or equal to 1"


def test_faults_adding_up_to_more_than_one_point_at_faults(tmp_path):
    text = "name: demo\nworkload:\n  runs: 100\n  faults: {abort: 0.6, timeout: 0.5}\n"
    path, message = _error(tmp_path, text)
    assert message == (
        f"{path}:4: workload.faults: fault probabilities add up to 1.1; "
        "at most 1 (the rest are normal runs)"
    )


def test_runs_and_duration_both_set_points_at_duration(tmp_path):
    text = "name: demo\nworkload:\n  runs: 100\n  rate: 5/s\n  duration: 1h\n"
    path, message = _error(tmp_path, text)
    assert message == f"{path}:5: workload.duration: set either runs or duration, not both"


def test_neither_runs_nor_duration_for_the_gateway(tmp_path):
    path, message = _error(tmp_path, "name: demo\nworkload:\n  rate: 5/s\n")
    assert message == f"{path}:2: workload: set runs (a count) or duration (gateway time)"


def test_missing_field_points_at_the_parent_mapping(tmp_path):
    text = "name: demo\ntarget:\n  kind: command\n  env: {A: b}\nworkload: {duration: 10s}\n"
    path, message = _error(tmp_path, text)
    assert message == f"{path}:2: target.command: Field required"


def test_missing_top_level_field_points_at_the_document(tmp_path):
    path, message = _error(tmp_path, "# my scenario\n\nworkload: {runs: 5}\n")
    assert message == f"{path}:3: name: Field required"


def test_missing_and_unknown_kind(tmp_path):
    path, message = _error(tmp_path, "name: demo\ntarget: {policy: fixed}\nworkload: {runs: 5}\n")
    assert message == f"{path}:2: target: missing 'kind' ('gateway' or 'command')"
    text = "name: demo\ntarget:\n  kind: lambda\nworkload: {runs: 5}\n"
    path, message = _error(tmp_path, text)
    assert message == f"{path}:3: target.kind: expected 'gateway' or 'command'; got 'lambda'"


def test_error_inside_a_union_member_has_no_tag_in_its_path(tmp_path):
    text = "name: demo\ntarget:\n  kind: gateway\n  policy: legasy\nworkload: {runs: 5}\n"
    path, message = _error(tmp_path, text)
    assert message == (
        f"{path}:4: target.policy: Input should be 'legacy', 'fixed' or 'legacy-2026.5.27'; "
        "got 'legasy'"
    )


def test_list_items_are_located(tmp_path):
    text = (
        "name: demo\ntarget:\n  kind: command\n  command:\n    - python\n    - ''\n"
        "workload: {duration: 1m}\n"
    )
    path, message = _error(tmp_path, text)
    assert message.startswith(f"{path}:6: target.command[1]: String should have at least 1")


def test_several_errors_report_the_first_line_and_count_the_rest(tmp_path):
    text = "name: demo\nworkload:\n  rate: fast\n  runs: -1\nseed: x\n"
    path, message = _error(tmp_path, text)
    assert message.startswith(f"{path}:3: workload.rate: expected a rate like")
    assert message.endswith(" (+2 more)")


def test_min_above_max(tmp_path):
    text = "name: demo\nworkload:\n  runs: 5\n  chunks:\n    min: 10\n    max: 5\n"
    path, message = _error(tmp_path, text)
    assert message == f"{path}:6: workload.chunks.max: max (5) must be at least min (10)"


def test_duplicate_keys_are_refused(tmp_path):
    path, message = _error(tmp_path, "name: demo\nworkload:\n  runs: 5\n  runs: 6\n")
    assert message == f"{path}:4: workload.runs: duplicate key"


def test_command_target_takes_a_duration_not_runs(tmp_path):
    text = "name: demo\ntarget: {kind: command, command: [sleep, 60]}\nworkload:\n  runs: 5\n"
    path, message = _error(tmp_path, text)
    assert message == (
        f"{path}:4: workload.runs: a command target runs for a duration (wall time), not runs"
    )


def test_gateway_settings_on_a_command_target(tmp_path):
    text = (
        "name: demo\ntarget: {kind: command, command: [sleep, 60]}\n"
        "workload: {duration: 1m}\ngateway: {stale_ttl: 5m}\n"
    )
    path, message = _error(tmp_path, text)
    assert message == f"{path}:4: gateway: gateway settings apply only to gateway targets"


def test_ready_check_needs_exactly_one_condition(tmp_path):
    text = (
        "name: demo\ntarget:\n  kind: command\n  command: [server]\n"
        "  ready: {tcp: '127.0.0.1:8080', log: listening}\nworkload: {duration: 1m}\n"
    )
    path, message = _error(tmp_path, text)
    assert message.startswith(f"{path}:5: target.ready.log: set only one of tcp, log or delay")


def test_ready_tcp_needs_a_port(tmp_path):
    text = (
        "name: demo\ntarget:\n  kind: command\n  command: [server]\n"
        "  ready:\n    tcp: localhost\nworkload: {duration: 1m}\n"
    )
    path, message = _error(tmp_path, text)
    assert message == (
        f"{path}:6: target.ready.tcp: expected host:port like 127.0.0.1:8080; got 'localhost'"
    )


def test_not_a_mapping(tmp_path):
    path, message = _error(tmp_path, "- name: demo\n")
    assert message == f"{path}:1: expected a mapping of fields; got a list"


def test_empty_file(tmp_path):
    path, message = _error(tmp_path, "# nothing here\n")
    assert message.startswith(f"{path}:1: the file is empty")


def test_python_tags_are_not_executed(tmp_path):
    path, message = _error(tmp_path, "name: !!python/object/apply:os.system [echo hi]\n")
    assert message.startswith(f"{path}:1: invalid YAML: could not determine a constructor")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("!!int x", "invalid literal for int()"),
        ("!!float abc", "could not convert string to float"),
        ("!!timestamp 2020-99-99", "month must be in 1..12"),
    ],
)
def test_a_tagged_value_that_cannot_be_built_is_reported_at_its_line(tmp_path, value, why):
    text = f"name: demo\n\nworkload:\n  duration: 60s\n  rate: {value}\n"
    path, message = _error(tmp_path, text)
    assert message.startswith(f"{path}:5: invalid YAML: a tagged value cannot be built"), message
    assert why in message


def test_python_and_unknown_tags_are_reported_at_their_line(tmp_path):
    for tag in ("!!python/object:os.system x", "!unknown 5"):
        path, message = _error(tmp_path, f"name: demo\nworkload:\n  runs: {tag}\n")
        assert message.startswith(f"{path}:3: invalid YAML: could not determine a constructor")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(BadInput, match=r"latin1\.yaml:1: not UTF-8 text"):
        load_scenario(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(BadInput, match=r"nowhere\.yaml: scenario file not found$"):
        load_scenario(str(tmp_path / "nowhere.yaml"))
    with pytest.raises(BadInput, match="is a directory"):
        load_scenario(tmp_path)


def test_unknown_name_lists_the_built_ins():
    with pytest.raises(BadInput) as info:
        load_scenario("abort-strom")
    message = str(info.value)
    assert message.startswith("unknown scenario 'abort-strom'")
    assert "did you mean 'abort-storm'?" in message
    assert "built-in scenarios: abort-storm, bounded-caches, clean," in message


def test_long_values_are_cut_in_messages(tmp_path):
    path, message = _error(tmp_path, f"name: demo\nworkload: {{runs: {'9x' * 100}}}\n")
    assert message.startswith(f"{path}:2: workload.runs: Input should be a valid integer")
    assert message.endswith("...")
    assert len(message) < len(path) + 200


def test_self_referencing_aliases_do_not_hang(tmp_path):
    path, message = _error(tmp_path, "name: demo\nworkload: {runs: 5}\nloop: &a [*a]\n")
    assert message.startswith(f"{path}:3: loop: unknown field; expected one of: name,")
