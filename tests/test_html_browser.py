"""report.html in a real browser: headless Chromium opens it from disk, with the network closed,
and shows the verdict and the plots; also the live report of a command soak, while it runs.

Needs Debian's chromium (`apt-get install -y chromium`); skipped when it is not installed.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from leakbench.reports.plots import AFTER_COLOUR
from leakbench.reports.render import render_run_report
from leakbench_cli import leakbench, leakbench_process

TARGETS = Path(__file__).parent / "targets"

RUNS = Path(__file__).parent / "data" / "runs"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WINDOW = (1280, 2400)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)"
)


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A live `leakbench run mixed-faults --policy both`: legacy, fixed and their comparison."""
    root = tmp_path_factory.mktemp("both")
    result = leakbench("run", "mixed-faults", "--policy", "both", "--out", root, "-q")
    assert result.code == 0, result.stdout + result.stderr  # the fixed run's verdict
    return root


@pytest.fixture(scope="module")
def report(both_runs: Path) -> Path:
    return both_runs / "legacy" / "report.html"


def test_policy_both_writes_both_reports_and_the_comparison(both_runs: Path) -> None:
    for policy in ("legacy", "fixed"):
        assert (both_runs / policy / "report.html").is_file()
    with Image.open(both_runs / "compare" / "compare.png") as image:
        assert image.size[0] >= 800 and image.size[1] >= 300
    assert "removes" in (both_runs / "compare" / "compare.html").read_text()


def test_a_recorded_report_renders_in_the_browser_too(tmp_path: Path) -> None:
    run_dir = shutil.copytree(RUNS / "legacy-abort-storm", tmp_path / "r")
    page = render_run_report(run_dir)
    dom = _chromium(page, tmp_path / "profile", "--dump-dom").stdout.decode()
    headline = json.loads((run_dir / "summary.json").read_text())["headline"]
    assert html.escape(headline, quote=False) in dom


def _chromium(report: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, report.as_uri()]
    return subprocess.run(command, capture_output=True, timeout=120, check=True)


def test_screenshot_is_the_window_size_and_shows_the_plots(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    window = f"--window-size={WINDOW[0]},{WINDOW[1]}"
    _chromium(report, tmp_path / "profile", f"--screenshot={shot}", window)
    with Image.open(shot) as image:
        assert image.size == WINDOW
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    assert len(np.unique(pixels, axis=0)) > 200, "the page rendered blank"
    # The RSS line colour appears only inside the inlined plots: they were decoded and drawn.
    line = np.array([int(AFTER_COLOUR[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - line).sum(axis=1) < 60).sum() > 300


def test_dom_has_the_verdict_and_inline_pngs(report: Path, tmp_path: Path) -> None:
    dom = _chromium(report, tmp_path / "profile", "--dump-dom").stdout.decode()
    headline = json.loads((report.parent / "summary.json").read_text())["headline"]
    assert html.escape(headline, quote=False) in dom
    sources = re.findall(r'<img src="data:image/png;base64,([^"]+)"', dom)
    assert len(sources) == 3
    for source in sources:
        png = base64.b64decode(source)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        assert width >= 800 and height >= 300


@dataclass
class LiveReads:
    """What a reader saw of a soak's report.html while the soak ran."""

    live_versions: set[str] = field(default_factory=set)
    torn: list[str] = field(default_factory=list)
    reads: int = 0
    dom: str = ""
    soak_code: int | None = None


def _complete(page: str) -> bool:
    return page.lstrip().lower().startswith("<!doctype html") and page.rstrip().endswith("</html>")


def _read_while_it_runs(duration: str, tmp_path: Path) -> LiveReads:
    """A command soak rebuilding its report every second; read it in a loop and open it once in
    Chromium while it runs (the page read then must be the live one)."""
    scenario = tmp_path / "plateau.yaml"
    scenario.write_text(
        "name: plateau\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / 'plateau_loop.py'}]}}\n"
        f"workload: {{duration: {duration}}}\n"
        "probe: {interval: 100ms}\n",
        encoding="utf-8",
    )
    run_dir = tmp_path / "run"
    report = run_dir / "report.html"
    harness = leakbench_process("run", scenario, "--out", run_dir, "--refresh", "1s", "-q")
    seen = LiveReads()
    try:
        while harness.poll() is None:
            try:
                page = report.read_text(encoding="utf-8")
            except FileNotFoundError:
                time.sleep(0.02)
                continue
            seen.reads += 1
            if not _complete(page):
                seen.torn.append(page[-200:])
            elif "Running, last updated" in page:
                seen.live_versions.add(page)
                if not seen.dom and len(seen.live_versions) >= 2:
                    seen.dom = _chromium(report, tmp_path / "profile", "--dump-dom").stdout.decode()
        seen.soak_code = harness.wait(timeout=120)
    finally:
        if harness.poll() is None:
            harness.kill()
    return seen


def _check_live_reads(seen: LiveReads) -> None:
    assert seen.soak_code == 0
    assert not seen.torn, f"{len(seen.torn)} of {seen.reads} reads saw a torn report.html"
    assert len(seen.live_versions) >= 2, "report.html was not rewritten while the soak ran"
    assert "Running, last updated" in seen.dom, "Chromium did not show the live page"
    assert "verdict so far" in seen.dom
    assert re.search(r'<section class="verdict"', seen.dom)


def test_the_live_report_opens_in_the_browser_while_the_soak_runs(tmp_path: Path) -> None:
    _check_live_reads(_read_while_it_runs("8s", tmp_path))


@pytest.mark.soak
def test_the_live_report_of_a_three_minute_soak_is_never_torn(tmp_path: Path) -> None:
    seen = _read_while_it_runs("3m", tmp_path)
    _check_live_reads(seen)
    assert len(seen.live_versions) >= 20
