"""The built-in gateway's exact state check: what each per-run map still holds after the drain.

The drain lets gateway time pass the longest TTL plus one sweep; any per-run entry still held
then is a leak, and it decides the run on its own. A run that never drained gets the partial
picture, marked inexact, and the trend signals decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from leakbench.harness.rundir import SampleColumns
from leakbench.harness.stats import Outcome


def _numbers_at(columns: SampleColumns, prefix: str, index: int) -> dict[str, int]:
    """A flattened dict field (`caches`) of one sample, as it was written."""
    return {
        name: int(values[index])
        for name, values in columns.prefixed(prefix).items()
        if not np.isnan(values[index])
    }


def state_signal(
    load: SampleColumns,
    drain: SampleColumns,
    retained_by_path: Mapping[str, Mapping[str, int]] | None,
    exit_reason: str,
) -> dict[str, Any] | None:
    """Exact per-run state check after the drain, or the partial picture when it never drained."""
    drained, with_state = drain.sparse("state"), load.sparse("state")
    if not drained and not with_state:
        return None
    source, (index, _) = (drain, drained[-1]) if drained else (load, with_state[-1])
    runs = max(np.nanmax(c.column("runs_done"), initial=0) for c in (load, drain))
    entry: dict[str, Any] = {"unit": "entries", "caches": _numbers_at(source, "caches", index)}
    if source.has("controllers") and not np.isnan(source.column("controllers")[index]):
        entry["controllers"] = int(source.column("controllers")[index])
    if not drained or exit_reason != "completed":
        held = with_state[-1][1] if with_state else {}
        entry.update(
            verdict=str(Outcome.INCONCLUSIVE),
            exact=False,
            reason="the run did not complete its drain, so retained state cannot be counted",
            entries={name: m.get("entries", 0) for name, m in held.items()},
        )
        return entry
    final_state = drained[-1][1]
    retained = {name: int(m.get("entries", 0)) for name, m in final_state.items()}
    retained_bytes = {name: int(m.get("bytes", 0)) for name, m in final_state.items()}
    total = sum(retained.values())
    by_path = {path: dict(maps) for path, maps in (retained_by_path or {}).items()}
    # A leaked run holds one entry in each map it leaks into: count runs, not entries.
    leaked_runs = sum(max(maps.values(), default=0) for maps in by_path.values())
    runs = int(runs)
    entry.update(
        verdict=str(Outcome.LEAK if total else Outcome.NO_LEAK),
        exact=True,
        retained=retained,
        retained_bytes=retained_bytes,
        retained_by_path=by_path,
        leaked_runs=leaked_runs,
        slope_per_run=total / runs if runs else None,
        bytes_per_run=sum(retained_bytes.values()) / runs if runs else None,
        bytes_per_leaked_run=sum(retained_bytes.values()) / leaked_runs if leaked_runs else None,
    )
    return entry
