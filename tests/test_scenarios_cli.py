"""`leakbench scenarios list | show | validate | schema`, through the typer app itself."""

import json

import yaml
from typer.testing import CliRunner

from leakbench.harness.commands.scenarios import app
from leakbench.harness.scenario import builtin_names

runner = CliRunner()


def test_list_shows_every_built_in():
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in builtin_names():
        assert name in result.stdout
    assert "10,000 runs" in result.stdout
    assert "4d gateway time" in result.stdout
    assert "abort 20%" in result.stdout


def test_show_prints_the_file_then_the_resolved_values():
    result = runner.invoke(app, ["show", "abort-storm"])
    assert result.exit_code == 0
    written, _, resolved = result.stdout.partition("# resolved")
    assert "stale_ttl: 5m" in written
    resolved_values = yaml.safe_load(resolved.partition("\n")[2])
    assert resolved_values["gateway"]["stale_ttl"] == 300.0
    assert resolved_values["gateway"]["dedupe_max"] == 1000


def test_show_unknown_name_is_one_line_and_exit_2():
    result = runner.invoke(app, ["show", "nope"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("unknown scenario 'nope'")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_reports_each_file_and_fails_if_any_fails(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("name: good\nworkload: {runs: 10}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nworkload:\n  runs: 10\n  faults: {abort: 2}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert result.stdout == f"{good}: ok\n"
    assert result.stderr == (
        f"{bad}:4: workload.faults.abort: Input should be less than or equal to 1\n"
    )


def test_validate_all_good_exits_0():
    result = runner.invoke(app, ["validate", *builtin_names()])
    assert result.exit_code == 0
    assert result.stdout.count(": ok\n") == len(builtin_names())


def test_schema_is_json_schema_for_the_scenario_file():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["properties"]) == {
        "name", "description", "target", "gateway", "workload", "probe", "verdict", "seed"
    }  # fmt: skip
    assert schema["required"] == ["name", "workload"]
    assert schema["additionalProperties"] is False
