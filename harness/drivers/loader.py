"""Python load drivers for `command` targets: `module:function`, called with a DriverContext.

A driver generates the service's load (HTTP requests, queue messages, ...) until
`ctx.stop` is set, and calls `ctx.record()` for every completed unit of work so that leakbench
can report growth per run rather than per hour.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leakbench.harness.errors import BadInput


@dataclass
class DriverContext:
    """A driver's view: the target's pid, the scenario's `driver_args`, a stop flag, a counter."""

    pid: int
    args: dict[str, Any]
    stop: threading.Event = field(default_factory=threading.Event)
    runs_done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, runs: int = 1) -> None:
        """Count completed runs (thread-safe, so a driver may use a pool)."""
        with self._lock:
            self.runs_done += runs


def load_driver(spec: str, cwd: str | None) -> Callable[[DriverContext], Any]:
    """Import `module:function`, looking in the target's working directory too."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise BadInput(f"driver {spec!r}: expected 'module:function'")
    if cwd and cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BadInput(f"driver {spec!r}: cannot import {module_name!r}: {exc}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise BadInput(f"driver {spec!r}: {module_name} has no function {function_name!r}")
    return function
