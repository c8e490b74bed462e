"""Contiguous bin means, so quadratic-cost fits stay fast on long soaks (days of samples)."""

import math

import numpy as np


def bin_means(values: np.ndarray, max_points: int) -> tuple[np.ndarray, int]:
    """Average `values` in contiguous bins of equal size so at most `max_points` remain.

    Returns the bin means and the bin size (1 when nothing was merged); bin k starts at index
    k * size. Averaging keeps every sample's information, unlike striding.
    """
    values = np.asarray(values, dtype=float)
    size = max(1, math.ceil(len(values) / max_points))
    if size == 1:
        return values, 1
    starts = np.arange(0, len(values), size)
    return np.add.reduceat(values, starts) / np.diff(np.append(starts, len(values))), size
