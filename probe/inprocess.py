"""Everything measured inside a Python target, bundled for the process that hosts the workload.

Runs in the target (the embedded gateway's child process, or a test under the pytest plugin).
`sample()` is cheap enough for every sample; `checkpoint()` walks the heap and belongs to a
handful of points per run: one marked as baseline at the end of warm-up, a few after it.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Optional

from .allocator import mallinfo2
from .census import TypeCensus
from .heap import HeapProbe
from .tracing import TraceProbe


class InProcessProbe:
    """Heap counters, allocator statistics, and optionally object census and tracemalloc.

    `objects=False` means the probe never walks the heap: no `gc_objects`, no `types_top`.
    `tracemalloc=True` traces allocations from construction on (so make the probe before the
    workload) until `stop()`: `heap_traced`, `sites_top`.
    """

    def __init__(
        self,
        *,
        objects: bool = True,
        tracemalloc: bool = False,
        trace_frames: int = 1,
        top: int = 10,
        deep_sample: int = 20,
    ) -> None:
        self._heap = HeapProbe(objects=objects)
        self._census = TypeCensus(top=top) if objects else None
        self._trace = TraceProbe(frames=trace_frames, top=top) if tracemalloc else None
        self._deep_sample = deep_sample
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
        """Return `heap_blocks`, `gc_counts`, and when measured `gc_objects`, `heap_traced`,
        `malloc` ({arena, in_use, free, mmap}; glibc only)."""
        sample = self._heap.sample()
        if self._trace is not None:
            sample["heap_traced"] = self._trace.current()
        malloc = mallinfo2()
        if malloc is not None:
            sample["malloc"] = malloc
        return sample

    def checkpoint(self, *, baseline: bool = False) -> dict[str, Any]:
        """Return the sample's `checkpoint` field: `types_top` and/or `sites_top`, growth counted
        from the latest baseline checkpoint (or the first checkpoint)."""
        checkpoint: dict[str, Any] = {}
        if self._census is not None:  # first: its full collection frees garbage the trace holds
            checkpoint["types_top"] = self._census.checkpoint(
                baseline=baseline, deep_sample=self._deep_sample
            )
        if self._trace is not None:
            checkpoint["sites_top"] = self._trace.checkpoint(baseline=baseline)
        return checkpoint

    def final_attribution(self) -> dict[str, Any]:
        """The summary's `attribution` parts: `types` and `sites` that grew at every checkpoint
        since the baseline (needs the baseline and at least one later checkpoint)."""
        attribution: dict[str, Any] = {}
        if self._census is not None:
            attribution["types"] = self._census.grew_every_time()
        if self._trace is not None:
            attribution["sites"] = self._trace.grew_every_time()
        return attribution
