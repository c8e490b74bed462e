"""mallinfo2 follows real malloc/free calls; malloc_trim returns retained pages (glibc only)."""

from __future__ import annotations

import ctypes

import psutil
import pytest

from leakbench.probe import mallinfo2, malloc_trim

MiB = 1 << 20

pytestmark = pytest.mark.skipif(mallinfo2() is None, reason="needs glibc >= 2.33")


@pytest.fixture
def libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def malloc_touched(libc: ctypes.CDLL, size: int, count: int) -> list[int]:
    blocks = [libc.malloc(size) for _ in range(count)]
    for block in blocks:
        ctypes.memset(block, 1, size)
    return blocks


def test_in_use_and_free_follow_small_mallocs(libc: ctypes.CDLL) -> None:
    before = mallinfo2()
    blocks = malloc_touched(libc, 4096, 10_000)
    allocated = mallinfo2()
    for block in blocks:
        libc.free(block)
    freed = mallinfo2()
    assert allocated["in_use"] - before["in_use"] >= 40_000_000
    assert allocated["in_use"] - freed["in_use"] >= 40_000_000
    assert freed["arena"] == freed["in_use"] + freed["free"]


def test_mmap_follows_a_big_malloc(libc: ctypes.CDLL) -> None:
    before = mallinfo2()
    block = libc.malloc(64 * MiB)
    allocated = mallinfo2()
    libc.free(block)
    freed = mallinfo2()
    assert allocated["mmap"] - before["mmap"] >= 64 * MiB
    assert freed["mmap"] == before["mmap"]


def test_freed_memory_stays_resident_until_malloc_trim(libc: ctypes.CDLL) -> None:
    process = psutil.Process()
    blocks = malloc_touched(libc, 16 * 1024, 4000)  # about 64 MiB on the heap
    resident = process.memory_info().rss
    in_use = mallinfo2()["in_use"]
    for block in blocks[::2]:  # holes between kept blocks: nothing for free() to give back
        libc.free(block)
    assert in_use - mallinfo2()["in_use"] >= 30 * MiB
    retained = process.memory_info().rss
    assert retained >= resident - 4 * MiB
    assert malloc_trim() is True
    assert retained - process.memory_info().rss >= 16 * MiB
    for block in blocks[1::2]:
        libc.free(block)
