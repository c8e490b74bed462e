"""Where a run happened: interpreter, platform, package versions and host, for meta.json."""

from __future__ import annotations

import os
import platform
import socket
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

PACKAGES = (
    "leakbench",
    "psutil",
    "numpy",
    "scipy",
    "ruptures",
    "websockets",
    "pydantic",
)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


CGROUP_LIMITS = (
    ("/sys/fs/cgroup/memory.max", "cgroup"),  # cgroup v2
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "cgroup"),  # cgroup v1
)
UNLIMITED = 1 << 60
"""cgroup v1 writes "no limit" as a huge page-aligned number rather than `max`."""


def memory_limit() -> dict[str, Any]:
    """The memory a run's processes can have: the cgroup limit if one is set, else what is
    available now (the projection says when a leak would exhaust it)."""
    for path, source in CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < UNLIMITED:
            return {"bytes": int(text), "source": source}
    return {"bytes": psutil.virtual_memory().available, "source": "available"}


def describe_environment() -> dict[str, Any]:
    """The `versions` and `host` entries of meta.json."""
    return {
        "versions": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "leakbench": _version("leakbench"),
            "platform": platform.platform(),
            "packages": {name: _version(name) for name in PACKAGES},
        },
        "host": {
            "hostname": socket.gethostname(),
            "cpus": os.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "memory_limit": memory_limit(),
        },
    }
