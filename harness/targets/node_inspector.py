"""The Node runtime of a target: the V8 heap read through the target's own inspector.

What it adds to the samples (docs/run-dir.md): `js_heap_used` and `js_heap_total` on every
sample (`Runtime.getHeapUsage`, microseconds in the target); `js_heap_post_gc` after a forced
full collection (`HeapProfiler.collectGarbage`), the signal that decides, as often as a pause
budget allows; and at checkpoints a heap snapshot's census by constructor with the retainer
paths of the objects that keep growing.

The forced collection pauses the target for as long as a full GC takes (milliseconds on a small
heap, a good part of a second on a gigabyte); when one is due is GcSchedule's choice
(harness/inspector/schedule.py): enough points for the trend test in the soak's duration, within
a pause budget measured on the target's own recent collections.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import psutil

from leakbench.harness.errors import TargetFailed
from leakbench.harness.inspector.cdp import CdpError, CdpSession
from leakbench.harness.inspector.endpoint import (
    Endpoint,
    InspectorRefused,
    from_banner,
    from_json_list,
    node_options,
    require_loopback,
)
from leakbench.harness.inspector.schedule import GcSchedule
from leakbench.harness.inspector.snapshot import SnapshotFormatError, SnapshotReader
from leakbench.harness.targets.inside import StartedProcess
from leakbench.probe.growth import GrowthHistory

CALL_TIMEOUT_S = 2.0
GC_TIMEOUT_S = 30.0
SNAPSHOT_TIMEOUT_S = 120.0
BANNER_TIMEOUT_S = 10.0
TOP_TYPES = 10
RETAINED_SAMPLE = 2
SNAPSHOTS_PER_RUN = 3
"""Heap snapshots pause the target for seconds on a heap of tens of MB (BENCHMARKS.md); three
are the fewest that tell growth at every snapshot from a single rise."""
CLOSE_INSPECTOR = (
    "(() => { const p = globalThis.process;"
    " const i = p.getBuiltinModule?.('node:inspector') ?? p.mainModule?.require('node:inspector');"
    " if (i) { i.close(); } else { p._debugEnd(); } })()"
)
"""Deactivates the target's inspector (its port closes); the connection drops as it does."""


def wait_for_banner(read_log: Callable[[], str], alive: Callable[[], bool]) -> Endpoint:
    """The inspector endpoint from the target's log, once the debugger has printed it."""
    deadline = time.monotonic() + BANNER_TIMEOUT_S
    while time.monotonic() < deadline:
        endpoint = from_banner(read_log())
        if endpoint is not None:
            return endpoint
        if not alive():
            break
        time.sleep(0.05)
    raise TargetFailed(
        "the Node inspector did not start (no 'Debugger listening on' line in target.log); "
        "is the program node, and does it keep NODE_OPTIONS?",
        reason="target-refused",
    )


class NodeInspector:
    """One CDP session to a Node target: cheap heap reads, forced-GC reads, snapshot censuses.

    Its attribution is in the checkpoints (the constructors grown at every snapshot), so it
    gives none at the end."""

    checkpoint_limit = SNAPSHOTS_PER_RUN

    def __init__(
        self,
        endpoint: Endpoint,
        pid: int,
        schedule: GcSchedule,
        *,
        close_inspector: bool = True,
    ) -> None:
        try:
            require_loopback(endpoint, pid)
        except InspectorRefused as exc:
            raise TargetFailed(str(exc), reason="target-refused") from None
        try:
            self._session = CdpSession(endpoint.url)
        except CdpError as exc:
            raise TargetFailed(str(exc), reason="target-refused") from None
        self.endpoint = endpoint
        self._close_inspector = close_inspector
        self._closed = False
        self._schedule = schedule
        self._history = GrowthHistory()
        self._sizes: dict[str, int] = {}
        self._base_sizes: dict[str, int] = {}
        self.missed_reads = 0

    def sample(self) -> dict[str, Any]:
        """This step's heap fields: heap used always, the post-GC heap when one is due."""
        fields: dict[str, Any] = {}
        started = time.monotonic()
        usage = self._call("Runtime.getHeapUsage")
        round_trip = time.monotonic() - started
        if usage is not None:
            fields["js_heap_used"] = int(usage["usedSize"])
            fields["js_heap_total"] = int(usage["totalSize"])
        now = time.monotonic()
        if self._schedule.due(now):
            started = time.monotonic()
            collected = self._call("HeapProfiler.collectGarbage", timeout=GC_TIMEOUT_S)
            pause = max(0.0, time.monotonic() - started - round_trip)
            after = self._call("Runtime.getHeapUsage") if collected is not None else None
            if after is not None:
                fields["js_heap_post_gc"] = int(after["usedSize"])
                fields["js_gc_pause_ms"] = round(pause * 1000, 2)
            self._schedule.taken(now, pause)
        return fields

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        """A heap snapshot's census; after the baseline, what grew and what holds it."""
        reader = SnapshotReader()
        self._session.on("HeapProfiler.addHeapSnapshotChunk", lambda p: reader.feed(p["chunk"]))
        started = time.monotonic()
        try:
            self._session.call(
                "HeapProfiler.takeHeapSnapshot",
                {"reportProgress": False, "captureNumericValue": False},
                timeout=SNAPSHOT_TIMEOUT_S,
            )
            census = reader.census()
            elapsed = time.monotonic() - started
        except (CdpError, SnapshotFormatError):
            self.missed_reads += 1
            return None
        finally:
            self._session.on("HeapProfiler.addHeapSnapshotChunk", None)
        self._history.record(census.counts, baseline=baseline)
        self._sizes = census.sizes
        if baseline or not self._base_sizes:
            self._base_sizes = census.sizes
        growing = self.growing()
        return {
            "js_census": {
                "nodes": census.nodes,
                "edges": census.edges,
                "snapshot_bytes": census.text_bytes,
                "snapshot_ms": round(elapsed * 1000, 1),
            },
            "types_top": [
                self._entry(name, growth) for name, growth in self._history.top(TOP_TYPES)
            ],
            "js_growing": growing,
            "retainers": reader.retainer_paths(
                [entry["type"] for entry in growing[:3]], per_name=RETAINED_SAMPLE
            ),
        }

    def attribution(self) -> dict[str, Any] | None:
        return None

    def growing(self) -> list[dict[str, Any]]:
        """Constructors whose count rose at every snapshot since the baseline."""
        return [
            self._entry(name, growth) for name, growth in self._history.grew_every_time(TOP_TYPES)
        ]

    def _entry(self, name: str, growth: int) -> dict[str, Any]:
        size = self._sizes.get(name, 0)
        return {
            "type": name,
            "count": self._history.latest.get(name, 0),
            "growth": growth,
            "self_bytes": size,
            "growth_self_bytes": size - self._base_sizes.get(name, 0),
        }

    def _call(self, method: str, *, timeout: float = CALL_TIMEOUT_S) -> dict[str, Any] | None:
        """A measurement request; a slow or failed one is counted and skipped, not fatal."""
        try:
            return self._session.call(method, timeout=timeout)
        except CdpError:
            self.missed_reads += 1
            return None

    def close(self) -> None:
        """Deactivate the target's inspector (its port closes) and drop the connection."""
        if self._closed:
            return
        self._closed = True
        if self._close_inspector:
            # The inspector drops this very connection as it closes: no answer is expected.
            with contextlib.suppress(CdpError):
                self._session.call("Runtime.evaluate", {"expression": CLOSE_INSPECTOR}, timeout=2)
        self._session.close()


