"""summarize(): the run verdict the runner writes to summary.json (docs/run-dir.md)."""

import numpy as np
import pytest

from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.stats.synthetic import ar1_noise
from leakbench.harness.verdict import Tolerances, summarize, tolerances_from_settings

SAMPLES = 200
RUNS_PER_SAMPLE = 100
SECONDS_PER_SAMPLE = 6.0
META = {"scenario_name": "abort-storm", "policy": "legacy", "seed": 7, "transport": "embedded"}


def noise(sigma: float, seed: int = 1) -> np.ndarray:
    return ar1_noise(SAMPLES, 0.85, np.random.default_rng(seed), sigma)


def runs() -> np.ndarray:
    return np.arange(SAMPLES) * RUNS_PER_SAMPLE


def load_samples(**series) -> list[dict]:
    """Load-phase samples; values may be arrays (one per sample) or constant dicts."""
    samples = []
    for i in range(SAMPLES):
        sample = {
            "i": i,
            "t_wall": i * 0.05,
            "t_gateway": i * SECONDS_PER_SAMPLE,
            "runs_done": i * RUNS_PER_SAMPLE,
            "phase": "load",
        }
        for key, values in series.items():
            sample[key] = values[i] if isinstance(values, list) else float(values[i])
        samples.append(sample)
    return samples


def flat_rss() -> np.ndarray:
    return 80e6 + noise(2e6)


def leaking_rss(bytes_per_run: float) -> np.ndarray:
    return 80e6 + bytes_per_run * runs() + noise(2e6)


def drain_samples(state: dict, count: int = 3) -> list[dict]:
    last_t = (SAMPLES - 1) * SECONDS_PER_SAMPLE
    return [
        {
            "i": SAMPLES + k,
            "t_wall": 10.0 + k,
            "t_gateway": last_t + 600.0 * (k + 1),
            "runs_done": (SAMPLES - 1) * RUNS_PER_SAMPLE,
            "phase": "drain",
            "rss": 500e6,  # a wild value: the drain must never enter a trend
            "state": state,
        }
        for k in range(count)
    ]


def gateway_state(held: float) -> list[dict]:
    """Per-sample gateway maps: in-flight entries, plus `held` entries per run completed."""
    in_flight = 60 + np.abs(noise(5.0, seed=3))
    return [
        {
            "raw_buffers": {"entries": int(f + held * r), "bytes": int((f + held * r) * 2000)},
            "buffers": {"entries": int(f), "bytes": int(f * 500)},
        }
        for f, r in zip(in_flight, runs(), strict=True)
    ]


RETAINED = {
    "raw_buffers": {"entries": 3980, "bytes": 7_960_000},
    "buffers": {"entries": 0, "bytes": 0},
}


def test_entries_held_after_the_drain_are_a_leak_attributed_to_map_and_path():
    samples = load_samples(rss=leaking_rss(2000.0), state=gateway_state(0.2))
    summary = summarize(
        samples + drain_samples(RETAINED),
        meta=META,
        retained_by_path={"abort": {"raw_buffers": 3980}, "normal": {"raw_buffers": 0}},
    )
    assert summary["verdict"] == "leak"
    assert summary["exit_code"] == ExitCode.LEAK
    state = summary["signals"]["state"]
    assert state["exact"] is True
    assert state["retained"] == {"raw_buffers": 3980, "buffers": 0}
    assert state["slope_per_run"] == pytest.approx(0.2)  # the entries held per run generated
    assert summary["attribution"]["maps"] == [
        {"name": "raw_buffers", "entries": 3980, "bytes": 7_960_000, "paths": ["abort"]}
    ]
    headline = summary["headline"]
    assert headline.startswith("Leak: about 2 KB per leaking run (3,980 runs, about 400 B per run")
    assert "held in raw_buffers via abort" in headline
    assert "RSS reaches" in headline


