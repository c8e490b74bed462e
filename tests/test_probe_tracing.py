"""TraceProbe points at the line that allocates in a leaking loop."""

from __future__ import annotations

import inspect
import json
import tracemalloc
from collections.abc import Iterator

import pytest

from leakbench.probe import TraceProbe


def leak_strings(into: list[str], count: int) -> None:
    for number in range(count):
        into.append("s" * 1000 + str(number))  # the leaking line


LEAK_SITE = "test_probe_tracing.py:" + str(
    next(
        start + offset
        for source, start in [inspect.getsourcelines(leak_strings)]
        for offset, line in enumerate(source)
        if "# the leaking line" in line
    )
)


@pytest.fixture
def trace_probe(request: pytest.FixtureRequest) -> Iterator[TraceProbe]:
    assert not tracemalloc.is_tracing()
    probe = TraceProbe(frames=getattr(request, "param", 1), top=5)
    probe.start()
    yield probe
    probe.stop()


def test_the_leaking_line_is_the_top_growing_site(trace_probe: TraceProbe) -> None:
    trace_probe.checkpoint(baseline=True)
    leaked: list[str] = []
    leak_strings(leaked, 2000)
    top = trace_probe.checkpoint()[0]
    assert top["site"].endswith(LEAK_SITE)
    assert not top["site"].startswith("/")  # relative to the project or sys.path
    assert 2000 <= top["count"] <= 2002  # the strings, and the list's item array it regrows
    assert top["bytes"] == top["growth_bytes"] >= 2000 * 1000
    assert "traceback" not in top


def test_library_sites_are_named_by_import_path(trace_probe: TraceProbe) -> None:
    trace_probe.checkpoint(baseline=True)
    parsed = [json.loads(f'{{"n": {number}, "text": "{"t" * 500}"}}') for number in range(500)]
    sites = [entry["site"] for entry in trace_probe.checkpoint()]
    assert any(site.startswith("json/decoder.py:") for site in sites)
    del parsed


@pytest.mark.parametrize("trace_probe", [4], indirect=True)
def test_with_more_frames_the_call_chain_is_reported(trace_probe: TraceProbe) -> None:
    trace_probe.checkpoint(baseline=True)
    leaked: list[str] = []
    leak_strings(leaked, 500)
    chain = trace_probe.checkpoint()[0]["traceback"]
    assert chain[-1].endswith(LEAK_SITE)
    assert "test_probe_tracing.py" in chain[-2]  # the caller: this test


def test_sites_that_shrank_are_not_attributed(trace_probe: TraceProbe) -> None:
    trace_probe.checkpoint(baseline=True)
    leaked: list[str] = []
    for round_number in range(3):
        leak_strings(leaked, 300)
        transient = [bytearray(50_000) for _ in range(round_number != 1)]
        trace_probe.checkpoint()
    attributed = trace_probe.grew_every_time()
    assert attributed[0]["site"].endswith(LEAK_SITE)
    assert 900 <= attributed[0]["count"] <= 902
    assert not any(entry["growth_bytes"] >= 50_000 for entry in attributed[1:])
    del transient


def test_current_follows_traced_allocations(trace_probe: TraceProbe) -> None:
    before = trace_probe.current()
    block = bytearray(10_000_000)
    assert trace_probe.current() - before >= 10_000_000
    del block


def test_reading_without_tracing_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        TraceProbe().current()


def test_tracing_started_elsewhere_is_left_running() -> None:
    tracemalloc.start()
    try:
        probe = TraceProbe(frames=5)
        probe.start()
        probe.stop()
        assert tracemalloc.is_tracing()
        assert tracemalloc.get_traceback_limit() == 1
    finally:
        tracemalloc.stop()
