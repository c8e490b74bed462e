"""Render a run's report (rss.png, state.png, objects.png, report.html) into its run directory.

Used at the end of `leakbench run` and by `leakbench report RUN_DIR`; both read only the run
directory, so a report can be rebuilt at any time, also for a run that crashed. During a soak
the report is rebuilt as it runs (`leakbench report --live`); every file is written beside its
place and renamed over it, so a browser or a copy never sees half a page or half a PNG.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from leakbench.harness.rundir import REPORT
from leakbench.reports.evidence import Evidence, load_evidence
from leakbench.reports.html import Image, inline_png, render_report_html
from leakbench.reports.plots import plot_objects, plot_rss, plot_state, save_png
from leakbench.reports.tree_plot import plot_tree

Plot = tuple[str, Callable[[Evidence], Figure | None], str, str]
PLOTS: tuple[Plot, ...] = (
    (
        "rss.png",
        plot_rss,
        "RSS of the target over gateway time and over runs completed",
        "RSS over gateway time (left) and over runs completed during the load (right). Grey: the "
        "warm-up the verdict cut; blue: the drain after the workload; dashed: the Theil\u2013Sen "
        "trend through the post-warm-up median, with the band of its slope interval.",
    ),
    (
        "tree.png",
        plot_tree,
        "RSS of the target's process tree and of its largest members over time",
        "RSS of the whole process tree (solid), which the verdict judges under scope 'tree', and "
        "of its largest members by pid (dashed), each over its own lifetime. Grey: the warm-up.",
    ),
    (
        "state.png",
        plot_state,
        "Entries held per gateway map over gateway time",
        "Entries held per gateway map (solid) and bounded cache (dotted) over gateway time. After "
        "the workload the drain lets TTLs expire; what a map still holds at the end is retained.",
    ),
    (
        "objects.png",
        plot_objects,
        "Python object counts, heap blocks, traced heap and growing types",
        "Python heap signals over runs completed: gc object count and allocated blocks, the "
        "tracemalloc total when it was on, and the types that grew between checkpoints.",
    ),
)


def _partial(path: Path) -> Path:
    """Where `path` is written before it is renamed into place (same directory, same disk)."""
    return path.with_name(f".{path.name}.partial")


def render_evidence_report(evidence: Evidence) -> Path:
    """Write the plots that have data and report.html; return the report's path."""
    run_dir = evidence.run.run_dir
    images: list[Image] = []
    for name, draw, alt, caption in PLOTS:
        figure = draw(evidence)
        if figure is not None:
            partial = save_png(figure, _partial(run_dir / name))
            images.append(inline_png(partial, alt, caption))
            os.replace(partial, run_dir / name)
    report = run_dir / REPORT
    _partial(report).write_text(render_report_html(evidence, images), encoding="utf-8")
    os.replace(_partial(report), report)
    return report


def render_run_report(run_dir: Path, *, live: bool = False) -> Path:
    """Re-render a run directory's report from meta.json, samples.jsonl and summary.json.

    `live`: the soak is still running; the report shows the verdict so far. Raises BadInput
    when `run_dir` is not a run directory.
    """
    return render_evidence_report(load_evidence(Path(run_dir), live=live))
