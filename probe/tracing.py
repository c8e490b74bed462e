"""tracemalloc in the target: traced bytes per sample, bytes per allocation site per checkpoint.

Opt-in because it is not free: code runs 3-8x slower (up to 16x when allocation-heavy), and each
live block costs about 54 bytes of bookkeeping, which itself inflates RSS slopes. Only allocations
made after `start()` are traced, so start before the workload. A checkpoint groups the traces by
the line that allocated them (`statistics("lineno")`, about 3 s per million live traces) and
keeps only that per-site table, never the snapshot: diffing full snapshots takes tens of seconds.
"""

from __future__ import annotations

import os
import sys
import tracemalloc
from typing import Any

from .growth import GrowthHistory

# The probe's own allocations (its tables and caches) are not the target's.
_PROBE_DIRS = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)
_NOT_THE_TARGET = frozenset(
    {
        tracemalloc.__file__,
        "<frozen importlib._bootstrap>",
        "<frozen importlib._bootstrap_external>",
        "<unknown>",
    }
)


def _is_target_code(filename: str) -> bool:
    """False for the probe's own bookkeeping and import machinery."""
    return filename not in _NOT_THE_TARGET and not filename.startswith(_PROBE_DIRS)


def _import_path(module_name: str, filename: str) -> str:
    """`gateway_sim/state.py` for module `gateway_sim.state`, `pkg/__init__.py` for `pkg`."""
    package = module_name.split(".")
    basename = os.path.basename(filename)
    if os.path.splitext(basename)[0] != "__init__":
        package = package[:-1]
    return "/".join([*package, basename])


class SiteNames:
    """Short, portable `path:line` names for allocation sites.

    A module's file is named by its import path (`gateway_sim/state.py`, `json/decoder.py`),
    wherever it is installed; any other file (a script) relative to the working directory.
    """

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}
        self._modules: dict[str, str] = {}

    def learn_modules(self) -> None:
        """Map the files of all modules imported so far to their import paths."""
        for module in list(sys.modules.values()):
            name, filename = getattr(module, "__name__", None), getattr(module, "__file__", None)
            if isinstance(name, str) and isinstance(filename, str) and name != "__main__":
                self._modules.setdefault(filename, _import_path(name, filename))

    def __call__(self, frame: tracemalloc.Frame) -> str:
        path = self._paths.get(frame.filename)
        if path is None:
            path = self._modules.get(frame.filename)
            if path is None:
                path = frame.filename
                cwd = os.getcwd() + os.sep
                if path.startswith(cwd):
                    path = path[len(cwd) :].replace(os.sep, "/")
            self._paths[frame.filename] = path
        return f"{path}:{frame.lineno}"


class TraceProbe:
    """Starts and stops tracemalloc and reports the allocation sites that grew."""

    def __init__(self, *, frames: int = 1, top: int = 10) -> None:
        self.frames = frames
        self.top = top
        self._started_here = False
        self._history = GrowthHistory()
        self._counts: dict[str, int] = {}
        self._names = SiteNames()

    def start(self) -> None:
        """Start tracing with `frames` frames per traceback, unless already tracing.

        If something else started tracemalloc (e.g. PYTHONTRACEMALLOC), its setting is kept and
        `stop()` leaves it running.
        """
        if not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)
            self._started_here = True

    def stop(self) -> None:
        if self._started_here:
            tracemalloc.stop()
            self._started_here = False

    def current(self) -> int:
        """Bytes currently traced (allocated since `start()` and still alive)."""
        self._require_tracing()
        return tracemalloc.get_traced_memory()[0]

    def checkpoint(self, *, baseline: bool = False) -> list[dict[str, Any]]:
        """Group live traces by site; return the top growers since the baseline (`sites_top`).

        Each entry: `site`, `bytes` and `count` (live now), `growth_bytes` (since the baseline)
        and, when tracing keeps more than one frame, `traceback`: the call chain, outermost
        first, that holds the most bytes at that site.
        """
        self._require_tracing()
        # Learn module names first: learning grows a cache, which must not show up as a site.
        self._names.learn_modules()
        snapshot = tracemalloc.take_snapshot()
        sizes: dict[str, int] = {}
        counts: dict[str, int] = {}
        for stat in snapshot.statistics("lineno"):
            frame = stat.traceback[0]
            if _is_target_code(frame.filename):
                site = self._names(frame)
                sizes[site] = sizes.get(site, 0) + stat.size
                counts[site] = counts.get(site, 0) + stat.count
        self._history.record(sizes, baseline=baseline)
        self._counts = counts
        entries = [self._entry(site, growth) for site, growth in self._history.top(self.top)]
        if snapshot.traceback_limit > 1:
            chains = self._heaviest_chains(snapshot, {entry["site"] for entry in entries})
            for entry in entries:
                entry["traceback"] = chains[entry["site"]]
        return entries

    def grew_every_time(self) -> list[dict[str, Any]]:
        """Sites whose live bytes rose at every checkpoint since the baseline, largest first."""
        return [
            self._entry(site, growth) for site, growth in self._history.grew_every_time(self.top)
        ]

    def _entry(self, site: str, growth: int) -> dict[str, Any]:
        return {
            "site": site,
            "bytes": self._history.latest[site],
            "count": self._counts[site],
            "growth_bytes": growth,
        }

    def _heaviest_chains(
        self, snapshot: tracemalloc.Snapshot, sites: set[str]
    ) -> dict[str, list[str]]:
        """For each site, the full traceback holding the most bytes there."""
        chains: dict[str, list[str]] = {}
        for stat in snapshot.statistics("traceback"):  # largest first
            site = self._names(stat.traceback[-1])
            if site in sites and site not in chains:
                chains[site] = [self._names(frame) for frame in stat.traceback]
        return chains

    def _require_tracing(self) -> None:
        if not tracemalloc.is_tracing():
            raise RuntimeError("tracemalloc is not tracing: call TraceProbe.start() first")