def test_the_exact_state_check_decides_alone_for_the_gateway():
    """Nothing held after the drain is no-leak, even while RSS creeps (e.g. a bounded cache)."""
    samples = load_samples(rss=leaking_rss(2000.0), state=gateway_state(0.0))
    empty = {name: {"entries": 0, "bytes": 0} for name in RETAINED}
    summary = summarize(samples + drain_samples(empty), meta=META, retained_by_path={})
    assert summary["verdict"] == "no-leak"
    assert summary["signals"]["rss"]["verdict"] == "leak"
    assert summary["headline"].startswith("No leak: no per-run entries retained after the drain")
    assert "RSS grows about" in summary["headline"]


def test_drain_samples_never_enter_a_trend():
    empty = {name: {"entries": 0, "bytes": 0} for name in RETAINED}
    summary = summarize(load_samples(rss=flat_rss()) + drain_samples(empty), meta=META)
    rss = summary["signals"]["rss"]
    assert rss["verdict"] == "no-leak"
    assert rss["n_samples"] == SAMPLES - summary["warmup"]["cut_index"]
    assert max(rss["block_medians"]) < 100e6


def test_an_interrupted_run_is_judged_on_its_trends_and_exits_130():
    samples = load_samples(rss=leaking_rss(2000.0), state=gateway_state(0.2))
    summary = summarize(samples, meta=META, exit_reason="interrupted")
    assert summary["signals"]["state"]["exact"] is False
    assert summary["signals"]["state"]["verdict"] == "inconclusive"
    assert summary["verdict"] == "leak"  # RSS is the only trend signal measured here
    assert summary["exit_code"] == ExitCode.INTERRUPTED
    assert "Interrupted" in summary["headline"]


def test_a_crashed_target_is_an_error_that_keeps_its_evidence():
    summary = summarize(
        load_samples(rss=flat_rss()),
        meta=META,
        exit_reason="target-crashed",
        exit_detail="killed by SIGKILL after 12.0s",
    )
    assert summary["verdict"] == "error"
    assert summary["exit_code"] == ExitCode.TARGET_FAILED
    assert summary["signals"]["rss"]["verdict"] == "no-leak"
    assert summary["headline"] == "Error: the target crashed: killed by SIGKILL after 12.0s."


@pytest.mark.parametrize(
    ("exit_reason", "verdict"), [("target-refused", "error"), ("completed", "inconclusive")]
)
def test_no_samples_at_all_never_crashes(exit_reason, verdict):
    summary = summarize([], meta=META, exit_reason=exit_reason)
    assert summary["verdict"] == verdict
    assert summary["signals"] == {}
    assert summary["runs_completed"] == 0


def test_too_few_samples_after_the_warm_up_is_inconclusive_with_a_reason():
    summary = summarize(load_samples(rss=leaking_rss(5000.0))[:20], meta=META)
    assert summary["verdict"] == "inconclusive"
    assert "samples after the warm-up" in summary["signals"]["rss"]["reason"]
    assert summary["headline"].startswith("Inconclusive:")


def test_without_run_counts_the_verdict_is_per_hour_of_target_time():
    hours = np.arange(SAMPLES) * SECONDS_PER_SAMPLE / 3600
    growing = 80e6 + 60e6 * hours + noise(2e6)  # 60 MB/h against the 1 MiB/h default
    samples = [{**s, "runs_done": 0} for s in load_samples(rss=growing)]
    summary = summarize(samples, meta={"target": "command"})
    rss = summary["signals"]["rss"]
    assert summary["verdict"] == "leak"
    assert rss["axis"] == "hours"
    assert "slope_per_run" not in rss
    assert rss["tolerance_source"] in {"default", "floor"}
    assert 2**20 <= rss["tolerance_per_hour"] < 60e6
    assert rss["slope_per_hour_ci"][0] <= 60e6 <= rss["slope_per_hour_ci"][1]
    assert "/h" in summary["headline"]


def test_a_per_hour_tolerance_tightens_the_per_run_one_at_the_measured_run_rate():
    runs_per_hour = RUNS_PER_SAMPLE * 3600 / SECONDS_PER_SAMPLE
    tolerances = Tolerances(bytes_per_run=64.0, rss_per_hour=16.0 * runs_per_hour, rss_floor=0)
    summary = summarize(load_samples(rss=flat_rss()), meta=META, tolerances=tolerances)
    assert summary["signals"]["rss"]["tolerance_per_run"] == pytest.approx(16.0)


