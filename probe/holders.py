"""Who holds the growth: referrer chains from a sample of grown objects back to a named root.

A census says `dict +40,000`; a developer acts on `myservice.formatting._cache[…]`. For a few
instances of each growing type, this walks referrers (`gc.get_referrers`) back to a root that
has a name: a module global, a class attribute, or a local variable of another thread's frame.

Which instances: each gc generation lists its objects oldest first, and survivors of a young
generation are appended to the next one, so walking the generations youngest first and each
from its end meets the newest objects first. The newest `growth` instances of a type that grew
are mostly the ones added since the baseline; a few of them, evenly spaced, are followed.

Cost: each level of the search is one walk of the heap for all samples at once (`get_referrers`
takes many objects), so a search is `MAX_DEPTH` heap walks at most: for checkpoints only.
"""

from __future__ import annotations

import gc
import itertools
import sys
import threading
import types
from collections import Counter
from typing import Any, Optional

from .census import type_name

MAX_DEPTH = 10
"""Referrer levels searched: a cache entry is 2-4 levels below its module global."""
MAX_FRONTIER = 400
"""Objects expanded per level; the search favours the referrers found first."""
_SEQUENCES = (list, tuple, set, frozenset)
_SKIP = (types.FrameType, types.CodeType)


class _Root:
    """A named place an object is reachable from: `kind` and its dotted name."""

    def __init__(self, kind: str, name: str, namespace: Any = None) -> None:
        self.kind = kind
        self.name = name
        self.namespace = namespace  # the dict whose keys name the next step, if any


_OWN_PACKAGE = __name__.rpartition(".")[0]


def _is_own(obj: Any) -> bool:
    """An instance of one of the probe's classes (the agent, its census and histories): what it
    holds is the probe's bookkeeping, reached through the agent's thread, not the target's."""
    module = getattr(type(obj), "__module__", "") or ""
    return module == _OWN_PACKAGE or module.startswith(_OWN_PACKAGE + ".")


def _module_roots() -> tuple[dict[int, _Root], set[int]]:
    """Module namespaces by id, and apart the probe's own: what it holds is not the target's,
    so the search ends there without a root."""
    roots, own = {}, set()
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(module, types.ModuleType) or not isinstance(namespace, dict):
            continue
        if name == _OWN_PACKAGE or name.startswith(_OWN_PACKAGE + "."):
            own.add(id(namespace))
        else:
            roots[id(namespace)] = _Root("module global", name, namespace)
    return roots, own


