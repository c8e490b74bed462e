"""A JSON-lines request/response channel to a child process over its stdin and stdout.

A reader thread collects replies so that every request can time out: a target that stops
answering is reported as hung instead of hanging the harness, and a reply that is not a JSON
object (a stray print, a cut line) is a target failure, not a traceback.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from typing import Any

from leakbench.harness.errors import TargetFailed

_EOF = object()


class LineChannel:
    """Send one JSON object per line and wait for one JSON reply per request."""

    def __init__(self, process: subprocess.Popen[str], describe_exit: Any) -> None:
        self._process = process
        self._describe_exit = describe_exit
        self._replies: queue.Queue[Any] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="target-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._replies.put(line)
        self._replies.put(_EOF)

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send `message`; raise TargetFailed when the child dies, hangs or reports an error."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise TargetFailed(f"target died: {self._describe_exit()}") from None
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise TargetFailed(
                f"target hung: no answer to {message.get('cmd')!r} within {timeout:.0f}s",
                reason="target-hung",
            ) from None
        if line is _EOF:
            raise TargetFailed(f"target died: {self._describe_exit()}")
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):
            reply = None
        if not isinstance(reply, dict):
            raise TargetFailed(f"target sent a reply that is not a JSON object: {line[:200]!r}")
        if reply.get("ok") is not True:
            raise TargetFailed(f"target error: {str(reply.get('error', 'unknown error'))[:500]}")
        return reply
