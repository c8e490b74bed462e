"""Name what grows, after the soak said something does: detect first, then look closer.

The census and tracemalloc are too heavy, and their own bookkeeping grows too much, to run
inside the measured soak. So once the verdict is not clean, a short extra pass runs the function
between two checkpoints with both switched on: tracemalloc traces only what is allocated from its
start, so the sites it sees growing are the ones the calls keep allocating.

Growth is judged from the first checkpoint to the last, against the soak's tolerance times the
calls made, not "grew at every checkpoint": containers that grow geometrically (list, bytearray)
reallocate in jumps, which a short pass can miss between two close checkpoints. The heap is not
frozen here: a census of a frozen heap sees only objects made since the freeze, so a cache
replacing older entries would look like growth.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import Any

from leakbench.probe import InProcessProbe


def attribute(
    fn: Callable[[], object], *, calls: int, objects_per_call: float, bytes_per_call: float
) -> dict[str, list[dict[str, Any]]]:
    """`types` and `sites` that grew by more than the tolerances over `calls` calls of `fn`,
    and the `holders` of those types: the module global, class attribute or thread frame that
    keeps the new instances alive.

    Entries as in a checkpoint's `types_top` (with `deep_bytes`, the probe's estimate for all
    live instances), `holders` and `sites_top`; largest growth first.
    """
    with InProcessProbe(objects=True, tracemalloc=True) as probe:
        probe.checkpoint()  # fills the probe's own caches (site names), which tracemalloc sees
        probe.checkpoint(baseline=True)
        for _ in repeat(None, calls):
            fn()
        grown = probe.checkpoint()
    types = [e for e in grown["types_top"] if e["growth"] > objects_per_call * calls]
    names = {entry["type"] for entry in types}
    return {
        "types": types,
        "holders": [h for h in grown.get("holders", []) if h["type"] in names],
        "sites": [e for e in grown["sites_top"] if e["growth_bytes"] > bytes_per_call * calls],
    }