def test_a_few_pages_of_steady_growth_in_a_short_run_are_not_a_leak():
    """16 KiB over a 6-second command run is 10 MB/h, but only four of its 4 KiB steps."""
    samples = [
        {"i": i, "t_wall": i * 0.05, "t_gateway": i * 0.05, "runs_done": 0, "rss": rss}
        for i, rss in enumerate(15e6 + 4096 * np.floor(np.arange(120) / 24))
    ]
    summary = summarize(samples, meta={"target": "command"})
    rss = summary["signals"]["rss"]
    cut = summary["warmup"]["cut_index"]
    window_h = (119 - cut) * 0.05 / 3600
    grown = 4096 * (np.floor(119 / 24) - np.floor(cut / 24))
    assert rss["lower_bound_99"] > 2**20  # steady growth, beyond 1 MiB/h ...
    assert rss["tolerance_source"] == "floor"  # ... but of a few pages, which proves no rate
    assert rss["tolerance_per_hour"] * window_h >= grown
    assert summary["verdict"] != "leak"


def allocator_samples(in_use_growth: float) -> list[dict]:
    """RSS rises 2 KB/run; the heap is flat; malloc's free (or in-use) bytes take the rise."""
    retained = 2000.0 * runs()
    in_use = 50e6 + in_use_growth * runs() + noise(5e5, seed=4)
    free = 5e6 + (2000.0 - in_use_growth) * runs() + noise(5e5, seed=5)
    malloc = [
        {"in_use": u, "free": f, "arena": u + f, "mmap": 0.0}
        for u, f in zip(in_use, free, strict=True)
    ]
    return load_samples(
        rss=80e6 + retained + noise(2e6), heap_blocks=2e5 + noise(300.0, seed=6), malloc=malloc
    )


def test_rss_growth_kept_by_the_allocator_is_labelled_and_not_a_leak():
    summary = summarize(allocator_samples(in_use_growth=0.0), meta={"target": "command"})
    rss = summary["signals"]["rss"]
    assert rss["allocator_retention"] is True
    assert rss["verdict"] == "no-leak"
    assert summary["verdict"] == "no-leak"
    assert "allocator retention" in summary["headline"]


def test_rss_growth_held_by_malloc_in_use_is_a_native_leak():
    summary = summarize(allocator_samples(in_use_growth=2000.0), meta={"target": "command"})
    assert summary["signals"]["rss"]["allocator_retention"] is False
    assert summary["signals"]["heap"]["verdict"] == "no-leak"
    assert summary["verdict"] == "leak"


def test_rss_growth_with_a_flat_heap_and_no_allocator_figures_is_inconclusive():
    samples = load_samples(rss=leaking_rss(2000.0), heap_blocks=2e5 + noise(300.0, seed=6))
    summary = summarize(samples, meta={"target": "command"})
    assert summary["signals"]["rss"]["allocator_retention"] is None
    assert summary["verdict"] == "inconclusive"
    assert "allocator" in summary["headline"]


def test_rss_and_heap_growing_together_are_a_leak():
    samples = load_samples(
        rss=leaking_rss(2000.0), heap_traced=20e6 + 1500.0 * runs() + noise(1e6, seed=8)
    )
    summary = summarize(samples, meta={"target": "command"})
    assert summary["verdict"] == "leak"
    assert summary["signals"]["heap"]["unit"] == "bytes"
    assert "the heap too" in summary["headline"]


def test_the_projection_continues_the_per_hour_slope_to_four_days():
    summary = summarize(load_samples(rss=leaking_rss(2000.0)), meta=META)
    projection = summary["projection"]
    true_per_hour = 2000.0 * RUNS_PER_SAMPLE * 3600 / SECONDS_PER_SAMPLE
    end_h = (SAMPLES - 1) * SECONDS_PER_SAMPLE / 3600
    start = leaking_rss(2000.0)[-1]
    assert projection["horizon_s"] == 4 * 24 * 3600
    # The proven rate: below the true one (a lower bound) but of its order at this noise.
    assert 0.5 * true_per_hour <= projection["rss_slope_per_hour"] <= true_per_hour
    reach = projection["rss_bytes"] - start
    assert 0.5 * true_per_hour * (96 - end_h) <= reach <= 1.05 * true_per_hour * (96 - end_h)


