"""What a command target asks of a runtime's in-target measurement (Python agent, Node inspector).

`CommandTarget` knows nothing of runtimes: it calls these hooks around its own process
handling, and each runtime lives in its own module behind them.
"""

from __future__ import annotations

from typing import Any, Protocol


class InsideProbe(Protocol):
    """Measurement from inside a command target's processes."""

    def prepare(self, env: dict[str, str]) -> dict[str, str]:
        """The environment to spawn the target with (before it starts)."""

    def started(self, pid: int) -> None:
        """The target's main process is running as `pid`."""

    def sample(self) -> dict[str, Any]:
        """Sample fields measured inside, merged into each sample (docs/run-dir.md)."""

    def checkpoint(self, baseline: bool) -> dict[str, Any] | None:
        """A checkpoint sample's `checkpoint` field; None when nothing inside answers."""

    def attribution(self) -> dict[str, Any] | None:
        """What grew, where and who holds it, for the summary's attribution."""

    def close(self) -> None:
        """Release what `prepare` made; safe to call more than once."""
