"""The soak workflow users copy (.github/workflows/soak.yml): actionlint-clean, and wired as
documented (matrix without fail-fast, run directories uploaded always, a merge job after all)."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from leakbench_cli import REPO

WORKFLOW = REPO / ".github" / "workflows" / "soak.yml"


def _actionlint() -> Path | None:
    """The actionlint binary: beside this interpreter (the test extra installs it there), or
    on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "actionlint"
    if beside.is_file():
        return beside
    found = shutil.which("actionlint")
    return Path(found) if found else None


def _workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_the_soak_workflow_passes_actionlint() -> None:
    binary = _actionlint()
    if binary is None:
        pytest.skip("actionlint not found: install the test extra (it ships the binary)")
    result = subprocess.run(
        [str(binary), "-no-color", str(WORKFLOW.relative_to(REPO))],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_soak_workflow_gates_a_matrix_and_merges_it() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    assert {"pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    assert "FAIL_ON_INCONCLUSIVE" in workflow["env"]
    soak, merge = workflow["jobs"]["soak"], workflow["jobs"]["merge"]
    assert soak["strategy"]["fail-fast"] is False
    assert len(soak["strategy"]["matrix"]["scenario"]) > 1
    uploads = [s for s in soak["steps"] if str(s.get("uses", "")).startswith("actions/upload")]
    assert [s["if"] for s in uploads] == ["always()"]
    assert merge["needs"] == "soak" and merge["if"].startswith("always()")
    merge_script = "\n".join(s.get("run", "") for s in merge["steps"])
    assert "leakbench merge" in merge_script and "--index site/" in merge_script
