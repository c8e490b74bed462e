"""Outside measurements: the target's memory as the OS sees it, read from the harness process.

Runs in the harness, about the target's PID, so it works for any target (Python or not) and never
perturbs the target's heap. An RSS sample is one `psutil` read of /proc (tens of microseconds);
USS walks the page tables (`memory_full_info`, 0.3-5 ms) and is opt-in.
"""

from __future__ import annotations

import time

import psutil

from leakbench.harness.errors import BadInput, TargetFailed


class TargetGone(TargetFailed):
    """The target process no longer runs: it exited (and was reaped) or is a zombie."""

    def __init__(self, pid: int, *, zombie: bool = False) -> None:
        self.pid = pid
        self.zombie = zombie
        detail = " (zombie: exited, not yet reaped by its parent)" if zombie else ""
        super().__init__(f"target process {pid} has exited{detail}")


class ProcessProbe:
    """Samples RSS (and optionally USS) of one process and the summed RSS of its descendants.

    Listing descendants means reading every process in /proc (about 1 ms per 100 processes), too
    slow for every sample; the list is refreshed every `children_refresh` seconds and each known
    child's RSS is read every sample. A child started since the last refresh is counted from the
    next one.
    """

    def __init__(
        self,
        pid: int,
        *,
        uss: bool = False,
        include_children: bool = True,
        children_refresh: float = 2.0,
    ) -> None:
        try:
            self._process = psutil.Process(pid)
            if uss:
                self._process.memory_full_info()
        except psutil.NoSuchProcess:
            raise TargetGone(pid) from None
        except psutil.AccessDenied:
            raise BadInput(
                f"cannot read the USS of process {pid}: permission denied "
                "(run as the target's user, or measure RSS only)"
            ) from None
        self.pid = pid
        self._uss = uss
        self._include_children = include_children
        self._children_refresh = children_refresh
        self._children: list[psutil.Process] | None = None
        self._children_listed_at = 0.0

    def sample(self) -> dict[str, int]:
        """Return `rss`, `uss` (if asked) and `children_rss` (if asked), in bytes.

        Raises `TargetGone` when the process has exited, including as an unreaped zombie.
        """
        try:
            if self._uss:
                full = self._process.memory_full_info()
                sample = {"rss": full.rss, "uss": full.uss}
            else:
                sample = {"rss": self._process.memory_info().rss}
        except psutil.NoSuchProcess:
            raise TargetGone(self.pid) from None
        if sample["rss"] == 0:
            self._raise_if_zombie()
        if self._include_children:
            sample["children_rss"] = self._children_rss()
        return sample

    def _raise_if_zombie(self) -> None:
        """A zombie's memory reads as zero; only then is its status worth a second read."""
        try:
            zombie = self._process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            raise TargetGone(self.pid) from None
        if zombie:
            raise TargetGone(self.pid, zombie=True)

    def _children_rss(self) -> int:
        now = time.monotonic()
        if self._children is None or now - self._children_listed_at >= self._children_refresh:
            try:
                self._children = self._process.children(recursive=True)
            except psutil.NoSuchProcess:
                raise TargetGone(self.pid) from None
            self._children_listed_at = now
        total = 0
        for child in self._children:
            try:
                total += child.memory_info().rss
            except psutil.NoSuchProcess:
                self._children = None  # the tree changed: list it again next sample
        return total
