"""The embedded gateway's child process: runs the workload in steps the harness asks for.

It speaks JSON lines on stdin/stdout (harness.targets.channel): `init`, `advance`, `checkpoint`,
`drain`, `quit`. Each reply carries the measurements only the process itself can take (gateway
state, heap, allocator), so the harness measures RSS from outside and everything else from here.
Ctrl-C is ignored here: the harness decides when the target stops.

Calibration only: `init` may carry `inject_leak_bytes` (default 0), which makes the process leak
one `bytes` payload of that size per completed run (`leak_object`), outside the gateway's state,
so a benchmark can measure which leak sizes the trend signals see. Scenario files cannot set it:
only code that builds the init message itself (bench/verdict_on_scenarios.py) does.
"""

from __future__ import annotations

import json
import signal
import sys
import traceback
from typing import IO, Any

from leakbench.gateway_sim.embedded import EmbeddedHost
from leakbench.gateway_sim.policy import resolve_policy
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.workload import Workload
from leakbench.probe.inprocess import InProcessProbe
from leakbench.probe.lifeline import die_with_parent

_INJECTED: list[bytes] = []
"""Calibration leak: one object per completed run, never freed (see the module docstring)."""


def leak_object(size: int) -> bytes:
    """The object leaked per run: one heap block of `size` payload bytes (plus its header)."""
    return bytes(size)


class Worker:
    """Holds the embedded host and the in-process probe between requests."""

    def __init__(self) -> None:
        self.host: EmbeddedHost | None = None
        self.probe: InProcessProbe | None = None
        self.inject_leak_bytes = 0

    def init(self, message: dict[str, Any]) -> dict[str, Any]:
        workload = dict(message["workload"])
        for key in ("reply_chars", "chunks", "chunk_interval"):
            workload[key] = tuple(workload[key])
        self.inject_leak_bytes = int(message.get("inject_leak_bytes", 0))
        if self.inject_leak_bytes < 0:
            raise ValueError(f"inject_leak_bytes must be >= 0, not {self.inject_leak_bytes}")
        self.probe = InProcessProbe(
            objects=message.get("objects", True), tracemalloc=message.get("tracemalloc", False)
        )
        self.host = EmbeddedHost(
            GatewaySettings.from_dict(message.get("settings", {})),
            resolve_policy(message["policy"], message.get("policy_flags") or None),
            Workload(**workload),
            message["seed"],
        )
        return self._step_reply()

    def _step_reply(self) -> dict[str, Any]:
        assert self.host is not None and self.probe is not None
        inside = dict(self.host.memory_report())
        inside.update(self.probe.sample())
        return {
            "runs_done": self.host.runs_done,
            "runs_started": self.host.runs_started,
            "t_gateway": self.host.now,
            "finished": self.host.finished,
            "inside": inside,
        }

    def advance(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.host is not None
        self.host.advance(int(message["runs"]))
        if self.inject_leak_bytes:
            new_runs = self.host.runs_done - len(_INJECTED)
            _INJECTED.extend(leak_object(self.inject_leak_bytes) for _ in range(new_runs))
        return self._step_reply()

    def checkpoint(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.probe is not None
        return {"checkpoint": self.probe.checkpoint(baseline=bool(message.get("baseline")))}

    def drain(self, _message: dict[str, Any]) -> dict[str, Any]:
        assert self.host is not None and self.probe is not None
        before = self.host.now
        self.host.drain()
        reply = self._step_reply()
        reply["drained_gateway_s"] = self.host.now - before
        reply["retained_by_path"] = self.host.retained_by_path()
        reply["live_run_objects"] = self.host.live_run_objects()
        reply["attribution"] = self.probe.final_attribution()
        return reply


def serve(requests: IO[str], replies: IO[str]) -> None:
    """Answer requests until `quit` or end of input."""
    worker = Worker()
    handlers = {
        "init": worker.init,
        "advance": worker.advance,
        "checkpoint": worker.checkpoint,
        "drain": worker.drain,
    }
    for line in requests:
        message = json.loads(line)
        command = message.get("cmd")
        if command == "quit":
            break
        try:
            reply = {"ok": True, **handlers[command](message)}
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            reply = {"ok": False, "error": f"{command}: {type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    if worker.probe is not None:
        worker.probe.stop()


def main() -> None:
    die_with_parent()  # SIGKILL when the harness dies, even by SIGKILL (probe/lifeline.py)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = sys.stdout
    sys.stdout = sys.stderr  # nothing but replies may reach the channel
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
