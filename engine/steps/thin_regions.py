"""Regions of a few agents in the economy step's labour market: an island of the
232-country world, where a handful of agents of working age stand for a few thousand
people, can be drawn without a single worker. Its market needs some labour supply to have
wages, so:

* in the base year, a region whose working-age agents are all drawn unemployed takes its
  expected supply (`expected_where_empty`);
* later, a region whose last workers have left keeps the supply of the last year it had
  workers (`keep_emptied`).

Regions with a worker are untouched by both, and nobody's draws change.
"""

from __future__ import annotations

import numpy as np

from migsim.core.errors import InputError
from migsim.people import passes


def empty_regions(supply: np.ndarray) -> np.ndarray:
    """(R,) regions without labour supply; supply (R, 3, X, 2)."""
    return np.asarray(supply).sum(axis=(1, 2, 3)) <= 0.0


def expected_where_empty(step, sim, supply: np.ndarray) -> np.ndarray:
    """Base-year supply with each region the employment draw left without a worker replaced
    by its expected supply: its residents aged 20-64 at their efficiency units times its
    employment rate, so that its base-year wages are defined. step: the `EconomyStep`
    (`supply_levers`, `supply`, `world`). The labour-supply pass that keeps each person's
    units and the earnings histogram for the year is run again last, with the usual draws."""
    supply = np.asarray(supply)
    empty = empty_regions(supply)
    if not empty.any():
        return supply
    year = sim.base_year
    rate = step.world.employment_rate
    levers = step.supply_levers(sim, year)._replace(employment=np.ones_like(rate))
    everyone, _ = sim.people.sum(passes.labour_supply, sim.key, year, *levers)
    supply = np.array(supply, dtype=np.float64)
    supply[empty] = np.asarray(everyone)[empty] * rate[empty][:, None, None, None]
    if getattr(sim, "supplied", None) is not None:
        sim.supplied = None
    step.supply(sim, year)  # the drawn pass again: its units and histogram are the year's
    return supply


def base_supply(step, sim) -> np.ndarray:
    """The base year's supply (`expected_where_empty` of the step's pass); a region with
    nobody of working age at all is bad input: one line naming it and what would do."""
    supply = expected_where_empty(step, sim, step.supply(sim, sim.base_year))
    empty = np.flatnonzero(empty_regions(supply))
    if empty.size:  # no agent of working age at all: say so, not a market error
        raise InputError(
            "population.size",
            f"too few agents: region {step.world.codes[int(empty[0])]} has nobody aged 20-64 "
            "in the base year",
            "a larger population.size, or population.stratification closer to 0",
        )
    return supply


def keep_emptied(supply: np.ndarray, last: np.ndarray) -> np.ndarray:
    """`supply` with each region that has no worker this year given `last`, its supply of
    the last year it had workers, so that its wages stay defined for people who return or
    arrive; its recorded output is that year's (a region of a few thousand people)."""
    supply = np.asarray(supply)
    empty = empty_regions(supply)
    if empty.any():
        supply = supply.copy()
        supply[empty] = last[empty]
    return supply
