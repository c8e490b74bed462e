"""The columnar sidecar: the same columns as the streaming pass, never trusted when stale."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from leakbench.harness.rundir import SAMPLES, SIDECAR, RunStore, load_run, read_columns
from leakbench.harness.rundir.sidecar import read_columns_cached
from leakbench_cli import leakbench, leakbench_process, wait_for_samples

RUNS = Path(__file__).parent / "data" / "runs"
TARGETS = Path(__file__).parent / "targets"


def _same(left, right) -> None:
    assert len(left) == len(right)
    names = left.keys()
    assert names == right.keys()
    for key in names:
        assert np.array_equal(left.column(key), right.column(key), equal_nan=True), key
    assert left.sparse_keys() == right.sparse_keys()
    for key in left.sparse_keys():
        assert left.sparse(key) == right.sparse(key), key
    assert np.array_equal(left.is_drain, right.is_drain)


@pytest.fixture(params=["recorded-abort-storm-legacy", "legacy-crashed", "command-target"])
def run_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return shutil.copytree(RUNS / request.param, tmp_path / "run")


def test_the_sidecar_reads_back_what_the_streaming_pass_reads(run_dir: Path) -> None:
    streamed, scan = read_columns(run_dir / SAMPLES)
    load_run(run_dir, keep_sidecar=True)
    assert (run_dir / SIDECAR).is_file()
    cached = load_run(run_dir)
    _same(cached.columns, streamed)
    assert (cached.truncated, cached.skipped_lines) == (scan.truncated, scan.skipped_lines)


def test_lines_written_after_the_sidecar_are_read_too(run_dir: Path) -> None:
    samples = run_dir / SAMPLES
    lines = samples.read_bytes().splitlines(keepends=True)
    head, tail = lines[: len(lines) // 2], lines[len(lines) // 2 :]
    samples.write_bytes(b"".join(head))
    read_columns_cached(samples, keep=True)
    samples.write_bytes(b"".join(head + tail) + b'{"i": 99999, "rss": 1')  # a torn last line
    columns, scan = read_columns_cached(samples, keep=False)
    _same(columns, read_columns(samples)[0])
    assert scan.truncated


def test_a_stale_sidecar_is_not_trusted(run_dir: Path) -> None:
    samples = run_dir / SAMPLES
    load_run(run_dir, keep_sidecar=True)
    text = samples.read_text(encoding="utf-8")
    # same length, different bytes: a different run written over the same file
    samples.write_text(text.replace('"rss":', '"RSS":', 1), encoding="utf-8")
    _same(load_run(run_dir).columns, read_columns(samples)[0])


def test_a_damaged_sidecar_falls_back_to_the_samples(run_dir: Path) -> None:
    (run_dir / SIDECAR).write_bytes(b"PK\x03\x04 not a zip")
    _same(load_run(run_dir).columns, read_columns(run_dir / SAMPLES)[0])


def _lie(path: Path, change) -> None:
    """Rewrite a valid sidecar with one array changed: same digest, other arrays."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    with open(path, "wb") as out:
        np.savez(out, **arrays)


def _sparse_index_past_the_end(arrays: dict[str, np.ndarray]) -> None:
    index = json.loads(arrays["index"].tobytes())
    index["sparse"].setdefault("note", []).append([len(arrays["is_drain"]) + 5, "x"])
    arrays["index"] = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)


LIES = {
    "a column emptied": lambda arrays: arrays.update(c0=arrays["c0"][:0]),
    "a column shortened": lambda arrays: arrays.update(c3=arrays["c3"][:5]),
    "a column of another type": lambda arrays: arrays.update(c2=arrays["c2"].astype(np.int64)),
    "is_drain as bytes": lambda arrays: arrays.update(is_drain=np.zeros(3, np.uint8)),
    "a sparse index past the end": _sparse_index_past_the_end,
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_a_sidecar_whose_arrays_disagree_falls_back_to_the_samples(run_dir: Path, lie: str) -> None:
    load_run(run_dir, keep_sidecar=True)
    _lie(run_dir / SIDECAR, LIES[lie])
    _same(load_run(run_dir).columns, read_columns(run_dir / SAMPLES)[0])


def test_a_new_run_removes_the_previous_sidecar(run_dir: Path) -> None:
    load_run(run_dir, keep_sidecar=True)
    RunStore(run_dir)
    assert not (run_dir / SIDECAR).exists()


def test_a_harness_killed_mid_soak_still_reports(tmp_path: Path) -> None:
    """SIGKILL the `leakbench run` process itself after live refreshes kept a sidecar."""
    scenario = tmp_path / "plateau.yaml"
    scenario.write_text(
        "name: plateau\n"
        f"target: {{kind: command, command: [{sys.executable}, {TARGETS / 'plateau_loop.py'}]}}\n"
        "workload: {duration: 60s}\nprobe: {interval: 50ms}\n",
        encoding="utf-8",
    )
    run_dir = tmp_path / "run"
    harness = leakbench_process("run", scenario, "--out", run_dir, "--refresh", "1s", "-q")
    orphans: list[psutil.Process] = []  # the target (own session) outlives a killed harness
    try:
        wait_for_samples(run_dir, 10)
        deadline = time.monotonic() + 60
        while not (run_dir / SIDECAR).exists():  # a live refresh kept the columns
            assert time.monotonic() < deadline and harness.poll() is None, "no live refresh"
            time.sleep(0.1)
        wait_for_samples(run_dir, (run_dir / SAMPLES).read_text().count("\n") + 10)
        orphans = psutil.Process(harness.pid).children(recursive=True)
        harness.kill()
        harness.wait(timeout=30)
    finally:
        harness.kill()
        for process in orphans:
            if process.is_running():
                process.kill()
    written = (run_dir / SAMPLES).read_bytes().count(b"\n")
    result = leakbench("report", run_dir)
    assert result.code == 0, result.stderr
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "recomputed from samples.jsonl" in page
    assert len(load_run(run_dir).columns) == written
