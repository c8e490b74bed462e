"""glibc malloc statistics, read in the target process through ctypes.

RSS can rise and never fall without any leak: glibc keeps freed memory in its arenas. Comparing
RSS with what malloc reports in use tells retention from a leak. What malloc sees: objects over
512 bytes, C extensions, buffers; pymalloc's own arenas are mmapped directly and do not appear.
On other C libraries (musl, macOS, Windows) or glibc before 2.33 these functions return None.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any, Optional


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


@functools.cache
def _libc_function(name: str, restype: Any, *argtypes: Any) -> Optional[Callable[..., Any]]:
    """The named function of the C library this process runs on, or None if it has none."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # TypeError: Windows cannot open "the program itself"
        return None
    function = getattr(libc, name, None)
    if function is not None:
        function.restype = restype
        function.argtypes = list(argtypes)
    return function


def mallinfo2() -> Optional[dict[str, int]]:
    """Return malloc's totals over all arenas, in bytes, or None without glibc >= 2.33.

    `arena`: heap obtained from the OS (sbrk and thread arenas); `in_use`: allocated within it;
    `free`: free within it (retained, not returned to the OS); `mmap`: large blocks mapped
    separately (over the mmap threshold, 128 KiB to 32 MiB), returned to the OS when freed.
    Cost grows with the number of free chunks: the call walks malloc's bins.
    """
    function = _libc_function("mallinfo2", _MallInfo2)
    if function is None:
        return None
    info = function()
    return {
        "arena": info.arena,
        "in_use": info.uordblks,
        "free": info.fordblks,
        "mmap": info.hblkhd,
    }


def malloc_trim(pad: int = 0) -> Optional[bool]:
    """Ask glibc to return free heap pages to the OS; True if it released any, None without glibc.

    A diagnostic only: if RSS drops a lot after a trim, the growth was allocator retention, not a
    leak. Never call it between samples of a measured run: it changes what is being measured.
    """
    function = _libc_function("malloc_trim", ctypes.c_int, ctypes.c_size_t)
    if function is None:
        return None
    return bool(function(pad))
