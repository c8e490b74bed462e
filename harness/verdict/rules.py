"""How the trend signals decide together when no exact state check does.

A signal counts only if its Holm-adjusted p is below alpha (the family of signals keeps its
false-alarm rate at alpha):
- a confirmed heap or objects leak is a leak;
- a confirmed RSS leak is a leak when no heap is measured, when the heap grows at all (its lower
  bound above zero), or when malloc's in-use bytes grow; with a flat heap and nothing from the
  allocator to explain it, it is inconclusive; a confirmed USS leak (with `probe.uss`) is judged
  the same way when RSS is not confirmed;
- a confirmed RSS rise beside a flat USS is inconclusive: the growth is in pages shared between
  processes, which RSS counts once per process (workers mapping pages they share add none);
- else any leak that Holm did not confirm, or any inconclusive signal, is inconclusive;
- else no-leak.
Node targets (a `js_heap` signal: the V8 heap after a forced GC) are decided by that heap: a
confirmed rise is a leak; a flat heap is no-leak even when RSS swings too much to judge; RSS
that rises for certain beside a flat heap is inconclusive (memory outside the JS heap, such as
Buffers or native code, or the allocator keeping freed pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from leakbench.harness.stats import Outcome
from leakbench.harness.verdict.signals import OS_SIGNALS, Signal
from leakbench.harness.verdict.wording import label, slowing_phrase

NATIVE = "native (C extension or allocator)"
V8_HEAP = "js_heap"
SHARED_REASON = (
    "RSS grows but USS does not: the growth is in pages shared between processes, which RSS "
    "counts once per process (it may be no new memory at all)"
)


@dataclass(frozen=True)
class Decision:
    """The trend verdict, its reason in words, and whether the growth was found native (RSS
    and malloc's in-use bytes rising beside a flat heap), for the headline's last sentence."""

    outcome: Outcome
    reason: str
    native: bool = False


def combine(signals: Mapping[str, Signal], adjusted: Mapping[str, float], alpha: float) -> Decision:
    """Overall trend verdict and its reason in words."""
    if not signals:
        return Decision(Outcome.INCONCLUSIVE, "no memory samples")
    confirmed = {
        name
        for name, s in signals.items()
        if s.outcome is Outcome.LEAK and adjusted.get(name, 1.0) < alpha
    }
    if V8_HEAP in signals:
        return _v8_heap(signals, confirmed, adjusted)
    python_growth = [name for name in ("heap", "objects") if name in confirmed]
    if python_growth:
        verb = "grow" if len(python_growth) > 1 else "grows"
        return Decision(Outcome.LEAK, f"{' and '.join(map(label, python_growth))} {verb}")
    if "rss" in confirmed:
        uss = signals.get("uss")
        if uss is not None and "uss" not in confirmed and uss.outcome is Outcome.NO_LEAK:
            return Decision(Outcome.INCONCLUSIVE, SHARED_REASON)
        return _memory_leak(signals["rss"], signals.get("heap"))
    if "uss" in confirmed:
        return _memory_leak(signals["uss"], signals.get("heap"))
    for name, s in signals.items():
        if s.outcome is Outcome.LEAK:
            return Decision(
                Outcome.INCONCLUSIVE,
                (
                    f"{label(name)} alone is not enough evidence once {len(adjusted)} signals are "
                    f"tested (Holm-adjusted p = {adjusted[name]:.2g})"
                ),
            )
    for name, s in signals.items():
        if s.outcome is Outcome.INCONCLUSIVE:
            return Decision(Outcome.INCONCLUSIVE, _inconclusive_reason(name, s))
    return Decision(Outcome.NO_LEAK, "")


def _inconclusive_reason(name: str, signal: Signal) -> str:
    if signal.analysis.slowing is not None:
        return slowing_phrase(signal)
    return f"{label(name)} {signal.analysis.reason}"


def _v8_heap(
    signals: Mapping[str, Signal], confirmed: set[str], adjusted: Mapping[str, float]
) -> Decision:
    """Node targets: the post-GC heap decides; RSS can only make a flat heap inconclusive."""
    heap = signals[V8_HEAP]
    if V8_HEAP in confirmed:
        return Decision(Outcome.LEAK, f"{label(V8_HEAP)} grows")
    if heap.outcome is Outcome.LEAK:
        return Decision(
            Outcome.INCONCLUSIVE,
            (
                f"{label(V8_HEAP)} alone is not enough evidence once {len(adjusted)} signals are "
                f"tested (Holm-adjusted p = {adjusted.get(V8_HEAP, 1.0):.2g})"
            ),
        )
    if heap.outcome is Outcome.INCONCLUSIVE:
        return Decision(Outcome.INCONCLUSIVE, _inconclusive_reason(V8_HEAP, heap))
    grows = next((name for name in OS_SIGNALS if name in confirmed), None)
    if grows is not None:
        return Decision(
            Outcome.INCONCLUSIVE,
            (
                f"{label(grows)} grows but {label(V8_HEAP)} does not: memory outside the JS heap "
                "(Buffers, native code) or the allocator keeping freed pages"
            ),
        )
    return Decision(Outcome.NO_LEAK, "")


def native_reason(name: str) -> str:
    """Why a rise of RSS or USS (`name`) with a flat heap is a native leak."""
    return f"{label(name)} and malloc's in-use bytes grow while the Python heap does not: {NATIVE}"


def _memory_leak(memory: Signal, heap: Signal | None) -> Decision:
    """A confirmed RSS (or USS) rise: a leak only when something besides the allocator explains
    it."""
    name = label(memory.spec.name)
    if heap is None:
        return Decision(Outcome.LEAK, f"{name} grows")
    if heap.fit is not None and heap.fit.lower_bound > 0:
        return Decision(Outcome.LEAK, f"{name} grows, and the heap grows with it")
    if memory.allocator is None:
        return Decision(
            Outcome.INCONCLUSIVE,
            (
                f"{name} grows but the heap does not, and without allocator statistics native "
                "growth cannot be told from allocator retention"
            ),
        )
    if memory.allocator.in_use_rising(memory.analysis.tolerance):
        return Decision(Outcome.LEAK, native_reason(memory.spec.name), native=True)
    return Decision(
        Outcome.INCONCLUSIVE, f"{name} grows but neither the heap nor malloc's in-use bytes do"
    )
