"""The live report of a running soak: `leakbench report RUN_DIR --live` in a child process.

The `run` process hands this to the runner as its live view. Each refresh starts a separate
`leakbench report --live`, so reading the samples and drawing never block the sampling loop and
never grow the harness's own memory; a refresh still in flight when the next falls due is left
to finish (the next is skipped). The child has its own session, so Ctrl-C stops the soak and
`close` then stops the child before the final report is written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLOSE_WAIT_S = 10.0


class ReportRefresher:
    """Rebuilds `RUN_DIR/report.html` from the run directory while the soak runs."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.started = 0
        self._child: subprocess.Popen[bytes] | None = None

    def refresh(self) -> None:
        if self._child is not None and self._child.poll() is None:
            return
        command = [sys.executable, "-m", "leakbench", "report", str(self.run_dir), "--live"]
        self._child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.started += 1

    def close(self) -> None:
        """Let a refresh in flight finish (it writes atomically), or stop it if it hangs."""
        if self._child is None or self._child.poll() is not None:
            return
        try:
            self._child.wait(timeout=CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
