"""E7: wage effects of immigration along the native wage distribution in the UK, 1997-2005
(Dustmann, Frattini & Preston 2013), on the 232-country world.

Simulated on the country world's people and market: the United Kingdom's calibrated 2010
education x experience x nativity CES is shocked, capital adjusting, by the change of its
immigrant stock 1995-2005 (UN bilateral stocks as the world was built from them; the nearest
years to the study's period), taken as a share of its 2010 residents and added with the mix
of the model's immigrants who arrived within the last 10 years, each supplying labour where
the model places it: the downgraded share of their units in the cell one education level
below theirs (`migsim.kernels.credentials`), as DFP's recent immigrants work below their
education. Each native aged 20-64 earns their cell's wage times their productivity,
lognormal with mean 1 (`population.productivity_sigma`), before and after; the checks are
the changes of the natives' 10th, 50th and 90th percentiles, computed on expected values:
the percentiles of the mixture, over the natives' education x experience cells (weighted by
their agents), of the cells' lognormal wage distributions. Which agents' draws sit at a
percentile then does not matter (on the agents' own wages the 10th percentile's change took
either sign from seed to seed, its cell moving with the draws). DFP report pence per hour
(-0.7p at the 10th percentile, +1.5p at the median, slightly more than +2p at the 90th), so
the checks are their signs, which do not depend on the UK's wage levels.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from migsim.model.brain_gain import normal_cdf
from migsim.validation.checks import Check, sign
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY, country_matrix
from migsim.validation.experiments.e02_e05_wages import recent_immigrants
from migsim.validation.experiments.e06_dop import country_markets
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

SOURCE = "Dustmann, Frattini & Preston 2013 (Review of Economic Studies)"
PERCENTILES = (10, 50, 90)
QUANTITIES = [f"E7:uk_native_wage_p{p}_pct" for p in PERCENTILES]
EXPECTED_FAILURES: dict[str, str] = {}


def uk_stock_change(codes: list[str]) -> float:
    """GBR's immigrant stock in 2005 less 1995 (UN bilateral stocks as the country world was
    built from them), persons."""
    import polars as pl

    frame = country_matrix([1995, 2005]).filter(pl.col("destination") == "GBR")
    by_year = frame.group_by("year").agg(pl.col("stock").sum())
    stock = dict(zip(by_year["year"].to_list(), by_year["stock"].to_list()))
    return float(stock.get(2005, 0.0) - stock.get(1995, 0.0))


def mixture_percentiles(
    cell_wages: np.ndarray, weights: np.ndarray, sigma: float, percentiles=PERCENTILES
) -> np.ndarray:
    """Percentiles of wages w_c x productivity, productivity lognormal with mean 1 and log
    standard deviation sigma, over cells c of weights weights[c] (the population's
    expected distribution, without sampling). cell_wages, weights: (C,)."""
    keep = np.asarray(weights, dtype=float) > 0
    mu = np.log(np.asarray(cell_wages, dtype=float)[keep]) - 0.5 * sigma * sigma
    pi = np.asarray(weights, dtype=float)[keep]
    pi = pi / pi.sum()
    out = []
    for p in percentiles:
        lo, hi = mu.min() - 10.0 * sigma, mu.max() + 10.0 * sigma
        for _ in range(200):  # bisection on log wage to machine precision
            mid = 0.5 * (lo + hi)
            if float(pi @ normal_cdf((mid - mu) / sigma)) < p / 100.0:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-13:
                break
        out.append(math.exp(0.5 * (lo + hi)))
    return np.array(out)


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
    n_x = w0.shape[1]
    weights = np.bincount(e * n_x + x, minlength=w0.shape[0] * n_x).astype(float)
    sigma = next(s for s in sim.steps if s.name == "migration").productivity_sigma
    before = mixture_percentiles(w0[:, :, 0].reshape(-1), weights, sigma)
    after = mixture_percentiles(w1[:, :, 0].reshape(-1), weights, sigma)
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
            "education by level is their origin's emigrants' in the IAB data)",
        )
        for k, p in enumerate(PERCENTILES)
    ]
