"""tree.png: the RSS of the target's whole process tree and of its largest members.

Drawn only for a tree of more than one process (a wrapper, a server with workers). Each member
is its own line over its own lifetime, so a recycled worker ends one line and its successor
starts another; the tree's total is what the verdict judges under `verdict.scope: tree`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from leakbench.harness.units import byte_unit, time_unit
from leakbench.reports.evidence import Evidence
from leakbench.reports.plots import (
    AFTER_COLOUR,
    _figure,
    _line,
    _shade_warmup,
    _title,
    _warmup,
)
from leakbench.reports.series import field, series

MEMBERS_DRAWN = 6
COMMAND_CHARS = 48


def _members(evidence: Evidence) -> dict[str, str]:
    """{pid: command} of every member the probe recorded."""
    known: dict[str, str] = {}
    for _, recorded in evidence.run.columns.sparse("member_commands"):
        known.update({pid: who.get("command") or f"pid {pid}" for pid, who in recorded.items()})
    return known


def plot_tree(evidence: Evidence) -> Figure | None:
    """The tree's total RSS and its largest members' over time, warm-up shaded."""
    columns = evidence.run.columns
    members = _members(evidence)
    t, total = series(columns, field("tree_rss"), "t_gateway")
    if len(members) < 2 or not len(total):
        return None
    peaks = {pid: float(np.nanmax(columns.column(f"members.{pid}"))) for pid in members}
    drawn = sorted(peaks, key=peaks.__getitem__, reverse=True)[:MEMBERS_DRAWN]
    unit, bytes_per_unit = byte_unit(float(np.max(total)))
    t_unit, seconds_per_unit = time_unit(float(np.max(t)))
    scale = (seconds_per_unit, bytes_per_unit)
    figure, (axes,) = _figure(1, 1, 4.4)
    _title(figure, evidence, "Process tree RSS", f"{len(members)} processes recorded")
    cut = _warmup(evidence, "cut_t_gateway")
    _shade_warmup(axes, t[0] / seconds_per_unit, None if cut is None else cut / seconds_per_unit)
    _line(axes, t, total, scale, color=AFTER_COLOUR, linestyle="-", label="tree total")
    for pid in drawn:
        member_t, member_rss = series(columns, field(f"members.{pid}"), "t_gateway")
        label = f"pid {pid}: {members[pid][:COMMAND_CHARS]}"
        _line(axes, member_t, member_rss, scale, linestyle="--", label=label)
    axes.set(xlabel=f"time ({t_unit})", ylabel=f"RSS ({unit})", title="the tree and its members")
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=8)
    return figure
