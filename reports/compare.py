"""Before/after comparison of two runs: compare.png, compare.html and the figures behind them.

The question a fix has to answer is "how much of the growth per run is gone?". Each run's
summary gives its RSS slope per run with an interval; the ratio after/before gets a
conservative interval from the intervals' endpoints (the extreme corner ratios), so the
conclusion never claims more than both runs support. Works for any two runs, gateway or
command targets alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from leakbench.harness.units import (
    MISSING,
    format_interval,
    format_number,
    format_percent,
    format_quantity,
)
from leakbench.reports.evidence import Evidence, load_evidence
from leakbench.reports.html import inline_png, render_compare_html
from leakbench.reports.plots import plot_compare, save_png
from leakbench.reports.tables import retained_rows

COMPARE_HTML = "compare.html"
COMPARE_PNG = "compare.png"
SIGNALS = ("rss", "heap", "objects")
SIGNAL_NAMES = {"rss": "RSS", "heap": "heap", "objects": "object count"}


def default_compare_dir(before: Path, after: Path) -> Path:
    """Where `leakbench compare` writes without --out: beside AFTER_DIR, named after both runs,
    so neither run directory is modified and repeated comparisons overwrite their own output."""
    before, after = Path(before).resolve(), Path(after).resolve()
    return after.parent / f"compare-{before.name}-vs-{after.name}"


Interval = tuple[float, float]


@dataclass(frozen=True)
class SlopeComparison:
    """One signal's slope per run in both runs and what the change did to it."""

    signal: str
    unit: str | None
    slope_before: float | None
    slope_before_ci: Interval | None
    slope_after: float | None
    slope_after_ci: Interval | None
    ratio: float | None = None
    ratio_ci: Interval | None = None
    removed_fraction: float | None = None
    removed_fraction_ci: Interval | None = None
    conclusion: str = ""


def _slope(evidence: Evidence, signal: str) -> tuple[float | None, Interval | None, str | None]:
    figures = ((evidence.summary or {}).get("signals") or {}).get(signal) or {}
    ci = figures.get("slope_per_run_ci")
    return figures.get("slope_per_run"), tuple(ci) if ci else None, figures.get("unit")


def _conclude(c: SlopeComparison) -> str:
    """The comparison in one sentence, never claiming more than both intervals support."""

    def per_run(value: float | None) -> str:
        return f"{format_quantity(value, c.unit)}/run"

    name = SIGNAL_NAMES.get(c.signal, c.signal)
    if c.slope_before_ci is None or c.slope_after_ci is None:
        missing = "before" if c.slope_before_ci is None else "after"
        return f"No growth comparison: the {missing} run has no {name} slope (no verdict)."
    both = f"{per_run(c.slope_before)} before, {per_run(c.slope_after)} after"
    if c.ratio is None or c.ratio_ci is None or c.removed_fraction_ci is None:
        if c.slope_after_ci[0] > 0:
            return (
                f"The after run's {name} grows measurably where the before run's did not ({both})."
            )
        return f"No change in growth: neither run's {name} grows measurably per run ({both})."
    if c.ratio_ci[1] < 1:
        share = "all" if c.ratio <= 0 else format_percent(1 - c.ratio)
        low, high = (format_percent(f) for f in c.removed_fraction_ci)
        return (
            f"The change removes {share} of the {name} growth per run "
            f"(interval {low} to {high}): {both}."
        )
    if c.ratio_ci[0] > 1:
        low, high = c.ratio_ci
        return (
            f"The change makes {name} grow {c.ratio:.3g}\u00d7 faster per run "
            f"(interval {low:.3g}\u00d7 to {high:.3g}\u00d7): {both}."
        )
    return (
        f"No change in growth: the ratio after/before is {c.ratio:.3g} and its interval "
        f"includes 1 ({both})."
    )


def compare_slopes(
    signal: str,
    unit: str | None,
    before: tuple[float | None, Interval | None],
    after: tuple[float | None, Interval | None],
) -> SlopeComparison:
    """Ratio after/before of the slopes per run with a conservative interval (the extreme
    ratios of the intervals' endpoints), and the fraction of growth removed. The ratio is only
    defined when the before run measurably grows: its interval lies above zero."""
    (b, b_ci), (a, a_ci) = before, after
    comparison = SlopeComparison(signal, unit, b, b_ci, a, a_ci)
    if None not in (a, b, a_ci, b_ci) and b_ci[0] > 0:
        corners = [a_end / b_end for a_end in a_ci for b_end in b_ci]
        ratio_ci = (min(corners), max(corners))
        comparison = replace(
            comparison,
            ratio=a / b,
            ratio_ci=ratio_ci,
            removed_fraction=1 - a / b,
            removed_fraction_ci=(1 - ratio_ci[1], 1 - ratio_ci[0]),
        )
    return replace(comparison, conclusion=_conclude(comparison))


