"""Object census by type at checkpoints: which types grew, and how many bytes they hold.

A checkpoint runs a full collection and walks `gc.get_objects()` (tens to hundreds of ms at
millions of objects), so it belongs to a handful of points per run, never the sampling loop.
It sees container objects only: a leak of bare str/bytes/int shows as growth of whatever holds
them (a dict, a list, an instance). Deep sizes come from `sizing.deep_sizes` (standard library
only) on a random sample of each top grower's instances, not all of them, which would cost seconds.
"""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Iterable
from typing import Any, Callable, NamedTuple, Optional

from .growth import GrowthHistory
from .sizing import deep_sizes

# The probe's own objects are not the target's: leaving them in would report the probe as a
# grower. The package's name is whatever it was imported as (a private name inside a target).
_PROBE_MODULES = (__name__.rpartition(".")[0] + ".",)


def type_name(cls: type) -> str:
    """`dict` for builtins, `module.Qualified.Name` for everything else."""
    module = getattr(cls, "__module__", None)
    if module in (None, "builtins"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


class DeepSize(NamedTuple):
    """Estimated deep size of all instances of a type, and of one instance's own part."""

    total: float
    own: float


def estimate_deep_size(instances: list[Any], rng: random.Random, k: int) -> DeepSize:
    """Estimate the deep size of all `instances` from `k` of them, sampled at random.

    `deep_sizes` counts an object reachable from several instances once, for the first one that
    reaches it. So the sample's total holds each shared referent once and the later sizes are
    each instance's own part: total = sample total + unsampled instances x mean own part.
    (Mean sample size x count would count a shared referent once per instance.)
    """
    sample = rng.sample(instances, min(k, len(instances)))
    sizes = deep_sizes(*sample)
    own_sizes = sizes[1:] or sizes
    own = sum(own_sizes) / len(own_sizes)
    return DeepSize(sum(sizes) + (len(instances) - len(sample)) * own, own)


class TypeCensus:
    """Counts live objects by type at each checkpoint and reports the top growers."""

    def __init__(self, *, top: int = 10, collect: bool = True, seed: int = 0) -> None:
        self.top = top
        self.collect = collect
        self._rng = random.Random(seed)
        self._history = GrowthHistory()
        self._deep: dict[str, DeepSize] = {}
        self._names: dict[str, Optional[str]] = {}  # one str per name, shared by checkpoints

    def _name(self, cls: type) -> Optional[str]:
        """The type's name, None for the probe's own types; the same object every time, so the
        checkpoints' history shares its keys instead of keeping a copy per checkpoint."""
        name = type_name(cls)
        if name not in self._names:
            own = str(getattr(cls, "__module__", "")).startswith(_PROBE_MODULES)
            self._names[name] = None if own else name
        return self._names[name]

    def checkpoint(
        self,
        *,
        baseline: bool = False,
        deep_sample: int = 20,
        scan: Optional[Callable[[list[Any], Iterable[type]], None]] = None,
    ) -> list[dict[str, Any]]:
        """Take a census; return the top growers since the baseline as `types_top` entries.

        `scan`, if given, sees the walk's objects and their distinct (non-probe) types before
        they are dropped: another reader of the same heap walk.

        Each entry: `type`, `count` (live now), `growth` (since the baseline) and, for types that
        grew and unless `deep_sample` is 0, `deep_bytes` (estimated deep size of all `count`
        instances). At the baseline itself nothing has grown: the largest types, not sized.
        """
        if self.collect:
            gc.collect()
        objects = gc.get_objects()
        by_type = Counter(map(type, objects))
        names = {cls: self._name(cls) for cls in by_type}
        names = {cls: name for cls, name in names.items() if name is not None}
        if scan is not None:
            scan(objects, names.keys())
        counts: Counter[str] = Counter()
        for cls, name in names.items():
            counts[name] += by_type[cls]
        self._history.record(dict(counts), baseline=baseline)
        top = self._history.top(self.top)
        self._deep = {}
        if deep_sample > 0 and any(growth > 0 for _, growth in top):
            wanted = {name for name, growth in top if growth > 0}
            wanted_types = {cls: name for cls, name in names.items() if name in wanted}
            self._deep = self._deep_sizes(objects, wanted_types, deep_sample)
        return [self._entry(name, growth) for name, growth in top]

    def grew_every_time(self) -> list[dict[str, Any]]:
        """Types whose count rose at every checkpoint since the baseline, largest growth first.

        `deep_bytes` (all instances) and `growth_deep_bytes` (the growth's share) are present
        for types that were among the top growers at the latest checkpoint.
        """
        entries = []
        for name, growth in self._history.grew_every_time(self.top):
            entry = self._entry(name, growth)
            if name in self._deep:
                entry["growth_deep_bytes"] = round(self._deep[name].own * growth)
            entries.append(entry)
        return entries

    def _deep_sizes(
        self, objects: list[Any], wanted_types: dict[type, str], k: int
    ) -> dict[str, DeepSize]:
        """Deep sizes of the wanted types' instances (by name), each from a sample of k of them."""
        instances: dict[str, list[Any]] = {name: [] for name in wanted_types.values()}
        for obj in objects:
            name = wanted_types.get(type(obj))
            if name is not None:
                instances[name].append(obj)
        return {name: estimate_deep_size(found, self._rng, k) for name, found in instances.items()}

    def _entry(self, name: str, growth: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "type": name,
            "count": self._history.latest[name],
            "growth": growth,
        }
        if name in self._deep:
            entry["deep_bytes"] = round(self._deep[name].total)
        return entry
