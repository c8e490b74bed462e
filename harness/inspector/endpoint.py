"""Where a Node target's inspector listens, and the rule that it listens on loopback only.

The inspector is a code-execution door into the target: leakbench asks for it on 127.0.0.1
with a port the kernel picks (`--inspect=127.0.0.1:0` in NODE_OPTIONS), reads the port from the
debugger's banner ("Debugger listening on ws://127.0.0.1:PORT/UUID" on stderr), and refuses to
talk to an inspector bound anywhere else: that is a door it must not leave open.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.request
from dataclasses import dataclass

import psutil

INSPECT_OPTION = "--inspect=127.0.0.1:0"
BANNER = re.compile(r"Debugger listening on (ws://(\[[^\]]+\]|[^:/\s]+):(\d+)/[\w-]+)")


class InspectorRefused(Exception):
    """The inspector is bound beyond loopback, or cannot be found."""


@dataclass(frozen=True)
class Endpoint:
    """An inspector's WebSocket URL and the address it is bound to."""

    url: str
    host: str
    port: int


def node_options(existing: str | None) -> str:
    """NODE_OPTIONS with the loopback inspector last, so it wins over an earlier --inspect."""
    return f"{existing} {INSPECT_OPTION}".strip() if existing else INSPECT_OPTION


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`; names that need resolving are not trusted."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def from_banner(text: str) -> Endpoint | None:
    """The first inspector banner in `text` (the target's own, before any child's)."""
    match = BANNER.search(text)
    if match is None:
        return None
    return Endpoint(url=match.group(1), host=match.group(2).strip("[]"), port=int(match.group(3)))


def from_json_list(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> Endpoint | None:
    """The first debuggable target of the inspector's HTTP endpoint `/json/list`, if it answers."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/json/list", timeout=timeout) as reply:
            targets = json.load(reply)
    except (OSError, ValueError):
        return None
    for target in targets:
        url = target.get("webSocketDebuggerUrl")
        if url:
            return Endpoint(url=url, host=host, port=port)
    return None


def listening_addresses(pid: int, port: int) -> list[str]:
    """Addresses on which process `pid` listens on TCP `port` (empty when none or not allowed)."""
    try:
        connections = psutil.Process(pid).net_connections(kind="inet")
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []
    return [
        c.laddr.ip
        for c in connections
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
    ]


def require_loopback(endpoint: Endpoint, pid: int) -> None:
    """Raise unless the banner's address and every socket bound to its port are loopback."""
    exposed = [
        a for a in [endpoint.host, *listening_addresses(pid, endpoint.port)] if not is_loopback(a)
    ]
    if exposed:
        raise InspectorRefused(
            f"the inspector listens on {exposed[0]}:{endpoint.port}, beyond loopback; leakbench "
            "only uses an inspector bound to 127.0.0.1 (remove --inspect from the command)"
        )
