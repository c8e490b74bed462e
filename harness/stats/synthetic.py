"""Synthetic memory noise for calibrating the verdict (tests and bench/verdict_calibration.py).

After warm-up, real RSS residuals have lag-1 autocorrelation φ of 0.77-0.92; a stationary AR(1)
process with that φ is the null model the false-alarm rates are measured on.
"""

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