def _signal_comparison(before: Evidence, after: Evidence, signal: str) -> SlopeComparison:
    b, b_ci, b_unit = _slope(before, signal)
    a, a_ci, a_unit = _slope(after, signal)
    return compare_slopes(signal, b_unit or a_unit, (b, b_ci), (a, a_ci))


def _retained(before: Evidence, after: Evidence) -> list[dict[str, str]]:
    """Per-map retained entries of both runs side by side, maps retained by either first."""
    rows_before = {row["map"]: row for row in retained_rows(before.summary)}
    rows_after = {row["map"]: row for row in retained_rows(after.summary)}
    blank = {"entries": MISSING, "bytes": MISSING, "leaks": ""}
    rows = []
    for name in dict.fromkeys([*rows_before, *rows_after]):
        b, a = rows_before.get(name, blank), rows_after.get(name, blank)
        rows.append(
            {
                "map": name,
                "before_entries": b["entries"],
                "after_entries": a["entries"],
                "before_bytes": b["bytes"],
                "after_bytes": a["bytes"],
                "leaks": b["leaks"] or a["leaks"],
            }
        )
    return sorted(rows, key=lambda row: not row["leaks"])


def _retained_counts(evidence: Evidence) -> dict[str, int]:
    state = ((evidence.summary or {}).get("signals") or {}).get("state") or {}
    return dict(state.get("retained") or {})


def _run_view(evidence: Evidence, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "label": evidence.label,
        "run_name": evidence.run.run_dir.name,
        "verdict_words": evidence.verdict_words,
        "verdict_colour": evidence.verdict_colour,
        "headline": evidence.headline,
        "cut_short": evidence.cut_short,
    }


def _slope_row(c: SlopeComparison) -> dict[str, str]:
    size = "bytes" if c.unit == "bytes" else None
    return {
        "signal": f"{c.signal} ({c.unit})" if c.unit and not size else c.signal,
        "before": format_quantity(c.slope_before, size),
        "before_ci": format_interval(*(c.slope_before_ci or (None, None)), size),
        "after": format_quantity(c.slope_after, size),
        "after_ci": format_interval(*(c.slope_after_ci or (None, None)), size),
        "ratio": format_number(c.ratio),
        "ratio_ci": format_interval(*(c.ratio_ci or (None, None)), None),
        "conclusion": c.conclusion,
    }


def render_comparison(before: Path, after: Path, out: Path) -> dict[str, Any]:
    """Write compare.png and compare.html into `out` (created) and return the figures.

    The dict is JSON-serialisable: `before_dir`, `after_dir`; the RSS `slope_before`,
    `slope_after` per run with their `_ci` intervals; `ratio` (after/before), and
    `removed_fraction` (1 - ratio), each with its `_ci`, None when the before run does not
    measurably grow; the one-line `conclusion`; `retained` {map: {"before", "after"}} entries;
    the `html` and `png` paths. Raises BadInput when either directory is not a run directory.
    """
    before_ev, after_ev = load_evidence(Path(before)), load_evidence(Path(after))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    comparisons = [_signal_comparison(before_ev, after_ev, signal) for signal in SIGNALS]
    rss = comparisons[0]
    png = save_png(plot_compare(before_ev, after_ev), out / COMPARE_PNG)
    context = {
        "before": _run_view(before_ev, "before"),
        "after": _run_view(after_ev, "after"),
        "source": f"{before_ev.run.run_dir.name}/ and {after_ev.run.run_dir.name}/",
        "conclusion": rss.conclusion,
        "slopes": [
            _slope_row(c)
            for c in comparisons
            if c.slope_before is not None or c.slope_after is not None
        ],
        "retained": _retained(before_ev, after_ev),
    }
    image = inline_png(
        png,
        "RSS of both runs over gateway time and over runs completed",
        "RSS of the before and after runs on shared axes: over gateway time (left) and over runs "
        "completed during the load (right).",
    )
    html = out / COMPARE_HTML
    html.write_text(render_compare_html(context, image), encoding="utf-8")
    before_retained, after_retained = _retained_counts(before_ev), _retained_counts(after_ev)
    return {
        "before_dir": str(before_ev.run.run_dir),
        "after_dir": str(after_ev.run.run_dir),
        **{key: list(v) if isinstance(v, tuple) else v for key, v in asdict(rss).items()},
        "retained": {
            name: {"before": before_retained.get(name), "after": after_retained.get(name)}
            for name in dict.fromkeys([*before_retained, *after_retained])
        },
        "html": str(html),
        "png": str(png),
    }
