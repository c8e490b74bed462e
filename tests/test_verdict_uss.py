"""USS (`probe.uss`) judged beside RSS: private pages tell shared-page growth from new memory.

A pre-fork server's workers share their parent's pages copy-on-write. RSS counts a shared page
once per process, so a worker that merely reads its parent's memory adds RSS and no memory;
one that writes to it turns shared pages private, which USS sees and the tree's RSS does not.
"""

from __future__ import annotations

import numpy as np
import pytest

from leakbench.harness.stats.synthetic import ar1_noise
from leakbench.harness.verdict import Tolerances, summarize

SAMPLES = 200
RUNS_PER_SAMPLE = 100
TREE = Tolerances(scope="tree")
META = {"scenario_name": "prefork", "target": "command", "transport": "command"}


def _series(per_run: float, seed: int, level: float = 200e6) -> np.ndarray:
    runs = np.arange(SAMPLES) * RUNS_PER_SAMPLE
    return level + per_run * runs + ar1_noise(SAMPLES, 0.85, np.random.default_rng(seed), 1e6)


def _samples(tree_rss: np.ndarray, tree_uss: np.ndarray | None) -> list[dict]:
    samples = []
    for i in range(SAMPLES):
        sample = {
            "i": i,
            "t_wall": i * 0.05,
            "t_gateway": i * 6.0,
            "runs_done": i * RUNS_PER_SAMPLE,
            "phase": "load",
            "rss": 30e6,
            "tree_rss": float(tree_rss[i]),
        }
        if tree_uss is not None:
            sample["uss"] = 20e6
            sample["tree_uss"] = float(tree_uss[i])
        samples.append(sample)
    return samples


def _summary(tree_rss: np.ndarray, tree_uss: np.ndarray | None) -> dict:
    return summarize(_samples(tree_rss, tree_uss), meta=META, tolerances=TREE)


def test_rss_rising_from_shared_pages_beside_flat_uss_is_not_called_a_leak() -> None:
    """Workers reading their parent's pages: the tree's RSS climbs, its private pages do not."""
    rss, uss = _series(2048.0, seed=1), _series(0.0, seed=2, level=120e6)
    without = _summary(rss, None)
    assert without["verdict"] == "leak"  # RSS alone cannot tell
    summary = _summary(rss, uss)
    assert summary["signals"]["rss"]["verdict"] == "leak"
    assert summary["signals"]["uss"]["verdict"] == "no-leak"
    assert summary["signals"]["uss"]["field"] == "tree_uss"
    assert summary["verdict"] == "inconclusive"
    assert summary["exit_code"] == 4
    assert "pages shared between processes" in summary["headline"]


def test_uss_rising_while_rss_is_flat_is_a_leak() -> None:
    """Workers writing to shared pages: each write makes a private copy, new memory RSS hides."""
    rss, uss = _series(0.0, seed=3), _series(2048.0, seed=4, level=120e6)
    assert _summary(rss, None)["verdict"] == "no-leak"
    summary = _summary(rss, uss)
    assert summary["signals"]["rss"]["verdict"] == "no-leak"
    assert summary["signals"]["uss"]["verdict"] == "leak"
    assert summary["verdict"] == "leak"
    assert summary["exit_code"] == 1
    assert summary["headline"].startswith("Leak: USS grows about")


@pytest.mark.parametrize("seed", [5, 6])
def test_flat_rss_and_uss_are_no_leak(seed: int) -> None:
    summary = _summary(_series(0.0, seed=seed), _series(0.0, seed=seed + 10, level=120e6))
    assert summary["signals"]["uss"]["verdict"] == "no-leak"
    assert summary["verdict"] == "no-leak"
    assert "USS shows no growth either" in summary["headline"]
