"""The verdict on 28 labelled real soak traces (tests/data/soak-traces.json, see its README).

Each trace: 200 samples over 200,000 operations with a known leak of 0, 16, 64 or 256 B/op, real
allocator noise, and a bounded LRU cache that fills during warm-up (so early RSS rises in every
run). The 0 B/op runs must never be called leaks; 256 B/op must always be. What happens at 16
and 64 B/op is the measured power at this run length (bench/verdict_calibration.py reports it).
"""

import json
from pathlib import Path

import pytest

from leakbench.harness.stats import steady_index
from leakbench.harness.stats.synthetic import trace_samples
from leakbench.harness.verdict import summarize

TRACES = json.loads((Path(__file__).parent / "data" / "soak-traces.json").read_text())


@pytest.fixture(scope="module")
def judged() -> list[tuple[dict, dict]]:
    """Every trace with its summary at the default tolerances, computed once."""
    return [(trace, summarize(trace_samples(trace), meta={})) for trace in TRACES]


def with_leak(judged: list[tuple[dict, dict]], leak_bytes: int) -> list[tuple[dict, dict]]:
    return [(trace, summary) for trace, summary in judged if trace["leak_bytes"] == leak_bytes]


def label(trace: dict) -> str:
    return f"{trace['leak_bytes']} B/op seed {trace['seed']} tracemalloc={trace['tm_on']}"


def test_the_reference_data_is_what_the_tests_assume():
    assert len(TRACES) == 28
    assert sorted({t["leak_bytes"] for t in TRACES}) == [0, 16, 64, 256]


def test_no_non_leaking_run_is_called_a_leak(judged):
    runs = with_leak(judged, 0)
    assert len(runs) == 8  # six without tracemalloc, two with it
    for trace, summary in runs:
        assert summary["verdict"] != "leak", label(trace)
        for name, signal in summary["signals"].items():
            assert signal["verdict"] != "leak", f"{label(trace)}: {name}"


def test_every_256_byte_leak_is_caught_unless_its_growth_visibly_slows(judged):
    """A leak is never dismissed. Where the window after the cut still bends (the cache's
    warm-up not quite over), the deceleration test makes it inconclusive, naming the slowing:
    it costs a straight leak at most alpha of its power (BENCHMARKS.md counts these traces)."""
    for trace, summary in with_leak(judged, 256):
        if summary["verdict"] == "leak":
            assert summary["headline"].startswith("Leak: RSS grows about"), label(trace)
        else:
            assert summary["verdict"] == "inconclusive", label(trace)
            assert "growth is slowing" in summary["headline"], label(trace)


@pytest.mark.parametrize("leak_bytes", [16, 64, 256])
def test_the_upper_bound_never_excludes_the_known_leak(judged, leak_bytes):
    """A no-leak's "at most U per run" must be true: U is never below the bytes really leaked."""
    for trace, summary in with_leak(judged, leak_bytes):
        assert summary["signals"]["rss"]["upper_bound_99"] >= leak_bytes, label(trace)


def test_small_leaks_are_never_dismissed_with_a_bound_below_the_tolerance(judged):
    """At 16 and 64 B/op the run may be too short to call; it must not claim a tight no-leak."""
    for leak_bytes in (16, 64):
        for trace, summary in with_leak(judged, leak_bytes):
            rss = summary["signals"]["rss"]
            if summary["verdict"] == "no-leak":
                assert rss["upper_bound_99"] > rss["tolerance_per_run"], label(trace)


def test_the_warm_up_cut_waits_for_the_cache_to_fill(judged):
    for trace, summary in judged:
        cut = summary["warmup"]
        assert cut["cut_index"] >= steady_index(trace["cache"]), label(trace)
        assert cut["cut_index"] >= 0.2 * len(trace["x"])
        assert cut["method"] in {"fraction", "changepoint", "application"}


def test_every_no_leak_states_its_detection_limit(judged):
    for trace, summary in with_leak(judged, 0):
        rss = summary["signals"]["rss"]
        assert rss["mdl_per_run"] > 0, label(trace)
        assert "B/run" in summary["headline"]