def _frame_roots(skip_thread: int) -> dict[int, _Root]:
    """Local variables of the other threads' frames, by the id of the value they hold."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    roots: dict[int, _Root] = {}
    for ident, frame in sys._current_frames().items():
        if ident == skip_thread:
            continue
        while frame is not None:
            if frame.f_locals is frame.f_globals:  # a module's top level: its globals are named
                frame = frame.f_back
                continue
            where = f"{names.get(ident, ident)}:{frame.f_code.co_name}()"
            for var, value in frame.f_locals.items():
                roots.setdefault(id(value), _Root("thread frame", f"{where}.{var}"))
            frame = frame.f_back
    return roots


def newest_instances(wanted: dict[str, int], per_type: int) -> dict[str, list[Any]]:
    """Up to `per_type` of the newest `growth` instances of each wanted type name, spread out."""
    names: dict[type, Optional[str]] = {}
    newest: dict[str, list[Any]] = {name: [] for name in wanted}
    pending = {name for name, growth in wanted.items() if growth > 0}
    newest_first = (reversed(gc.get_objects(generation)) for generation in range(3))
    for obj in itertools.chain.from_iterable(newest_first):
        cls = type(obj)
        name = names.get(cls, "")
        if name == "":
            name = names[cls] = type_name(cls) if type_name(cls) in wanted else None
        if name in pending:
            found = newest[name]
            found.append(obj)
            if len(found) >= wanted[name]:
                pending.discard(name)
                if not pending:
                    break
    picked = {}
    for name, found in newest.items():
        step = max(1, len(found) // per_type)
        picked[name] = found[::step][:per_type]
    return picked


class _Search:
    """One joint search: the referrer graph above the samples, and the roots it reached."""

    def __init__(self, samples: list[Any], ignore: set[int]) -> None:
        self.samples = samples
        self.ignore = ignore  # the caller's containers of the samples: not referrers to follow
        self.module_roots, self.own = _module_roots()
        self.frame_roots = _frame_roots(threading.get_ident())
        self.nodes: dict[int, Any] = {id(obj): obj for obj in samples}
        self.ups: dict[int, list[int]] = {}
        self.roots: dict[int, _Root] = {}

    def run(self) -> None:
        frontier = list(self.samples)
        ignore = {*self.ignore, *self.own, id(self.samples), id(self.nodes), id(frontier)}
        for _ in range(MAX_DEPTH):
            frontier = [obj for obj in frontier if not self._is_root(obj)]
            if not frontier:
                return
            ignore.add(id(frontier))
            wanted = {id(obj) for obj in frontier}
            found: list[Any] = []
            for referrer in gc.get_referrers(*frontier):
                if id(referrer) in ignore or isinstance(referrer, _SKIP) or _is_own(referrer):
                    continue
                for child in gc.get_referents(referrer):
                    if id(child) in wanted:
                        self.ups.setdefault(id(child), []).append(id(referrer))
                if id(referrer) not in self.nodes:
                    self.nodes[id(referrer)] = referrer
                    found.append(referrer)
            ignore.add(id(found))
            frontier = found[:MAX_FRONTIER]

    def _is_root(self, obj: Any) -> bool:
        key = id(obj)
        root = self.module_roots.get(key) or self.frame_roots.get(key)
        if root is None and isinstance(obj, type):
            root = _Root("class attribute", type_name(obj))
        if root is not None:
            self.roots[key] = root
        return root is not None

    def chain(self, sample: Any) -> Optional[list[Any]]:
        """Root first, the sample last: the shortest path found, or None."""
        previous: dict[int, Optional[int]] = {id(sample): None}
        queue = [id(sample)]
        for key in queue:
            if key in self.roots:
                path = []
                step: Optional[int] = key
                while step is not None:
                    path.append(self.nodes[step])
                    step = previous[step]
                return path
            for up in self.ups.get(key, ()):
                if up not in previous:
                    previous[up] = key
                    queue.append(up)
        return None

    def root_of(self, obj: Any) -> _Root:
        return self.roots[id(obj)]


def _key_of(namespace: dict[Any, Any], child: Any) -> Optional[str]:
    return next((str(key) for key, value in list(namespace.items()) if value is child), None)


def _step(parent: Any, child: Any, namespace: Optional[dict[Any, Any]]) -> tuple[str, bool]:
    """The text of one step down from `parent` to `child`, and whether it names an attribute."""
    if namespace is not None and parent is namespace:
        key = _key_of(namespace, child)
        return (f".{key}", True) if key is not None else ("[…]", False)
    if isinstance(parent, (dict, *_SEQUENCES)):
        return "[…]", False
    attrs = getattr(parent, "__dict__", None)
    if isinstance(attrs, dict):
        key = _key_of(attrs, child)
        if key is not None:
            return f".{key}", True
    return f"→{type_name(type(child))}", False


def render(search: _Search, path: list[Any]) -> dict[str, str]:
    """`path` (root first) in words: the root's `kind`, the `holder` (the root and the attribute
    names under it, the container a developer looks for) and the whole `path`."""
    root = search.root_of(path[0])
    namespace = path[0] if root.namespace is not None else None
    if isinstance(path[0], type) and len(path) > 1 and isinstance(path[1], dict):
        namespace, path = path[1], path[1:]  # a class's attributes live in its own dict
    text = holder = root.name
    naming = True
    for parent, child in zip(path, path[1:]):
        step, named = _step(parent, child, namespace)
        text += step
        naming = naming and named
        if naming:
            holder = text
        namespace = None
    return {"kind": root.kind, "holder": holder, "path": text}


def find_holders(growth: dict[str, int], *, per_type: int = 5) -> list[dict[str, Any]]:
    """For each type name with positive growth, which roots hold a sample of its new instances.

    One entry per (type, holder), most samples first: `type`, `holder`, `kind` (module global,
    class attribute, thread frame), `path` (one example chain), `samples` (how many of the
    `sampled` instances it holds).
    """
    picked = newest_instances(growth, per_type)
    samples = [obj for found in picked.values() for obj in found]
    if not samples:
        return []
    search = _Search(samples, {id(picked), *map(id, picked.values())})
    search.run()
    entries: list[dict[str, Any]] = []
    for name, found in picked.items():
        held: Counter[tuple[str, str]] = Counter()
        example: dict[tuple[str, str], str] = {}
        for obj in found:
            path = search.chain(obj)
            if path is None:
                continue
            words = render(search, path)
            key = (words["holder"], words["kind"])
            held[key] += 1
            example.setdefault(key, words["path"])
        for (holder, kind), count in held.most_common():
            entries.append(
                {
                    "type": name,
                    "holder": holder,
                    "kind": kind,
                    "path": example[(holder, kind)],
                    "samples": count,
                    "sampled": len(found),
                }
            )
    return entries
