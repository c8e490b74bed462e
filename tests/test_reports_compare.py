"""Before/after comparison: the slope ratio, its conservative interval and the conclusion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from leakbench.harness.commands.compare import compare
from leakbench.harness.errors import BadInput
from leakbench.reports.compare import compare_slopes, default_compare_dir, render_comparison

RUNS = Path(__file__).parent / "data" / "runs"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    return shutil.copytree(RUNS, tmp_path / "runs")


def _rss(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())["signals"]["rss"]


def _least_squares_slope(run_dir: Path) -> float:
    """RSS bytes per run of the load phase after the summary's warm-up cut, by np.polyfit."""
    cut = json.loads((run_dir / "summary.json").read_text())["warmup"]["cut_index"]
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    load = [s for s in map(json.loads, lines) if s.get("phase") != "drain" and s["i"] >= cut]
    runs = np.array([s["runs_done"] for s in load], dtype=float)
    rss = np.array([s["rss"] for s in load], dtype=float)
    return float(np.polyfit(runs, rss, 1)[0])


def test_ratio_interval_holds_every_ratio_the_two_slope_intervals_allow() -> None:
    """Conservative: any before and after slope inside their intervals gives a ratio inside the
    ratio's interval, and a removed share inside the removed share's."""
    c = compare_slopes("rss", "bytes", (2000.0, (1900.0, 2100.0)), (10.0, (-5.0, 20.0)))
    assert c.ratio == pytest.approx(10.0 / 2000.0)
    ratios = np.linspace(-5.0, 20.0, 26)[:, None] / np.linspace(1900.0, 2100.0, 21)[None, :]
    low, high = c.ratio_ci
    assert low <= ratios.min() and ratios.max() <= high
    assert high - low < 0.02  # and not wider than the intervals make it
    removed_low, removed_high = c.removed_fraction_ci
    assert removed_low <= (1 - ratios).min() and (1 - ratios).max() <= removed_high
    assert c.conclusion.startswith("The change removes 99.5% of the RSS growth per run")


def test_interval_including_one_is_no_change() -> None:
    c = compare_slopes("rss", "bytes", (2000.0, (1500.0, 2500.0)), (1900.0, (1400.0, 2400.0)))
    assert c.ratio_ci[0] < 1 < c.ratio_ci[1]
    assert c.conclusion.startswith("No change in growth")


def test_faster_growth_is_reported_as_such() -> None:
    c = compare_slopes("heap", "blocks", (1.0, (0.9, 1.1)), (3.0, (2.9, 3.1)))
    assert "grow 3\u00d7 faster per run" in c.conclusion


def test_no_ratio_when_the_before_run_does_not_grow() -> None:
    flat = compare_slopes("rss", "bytes", (3.0, (-10.0, 15.0)), (4.0, (-9.0, 16.0)))
    assert flat.ratio is None and flat.conclusion.startswith("No change in growth: neither")
    worse = compare_slopes("rss", "bytes", (3.0, (-10.0, 15.0)), (900.0, (850.0, 950.0)))
    assert worse.ratio is None and "grows measurably where the before run's did not" in (
        worse.conclusion
    )


def test_missing_slope_says_so() -> None:
    c = compare_slopes("rss", "bytes", (None, None), (4.0, (-9.0, 16.0)))
    assert c.conclusion == "No growth comparison: the before run has no RSS slope (no verdict)."


def test_legacy_vs_fixed(runs: Path, tmp_path: Path) -> None:
    before, after = runs / "legacy-abort-storm", runs / "fixed-abort-storm"
    result = render_comparison(before, after, tmp_path / "out")
    json.dumps(result)  # the runner may print it as JSON
    assert result["slope_before"] == _rss(before)["slope_per_run"]
    # An estimate made apart from the verdict (least squares on the raw samples after the
    # warm-up) must fall inside the stated interval of the ratio.
    independent = _least_squares_slope(after) / _least_squares_slope(before)
    low, high = result["ratio_ci"]
    assert low <= independent <= high
    assert high < 0.2  # legacy keeps ~2 KB per aborted run, fixed keeps nothing
    assert result["conclusion"].startswith("The change removes")
    assert result["retained"]["raw_buffers"]["before"] > 0
    assert result["retained"]["raw_buffers"]["after"] == 0
    page = Path(result["html"]).read_text()
    assert result["conclusion"] in page
    assert Path(result["png"]).read_bytes().startswith(b"\x89PNG")
    assert 'src="data:image/png;base64,' in page


@pytest.mark.parametrize("name", ["legacy-abort-storm", "command-target", "fixed-abort-storm"])
def test_a_run_against_itself_is_no_change(runs: Path, tmp_path: Path, name: str) -> None:
    result = render_comparison(runs / name, runs / name, tmp_path / "out")
    assert result["conclusion"].startswith("No change in growth")


def test_comparison_with_a_run_lacking_its_summary(runs: Path, tmp_path: Path) -> None:
    (runs / "legacy-crashed" / "summary.json").unlink()
    result = render_comparison(runs / "legacy-crashed", runs / "fixed-abort-storm", tmp_path / "o")
    assert Path(result["html"]).is_file()


def test_not_a_run_directory_is_bad_input(runs: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        render_comparison(tmp_path / "nope", runs / "fixed-abort-storm", tmp_path / "out")


def test_default_output_is_beside_the_after_run(runs: Path) -> None:
    out = default_compare_dir(runs / "legacy-abort-storm", runs / "fixed-abort-storm")
    assert out == runs.resolve() / "compare-legacy-abort-storm-vs-fixed-abort-storm"


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("compare")(compare)
    app.command("version")(lambda: None)
    return app


def test_compare_command_writes_to_the_default_directory(runs: Path) -> None:
    args = ["compare", str(runs / "legacy-abort-storm"), str(runs / "fixed-abort-storm")]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    out = runs / "compare-legacy-abort-storm-vs-fixed-abort-storm"
    assert (out / "compare.html").is_file() and (out / "compare.png").is_file()
    assert "The change removes" in result.stdout


def test_compare_command_bad_input_exits_2(runs: Path, tmp_path: Path) -> None:
    args = ["compare", str(tmp_path / "nope"), str(runs / "fixed-abort-storm"), "--out", "x"]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 2
    assert "not a leakbench run directory" in result.stderr
