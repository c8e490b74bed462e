"""The in-target probe: what is measured inside a Python process (heap counters, malloc
statistics, object census, tracemalloc sites, weakref survivors).

It is the bottom layer (docs/architecture.md): it runs inside the process being measured (the
embedded gateway's worker, the WebSocket gateway, a test under the pytest plugin, a user's
service) and so imports nothing from the rest of leakbench.
"""

from .allocator import mallinfo2, malloc_trim
from .census import TypeCensus
from .heap import HeapProbe
from .inprocess import InProcessProbe
from .tracing import TraceProbe
from .watch import WeakrefWatcher

__all__ = [
    "HeapProbe",
    "InProcessProbe",
    "TraceProbe",
    "TypeCensus",
    "WeakrefWatcher",
    "mallinfo2",
    "malloc_trim",
]
