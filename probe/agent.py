"""The agent: the probe running inside a Python target that leakbench started, unchanged.

The bootstrap's `sitecustomize` (probe/bootstrap.py) calls `start_from_environment()` before the
target's own code runs. The agent then lives in one daemon thread that connects to the
harness's UNIX socket (named in the environment), says who it is, and sends a sample every
`interval` seconds; it answers the harness's `checkpoint` and `attribution` requests. It never
writes to the target's stdout or stderr: its own errors go to the agent log, if one is named.

A forked child gets its own agent (`os.register_at_fork`): it drops the parent's connection,
starts afresh (new census, own baseline) and reports under its own pid. A spawned child (a new
interpreter) inherits the environment and so the bootstrap.

`leakbench attach` starts the same agent in a running interpreter with `start()`, from the
script `sys.remote_exec` runs (CPython 3.14+). When the harness hangs up, the agent undoes what
it did (tracemalloc stops) and its thread ends, so the process runs on as it was and can be
attached again.

Wire format: one JSON object per line. Agent to harness: `hello` {pid, ppid, argv, python},
`sample` {pid, t, ...probe sample}, `checkpoint` {id, pid, checkpoint, pause_s, attribution},
`attribution` {id, pid, attribution}. Harness to agent: {cmd: checkpoint, id, baseline} and
{cmd: attribution, id}.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import threading
import time
import traceback
from typing import Any, Optional

from .inprocess import InProcessProbe

ENV_SOCKET = "LEAKBENCH_AGENT_SOCKET"
ENV_CONFIG = "LEAKBENCH_AGENT_CONFIG"
ENV_LOG = "LEAKBENCH_AGENT_LOG"
DEFAULTS: dict[str, Any] = {
    "interval": 0.25,
    "objects": True,
    "count_objects": False,
    "tracemalloc": False,
    "trace_frames": 1,
    "top": 10,
}

_agent: Optional[Agent] = None
_fork_hook_installed = False


class Agent:
    """One process's agent: its probe, its connection and its thread."""

    def __init__(self, address: str, config: dict[str, Any], log_path: Optional[str]) -> None:
        self.address = address
        self.config = {**DEFAULTS, **config}
        self.log_path = log_path
        self.probe = InProcessProbe(
            objects=bool(self.config["objects"]),
            count_objects=bool(self.config["count_objects"]),
            tracemalloc=bool(self.config["tracemalloc"]),
            trace_frames=int(self.config["trace_frames"]),
            top=int(self.config["top"]),
        )
        self.sock: Optional[socket.socket] = None
        self.thread = threading.Thread(target=self._run, name="leakbench-agent", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def abandon(self) -> None:
        """In a forked child: close the inherited copy of the parent's connection, unused."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _run(self) -> None:
        global _agent
        try:
            self._serve()
        except Exception:  # never let the agent disturb the target; say why in the agent log
            self.log(traceback.format_exc())
        finally:
            if self.sock is not None:
                self.sock.close()
            self.probe.stop()
            if _agent is self:  # the harness is gone: a later attach starts a new agent
                _agent = None

    def _serve(self) -> None:
        sock = self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.address)
        self._send(
            {
                "type": "hello",
                "pid": os.getpid(),
                "ppid": os.getppid(),
                "argv": list(sys.argv),
                "python": ".".join(map(str, sys.version_info[:3])),
            }
        )
        interval = float(self.config["interval"])
        buffer = b""
        next_sample = time.monotonic()
        while True:
            wait = max(0.0, next_sample - time.monotonic())
            readable, _, _ = select.select([sock], [], [], wait)
            if readable:
                data = sock.recv(65536)
                if not data:
                    return  # the harness is done
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    self._handle(json.loads(line))
            now = time.monotonic()
            if now >= next_sample:
                sock.sendall(self.sample_line())
                next_sample = max(next_sample + interval, now)

    def sample_line(self) -> bytes:
        """The `sample` message as sent: all the sampling loop does at each tick, apart from the
        write (tests and the overhead bench call it to see what a tick keeps and costs)."""
        sample = self.probe.sample()
        return _line({"type": "sample", "pid": os.getpid(), "t": time.time(), **sample})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.sock is not None
        self.sock.sendall(_line(message))

    def _handle(self, request: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"id": request.get("id"), "pid": os.getpid()}
        if request.get("cmd") == "checkpoint":
            started = time.perf_counter()
            reply["checkpoint"] = self.probe.checkpoint(baseline=bool(request.get("baseline")))
            reply["pause_s"] = round(time.perf_counter() - started, 6)
            reply["type"] = "checkpoint"
        elif request.get("cmd") == "attribution":
            reply["type"] = "attribution"
        else:
            return
        reply["attribution"] = self.probe.final_attribution()
        self._send(reply)

    def log(self, text: str) -> None:
        if self.log_path:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"[pid {os.getpid()}] {text}\n")


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def start_from_environment() -> Optional[Agent]:
    """Start this process's agent if the harness asked for one (the socket is in the
    environment) and none runs yet; return it."""
    address = os.environ.get(ENV_SOCKET)
    if not address:
        return _agent
    config = json.loads(os.environ.get(ENV_CONFIG) or "{}")
    return start(address, config, os.environ.get(ENV_LOG))


def start(address: str, config: dict[str, Any], log_path: Optional[str]) -> Agent:
    """Start this process's agent, reporting to the harness at `address`, unless one runs."""
    global _agent, _fork_hook_installed
    if _agent is not None:
        return _agent
    _agent = Agent(address, config, log_path)
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_hook_installed = True
    _agent.start()
    return _agent


def _after_fork_in_child() -> None:
    """A forked child reports to the same harness as its parent did, as a process of its own
    (an attached process's children too, whose environment names no socket)."""
    global _agent
    parent = _agent
    if parent is None:
        return
    parent.abandon()  # tracemalloc, if on, goes on tracing: the new probe keeps it running
    _agent = None
    start(parent.address, parent.config, parent.log_path)
