"""The Python agent in command targets: what leaks, where it was allocated and who holds it, with
no change to the service; its own sitecustomize still runs, forked workers report for
themselves, native growth and allocator retention are told apart, and inject: false is off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from leakbench.harness.exitcodes import ExitCode
from leakbench_cli import leakbench

SERVICE = Path(__file__).parent / "targets" / "agent_service"
SITE = Path(__file__).parent / "targets" / "agent_site"
CACHE_TYPE = "templating.formatting.Rendered"
CACHE_HOLDER = "templating.formatting._cache"


def run(tmp_path: Path, script: str, *, probe: str = "", env: str = "", seconds: int = 5) -> Any:
    """`leakbench run` of one service script; the summary and the run directory."""
    scenario = tmp_path / f"{script}.yaml"
    scenario.write_text(
        f"name: {script.replace('_', '-')}\n"
        f"target: {{kind: command, command: [{sys.executable}, {script}.py], cwd: {SERVICE}"
        f"{', env: {' + env + '}' if env else ''}}}\n"
        f"workload: {{duration: {seconds}s}}\n"
        f"probe: {{interval: 50ms{', ' + probe if probe else ''}}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = leakbench("run", scenario, "--out", out, "--json", "--no-report")
    assert result.code in (0, 1), result.stdout + result.stderr
    return result.json(), out


def samples(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def test_an_unbounded_cache_is_attributed_to_its_type_site_and_holder_and_sitecustomize_runs(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "sitecustomize-ran"
    env = f"PYTHONPATH: {SITE}, AGENT_TEST_SITECUSTOMIZE_MARKER: {marker}"
    # tracemalloc checkpoints pause the target for a while: fewer of them in a longer run.
    probe = "tracemalloc: true, checkpoints: 3"
    summary, run_dir = run(tmp_path, "cache_service", probe=probe, env=env, seconds=8)
    assert summary["verdict"] == "leak"
    assert summary["signals"]["heap"]["verdict"] == "leak"
    found = summary["attribution"]
    assert found["types"][0]["type"] == CACHE_TYPE
    assert found["sites"][0]["site"].startswith("templating/formatting.py:")
    assert found["holders"][0]["holder"] == CACHE_HOLDER
    assert found["holders"][0]["kind"] == "module global"
    assert f"held in {CACHE_HOLDER}" in summary["headline"]
    # The target's own sitecustomize ran, in the target's main process.
    main = next(p for p in found["processes"] if p["main"])
    assert marker.read_text() == str(main["pid"])
    # Nothing of the agent reached the target's output.
    assert (run_dir / "target.log").read_text() == ""
    shows_holders_sites_and_objects(run_dir)


def shows_holders_sites_and_objects(run_dir: Path) -> None:
    """`leakbench report` of that run: the holder and its chain in the terminal table and in
    report.html, beside objects.png and the sites table."""
    result = leakbench("report", run_dir)
    assert result.code == 0, result.stderr
    terminal = result.stdout
    assert "Who holds the growth" in terminal
    assert f"{CACHE_HOLDER}[…]" in terminal  # the chain: the global's dict, then an entry
    page = (run_dir / "report.html").read_text()
    holders = page.split("<h3>Who holds the growth</h3>", 1)[1].split("</table>", 1)[0]
    assert f"<td>{CACHE_TYPE}</td><td>{CACHE_HOLDER}</td><td>module global</td>" in holders
    sites = page.split("<h3>Top growing allocation sites</h3>", 1)[1].split("</table>", 1)[0]
    assert "<td>templating/formatting.py:" in sites
    assert (run_dir / "objects.png").stat().st_size > 0
    assert 'alt="Python object counts, heap blocks' in page


def test_forked_workers_report_under_their_own_pids(tmp_path: Path) -> None:
    summary, run_dir = run(tmp_path, "forking_service")
    assert summary["verdict"] == "leak"
    processes = summary["attribution"]["processes"]
    main = next(p["pid"] for p in processes if p["main"])
    workers = {p["pid"] for p in processes if p["ppid"] == main}
    assert len(workers) == 2
    holders = {h["pid"] for h in summary["attribution"]["holders"] if h["holder"] == CACHE_HOLDER}
    assert holders == workers
    last = [s for s in samples(run_dir) if "tree_heap_blocks" in s][-1]
    assert set(last["tree_heap_blocks"]) == {str(pid) for pid in (main, *workers)}


def test_c_memory_without_python_objects_is_labelled_native(tmp_path: Path) -> None:
    summary, _ = run(tmp_path, "native_service")
    assert summary["verdict"] == "leak"
    assert summary["signals"]["heap"]["verdict"] != "leak"
    assert "native (C extension or allocator)" in summary["headline"]


def test_allocator_retention_is_labelled_and_not_called_a_leak(tmp_path: Path) -> None:
    summary, _ = run(tmp_path, "retention_service")
    assert summary["verdict"] != "leak", summary["headline"]
    assert summary["signals"]["rss"]["allocator_retention"] is True


def test_inject_false_runs_the_target_as_before(tmp_path: Path) -> None:
    summary, run_dir = run(tmp_path, "cache_service", probe="inject: false", seconds=2)
    assert not (run_dir / "agent").exists()
    assert not any("heap_blocks" in s for s in samples(run_dir))
    assert set(summary["signals"]) == {"rss"}


def test_attach_to_a_python_process_says_what_it_could_not_measure(tmp_path: Path) -> None:
    """A running interpreter older than 3.14 gets no agent: RSS is judged, and the summary, the
    terminal and the report say that the heap, objects, sites and holders were not measured,
    and why (tests/test_python_attach.py enters a 3.14 one)."""
    service = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        out = tmp_path / "attached"
        result = leakbench(
            "attach", str(service.pid), "--duration", "4s", "--interval", "100ms", "--out", out
        )
    finally:
        service.kill()
        service.wait()
    assert result.code in (ExitCode.NO_LEAK, ExitCode.INCONCLUSIVE), result.stderr
    said = json.loads((out / "summary.json").read_text())["attribution"]["agent"]
    assert said.startswith("Python heap, objects, allocation sites and holders not measured")
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]} has no sys.remote_exec" in said
    assert "command target" in said
    assert f"Inside the target: {said}." in " ".join(result.stdout.split())
    assert said[1:] in (out / "report.html").read_text()
    # The statement is in the run directory itself, not only in summary.json: a report that has
    # to recompute the verdict from the samples still says it.
    (out / "summary.json").unlink()
    (out / "report.html").unlink()
    assert leakbench("report", out).code == ExitCode.NO_LEAK  # the report is written
    assert said[1:] in (out / "report.html").read_text()


def test_attach_with_no_inject_leaves_a_python_process_alone_and_says_so(tmp_path: Path) -> None:
    """`--no-inject` neither writes a bootstrap nor asks the interpreter anything."""
    from leakbench.harness.commands.attach import _inside

    inside, said = _inside(
        os.getpid(), tmp_path, duration=10, interval=0.1, inject=False, tracemalloc=False
    )
    assert inside is None
    assert said is not None and "--no-inject was given" in said
    assert not (tmp_path / "agent").exists()


def test_a_cache_filling_in_one_worker_does_not_excuse_a_leak_in_another(tmp_path: Path) -> None:
    """The bounded-container rule compares each cache with its own process's heap growth."""
    summary, _ = run(tmp_path, "leak_beside_cache_service", seconds=6)
    filling = summary["attribution"]["bounded"]
    grown = [p for p in summary["attribution"]["processes"] if p.get("grew")]
    leaking = max(grown, key=lambda p: p["rss_growth_per_hour"])["pid"]
    assert filling and all(entry["pid"] != leaking for entry in filling)  # the cache is seen
    assert summary["verdict"] == "leak", summary["headline"]
