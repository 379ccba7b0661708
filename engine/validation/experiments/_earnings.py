"""Earnings as the income pass pays them, read from a driven simulation's people.

The income pass (migsim.kernels.income.incomes) pays each worker units x the wage per
efficiency unit of their cell, wages[location, education, experience band, nativity], where
units (from `labour_supply`, kept per person in the shard's `units` scratch) are
productivity x the credential-transfer factor kappa abroad (kappa_s on arrival, rising to 1
after `credential_years`) x the irregular wage factor, and 0 for anyone not employed or
outside 20-64; a downgraded worker abroad has those units split again, the downgraded share
paid the immigrant wage of the cell one education level below (migsim.kernels.credentials).
`paid` reads the same units, wages and split, so the measures built on it (E10, E25) use the
incomes the model actually pays, credential discount included.
"""

from __future__ import annotations

import numpy as np

from migsim.kernels import income as ik
from migsim.kernels.bundles import TERTIARY
from migsim.kernels.migration import INTRA_REGIONAL, IRREGULAR
from migsim.people.shards import Shard


def paid(shard: Shard, wages: np.ndarray, irregular_wage_factor: float, levers=None) -> dict:
    """A pass over a shard after `labour_supply`: this year's earnings as the income pass
    computes them, summed in real people (each agent times its origin's weight):

    earnings (R,), workers (R,): earnings and employed people aged 20-64 by origin;
    credit (R, R, 2), credited (R, R, 2): the sum of kappa and the count of agents, by
    [origin, location, skill class], over employed people (kappa = earnings / (the own
    cell's wage x productivity x the irregular factor if irregular), 1 at home).
    wages: (R, 3, N_EXPERIENCE, 2) wage per efficiency unit [location, education, experience
    band, nativity]; levers: the year's `Work` (its credential fields and downgrade wages
    split a downgraded worker's units as the income pass does), None: no downgrading."""
    from migsim.kernels.reference.income import paid as pay

    pop = shard.population
    n = pop.n
    cols = pop.columns()
    R = pop.weight.shape[0]
    units = shard.buffer("units")[:n]
    works = (cols["alive"][:n] != 0) & (units > 0.0)
    u = units[works].astype(np.float64)
    age = cols["age"][:n][works].astype(np.int64)
    e = cols["skill"][:n][works].astype(np.int64)
    o = cols["origin"][:n][works].astype(np.int64)
    loc = cols["location"][:n][works].astype(np.int64)
    st = cols["status"][:n][works]
    prod = cols["productivity"][:n][works].astype(np.float64)
    x = ik.experience_bands()[e, age]
    j = ((loc != o) | (st == INTRA_REGIONAL)).astype(np.int64)
    w = pop.weight[o]
    wage = wages[loc, e, x, j]
    earnings = u * wage if levers is None else pay(units, wages, levers, pop.people, n)[works]
    # downgraded units count at their pay relative to the own cell's wage
    kappa = (earnings / wage) / (prod * np.where(st == IRREGULAR, irregular_wage_factor, 1.0))
    pair = (o * R + loc) * 2 + (e == TERTIARY)
    return {
        "earnings": np.bincount(o, weights=earnings * w, minlength=R),
        "workers": np.bincount(o, weights=w, minlength=R),
        "credit": np.bincount(pair, weights=kappa, minlength=R * R * 2).reshape(R, R, 2),
        "credited": np.bincount(pair, minlength=R * R * 2).reshape(R, R, 2).astype(float),
    }


def economy_of(sim):
    """The simulation's economy step."""
    return next(s for s in sim.steps if s.name == "economy")


def supply_and_paid(sim) -> tuple[np.ndarray, dict]:
    """(the year's efficiency units by (region, education, experience band, nativity), `paid`)
    in the simulation's current year: the economy step's labour-supply pass is run again for
    that year with the levers its income pass used (the same keyed draws and downgrade
    wages, so the same units and split) and paired with the cell wages it paid that year."""
    from migsim.kernels.bundles import Work
    from migsim.people import passes

    econ = economy_of(sim)
    levers = Work(*econ.paid_levers)
    supply, _ = sim.people.sum(passes.labour_supply, sim.key, sim.year, *levers)
    wage_factor = econ.conf.irregular_wage_factor
    return supply, sim.people.sum(paid, econ.cell_wages, wage_factor, levers)


def paid_now(sim) -> dict:
    """`paid` in the simulation's current year (`supply_and_paid`)."""
    return supply_and_paid(sim)[1]
