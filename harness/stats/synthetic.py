"""Calibration inputs for the verdict (tests and bench/verdict_calibration.py): synthetic memory
noise, and the labelled reference soak traces shaped as runner samples.

After warm-up, real RSS residuals have lag-1 autocorrelation φ of 0.77-0.92; a stationary AR(1)
process with that φ is the null model the false-alarm rates are measured on.
"""

from typing import Any

import numpy as np
from scipy import signal


def ar1_noise(n: int, phi: float, rng: np.random.Generator, sigma: float = 1.0) -> np.ndarray:
    """Stationary AR(1) series of length n with marginal standard deviation `sigma`."""
    shocks = rng.standard_normal(n) * sigma * np.sqrt(1.0 - phi**2)
    shocks[0] = rng.standard_normal() * sigma
    return signal.lfilter([1.0], [1.0, -phi], shocks)


def saturating(n: int, level: float, time_constant: float) -> np.ndarray:
    """A bounded cache filling: rises to `level` with the given time constant (in samples)."""
    return level * (1.0 - np.exp(-np.arange(n) / time_constant))


def trace_samples(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """A reference trace as runner samples; its LRU cache is the application's warm-up hint."""
    n = len(trace["x"])
    samples = []
    for i in range(n):
        t = trace["elapsed"] * i / (n - 1)
        sample = {
            "i": i,
            "t_wall": t,
            "t_gateway": t,
            "runs_done": trace["x"][i],
            "phase": "load",
            "rss": trace["rss"][i],
            "gc_objects": trace["objs"][i],
            "caches": {"lru": trace["cache"][i]},
        }
        if trace["tm_on"]:
            sample["heap_traced"] = trace["tm"][i]
        samples.append(sample)
    return samples
