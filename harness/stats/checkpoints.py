"""Attribution from checkpoint censuses: which object types or allocation sites keep growing.

Like CPython's `regrtest -R` (a leak only when every post-warm-up delta is positive), an item is
attributed only when it grew at every checkpoint; growth that comes and goes is churn.
"""

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

MIN_CHECKPOINTS = 3


def steady_growth(
    checkpoints: Sequence[Sequence[Mapping[str, Any]]], *, key: str, value: str
) -> list[tuple[str, float]]:
    """(item, growth first→last) for items whose `value` rose at every checkpoint, largest first.

    Each checkpoint is a list of rows such as {"type": "str", "count": 1200}. An item missing from
    any checkpoint (e.g. it fell out of a top-N list) does not qualify. Fewer than three
    checkpoints give no attribution: one rise is not a pattern.
    """
    if len(checkpoints) < MIN_CHECKPOINTS:
        return []
    tables = [{row[key]: row[value] for row in rows} for rows in checkpoints]
    grown = []
    for name in set(tables[0]).intersection(*tables[1:]):
        series = [table[name] for table in tables]
        if all(later > earlier for earlier, later in pairwise(series)):
            grown.append((name, series[-1] - series[0]))
    return sorted(grown, key=lambda item: item[1], reverse=True)
