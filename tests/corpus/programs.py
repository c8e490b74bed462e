"""The corpus: real leaks in public packages (leaky and fixed versions pinned on PyPI) and hard
negatives of our own, each with the driver program that exercises it forever.

One table for everything the tests (tests/test_corpus.py) and the sweep (bench/corpus_sweep.py)
need: where the leak was reported, what it is, and what leakbench must say about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class RealLeak:
    name: str  # the driver is tests/corpus/<name>.py
    package: str
    leaky: str
    fixed: str
    # What the acceptance checks: "python-cache" | "c-ref" | "native" (C memory, no Python object)
    kind: str
    report: str  # the public report of the leak
    what: str  # what leaks, in words
    leaked_type: str | None = None  # the Python type that grows, when one does
    holder: str | None = None  # the container that holds the growth (pure-Python caches)
    site: str | None = None  # the allocation site inside the package (path prefix)
    extension: str = "pure Python"  # "pure Python", "C", "Rust"

    @property
    def driver(self) -> Path:
        return HERE / f"{self.name}.py"

    def requirement(self, version: str) -> str:
        return f"{self.package}=={version}"


@dataclass(frozen=True)
class Negative:
    name: str  # the driver is tests/corpus/negatives/<name>.py
    what: str
    plateau: float  # seconds after start by which its memory stops rising

    @property
    def driver(self) -> Path:
        return HERE / "negatives" / f"{self.name}.py"


REAL_LEAKS: tuple[RealLeak, ...] = (
    RealLeak(
        name="babel_pattern_cache",
        package="Babel",
        leaky="2.11.0",
        fixed="2.12.1",
        kind="python-cache",
        report="python-babel/babel: parse_pattern's _pattern_cache removed in 2.12 (unbounded)",
        what="babel.dates._pattern_cache keeps a DateTimePattern per pattern string, forever",
        leaked_type="babel.dates.DateTimePattern",
        holder="babel.dates._pattern_cache",
        site="babel/dates.py:",
    ),
    RealLeak(
        name="multidict_istr",
        package="multidict",
        leaky="6.3.2",
        fixed="6.4.0",
        kind="c-ref",
        report="aio-libs/multidict#1131 (fixed by #1133)",
        what="CIMultiDict leaks a reference to each istr key it makes",
        leaked_type="multidict._multidict.istr",
        extension="C",
    ),
    RealLeak(
        name="multidict_pop",
        package="multidict",
        leaky="6.6.3",
        fixed="6.6.4",
        kind="c-ref",
        report="aio-libs/multidict#1232 (fixed by #1233)",
        what="MultiDict.pop / popall / del leak the popped entries",
        extension="C",
    ),
    RealLeak(
        name="ujson_dump_error",
        package="ujson",
        leaky="5.12.0",
        fixed="5.12.1",
        kind="c-ref",
        report="ujson CVE-2026-44660 (datahub-project/datahub#17453 cites it)",
        what="ujson.dump leaks the serialized str when the file's write raises",
        leaked_type="str",
        extension="C",
    ),
    RealLeak(
        name="nh3_clean",
        package="nh3",
        leaky="0.2.18",
        fixed="0.2.19",
        kind="c-ref",
        report="messense/nh3#49 (PyO3 0.21.2 leak; 0.2.17 does not leak, 0.2.19 fixed)",
        # Measured here: one Python heap block per call stays (sys.getallocatedblocks), so this
        # is a reference leak from Rust, not native growth.
        what="nh3.clean leaks one Python object per call (Rust extension, PyO3 0.21.2)",
        extension="Rust",
    ),
    RealLeak(
        name="pycryptodome_gmp_int",
        package="pycryptodome",
        leaky="3.14.0",
        fixed="3.14.1",
        kind="native",
        report="Legrandin/pycryptodome#595 (fixed in 3.14.1)",
        # Measured here over 20 s: RSS +2 MiB/s, sys.getallocatedblocks and gc objects flat.
        what="Integer(n) with the GMP backend never clears a temporary mpz; libgmp's limbs leak",
        extension="C",
    ),
)

NEGATIVES: tuple[Negative, ...] = (
    Negative("lru_cache_fill", "functools.lru_cache filling to maxsize=20,000", plateau=10.0),
    Negative("ttl_cache", "8 s TTL cache swept once a second", plateau=9.0),
    Negative("churned_working_set", "30,000 slots replaced at random sizes", plateau=15.0),
    Negative("arena_pinning", "deque(maxlen=8,000) of burst survivors pins arenas", plateau=20.0),
    Negative("late_pool", "pool of 1 MiB buffers growing to 20 by 30 s", plateau=30.0),
    Negative("periodic_sawtooth", "4 MB batch buffer flushed every 4 s", plateau=4.0),
)


def requirements() -> list[str]:
    return [leak.requirement(v) for leak in REAL_LEAKS for v in (leak.leaky, leak.fixed)]
