"""Monte Carlo of the trend verdict on AR(1) noise: does the stated 99% hold, and how often is
trend-free noise called a leak?

For each phi: the share of trend-free series whose 99% lower bound on the slope is above zero
(the true slope; the fit is equivariant to an added line, so this is the miss rate of the bound
at any true slope), the share `analyze_trend` calls leaks at delta = 0, and its power on a rise of
4 sd and 8 sd over the window, for each step margin asked.

    python bench/verdict_montecarlo.py --samples 400 --series 2000 --margins 0,0.5,1

`--noise walk` replaces the AR(1) noise by a random walk (a real leak's curve is a walk with
drift: each interval leaks a random amount), `--noise mixed` by AR(1) of sd 5 plus a walk of
step 0.2 (garbage-collector noise over a leak's random increments); phi then sets the AR(1)
part only. These measure where the bound's stationarity assumption fails.
"""

from __future__ import annotations

import argparse

import numpy as np

from leakbench.harness.stats import fit_slope
from leakbench.harness.stats import trend as trend_module
from leakbench.harness.stats.synthetic import ar1_noise

PHIS = (0.0, 0.5, 0.85, 0.95, 0.99)
NOISE = {
    "ar1": ar1_noise,
    "walk": lambda n, phi, rng: np.cumsum(rng.standard_normal(n)),
    "mixed": lambda n, phi, rng: (
        5 * ar1_noise(n, phi, rng) + 0.2 * np.cumsum(rng.standard_normal(n))
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--margins", default=str(trend_module.STEP_NOISE))
    parser.add_argument("--bound-only", action="store_true", help="skip the full rule")
    parser.add_argument("--noise", choices=sorted(NOISE), default="ar1")
    args = parser.parse_args()
    margins = [float(value) for value in args.margins.split(",")]
    rng = np.random.default_rng(20261207)
    x = np.arange(args.samples, dtype=float)
    print(
        "| phi | n | bound misses (99%) | "
        + " | ".join(f"leak at m={m} | power 4 sd | power 8 sd" for m in margins)
        + " |"
    )
    for phi in PHIS:
        series = [NOISE[args.noise](args.samples, phi, rng) for _ in range(args.series)]
        fits = [fit_slope(x, y) for y in series]
        misses = np.mean([f.lower_bound > 0 for f in fits])
        cells = [f"{phi}", f"{args.samples}", f"{misses:.2%}"]
        for margin in [] if args.bound_only else margins:
            trend_module.STEP_NOISE = margin
            cells += [
                f"{_share(x, series, 0.0):.2%}",
                f"{_share(x, series[: args.series // 4], 4.0):.0%}",
                f"{_share(x, series[: args.series // 4], 8.0):.0%}",
            ]
        print("| " + " | ".join(cells) + " |", flush=True)


def _share(x: np.ndarray, series: list[np.ndarray], rise_sigma: float) -> float:
    """Share of series plus a rise of `rise_sigma` sd over the window, called leaks at delta 0."""
    line = rise_sigma * x / len(x)
    calls = [trend_module.analyze_trend(x, y + line, tolerance=0.0).outcome for y in series]
    return float(np.mean([outcome == "leak" for outcome in calls]))


if __name__ == "__main__":
    main()
