"""The summary printed at the end of a run (and by `leakbench report`): verdict first, then the
slopes per signal, the maps that retained entries, who holds the growth inside a Python target,
and where the full report is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from leakbench.reports.evidence import VERDICT_STYLE
from leakbench.reports.tables import (
    bounded_rows,
    constructor_rows,
    holder_rows,
    retained_rows,
    rss_vs_heap_rows,
    signal_rows,
)


def print_run_summary(
    console: Console, summary: dict[str, Any] | None, report_path: Path | None
) -> None:
    """Print the verdict panel, the per-signal table and the retained maps to `console`."""
    verdict = (summary or {}).get("verdict")
    words, colour = VERDICT_STYLE.get(verdict, VERDICT_STYLE[None])
    headline = (summary or {}).get("headline") or (
        "Verdict unavailable: the run has no summary.json." if summary is None else words
    )
    console.print(
        Panel(Text(headline), title=Text(words, style=f"bold {colour}"), border_style=colour)
    )
    rows = signal_rows(summary)
    if rows:
        console.print(_signal_table(rows))
    _print_node_tables(console, summary)
    retained = [row for row in retained_rows(summary) if row["leaks"]]
    if retained:
        table = Table(
            box=box.SIMPLE_HEAD, title="Gateway maps still holding entries after the drain"
        )
        for header in ("map", "entries", "bytes", "fault paths"):
            table.add_column(header, justify="right" if header in ("entries", "bytes") else "left")
        for row in retained:
            table.add_row(row["map"], row["entries"], row["bytes"], row["paths"])
        console.print(table)
    _print_holders(console, summary)
    if report_path is not None:
        console.print(f"Report: {report_path}")


PER_RUN_COLUMNS = (
    ("slope/run", "slope_per_run"),
    ("interval", "slope_per_run_ci"),
    ("slope/hour", "slope_per_hour"),
    ("MDL/run", "mdl"),
)
PER_HOUR_COLUMNS = (
    ("slope/hour", "slope_per_hour"),
    ("interval", "slope_per_hour_ci"),
    ("MDL/hour", "mdl_per_hour"),
)


def _signal_table(rows: list[dict[str, Any]]) -> Table:
    """Signals judged per run (a driver counts runs) or per hour (a command, a running process)."""
    per_run = any(row.get("axis") == "runs" for row in rows)
    columns = PER_RUN_COLUMNS if per_run else PER_HOUR_COLUMNS
    title = "per run" if per_run else "per hour"
    table = Table(box=box.SIMPLE_HEAD, title=f"Signals (slope {title} after the warm-up cut)")
    for header in ("signal", "verdict"):
        table.add_column(header)
    for header, _ in columns:
        table.add_column(header, justify="right")
    for row in rows:
        style = VERDICT_STYLE.get(row["verdict_key"], VERDICT_STYLE[None])[1]
        cells = [row[key] for _, key in columns]
        table.add_row(row["signal"], Text(row["verdict"], style=style), *cells)
    return table


def _print_node_tables(console: Console, summary: dict[str, Any] | None) -> None:
    """Node targets: RSS alone beside the post-GC heap, and the constructors that grew."""
    compared = rss_vs_heap_rows(summary)
    if compared:
        table = Table(box=box.SIMPLE_HEAD, title="RSS alone and the V8 heap after GC")
        for header in ("signal", "verdict", "why"):
            table.add_column(header)
        for row in compared:
            style = VERDICT_STYLE.get(row["verdict_key"], VERDICT_STYLE[None])[1]
            table.add_row(row["signal"], Text(row["verdict"], style=style), row["reason"])
        console.print(table)
    grown = constructor_rows(summary)
    if grown:
        table = Table(box=box.SIMPLE_HEAD, title="Constructors growing at every heap snapshot")
        for header in ("constructor", "growth", "own size", "held by"):
            table.add_column(
                header, justify="right" if header in ("growth", "own size") else "left"
            )
        for row in grown:
            table.add_row(row["type"], row["growth"], row["bytes"], row["held_by"])
        console.print(table)


def _print_holders(console: Console, summary: dict[str, Any] | None) -> None:
    """Python agent: the named root holding each grown type, and the chain down to one object.
    Lines, not table cells: a chain is copied whole into an editor's search, never cut."""
    unmeasured = ((summary or {}).get("attribution") or {}).get("agent")
    if unmeasured:
        console.print(Text(f"Inside the target: {unmeasured}."), soft_wrap=True)
    for row in bounded_rows(summary):
        pid = f", pid {row['pid']}" if row["pid"] else ""
        words = f"Bounded: {row['kind']} {row['name']} holds {row['fill']} (+{row['growth']}{pid})"
        console.print(Text(words), soft_wrap=True)
    held = holder_rows(summary)
    if not held:
        return
    console.print(Text("Who holds the growth", style="bold"))
    for row in held:
        pid = f", pid {row['pid']}" if row["pid"] else ""
        how = f"{row['kind']}; {row['samples']} sampled{pid}"
        words = f"  {row['type']} held in {row['holder']} ({how})"
        console.print(Text(words), soft_wrap=True)
        console.print(Text(f"    {row['path']}"), soft_wrap=True)
