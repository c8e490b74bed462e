"""Thinning long series for drawing only, keeping every spike.

A week-long soak has millions of samples; a plot a thousand pixels wide shows at most a few
thousand. Keeping each bucket's minimum and maximum (in their original order) draws the same
envelope as the full series, so a GC spike or a sudden jump is never smoothed away. Samples on
disk are never touched.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

DEFAULT_BUCKETS = 1500


def minmax_downsample(
    x: np.ndarray, y: np.ndarray, buckets: int = DEFAULT_BUCKETS
) -> tuple[np.ndarray, np.ndarray]:
    """Return each bucket's min and max point of (x, y), in x order: at most `2 * buckets + 2`.

    Series that already fit are returned unchanged. The first and last points are always kept,
    so the drawn line spans the whole run.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length: {x.shape} vs {y.shape}")
    if buckets < 1:
        raise ValueError("buckets must be at least 1")
    n = len(y)
    if n <= 2 * buckets:
        return x, y
    edges = np.linspace(0, n, buckets + 1).astype(int)
    keep = [0, n - 1]
    for start, stop in pairwise(edges):
        chunk = y[start:stop]
        keep.append(start + int(np.argmin(chunk)))
        keep.append(start + int(np.argmax(chunk)))
    index = np.unique(keep)
    return x[index], y[index]
