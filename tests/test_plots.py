"""PNG plots: downsampling keeps spikes, figures carry the evidence, nothing leaks into pyplot."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from matplotlib._pylab_helpers import Gcf

from leakbench.harness.rundir import RunData, SampleColumns
from leakbench.harness.verdict import Tolerances, summarize
from leakbench.reports.downsample import minmax_downsample
from leakbench.reports.evidence import Evidence, load_evidence
from leakbench.reports.plots import plot_compare, plot_objects, plot_rss, plot_state, save_png

RUNS = Path(__file__).parent / "data" / "runs"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def legacy(tmp_path: Path) -> Evidence:
    return load_evidence(shutil.copytree(RUNS / "legacy-abort-storm", tmp_path / "legacy"))


@pytest.fixture
def command(tmp_path: Path) -> Evidence:
    return load_evidence(shutil.copytree(RUNS / "command-target", tmp_path / "command"))


def _evidence(columns: SampleColumns, summary: dict | None = None) -> Evidence:
    meta = {"scenario_name": "synthetic", "policy": "legacy", "status": "finished"}
    return Evidence(RunData(Path("synthetic"), meta, columns, summary), summary)


def test_downsample_leaves_short_series_alone() -> None:
    x, y = np.arange(100.0), np.sin(np.arange(100.0))
    dx, dy = minmax_downsample(x, y, buckets=50)
    assert np.array_equal(dx, x) and np.array_equal(dy, y)


def test_downsample_keeps_spikes_order_and_ends() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(100_000.0)
    y = rng.normal(0, 1, x.size)
    y[31_337] = 50.0  # a one-sample spike up
    y[77_777] = -50.0  # and one down
    dx, dy = minmax_downsample(x, y, buckets=500)
    assert len(dx) <= 2 * 500 + 2
    assert 50.0 in dy and -50.0 in dy
    assert dx[0] == 0 and dx[-1] == x[-1]
    assert np.all(np.diff(dx) > 0)
    assert dy.max() == y.max() and dy.min() == y.min()


def test_downsample_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="differ"):
        minmax_downsample(np.arange(3.0), np.arange(4.0))


def test_rss_figure_shows_verdict_trend_and_warmup(legacy: Evidence, tmp_path: Path) -> None:
    figure = plot_rss(legacy)
    assert figure is not None
    title = figure.get_suptitle()
    assert legacy.verdict_words in title and "abort-storm [legacy]" in title
    by_time, by_runs = figure.axes
    labels = {line.get_label() for line in by_runs.get_lines()}
    assert "trend (Theil\u2013Sen)" in labels
    # The warm-up band ends where the summary says the verdict cut it.
    cut = legacy.summary["warmup"]["cut_runs"]
    warmup = [p for p in by_runs.patches if p.get_label() == "warm-up (cut)"]
    assert warmup and warmup[0].get_x() + warmup[0].get_width() == pytest.approx(cut)
    assert by_time.get_xlabel().startswith("gateway time (")
    path = save_png(figure, tmp_path / "rss.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_rss_figure_without_summary_draws_no_trend(legacy: Evidence) -> None:
    figure = plot_rss(_evidence(legacy.run.columns))
    assert "Verdict unavailable" in figure.get_suptitle()
    assert all("trend" not in line.get_label() for ax in figure.axes for line in ax.get_lines())


def test_state_figure_has_one_line_per_map_ever_nonzero(legacy: Evidence) -> None:
    figure = plot_state(legacy)
    (axes,) = figure.axes
    labels = [line.get_label() for line in axes.get_lines()]
    assert any(label.startswith("raw_buffers") for label in labels)
    # legacy never writes buffer_updated_at: a map that is always empty gets no line
    assert not any(label.startswith("buffer_updated_at") for label in labels)
    assert axes.get_yscale() == "symlog"  # aborted_runs in thousands, agent maps in units
    assert any(p.get_label() == "drain" for p in axes.patches)


def test_state_figure_is_linear_when_ranges_are_close() -> None:
    samples = [
        {"t_gateway": t, "runs_done": t, "state": {"a": {"entries": t}, "b": {"entries": 2 * t}}}
        for t in range(1, 50)
    ]
    (axes,) = plot_state(_evidence(SampleColumns.from_samples(samples))).axes
    assert axes.get_yscale() == "linear"


def test_objects_figure_has_a_panel_per_measured_signal(legacy: Evidence) -> None:
    figure = plot_objects(legacy)
    titles = [ax.get_title() for ax in figure.axes]
    assert any("heap blocks" in t for t in titles)
    assert any("traced heap" in t for t in titles)
    assert any("growing types" in t for t in titles)


def test_command_target_has_rss_only(command: Evidence) -> None:
    """RSS is all a command target without the agent has: its figure draws every sample."""
    by_time, _ = plot_rss(command).axes
    (drawn,) = [line for line in by_time.get_lines() if line.get_label() == "RSS"]
    rss = command.run.columns.column("rss")
    y = np.asarray(drawn.get_ydata())
    assert len(y) == len(rss) and by_time.get_ylabel().startswith("RSS (")
    assert np.allclose(y * (rss.max() / y.max()), rss)  # the samples, in one display unit
    assert plot_state(command) is None
    assert plot_objects(command) is None


def test_compare_figure_overlays_both_runs(legacy: Evidence, command: Evidence) -> None:
    figure = plot_compare(legacy, command)
    for axes in figure.axes:
        labels = [line.get_label() for line in axes.get_lines()]
        assert any(label.startswith("before:") for label in labels)
        assert any(label.startswith("after:") for label in labels)


def test_plots_leave_no_pyplot_figures(legacy: Evidence) -> None:
    for draw in (plot_rss, plot_state, plot_objects):
        draw(legacy)
    assert Gcf.get_num_fig_managers() == 0


def test_a_tree_judged_run_draws_the_tree_it_was_judged_on() -> None:
    """A wrapper's own RSS is flat while its child grows: the line drawn, and the trend fitted
    to it, must be the tree's total that the verdict judged, not the flat parent."""
    samples = [
        {
            "i": i,
            "t_wall": i * 0.1,
            "t_gateway": i * 0.1,
            "runs_done": 0,
            "rss": 3e6,
            "tree_rss": 3e6 + 20e6 + 40_000.0 * i,
            "phase": "load",
        }
        for i in range(200)
    ]
    summary = summarize(samples, meta={"target": "command"}, tolerances=Tolerances(scope="tree"))
    assert summary["signals"]["rss"]["field"] == "tree_rss"
    by_time, _ = plot_rss(_evidence(SampleColumns.from_samples(samples), summary)).axes
    (drawn,) = [line for line in by_time.get_lines() if line.get_label() == "RSS (process tree)"]
    tree = np.array([sample["tree_rss"] for sample in samples])
    y = np.asarray(drawn.get_ydata())
    assert np.allclose(y * (tree.max() / y.max()), tree)
