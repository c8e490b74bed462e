"""`leakbench ci` and `leakbench merge`: several runs as one CI gate, the worst exit code wins."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from leakbench.harness.commands.ci import plan_runs, run_entry
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.gate import InconclusiveRule, summary_exit_code, worst_exit_code
from leakbench_cli import CliResult, leakbench, leakbench_process

TARGETS = Path(__file__).parent / "targets"
LEGACY_OUTCOMES = {"abort-storm[legacy]": "failure:leak", "clean[legacy]": "passed"}
LONG_GATEWAY_RUN = """\
name: long-clean
target: {kind: gateway, policy: fixed}
workload: {runs: 2000000, rate: 50/s}
probe: {objects: false, checkpoints: 0}
"""


def _outcomes(junit: Path) -> dict[str, str]:
    """Test case name -> `passed`, or `<element>:<type>` of its failure, error or skip."""
    outcomes = {}
    for case in ET.parse(junit).iter("testcase"):
        result = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        outcome = "passed" if result is None else f"{result.tag}:{result.get('type')}"
        outcomes[case.get("name")] = outcome
    return outcomes


def _one_line_error(result: CliResult) -> str:
    assert result.code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def legacy_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliResult, Path]:
    """The acceptance run (two at a time), with reports, shared by the tests reading its outputs."""
    root = tmp_path_factory.mktemp("ci-legacy")
    result = leakbench(
        "ci", "abort-storm", "clean", "--policy", "legacy", "--jobs", "2",
        "--junit", root / "out.xml", "--out", root / "runs", "-q",
    )  # fmt: skip
    return result, root


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 4, 1, 3], ExitCode.TARGET_FAILED),
        ([0, 4, 1], ExitCode.LEAK),
        ([4, 0], ExitCode.INCONCLUSIVE),
        ([0, 0], ExitCode.NO_LEAK),
        ([], ExitCode.NO_LEAK),
        ([3, 2], ExitCode.BAD_INPUT),
        ([1, 3, 130], ExitCode.INTERRUPTED),
    ],
)
def test_the_worst_exit_code_follows_the_documented_severity(
    codes: list[int], expected: ExitCode
) -> None:
    assert worst_exit_code(map(ExitCode, codes)) == expected


def test_inconclusive_pass_counts_inconclusive_as_no_leak() -> None:
    codes = [ExitCode.INCONCLUSIVE, ExitCode.NO_LEAK]
    assert worst_exit_code(codes, InconclusiveRule.passes) == ExitCode.NO_LEAK
    assert worst_exit_code([*codes, ExitCode.LEAK], InconclusiveRule.passes) == ExitCode.LEAK


def test_a_run_that_left_no_summary_counts_as_target_failed_and_says_why(
    tmp_path: Path,
) -> None:
    (run,) = plan_runs(["clean"], tmp_path, {"policy": "legacy"}, report=False)
    run.log.write_text("Traceback (most recent call last):\nMemoryError\n", encoding="utf-8")
    entry = run_entry(run, returncode=1)
    assert summary_exit_code(entry.summary) == ExitCode.TARGET_FAILED
    assert entry.summary["verdict"] == "error" and entry.summary["policy"] == "legacy"
    assert "exited with code 1" in entry.summary["headline"]
    assert "MemoryError" in entry.summary["headline"] and entry.report is None


def test_a_legacy_leak_fails_the_batch_and_both_cases_are_reported(
    legacy_batch: tuple[CliResult, Path],
) -> None:
    result, root = legacy_batch
    assert result.code == 1, result.stdout + result.stderr
    assert _outcomes(root / "out.xml") == LEGACY_OUTCOMES
    assert "Exit code 1 (leak): 1 leak, 1 no leak in 2 runs." in result.stdout
    for scenario in ("abort-storm", "clean"):  # parallel runs, each in its own run directory
        summary = json.loads((root / "runs" / f"{scenario}-legacy" / "summary.json").read_text())
        assert (summary["scenario"], summary["policy"]) == (scenario, "legacy")


def test_the_index_links_every_runs_report(legacy_batch: tuple[CliResult, Path]) -> None:
    _, root = legacy_batch
    page = (root / "runs" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', page)
    assert links == ["abort-storm-legacy/report.html", "clean-legacy/report.html"]
    assert all((root / "runs" / link).is_file() for link in links)
    assert "Exit code 1 (leak)" in page


@pytest.mark.soak  # .ci/run's self-test runs `ci --policy fixed` on every stop
def test_the_fixed_policy_passes_with_the_same_cases_one_at_a_time(
    legacy_batch: tuple[CliResult, Path], tmp_path: Path
) -> None:
    result = leakbench(
        "ci", "abort-storm", "clean", "--policy", "fixed",
        "--junit", tmp_path / "out.xml", "--out", tmp_path / "runs", "--no-report", "-q",
    )  # fmt: skip
    assert result.code == 0, result.stdout + result.stderr
    sequential = _outcomes(tmp_path / "out.xml")
    assert sequential == {"abort-storm[fixed]": "passed", "clean[fixed]": "passed"}
    parallel = _outcomes(legacy_batch[1] / "out.xml")
    assert [n.replace("fixed", "legacy") for n in sequential] == list(parallel)


def test_a_crashed_target_outranks_a_leak(tmp_path: Path) -> None:
    dies = tmp_path / "dies.yaml"
    command = f"[{sys.executable}, {TARGETS / 'dies_midway.py'}]"
    dies.write_text(
        f"name: dies\ntarget: {{kind: command, command: {command}}}\n"
        "workload: {duration: 20s}\nprobe: {interval: 100ms}\n",
        encoding="utf-8",
    )
    # --policy applies to the gateway scenario only; the command target runs as written.
    result = leakbench(
        "ci", "abort-storm", dies, "--policy", "legacy", "--jobs", "2", "--duration", "10m",
        "--junit", tmp_path / "out.xml", "--out", tmp_path / "runs", "--no-report", "-q",
    )  # fmt: skip
    assert result.code == 3, result.stdout + result.stderr
    assert _outcomes(tmp_path / "out.xml") == {
        "abort-storm[legacy]": "failure:leak",
        "dies": "error:target-failed",
    }


def test_a_bad_scenario_is_exit_2_before_any_run(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    result = leakbench("ci", "clean", "no-such-scenario", "--out", out, "-q")
    assert "no-such-scenario" in _one_line_error(result)
    assert not out.exists()


def test_ctrl_c_stops_the_batch_with_130_and_keeps_what_ran(tmp_path: Path) -> None:
    scenario = tmp_path / "long.yaml"
    scenario.write_text(LONG_GATEWAY_RUN, encoding="utf-8")
    out = tmp_path / "runs"
    process = leakbench_process(
        "ci", scenario, "clean", "--out", out, "--junit", tmp_path / "out.xml", "-q", "--no-report"
    )
    samples = out / "long-clean-fixed" / "samples.jsonl"
    deadline = time.monotonic() + 60
    while not (samples.exists() and samples.read_text().count("\n") >= 3):
        assert time.monotonic() < deadline, "the first run never started sampling"
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "not run: clean-fixed" in stderr
    summary = json.loads((out / "long-clean-fixed" / "summary.json").read_text())
    assert summary["exit_code"] == 130
    assert list(_outcomes(tmp_path / "out.xml")) == ["long-clean[fixed]"]


def test_merge_combines_run_dirs_into_one_junit_and_a_self_contained_index(
    legacy_batch: tuple[CliResult, Path], tmp_path: Path
) -> None:
    runs = legacy_batch[1] / "runs"
    site = tmp_path / "site"
    result = leakbench(
        "merge", runs / "abort-storm-legacy", runs / "clean-legacy",
        "--junit", tmp_path / "merged.xml", "--index", site,
    )  # fmt: skip
    assert result.code == 1, result.stdout + result.stderr
    assert _outcomes(tmp_path / "merged.xml") == LEGACY_OUTCOMES
    links = re.findall(r'<a href="([^"]+)"', (site / "index.html").read_text(encoding="utf-8"))
    assert links == ["abort-storm-legacy/report.html", "clean-legacy/report.html"]
    for link in links:
        assert (site / link).is_file()
        assert (site / link).with_name("summary.json").is_file()


def test_merge_counts_a_run_without_summary_as_target_failed(
    legacy_batch: tuple[CliResult, Path], tmp_path: Path
) -> None:
    runs = legacy_batch[1] / "runs"
    unfinished = shutil.copytree(runs / "clean-legacy", tmp_path / "unfinished")
    (unfinished / "summary.json").unlink()
    result = leakbench(
        "merge", runs / "abort-storm-legacy", unfinished, "--junit", tmp_path / "merged.xml"
    )
    assert result.code == 3, result.stdout + result.stderr
    assert _outcomes(tmp_path / "merged.xml")["clean[legacy]"] == "error:target-failed"


def test_merge_fails_an_inconclusive_run_unless_told_to_pass_it(
    legacy_batch: tuple[CliResult, Path], tmp_path: Path
) -> None:
    run = shutil.copytree(legacy_batch[1] / "runs" / "clean-legacy", tmp_path / "undecided")
    summary = json.loads((run / "summary.json").read_text())
    (run / "summary.json").write_text(
        json.dumps({**summary, "verdict": "inconclusive", "exit_code": 4})
    )
    assert leakbench("merge", run).code == 4
    passed = leakbench("merge", run, "--inconclusive", "pass", "--junit", tmp_path / "m.xml")
    assert passed.code == 0, passed.stdout + passed.stderr
    assert _outcomes(tmp_path / "m.xml") == {"clean[legacy]": "skipped:inconclusive"}


def test_merge_names_a_bad_run_dir_in_one_line_and_exits_2(
    legacy_batch: tuple[CliResult, Path], tmp_path: Path
) -> None:
    good = legacy_batch[1] / "runs" / "clean-legacy"
    missing = tmp_path / "missing"
    result = leakbench("merge", good, missing, "--junit", tmp_path / "merged.xml")
    assert str(missing) in _one_line_error(result)
    assert not (tmp_path / "merged.xml").exists()
