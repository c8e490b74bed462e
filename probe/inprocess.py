"""Everything measured inside a Python target, bundled for the process that hosts the workload.

Runs in the target (the embedded gateway's child process, or a test under the pytest plugin).
`sample()` is cheap enough for every sample; `checkpoint()` walks the heap and belongs to a
handful of points per run: one marked as baseline at the end of warm-up, a few after it.
"""

from __future__ import annotations

import gc
import json
import sys
from types import TracebackType
from typing import Any, Optional

from .allocator import mallinfo2
from .bounded import BoundedContainers
from .census import TypeCensus
from .heap import HeapProbe
from .holders import find_holders
from .sizing import PYMALLOC_MAX
from .tracing import TraceProbe

HOLD_GIL_S = 60.0
"""Switch interval during a checkpoint: other threads do not run, so what changes is the probe's."""


class InProcessProbe:
    """Heap counters, allocator statistics, and optionally object census and tracemalloc.

    `objects=False` means the probe never walks the heap: no `gc_objects`, no `types_top`, no
    `holders`. `count_objects` (default: `objects`) counts gc objects at every sample, a heap
    walk per sample; the census at checkpoints needs only `objects`.
    `tracemalloc=True` traces allocations from construction on (so make the probe before the
    workload) until `stop()`: `heap_traced`, `sites_top`.
    `holder_types`: how many of the top growing types get their holders named at a checkpoint.
    """

    def __init__(
        self,
        *,
        objects: bool = True,
        tracemalloc: bool = False,
        trace_frames: int = 1,
        top: int = 10,
        deep_sample: int = 20,
        count_objects: Optional[bool] = None,
        holder_types: int = 3,
    ) -> None:
        self._heap = HeapProbe(objects=objects if count_objects is None else count_objects)
        self._census = TypeCensus(top=top, collect=False) if objects else None  # see checkpoint
        self._bounded = BoundedContainers()
        self._trace = TraceProbe(frames=trace_frames, top=top) if tracemalloc else None
        self._deep_sample = deep_sample
        self._holder_types = holder_types
        self._holders: list[dict[str, Any]] = []
        self._own: dict[str, int] = {}  # heap counters held by the probe's checkpoints
        if self._trace is not None:
            self._trace.start()

    def stop(self) -> None:
        """Stop tracemalloc if this probe started it; the other measurements need no cleanup."""
        if self._trace is not None:
            self._trace.stop()

    def __enter__(self) -> InProcessProbe:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def sample(self) -> dict[str, Any]:
        """Return `heap_blocks`, `gc_counts`, `gc_collections`, and when measured `gc_objects`,
        `heap_traced`, `malloc` ({arena, in_use, free, mmap}; glibc only).

        The heap counters leave out what the probe's own checkpoints keep (their growth
        history): the probe must not show up as a step in the heap it measures."""
        sample = self._heap.sample()
        if self._trace is not None:
            sample["heap_traced"] = self._trace.current()
        for key, own in self._own.items():
            if key in sample:
                sample[key] -= own
        malloc = mallinfo2()
        if malloc is not None:
            sample["malloc"] = malloc
        return sample

    def _counters(self) -> dict[str, int]:
        counters = {"heap_blocks": sys.getallocatedblocks()}
        if self._trace is not None:
            counters["heap_traced"] = self._trace.current()
        if self._heap.objects:
            counters["gc_objects"] = len(gc.get_objects())
        return counters

    def checkpoint(self, *, baseline: bool = False) -> dict[str, Any]:
        """Return the sample's `checkpoint` field: `types_top`, `holders` (of the top growing
        types, after the baseline) and/or `sites_top`, growth counted from the latest baseline
        checkpoint (or the first checkpoint).

        The target's garbage is collected first; then, while other threads wait for the GIL,
        whatever the checkpoint keeps is counted as the probe's own: the field is set aside as
        JSON text while counting, so that only the probe's history is counted, not the field
        the caller gets (and drops). Both counts follow a full collection, which also empties
        the interpreter's free lists (freed tuples, dicts, floats kept for reuse), which the
        checkpoint's churn would fill.
        """
        gc.collect()
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(HOLD_GIL_S)
        try:
            before = self._counters()
            text = json.dumps(self._checkpoint(baseline))
            gc.collect()
            after = self._counters()
        finally:
            sys.setswitchinterval(switch_interval)
        held_by_text = {"heap_blocks": int(sys.getsizeof(text) <= PYMALLOC_MAX)}
        held_by_text["heap_traced"] = sys.getsizeof(text)
        for key, value in after.items():
            kept = value - before[key] - held_by_text.get(key, 0)
            self._own[key] = self._own.get(key, 0) + kept
        return json.loads(text)

    def _checkpoint(self, baseline: bool) -> dict[str, Any]:
        checkpoint: dict[str, Any] = {}
        if self._census is not None:  # first: its full collection frees garbage the trace holds
            types_top = self._census.checkpoint(
                baseline=baseline,
                deep_sample=self._deep_sample,
                scan=lambda objects, classes: self._bounded.scan(
                    objects, classes, baseline=baseline
                ),
            )
            checkpoint["types_top"] = types_top
            if self._bounded.latest:
                checkpoint["bounded"] = self._bounded.latest
            growing = [entry for entry in types_top if entry["growth"] > 0]
            wanted = {entry["type"]: entry["growth"] for entry in growing[: self._holder_types]}
            self._holders = find_holders(wanted) if wanted else []
            if self._holders:
                checkpoint["holders"] = self._holders
        if self._trace is not None:
            checkpoint["sites_top"] = self._trace.checkpoint(baseline=baseline)
        return checkpoint

    def final_attribution(self) -> dict[str, Any]:
        """The summary's `attribution` parts: `types` and `sites` that grew at every checkpoint
        since the baseline (needs the baseline and at least one later checkpoint), and the
        `holders` of those types found at the latest checkpoint, and the `bounded` containers
        (a cap of their own) that grew since the baseline, as full as the latest checkpoint saw."""
        attribution: dict[str, Any] = {}
        if self._census is not None:
            types = self._census.grew_every_time()
            attribution["types"] = types
            names = {entry["type"] for entry in types}
            attribution["holders"] = [h for h in self._holders if h["type"] in names]
            attribution["bounded"] = self._bounded.latest
        if self._trace is not None:
            attribution["sites"] = self._trace.grew_every_time()
        return attribution
