"""JUnit XML: one case per scenario run, outcomes CI understands, valid against the schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from leakbench.reports.junit import JUnitCase, write_junit

DATA = Path(__file__).parent / "data"
RUNS = DATA / "runs"


def _case(name: str) -> JUnitCase:
    summary = json.loads((RUNS / name / "summary.json").read_text())
    return JUnitCase.from_summary(summary, report=Path(name) / "report.html")


def _cases() -> list[JUnitCase]:
    inconclusive = JUnitCase("mixed-faults", "legacy", "inconclusive", 1e-6, "Inconclusive: x.")
    return [_case("legacy-abort-storm"), _case("fixed-abort-storm"), _case("legacy-crashed"),
            _case("command-target"), inconclusive]  # fmt: skip


def _validate(path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is in the test extras")
    xmlschema.XMLSchema(DATA / "junit.xsd").validate(path)


@pytest.mark.parametrize("inconclusive", ["failure", "skipped"])
def test_output_is_valid_junit(tmp_path: Path, inconclusive: str) -> None:
    path = write_junit(_cases(), tmp_path / "junit.xml", inconclusive=inconclusive)
    _validate(path)


def test_outcomes_per_verdict(tmp_path: Path) -> None:
    cases = _cases()
    root = ET.parse(write_junit(cases, tmp_path / "junit.xml")).getroot()
    suite = root.find("testsuite")
    testcases = list(suite.iter("testcase"))
    expected = {"leak": ["failure"], "inconclusive": ["failure"], "error": ["error"]}
    for case, testcase in zip(cases, testcases, strict=True):
        outcome = [child.tag for child in testcase if child.tag != "system-out"]
        assert outcome == expected.get(case.verdict, []), case
        assert testcase.find("system-out").text
        if case.verdict == "leak":
            failure = testcase.find("failure")
            assert failure.get("message") == case.headline and failure.get("type") == "leak"
            assert "slope" in failure.text and "raw_buffers" in failure.text
    verdicts = [case.verdict for case in cases]
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == str(verdicts.count("leak") + verdicts.count("inconclusive"))
    assert suite.get("errors") == str(verdicts.count("error"))
    assert root.get("tests") == suite.get("tests")


def test_case_names_and_classnames(tmp_path: Path) -> None:
    root = ET.parse(write_junit([_case("legacy-abort-storm")], tmp_path / "j.xml")).getroot()
    testcase = root.find("testsuite/testcase")
    assert testcase.get("name") == "abort-storm[legacy]"
    assert testcase.get("classname") == "leakbench.abort-storm"
    assert float(testcase.get("time")) >= 0


def test_inconclusive_can_be_skipped(tmp_path: Path) -> None:
    cases = [JUnitCase("clean", "fixed", "inconclusive", 2.0, "Inconclusive: rerun longer.")]
    root = ET.parse(write_junit(cases, tmp_path / "j.xml", inconclusive="skipped")).getroot()
    suite = root.find("testsuite")
    assert suite.get("skipped") == "1" and suite.get("failures") == "0"
    assert suite.find("testcase/skipped").get("message") == "Inconclusive: rerun longer."


def test_times_are_plain_decimals(tmp_path: Path) -> None:
    cases = [JUnitCase("clean", None, "no-leak", 1e-7, "No leak.")]
    root = ET.parse(write_junit(cases, tmp_path / "j.xml")).getroot()
    assert root.find("testsuite/testcase").get("time") == "0.000"
    assert root.find("testsuite/testcase").get("name") == "clean"
