"""Shared by the Node tests: the skip when Node is missing, and a target under the inspector."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

TARGETS = Path(__file__).parent / "targets"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None, reason="Node.js is not installed (Debian: apt-get install nodejs)"
)


def free_port() -> int:
    """A loopback port nothing listens on right now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refuses(port: int) -> bool:
    """True when nothing accepts connections on loopback `port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True
