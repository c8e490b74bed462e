"""`--confirm`: a verdict that stands on little evidence is checked by a second, longer soak.

Rules it lives by:
- Confirmed are runs the trend decided that are inconclusive or close to their tolerance: a
  leak whose lower bound is under CLOSE_FACTOR times the tolerance, a no-leak with a judged
  signal that is inconclusive or whose upper bound does not exclude the tolerance. A verdict of
  the gateway's exact state check is not a matter of evidence, nor is a failed or interrupted
  run (it has no verdict to confirm).
- The confirmation is the same soak twice as long (runs or duration) with the next seed, in
  the run directory's `confirm/`.
- The conclusion is the longer run's verdict, which has twice the evidence, unless the two runs
  decided opposite ways (leak against no-leak): that is inconclusive, said as such. A
  confirmation that fails or is interrupted decides the exit code as its own failure would.
- The first run's summary.json keeps its signals and takes the conclusion's verdict, exit code
  and headline, with a `confirmation` section saying what each run said.
"""

from __future__ import annotations

from typing import Any

from leakbench.harness.exitcodes import VERDICT_EXIT
from leakbench.harness.scenario import Scenario

CLOSE_FACTOR = 2.0
CONFIRM_DIR = "confirm"
DECISIVE = ("leak", "no-leak")
_TOLERANCE_KEY = {"runs": "tolerance_per_run", "hours": "tolerance_per_hour"}


def _closeness(name: str, signal: dict[str, Any], verdict: str) -> str | None:
    """Why one trend signal leaves `verdict` close to its tolerance, or None."""
    tolerance = signal.get(_TOLERANCE_KEY.get(signal.get("axis"), ""))
    lower, upper = signal.get("lower_bound_99"), signal.get("upper_bound_99")
    if tolerance is None or lower is None or upper is None:
        return None
    if verdict == "leak" and signal["verdict"] == "leak" and lower < CLOSE_FACTOR * tolerance:
        return f"{name}'s lower bound is within {CLOSE_FACTOR:g}x its tolerance"
    if verdict == "no-leak" and signal["verdict"] == "inconclusive":
        return f"{name} alone was inconclusive"
    if verdict == "no-leak" and upper > tolerance:
        return f"{name}'s upper bound does not exclude its tolerance"
    return None


def confirmation_reason(summary: dict[str, Any]) -> str | None:
    """Why this run's verdict needs a confirmation run, or None when it does not."""
    verdict = summary["verdict"]
    signals = summary.get("signals", {})
    if summary.get("exit_code") != VERDICT_EXIT.get(verdict):
        return None  # failed or interrupted: there is no verdict to confirm
    if verdict == "error" or signals.get("state", {}).get("exact"):
        return None
    if verdict == "inconclusive":
        return "the run was inconclusive"
    for name, signal in signals.items():
        reason = _closeness(name, signal, verdict) if name != "state" else None
        if reason:
            return f"the {verdict} was close: {reason}"
    return None


def confirmation_scenario(scenario: Scenario) -> Scenario:
    """The same soak twice as long, with the next seed."""
    return scenario.lengthened(2.0, seed=scenario.seed + 1)


def conclude(first: dict[str, Any], second: dict[str, Any], reason: str) -> dict[str, Any]:
    """The first run's summary with the conclusion of both runs in it."""
    said = [first["verdict"], second["verdict"]]
    disagree = set(said) == set(DECISIVE)
    if disagree:
        verdict = "inconclusive"
        headline = (
            f"Inconclusive: the run said {said[0]} and a run twice as long said {said[1]}; "
            "soak longer still, or look at both reports."
        )
        exit_code = int(VERDICT_EXIT["inconclusive"])
    else:
        verdict, exit_code = second["verdict"], second["exit_code"]
        # only the gateway's workload has a seed worth naming; a command's is unused
        seeded = f", seed {second['seed']}" if second.get("policy") else ""
        longer = f"a run twice as long{seeded}"
        headline = second["headline"].rstrip(".") + (
            f" (confirmed by {longer})."
            if said[0] == said[1]
            else f" (from {longer}; the first run said {said[0]})."
        )
    runs = [
        {"run_dir": run_dir, **{key: summary.get(key) for key in ("seed", "verdict", "headline")}}
        for run_dir, summary in ((".", first), (CONFIRM_DIR, second))
    ]
    return {
        **first,
        "verdict": verdict,
        "exit_code": exit_code,
        "headline": headline,
        "confirmation": {"reason": reason, "runs": runs, "concluded": verdict},
    }
