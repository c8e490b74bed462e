"""The streaming heap-snapshot reader, on snapshots of a real Node process."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from node_support import NODE, needs_node

from leakbench.harness.inspector.cdp import CdpSession
from leakbench.harness.inspector.endpoint import from_banner, node_options
from leakbench.harness.inspector.snapshot import SnapshotFormatError, SnapshotReader

pytestmark = needs_node

SETUP = r"""
class Marker { constructor(i) { this.i = i; } }
globalThis.keptMarkers = new Map();
for (let i = 0; i < 321; i++) globalThis.keptMarkers.set(i, new Marker(i));
globalThis.oddText = 'quote " backslash \\ tab \t unicode \u00e9 ' + 'y'.repeat(200000);
"""


@pytest.fixture(scope="module")
def snapshot_text(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One snapshot of a Node process holding 321 Marker objects and an awkward long string."""
    script = tmp_path_factory.mktemp("node") / "idle.js"
    script.write_text("setInterval(() => {}, 1000);\n", encoding="utf-8")
    assert NODE is not None
    process = subprocess.Popen(
        [NODE, str(script)],
        stderr=subprocess.PIPE,
        text=True,
        env={"NODE_OPTIONS": node_options(None), "PATH": str(Path(NODE).parent)},
    )
    try:
        assert process.stderr is not None
        endpoint = from_banner(process.stderr.readline())
        assert endpoint is not None
        session = CdpSession(endpoint.url)
        session.call("Runtime.evaluate", {"expression": SETUP})
        chunks: list[str] = []
        session.on("HeapProfiler.addHeapSnapshotChunk", lambda p: chunks.append(p["chunk"]))
        session.call("HeapProfiler.takeHeapSnapshot", {"reportProgress": False}, timeout=60)
        session.close()
        yield "".join(chunks)
    finally:
        process.kill()
        process.wait()


def _read(text: str, size: int) -> SnapshotReader:
    reader = SnapshotReader()
    for start in range(0, len(text), size):
        reader.feed(text[start : start + size])
    return reader


def test_census_counts_the_objects_of_a_constructor(snapshot_text: str) -> None:
    census = _read(snapshot_text, 1 << 20).census()
    assert census.counts["Marker"] == 321
    assert census.sizes["Marker"] > 321 * 8
    assert census.counts["Marker()"] == 1  # the class itself, a closure
    assert census.counts["(string)"] > 0


@pytest.mark.parametrize("size", [61, 4093])
def test_chunk_boundaries_do_not_change_the_census(snapshot_text: str, size: int) -> None:
    """Chunks that split numbers, escapes and the long string give the one-piece census."""
    whole = _read(snapshot_text, len(snapshot_text)).census()
    pieces = _read(snapshot_text, size).census()
    assert pieces.counts == whole.counts
    assert pieces.sizes == whole.sizes


def test_retainer_path_names_the_holder(snapshot_text: str) -> None:
    paths = _read(snapshot_text, 65536).retainer_paths(["Marker"], per_name=2)
    assert len(paths) == 2
    for found in paths:
        assert found["type"] == "Marker"
        assert found["path"][-1].endswith("Marker (object)")
        assert any("--keptMarkers--> Map" in step for step in found["path"])


def test_a_snapshot_cut_short_is_an_error(snapshot_text: str) -> None:
    reader = _read(snapshot_text[: len(snapshot_text) // 2], 65536)
    with pytest.raises(SnapshotFormatError):
        reader.census()


def test_text_that_is_not_a_snapshot_is_an_error() -> None:
    reader = SnapshotReader()
    with pytest.raises(SnapshotFormatError):
        reader.feed('{"something": 1, "nodes": [1, 2]}')