def checkpoint(counts: dict[str, int]) -> dict:
    return {"types_top": [{"type": name, "count": count} for name, count in counts.items()]}


def test_attribution_keeps_only_types_that_grew_at_every_checkpoint():
    samples = load_samples(rss=flat_rss())
    censuses = [
        {"str": 1000, "dict": 500, "list": 300},
        {"str": 1200, "dict": 700, "list": 310},
        {"str": 1400, "dict": 650, "list": 320},
        {"str": 1600, "dict": 900, "list": 330},
    ]
    for index, counts in zip((60, 100, 140, 190), censuses, strict=True):
        samples[index]["checkpoint"] = checkpoint(counts)
    summary = summarize(samples, meta=META)
    assert summary["attribution"]["types"] == [
        {"type": "str", "growth": 600},
        {"type": "list", "growth": 30},
    ]


def test_the_targets_own_attribution_is_preferred():
    found = {"types": [{"type": "bytes", "count": 90, "growth": 80}], "sites": []}
    summary = summarize(load_samples(rss=flat_rss()), meta=META, target_attribution=found)
    assert summary["attribution"]["types"] == found["types"]


def test_tolerances_come_from_the_scenarios_resolved_verdict_section():
    settings = {"warmup": 0.3, "max_growth_per_run": 128, "max_rss_growth": 1000.0, "alpha": 0.05}
    tolerances = tolerances_from_settings(settings)
    assert tolerances.bytes_per_run == 128
    assert tolerances.rss_per_hour == 3.6e6
    assert tolerances.alpha == 0.05
    assert tolerances.warmup_fraction == 0.3
    summary = summarize(load_samples(rss=flat_rss()), meta=META, tolerances=tolerances)
    assert summary["warmup"] == {
        "cut_index": 60,
        "cut_runs": 60 * RUNS_PER_SAMPLE,
        "cut_t_gateway": 60 * SECONDS_PER_SAMPLE,
        "method": "fixed",
    }
    assert summary["signals"]["rss"]["confidence"] == 0.95


def test_a_clean_run_states_its_bound_and_the_summary_shape_of_the_docs():
    summary = summarize(load_samples(rss=flat_rss(), gc_objects=4e4 + noise(50.0)), meta=META)
    assert summary["verdict"] == "no-leak"
    assert summary["exit_code"] == ExitCode.NO_LEAK
    for key in ("scenario", "policy", "seed", "runs_completed", "duration_s", "gateway_time_s"):
        assert key in summary
    rss = summary["signals"]["rss"]
    for key in ("slope_per_run", "slope_per_run_ci", "slope_per_hour", "lower_bound_99"):
        assert key in rss
    assert rss["slope_per_run_ci"][0] == rss["lower_bound_99"]
    assert summary["headline"].startswith("No leak:")


def test_a_per_run_tolerance_that_lets_much_through_per_hour_is_said_aloud():
    """64 B/run at 1,000 runs/s is 230 MB/h: a no-leak must say what it let through."""
    samples = [
        {"i": i, "t_wall": i * 0.5, "t_gateway": i * 0.5, "runs_done": i * 500, "rss": rss}
        for i, rss in enumerate(80e6 + noise(2e5))
    ]
    summary = summarize(samples, meta=META)
    rss = summary["signals"]["rss"]
    assert summary["verdict"] == "no-leak"
    assert rss["tolerance_as_per_hour"] == pytest.approx(64 * 1000 * 3600, rel=0.01)
    assert "/h through" in summary["headline"]
    assert "the default" in summary["headline"]


def test_the_tolerance_says_the_scenario_set_it():
    tolerances = Tolerances(bytes_per_run=900.0, given=frozenset({"max_growth_per_run"}))
    summary = summarize(load_samples(rss=flat_rss()), meta=META, tolerances=tolerances)
    assert summary["signals"]["rss"]["tolerance_source"] == "scenario"
