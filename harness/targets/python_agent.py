"""The harness end of the Python agent (leakbench.probe.agent) injected into command targets.

`prepare` makes the bootstrap directory in the run directory (`agent/`: the bootstrap as
`sitecustomize.py` and a copy of the probe package under a private name), puts it first on
PYTHONPATH and listens on a UNIX socket. Every Python process of the target (the main one,
forked and spawned workers) connects, says hello and streams samples; checkpoints and the final
attribution are requests answered by each process for itself, tagged with its pid.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import leakbench.probe
from leakbench.harness.targets.inside import StartedProcess
from leakbench.probe.agent import ENV_CONFIG, ENV_LOG, ENV_SOCKET

AGENT_PACKAGE = "_leakbench_probe"
"""The probe's private name in the target, as probe/bootstrap.py imports it (that module cannot
be imported here: importing it starts an agent)."""
BOOTSTRAP_DIR = "agent"
SOCKET_NAME = "agent.sock"
AGENT_LOG = "agent.log"
MAX_SOCKET_PATH = 100
"""AF_UNIX paths are limited to 108 bytes; longer run directories get a short temporary one."""
SUMMED = ("heap_blocks", "heap_traced", "gc_objects")


@dataclass
class _Process:
    """One connected Python process of the target."""

    conn: socket.socket
    buffer: bytes = b""
    hello: dict[str, Any] | None = None
    latest: dict[str, Any] | None = None
    attribution: dict[str, Any] | None = None
    alive: bool = True


class PythonAgent:
    """Injects the agent into a command target and gathers what its processes report
    (an InsideProbe).

    silent: what the attribution says when no process ever connected.
    """

    checkpoint_limit = None

    def __init__(
        self,
        run_dir: Path,
        config: dict[str, Any],
        *,
        reply_timeout: float = 120.0,
        silent: str = "no Python process of the target connected to the agent",
    ) -> None:
        self._run_dir = run_dir
        self._config = config
        self._reply_timeout = reply_timeout
        self._silent = silent
        self._processes: dict[int, _Process] = {}  # by pid once it said hello
        self._pending: list[_Process] = []
        self._replies: dict[tuple[int, int], dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._request_id = 0
        self._main_pid: int | None = None
        self._server: socket.socket | None = None
        self._socket_dir: str | None = None
        self._selector = selectors.DefaultSelector()
        self._thread: threading.Thread | None = None
        self._closing = False

    # --- lifecycle ------------------------------------------------------------------------

    def prepare(self, env: dict[str, str]) -> dict[str, str]:
        boot = self.install()
        path = [str(boot), *filter(None, [env.get("PYTHONPATH")])]
        return {
            **env,
            "PYTHONPATH": os.pathsep.join(path),
            ENV_SOCKET: self.address,
            ENV_CONFIG: json.dumps(self.config),
            ENV_LOG: self.log_path,
        }

    def install(self) -> Path:
        """Write the bootstrap directory and listen; the directory's absolute path (the agent's
        package is `AGENT_PACKAGE` in it)."""
        boot = self._run_dir / BOOTSTRAP_DIR
        source = Path(leakbench.probe.__file__).parent
        shutil.rmtree(boot, ignore_errors=True)
        shutil.copytree(
            source, boot / AGENT_PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.toml")
        )
        shutil.copyfile(source / "bootstrap.py", boot / "sitecustomize.py")
        self._listen()
        return boot.resolve()

    @property
    def address(self) -> str:
        """The socket the agents connect to (once `install` has run)."""
        return self._address

    @property
    def config(self) -> dict[str, Any]:
        return dict(self._config)

    @property
    def log_path(self) -> str:
        """Where agents write what went wrong inside the target (never to its output)."""
        return str((self._run_dir / AGENT_LOG).resolve())

    def _listen(self) -> None:
        address = str((self._run_dir / SOCKET_NAME).resolve())
        if len(address) > MAX_SOCKET_PATH:
            self._socket_dir = tempfile.mkdtemp(prefix="leakbench-")
            address = os.path.join(self._socket_dir, SOCKET_NAME)
        if os.path.exists(address):
            os.unlink(address)
        server = self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(address)
        server.listen(64)
        server.setblocking(False)
        self._address = address
        self._selector.register(server, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._serve, name="python-agent", daemon=True)
        self._thread.start()

    def started(self, process: StartedProcess) -> None:
        self._main_pid = process.pid

    def await_main(self, pid: int, timeout: float) -> bool:
        """Make `pid` the main process (an attached one) and wait at most `timeout` seconds for
        its agent's hello; whether it came."""
        self._main_pid = pid
        deadline = time.monotonic() + timeout
        with self._changed:
            while pid not in self._processes and time.monotonic() < deadline:
                self._changed.wait(max(0.0, deadline - time.monotonic()))
            return pid in self._processes

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        for process in [*self._processes.values(), *self._pending]:
            process.conn.close()
        if self._server is not None:
            self._server.close()
            if os.path.exists(self._address):
                os.unlink(self._address)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        self._selector.close()

    # --- the reader thread ----------------------------------------------------------------

    def _serve(self) -> None:
        while not self._closing:
            for key, _ in self._selector.select(timeout=0.1):
                if key.fileobj is self._server:
                    self._accept()
                else:
                    self._read(key.data)

    def _accept(self) -> None:
        assert self._server is not None
        try:
            conn, _ = self._server.accept()
        except BlockingIOError:
            return
        process = _Process(conn)
        with self._changed:
            self._pending.append(process)
        self._selector.register(conn, selectors.EVENT_READ, process)

    def _read(self, process: _Process) -> None:
        try:
            data = process.conn.recv(1 << 20)
        except OSError:
            data = b""
        if not data:
            self._selector.unregister(process.conn)
            with self._changed:
                process.alive = False
                self._changed.notify_all()
            return
        *lines, process.buffer = (process.buffer + data).split(b"\n")
        with self._changed:
            for line in lines:
                self._receive(process, json.loads(line))
            self._changed.notify_all()

    def _receive(self, process: _Process, message: dict[str, Any]) -> None:
        kind = message.pop("type", None)
        if kind == "hello":
            process.hello = message
            self._processes[int(message["pid"])] = process
            self._pending.remove(process)
        elif kind == "sample":
            process.latest = message
        elif kind in ("checkpoint", "attribution"):
            process.attribution = message.get("attribution")
            self._replies[(int(message["id"]), int(message["pid"]))] = message

    # --- what the target asks -------------------------------------------------------------

    def _live(self) -> dict[int, _Process]:
        return {pid: p for pid, p in self._processes.items() if p.alive}

    def sample(self) -> dict[str, Any]:
        with self._changed:
            latest = {pid: p.latest for pid, p in self._live().items() if p.latest is not None}
        if not latest:
            return {}
        inside: dict[str, Any] = {"agent_processes": len(latest)}
        for key in SUMMED:
            values = [s[key] for s in latest.values() if key in s]
            if values:
                inside[key] = sum(values)
        mallocs = [s["malloc"] for s in latest.values() if "malloc" in s]
        if mallocs:
            inside["malloc"] = {key: sum(m[key] for m in mallocs) for key in mallocs[0]}
        collections = [s["gc_collections"] for s in latest.values() if "gc_collections" in s]
        if collections:
            inside["gc_collections"] = [sum(gen) for gen in zip(*collections, strict=False)]
        main = latest.get(self._main_pid or -1) or next(iter(latest.values()))
        if "gc_counts" in main:
            inside["gc_counts"] = main["gc_counts"]
        inside["tree_heap_blocks"] = {str(pid): s["heap_blocks"] for pid, s in latest.items()}
        return inside

    def _ask(self, request: dict[str, Any]) -> dict[int, dict[str, Any]]:
        """Send `request` to every live process; their replies by pid (missing ones time out)."""
        with self._changed:
            self._request_id += 1
            request_id = self._request_id
            asked = self._live()
        line = json.dumps({**request, "id": request_id}).encode() + b"\n"
        for process in asked.values():
            try:
                process.conn.sendall(line)
            except OSError:
                continue
        deadline = time.monotonic() + self._reply_timeout
        with self._changed:
            while True:
                answered = {pid for rid, pid in self._replies if rid == request_id}
                waiting = [pid for pid, p in asked.items() if p.alive and pid not in answered]
                remaining = deadline - time.monotonic()
                if not waiting or remaining <= 0:
                    break
                self._changed.wait(remaining)
            return {
                pid: self._replies.pop((request_id, pid))
                for pid in asked
                if (request_id, pid) in self._replies
            }

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        replies = self._ask({"cmd": "checkpoint", "baseline": baseline})
        if not replies:
            return None
        by_pid = {pid: reply["checkpoint"] for pid, reply in replies.items()}
        main = by_pid.get(self._main_pid or -1) or next(iter(by_pid.values()))
        return {
            **main,
            "pause_s": {str(pid): reply["pause_s"] for pid, reply in replies.items()},
            "by_process": {str(pid): checkpoint for pid, checkpoint in by_pid.items()},
        }

    def attribution(self) -> dict[str, Any] | None:
        self._ask({"cmd": "attribution"})
        with self._changed:
            processes = dict(self._processes)
        if not processes:
            return {"agent": self._silent}
        merged: dict[str, Any] = {
            "types": [],
            "sites": [],
            "holders": [],
            "bounded": [],
            "processes": [],
        }
        for pid, process in sorted(processes.items()):
            hello = process.hello or {}
            merged["processes"].append(
                {
                    "pid": pid,
                    "ppid": hello.get("ppid"),
                    "argv": hello.get("argv"),
                    "python": hello.get("python"),
                    "main": pid == self._main_pid,
                }
            )
            for part in ("types", "sites", "holders", "bounded"):
                for entry in (process.attribution or {}).get(part, []):
                    merged[part].append({**entry, "pid": pid})
        for part, key in (("types", "growth"), ("sites", "growth_bytes"), ("bounded", "growth")):
            merged[part].sort(key=lambda entry, key=key: entry[key], reverse=True)
        # A holder ranks by the growth of what it holds in its own process, so the headline
        # names the worker's cache, not a few sets another process gained.
        growth = {(entry["type"], entry["pid"]): entry["growth"] for entry in merged["types"]}
        merged["holders"].sort(key=lambda h: growth.get((h["type"], h["pid"]), 0), reverse=True)
        return merged
