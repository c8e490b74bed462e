"""`render_run_report` and `leakbench report`: the report is rebuilt from the run directory alone,
also for runs that crashed, lost their summary or were cut mid-line."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from leakbench.harness.commands.report import report
from leakbench.harness.errors import BadInput
from leakbench.reports.evidence import VERDICT_STYLE
from leakbench.reports.render import render_run_report

RUNS = Path(__file__).parent / "data" / "runs"
RECORDED = sorted(p.name for p in RUNS.iterdir() if (p / "meta.json").is_file())


def _copy(name: str, tmp_path: Path) -> Path:
    return shutil.copytree(RUNS / name, tmp_path / name)


def _summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def test_the_generated_run_directories_are_what_make_runs_writes_today(tmp_path: Path) -> None:
    """Their summaries are the product's own (`summarize_run`): regenerated now, byte for byte
    the same, so a change to the verdict cannot leave the report tests rendering stale ones."""
    spec = importlib.util.spec_from_file_location("make_runs", RUNS.parent / "make_runs.py")
    assert spec is not None and spec.loader is not None
    make_runs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_runs)
    make_runs.main(tmp_path)
    written = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.json*"))
    assert len(written) == 12  # meta.json, samples.jsonl, summary.json of four runs
    stale = [str(p) for p in written if (tmp_path / p).read_bytes() != (RUNS / p).read_bytes()]
    assert stale == [], "run `python tests/data/make_runs.py` and commit what it changes"


@pytest.mark.parametrize("name", RECORDED)
def test_every_recorded_run_renders_self_contained(name: str, tmp_path: Path) -> None:
    run_dir = _copy(name, tmp_path)
    page = render_run_report(run_dir).read_text()
    summary = _summary(run_dir)
    assert summary["headline"] in html.unescape(page)  # escaped as the template escapes it
    assert (run_dir / "rss.png").is_file()
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    # Nothing is fetched: no external src/href, and the page forbids it anyway.
    assert not re.search(r'(?:src|href)="(?!data:)', page)
    assert "default-src 'none'" in page


def test_leak_report_shows_verdict_tables_scenario_and_environment(tmp_path: Path) -> None:
    run_dir = _copy("legacy-abort-storm", tmp_path)
    page = render_run_report(run_dir).read_text()
    summary = _summary(run_dir)
    words, colour = VERDICT_STYLE[summary["verdict"]]
    assert f'<span class="label">{words}</span>' in page
    assert f"--verdict: {colour}" in page
    for name, entries in summary["signals"]["state"]["retained"].items():
        if entries:
            assert f'<tr class="leaks"><td>{name}</td>' in page
    assert 'id="signals"' in page and "99% lower bound" in page
    for entry in summary["attribution"]["sites"]:
        assert entry["site"] in page
    assert "name: abort-storm" in page  # the scenario as run, YAML
    assert "package psutil" in page
    assert "cut short" not in page
    for png in ("rss.png", "state.png", "objects.png"):
        assert (run_dir / png).is_file()


def test_command_target_report_has_no_state_section_plots(tmp_path: Path) -> None:
    run_dir = _copy("command-target", tmp_path)
    page = render_run_report(run_dir).read_text()
    assert not (run_dir / "state.png").exists() and not (run_dir / "objects.png").exists()
    assert "No per-map state in the summary" in page


def test_crashed_truncated_run_says_it_was_cut_short(tmp_path: Path) -> None:
    run_dir = _copy("legacy-crashed", tmp_path)
    page = render_run_report(run_dir).read_text()
    assert "This run was cut short:" in page
    assert "the target crashed" in page
    assert "cut mid-write" in page


def test_missing_summary_is_recomputed_and_labelled(tmp_path: Path) -> None:
    run_dir = _copy("legacy-crashed", tmp_path)
    (run_dir / "summary.json").unlink()
    page = render_run_report(run_dir).read_text()
    assert "recomputed from samples.jsonl at report time" in page
    assert "Run failed" in page  # the target crashed: the recomputed verdict is an error
    assert "This run was cut short:" in page
    assert (run_dir / "rss.png").is_file()


def test_unfinished_run_is_recomputed_as_an_error_not_a_completion(tmp_path: Path) -> None:
    run_dir = _copy("legacy-crashed", tmp_path)
    (run_dir / "summary.json").unlink()
    meta = json.loads((run_dir / "meta.json").read_text())
    meta.update(status="running", ended_at=None, exit_reason=None, exit_detail=None)
    (run_dir / "meta.json").write_text(json.dumps(meta))
    page = render_run_report(run_dir).read_text()
    assert "meta.json says running" in page
    assert "Run failed" in page


def test_failing_verdict_engine_does_not_stop_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def summarize_run(*args, **kwargs):
        raise ValueError("too few samples")

    monkeypatch.setattr("leakbench.harness.verdict.summarize_run", summarize_run)
    run_dir = _copy("legacy-crashed", tmp_path)
    (run_dir / "summary.json").unlink()
    page = render_run_report(run_dir).read_text()
    assert "recomputing it from the samples failed: too few samples" in page
    assert (run_dir / "rss.png").is_file()


def test_run_without_samples_renders(tmp_path: Path) -> None:
    run_dir = tmp_path / "empty"
    run_dir.mkdir()
    shutil.copy(RUNS / "legacy-crashed" / "meta.json", run_dir / "meta.json")
    page = render_run_report(run_dir).read_text()
    assert "holds no samples" in page
    assert "<img" not in page


def test_text_from_run_files_is_escaped(tmp_path: Path) -> None:
    run_dir = _copy("legacy-crashed", tmp_path)
    meta = json.loads((run_dir / "meta.json").read_text())
    meta["exit_detail"] = "<script>alert(1)</script>"
    (run_dir / "meta.json").write_text(json.dumps(meta))
    page = render_run_report(run_dir).read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_not_a_run_directory_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a leakbench run directory"):
        render_run_report(tmp_path)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report)
    app.command("version")(lambda: None)  # a second command keeps "report" a subcommand
    return app


def test_report_command_renders_and_prints_the_summary(tmp_path: Path) -> None:
    run_dir = _copy("legacy-abort-storm", tmp_path)
    (run_dir / "report.html").unlink(missing_ok=True)
    result = CliRunner().invoke(_cli(), ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert (run_dir / "report.html").is_file()
    assert "Report:" in result.stdout and "raw_buffers" in result.stdout


def test_report_command_on_a_bad_directory_exits_2_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["report", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not a leakbench run directory" in result.stderr
    assert "Traceback" not in result.output
