"""Outside measurements: the target's memory as the OS sees it, read from the harness process.

Runs in the harness, about the target's PID, so it works for any target (Python or not) and never
perturbs the target's heap. An RSS sample is one `psutil` read of /proc (tens of microseconds);
USS walks the page tables (`memory_full_info`, 0.3-5 ms) and is opt-in.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

import psutil

from leakbench.harness.errors import BadInput, TargetFailed


class TargetGone(TargetFailed):
    """The target process no longer runs: it exited (and was reaped) or is a zombie."""

    def __init__(self, pid: int, *, zombie: bool = False) -> None:
        self.pid = pid
        self.zombie = zombie
        detail = " (zombie: exited, not yet reaped by its parent)" if zombie else ""
        super().__init__(f"target process {pid} has exited{detail}")


MEMBER_LIMIT = 8
"""How many of the tree's processes a sample records one by one: the target and its largest
descendants by RSS (a pid outside them at a sample is absent there)."""
COMMAND_CHARS = 200


class ProcessProbe:
    """Samples RSS (and optionally USS) of one process and of its whole process tree.

    Listing descendants means reading every process in /proc (about 1 ms per 100 processes), too
    slow for every sample; the list is refreshed every `children_refresh` seconds and each known
    child's RSS is read every sample. A child started since the last refresh is counted from the
    next one; a child that ended forces a new listing at the next sample.

    With `include_children`, a sample also carries the tree: `tree_rss` (the target plus every
    descendant alive at that sample), `tree_uss` with `uss`, the RSS of the `MEMBER_LIMIT`
    members keyed by pid (`members`: the target and its largest descendants), and who each pid
    is (command line, parent pid) the first time it is recorded (`member_commands`), so a long
    run stores each command once.
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
        self._members: dict[int, dict[str, Any]] = {}

    def sample(self) -> dict[str, Any]:
        """Return `rss`, `uss` (if asked), and with children `children_rss` and the tree fields.

        Raises `TargetGone` when the process has exited, including as an unreaped zombie.
        """
        try:
            if self._uss:
                full = self._process.memory_full_info()
                sample: dict[str, Any] = {"rss": full.rss, "uss": full.uss}
            else:
                sample = {"rss": self._process.memory_info().rss}
        except psutil.NoSuchProcess:
            raise TargetGone(self.pid) from None
        if sample["rss"] == 0:
            self._raise_if_zombie()
        if self._include_children:
            sample.update(self._tree(sample))
        return sample

    def _raise_if_zombie(self) -> None:
        """A zombie's memory reads as zero; only then is its status worth a second read."""
        try:
            zombie = self._process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            raise TargetGone(self.pid) from None
        if zombie:
            raise TargetGone(self.pid, zombie=True)

    def _tree(self, own: dict[str, Any]) -> dict[str, Any]:
        """The tree fields of one sample, from the target's own reading plus its children's."""
        children = self._children_memory()
        rss = {self.pid: own["rss"], **{pid: memory[0] for pid, memory in children.items()}}
        fields: dict[str, Any] = {
            "children_rss": sum(memory[0] for memory in children.values()),
            "tree_rss": sum(rss.values()),
        }
        if self._uss:
            fields["tree_uss"] = own["uss"] + sum(memory[1] for memory in children.values())
        largest = sorted(children, key=lambda pid: children[pid][0], reverse=True)
        recorded = [self.pid, *largest[: MEMBER_LIMIT - 1]]
        fields["members"] = {str(pid): rss[pid] for pid in recorded}
        new = {str(pid): self._member(pid) for pid in recorded if pid not in self._members}
        if new:
            fields["member_commands"] = new
        return fields

    def _children_memory(self) -> dict[int, tuple[int, int]]:
        """(RSS, USS or 0) of each listed child still alive, by pid."""
        now = time.monotonic()
        if self._children is None or now - self._children_listed_at >= self._children_refresh:
            try:
                self._children = self._process.children(recursive=True)
            except psutil.NoSuchProcess:
                raise TargetGone(self.pid) from None
            self._children_listed_at = now
        memory = {}
        for child in self._children:
            try:
                memory[child.pid] = self._child_memory(child)
            except psutil.NoSuchProcess:
                self._children = None  # the tree changed: list it again next sample
        return memory

    def _child_memory(self, child: psutil.Process) -> tuple[int, int]:
        """(RSS, USS or 0) of one child; RSS only for a child whose pages are not ours to read
        (it changed user). Raises NoSuchProcess when it ended, also between the two reads."""
        if self._uss:
            try:
                full = child.memory_full_info()
                return full.rss, full.uss
            except psutil.AccessDenied:
                pass
        return child.memory_info().rss, 0

    def _member(self, pid: int) -> dict[str, Any]:
        """Who a pid is, read once: its command line, its parent, whether it is the target."""
        member: dict[str, Any] = {"command": f"pid {pid}", "ppid": None}
        try:
            process = self._process if pid == self.pid else psutil.Process(pid)
            with process.oneshot():
                argv, member["ppid"] = process.cmdline(), process.ppid()
                member["command"] = (shlex.join(argv) if argv else process.name())[:COMMAND_CHARS]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass  # it ended (or hides its command line): named by its pid
        if pid == self.pid:
            member["target"] = True
        self._members[pid] = member
        return member
