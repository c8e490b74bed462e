"""Memory probes: outside the target (process RSS/USS via psutil) and inside a Python target
(heap counters, malloc statistics, object census, tracemalloc sites, weakref survivors)."""

from harness.probe.allocator import mallinfo2, malloc_trim
from harness.probe.census import TypeCensus
from harness.probe.heap import HeapProbe
from harness.probe.inprocess import InProcessProbe
from harness.probe.process import ProcessProbe, TargetGone
from harness.probe.tracing import TraceProbe
from harness.probe.watch import WeakrefWatcher

__all__ = [
    "HeapProbe",
    "InProcessProbe",
    "ProcessProbe",
    "TargetGone",
    "TraceProbe",
    "TypeCensus",
    "WeakrefWatcher",
    "mallinfo2",
    "malloc_trim",
]
