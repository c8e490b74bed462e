"""The verdict on a Node target's samples: the post-GC heap decides, RSS alone is shown beside
it, and the four-day projection follows the heap's growth, not RSS's sawtooth."""

from __future__ import annotations

import numpy as np

from leakbench.harness.verdict import summarize

SAMPLES = 240
RUNS_PER_SAMPLE = 125  # 500 requests/s sampled every 250 ms
POST_GC_EVERY = 3


def node_samples(heap_per_run: float, rss_swing: float, seed: int = 3) -> list[dict]:
    """Samples as the Node runtime writes them: RSS from outside, heap used on every sample,
    the post-GC heap on every third; RSS swings in a sawtooth over a heap that grows."""
    rng = np.random.default_rng(seed)
    samples = []
    for i in range(SAMPLES):
        runs = i * RUNS_PER_SAMPLE
        heap = 8e6 + heap_per_run * runs + rng.normal(0, 2e4)
        sample = {
            "i": i,
            "t_wall": i * 0.25,
            "t_gateway": i * 0.25,
            "runs_done": runs,
            "phase": "load",
            "rss": 60e6 + 4 * heap_per_run * runs + rss_swing * ((i % 17) / 17),
            "js_heap_used": heap + rng.uniform(0, 3e6),
            "js_heap_total": heap + 4e6,
        }
        if i % POST_GC_EVERY == 0:
            sample["js_heap_post_gc"] = heap
        samples.append(sample)
    return samples


def test_a_growing_post_gc_heap_is_a_leak_shown_beside_rss_alone() -> None:
    summary = summarize(node_samples(heap_per_run=400, rss_swing=40e6), meta={})
    assert summary["verdict"] == "leak"
    compared = summary["rss_vs_heap"]
    assert compared["decided_by"] == "post_gc_heap"
    assert compared["post_gc_heap"]["verdict"] == "leak"
    assert compared["rss_only"]["reason"]


def test_the_projection_continues_the_heap_not_rss() -> None:
    summary = summarize(node_samples(heap_per_run=400, rss_swing=0), meta={})
    heap_proven_per_hour = summary["signals"]["js_heap"]["slope_per_hour_ci"][0]
    rss_per_hour = summary["signals"]["rss"]["slope_per_hour"]
    projected = summary["projection"]["rss_slope_per_hour"]
    assert rss_per_hour > 3 * heap_proven_per_hour
    assert projected == heap_proven_per_hour
    assert "V8 heap" in summary["projection"]["basis"]


def test_a_flat_post_gc_heap_is_no_leak_whatever_rss_does() -> None:
    summary = summarize(node_samples(heap_per_run=0, rss_swing=60e6), meta={})
    assert summary["rss_vs_heap"]["post_gc_heap"]["verdict"] == "no-leak"
    assert summary["verdict"] in {"no-leak", "inconclusive"}
