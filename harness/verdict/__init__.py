"""The run verdict (design §6): leak / no-leak / inconclusive, with its evidence and headline.

Modules, in the order a run passes through them: `window` (drain apart, warm-up cut),
`signals` (each trend judged on its own), `state` (the built-in gateway's exact check),
`rules` (signals together), `filling` (a leak that a cache still filling may explain),
`attribution`, `projection`, `wording` (the headline), and
`summary` (the shape of summary.json). docs/verdict.md explains the rules and their figures.
"""

from leakbench.harness.verdict.attribution import ATTRIBUTION_LIMIT
from leakbench.harness.verdict.summary import summarize, summarize_run
from leakbench.harness.verdict.tolerances import (
    Tolerances,
    tolerances_for,
    tolerances_from_settings,
)

__all__ = [
    "ATTRIBUTION_LIMIT",
    "Tolerances",
    "summarize",
    "summarize_run",
    "tolerances_for",
    "tolerances_from_settings",
]
