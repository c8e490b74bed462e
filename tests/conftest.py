"""Shared test setup.

- `pytester` runs pytest sessions in-process (tests of the pytest plugin).
- Every summary.json any test made (in-process, in `leakbench` child processes, in pytester
  sessions: all under pytest's base temporary directory) is validated at the end of the
  session against the published schema (`leakbench schema summary`); one that does not
  validate fails the session.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def _invalid_summaries(root: Path) -> list[str]:
    import jsonschema

    from leakbench.harness.verdict.schema import summary_json_schema

    validator = jsonschema.Draft202012Validator(summary_json_schema())
    problems = []
    for path in sorted(root.rglob("summary.json")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged summary written on purpose by a test of the reader
        if not isinstance(summary, dict) or summary.get("format") != 1:
            continue
        for error in validator.iter_errors(summary):
            where = "/".join(map(str, error.absolute_path)) or "(top)"
            problems.append(f"{path.relative_to(root)}: {where}: {error.message}")
    return problems


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or getattr(session.config, "workerinput", None) is not None:
        return
    try:
        root = factory.getbasetemp()
    except (OSError, ValueError):
        return
    problems = _invalid_summaries(root)
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["summary.json files that do not match `leakbench schema summary`:", *problems]
        if reporter is not None:
            reporter.write_line("\n".join(lines[:50]), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def corpus_python():
    """`corpus_python("Babel==2.11.0")`: the interpreter of a venv with just that pinned package
    (and its dependencies) and no leakbench, built once under LEAKBENCH_CORPUS_CACHE (default
    ~/.cache/leakbench-corpus) and reused across runs. Skips the test when pip cannot install
    it (the package registry is unreachable, or the pin is gone)."""
    from corpus.venvs import RegistryUnreachable, build, python_of

    built: dict[str, Path | RegistryUnreachable] = {}

    def get(requirement: str) -> Path:
        if requirement not in built:
            try:
                built[requirement] = python_of(build(requirement))
            except RegistryUnreachable as error:
                built[requirement] = error
        found = built[requirement]
        if isinstance(found, RegistryUnreachable):
            pytest.skip(f"cannot install {requirement} from the package registry: {found}")
        return found

    return get
