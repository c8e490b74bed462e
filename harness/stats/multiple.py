"""Multiple signals, one verdict: Holm-Bonferroni keeps the family's false-alarm rate at alpha.

(scipy offers only Benjamini-Hochberg, which controls the false discovery rate, not the chance
of any false alarm — the quantity a CI gate cares about. statsmodels' `multipletests` has Holm,
but importing it loads pandas: 32 MB more RSS on every verdict, past the long-run report's
budget. tests/test_stats_attribution.py checks these ten lines against it.)
"""

from collections.abc import Mapping


def holm_adjust(p_values: Mapping[str, float]) -> dict[str, float]:
    """Holm step-down adjusted p-values: reject a signal when its adjusted p is below alpha."""
    order = sorted(p_values, key=p_values.__getitem__)
    count = len(order)
    adjusted: dict[str, float] = {}
    running = 0.0
    for rank, name in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[name]))
        adjusted[name] = running
    return adjusted