class NodeRuntime:
    """A command target's Node runtime (an InsideProbe): inspector on loopback from spawn to stop.

    Its attribution is in the checkpoints (the constructors grown at every snapshot), so it
    gives none at the end: a Node run has no drain sample."""

    name = "node"
    checkpoint_limit = SNAPSHOTS_PER_RUN

    def __init__(self, *, duration: float, interval: float) -> None:
        self._schedule = GcSchedule(duration, interval)
        self._inspector: NodeInspector | None = None

    def prepare(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, "NODE_OPTIONS": node_options(env.get("NODE_OPTIONS"))}

    def started(self, process: StartedProcess) -> None:
        endpoint = wait_for_banner(process.read_log, process.alive)
        try:
            self._inspector = NodeInspector(endpoint, process.pid, self._schedule)
        except TargetFailed:
            if not process.alive():
                raise TargetFailed("target died at startup (see target.log)") from None
            raise

    def sample(self) -> dict[str, Any]:
        return {} if self._inspector is None else self._inspector.sample()

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        return None if self._inspector is None else self._inspector.checkpoint(baseline)

    def attribution(self) -> dict[str, Any] | None:
        return None

    def close(self) -> None:
        if self._inspector is not None:
            self._inspector.close()


def open_inspector(pid: int) -> tuple[Endpoint, bool]:
    """The inspector of running Node process `pid`: its open one, else one opened by SIGUSR1.

    Returns the endpoint and whether leakbench opened it (then it closes it at the end). Raises
    TargetFailed with a plain reason when neither is possible.
    """
    found = _loopback_inspector(pid)
    if found is not None:
        return found, False
    try:
        os.kill(pid, signal.SIGUSR1)
    except PermissionError:
        raise TargetFailed(
            f"process {pid} has no inspector open and leakbench may not signal it (another "
            "user's process): start it with --inspect=127.0.0.1:0, or attach as its user",
            reason="target-refused",
        ) from None
    deadline = time.monotonic() + BANNER_TIMEOUT_S / 2
    while time.monotonic() < deadline:
        found = _loopback_inspector(pid)
        if found is not None:
            return found, True
        time.sleep(0.1)
    raise TargetFailed(
        f"process {pid} opened no inspector on SIGUSR1 (its port may be taken, or it handles "
        "SIGUSR1 itself): start it with --inspect=127.0.0.1:0",
        reason="target-refused",
    )


def _loopback_inspector(pid: int) -> Endpoint | None:
    """An inspector among `pid`'s listening sockets, asked over /json/list on loopback only."""
    try:
        sockets = psutil.Process(pid).net_connections(kind="inet")
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    for sock in sockets:
        if sock.status != psutil.CONN_LISTEN or not sock.laddr:
            continue
        endpoint = from_json_list(sock.laddr.port, host="127.0.0.1", timeout=0.5)
        if endpoint is not None:
            return Endpoint(endpoint.url, sock.laddr.ip, sock.laddr.port)
    return None
