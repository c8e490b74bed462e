"""Where a run happened: interpreter, platform, package versions and host, for meta.json."""

from __future__ import annotations

import os
import platform
import socket
from importlib import metadata
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
        },
    }
