"""Deep sizes of objects with the standard library only (the probe runs inside users' processes).

An object's deep size is its own `sys.getsizeof` plus that of everything it reaches through
`gc.get_referents`, each reached object counted once. Shared infrastructure is not part of any
one object's size and is neither counted nor followed: classes, modules, functions, code and
frames (what pympler's `asizeof` also leaves out by default), and the interned singletons.
"""

from __future__ import annotations

import gc
import sys
import types
from typing import Any

_NOT_OWNED = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
)
_SINGLETONS = frozenset(map(id, (None, True, False, Ellipsis, NotImplemented)))


def deep_sizes(*objects: Any) -> list[int]:
    """Deep size of each object, in bytes; a referent reached by several is counted once, for
    the first object that reaches it (so later sizes are each object's own part)."""
    seen: set[int] = set(_SINGLETONS)
    sizes = []
    for root in objects:
        total = 0
        stack = [root]
        while stack:
            obj = stack.pop()
            if id(obj) in seen or isinstance(obj, _NOT_OWNED):
                continue
            seen.add(id(obj))
            total += sys.getsizeof(obj, 0)
            stack.extend(gc.get_referents(obj))
        sizes.append(total)
    return sizes


PYMALLOC_MAX = 512
"""Objects up to this size come from pymalloc and count in `sys.getallocatedblocks()`."""
