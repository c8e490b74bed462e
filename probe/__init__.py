"""The in-target probe: what is measured inside a Python process (heap counters, malloc
statistics, object census, tracemalloc sites, weakref survivors).

It is the bottom layer (docs/architecture.md): it runs inside the process being measured (the
embedded gateway's worker, the WebSocket gateway, a test under the pytest plugin, a user's
service) and so imports nothing from the rest of leakbench.
"""

from leakbench.probe.allocator import mallinfo2, malloc_trim
from leakbench.probe.census import TypeCensus
from leakbench.probe.heap import HeapProbe
from leakbench.probe.inprocess import InProcessProbe
from leakbench.probe.tracing import TraceProbe
from leakbench.probe.watch import WeakrefWatcher

__all__ = [
    "HeapProbe",
    "InProcessProbe",
    "TraceProbe",
    "TypeCensus",
    "WeakrefWatcher",
    "mallinfo2",
    "malloc_trim",
]
