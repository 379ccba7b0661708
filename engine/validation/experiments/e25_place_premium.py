"""E25: the place premium, the same worker's expected income in NAM against at home
(Clemens, Montenegro & Pritchett 2008)."""

from __future__ import annotations

import numpy as np

from migsim.validation.checks import Check, point
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E25:place_premium_median_developing_x",
    "E25:place_premium_SSA_vs_Nigeria_x",
]
EXPECTED_FAILURES = {
    "E25:place_premium_median_developing_x": (
        "the ratio of expected net incomes includes employment rates "
        "and taxes and uses regional averages, not observably identical wage earners"
    ),
}


@experiment(
    "E25",
    title="The place premium (Clemens, Montenegro & Pritchett 2008)",
    configs=["e01_status_quo"],
    cost="analytic",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    other_worlds=(
        "the premium is the expected income of a non-tertiary worker in NAM over at home, "
        "from base wages: regions12's NAM has Barro-Lee v2.2's tertiary share 0.563 against "
        "0.35 (docs/worlds-regions12.md), which lowers NAM's non-tertiary wage at about the "
        "same GDP per head (52.7k against 51.9k); NAM over SSA falls from 7.9 to 7.4, below "
        "the band's 7.56. Measured: with the default's 0.35 in regions12's NAM row it is 8.41"
    ),
)
def e25_place_premium(r: Runner) -> list[Check]:
    from migsim.model.calibration import base_wages, expected_income

    world = r.world()
    cfg = r.config("e01_status_quo")
    y = expected_income(world, base_wages(world), cfg.behaviour)
    i = world.index("NAM")
    ratio = y[:, i, 0] / np.array([y[o, o, 0] for o in range(world.n_regions)])
    dev = ~world.developed
    src = "Clemens, Montenegro & Pritchett 2008"
    return [
        point(
            "E25",
            "place_premium_median_developing_x",
            src,
            "V",
            2.7,
            float(np.median(ratio[dev])),
            "x",
            "expected net income of the same non-tertiary worker in NAM / at home; "
            + ", ".join(f"{c} {v:.1f}" for c, v, d in zip(world.codes, ratio, dev) if d),
        ),
        point(
            "E25",
            "place_premium_SSA_vs_Nigeria_x",
            src,
            "V",
            8.4,
            float(ratio[world.index("SSA")]),
            "x",
            "SSA region vs Nigeria (country)",
        ),
    ]
