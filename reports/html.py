"""Self-contained HTML pages: report.html for a run, compare.html for a before/after pair.

Templates (reports/templates) share base.html; CSS is inline and images are data URIs, so a
page opens from disk, mailed or archived as a CI artifact, with no network. Autoescaping is
on: scenario names, exit details and map names come from files a user can edit.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from leakbench.harness.units import format_duration
from leakbench.reports import tables
from leakbench.reports.evidence import Evidence
from leakbench.reports.live import soak_position
from leakbench.reports.series import last_sample

LIVE_RELOAD_S = 60

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Image:
    """A PNG inlined into a page."""

    uri: str
    alt: str
    caption: str
    width: int
    height: int


def template_environment() -> Environment:
    return Environment(
        loader=PackageLoader("leakbench.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def leakbench_version() -> str:
    try:
        return version("leakbench")
    except PackageNotFoundError:
        return "(not installed)"


def inline_png(path: Path, alt: str, caption: str) -> Image:
    """Read a PNG written by reports.plots into a data URI, with its pixel size from IHDR."""
    data = path.read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return Image(uri, alt, caption, width, height)


def _scenario_text(meta: dict[str, Any]) -> str:
    scenario = meta.get("scenario")
    if not scenario:
        return ""
    return yaml.safe_dump(scenario, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _subtitle(evidence: Evidence) -> str:
    meta = evidence.run.meta
    parts = [evidence.label]
    if meta.get("seed") is not None:
        parts.append(f"seed {meta['seed']}")
    if meta.get("transport"):
        parts.append(f"{meta['transport']} transport")
    parts.append(f"run directory {evidence.run.run_dir.name}")
    return " \u00b7 ".join(parts)


def _live(evidence: Evidence) -> dict[str, Any] | None:
    """The banner of a report rebuilt while the soak runs: when, how far, how long is left."""
    if evidence.live_at is None:
        return None
    last = last_sample(evidence.run.columns)
    position = soak_position(evidence.run.meta, last)
    words = f"{format_duration(position.elapsed_s)} of wall time so far"
    if position.fraction is not None:
        words += f", {position.fraction:.0%} of the workload"
    if position.left_s is not None:
        words += f", about {format_duration(position.left_s)} left"
    return {
        "updated": evidence.live_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "position": words[:1].upper() + words[1:] + ".",
        "reload_s": LIVE_RELOAD_S,
    }


def render_report_html(evidence: Evidence, images: list[Image]) -> str:
    """The run's report page: verdict first, then the evidence, the scenario, the environment."""
    summary, meta = evidence.summary, evidence.run.meta
    return (
        template_environment()
        .get_template("report.html")
        .render(
            leakbench_version=leakbench_version(),
            source=f"{evidence.run.run_dir.name}/ (meta.json, samples.jsonl, summary.json)",
            label=evidence.label,
            subtitle=_subtitle(evidence),
            headline=evidence.headline,
            verdict_words=evidence.verdict_words,
            verdict_colour=evidence.verdict_colour,
            cut_short=evidence.cut_short,
            live=_live(evidence),
            has_summary=summary is not None,
            summary_note=evidence.summary_note,
            notes=evidence.notes,
            facts=tables.run_facts(summary, meta, evidence.run.columns),
            images=images,
            signals=tables.signal_rows(summary),
            warmup=tables.warmup_text(summary),
            retained=tables.retained_rows(summary),
            by_path=tables.retained_by_path_rows(summary),
            caches=tables.cache_rows(summary),
            types=tables.type_rows(summary),
            rss_vs_heap=tables.rss_vs_heap_rows(summary),
            constructors=tables.constructor_rows(summary),
            sites=tables.site_rows(summary),
            holders=tables.holder_rows(summary),
            bounded=tables.bounded_rows(summary),
            scenario=_scenario_text(meta),
            environment=tables.environment_rows(meta),
        )
    )


def render_compare_html(context: dict[str, Any], image: Image) -> str:
    """The before/after page; `context` comes from reports.compare."""
    return (
        template_environment()
        .get_template("compare.html")
        .render(leakbench_version=leakbench_version(), image=image, **context)
    )
