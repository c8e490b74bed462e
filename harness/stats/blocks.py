"""Block medians: the robustness half of the leak rule.

Four block medians rise strictly by chance with probability 1/4! ≈ 4.2% whatever the noise's
autocorrelation, and a median ignores the GC sawtooth and one-off spikes that move a slope.
"""

from collections.abc import Sequence
from itertools import pairwise

import numpy as np


def block_medians(values: Sequence[float], blocks: int = 4) -> list[float]:
    """Medians of `blocks` contiguous, near-equal blocks of the series."""
    return [float(np.median(block)) for block in np.array_split(np.asarray(values), blocks)]


def rises_steadily(medians: Sequence[float], margin: float = 0.0) -> bool:
    """Whether every block median is above the one before by more than `margin`."""
    return all(later - earlier > margin for earlier, later in pairwise(medians))
