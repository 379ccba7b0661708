"""Base-year wealth by age (docs/model.md §1.7, §5.10): the multiple of a place's mean adult
wealth (m times GDP per capita) that a person of each age holds on average in the base year.
The synthesis scales each person's lognormal draw by it, and the calibration's liquidity
shares take its mean over each age band.

- `flat` (the default): every adult holds the mean, children a fifth of it, whatever the
  place's demography.
- `steady_state`: the profile the model's own rules keep in place. From the first simulated
  year wealth is consumed at a rate delta and grows by a share s of net earnings (§5.10),
  births bring none and the dead's wealth passes to those turning 18
  (`population.bequests=coming_of_age`). In a population with the place's base-year
  pyramid N(a) and mortality q(a), held in place, the mean wealth at age a (per GDP per
  capita) is then X(a) = 0 before 18, X(18) = I and

      X(a + 1) = X(a) (1 - delta) + s nu [20 <= a <= 64],

  with nu = (1 - t)(1 - alpha) P / P(20-64) the mean net earnings of a person of working age
  (the labour share of GDP net of the tax rate, over the people aged 20-64; remittances left
  out), delta = s nu P(20-64) / (m P(18+)) the consumption rate the economy step computes
  from the base year (savings replace consumption at the mean adult wealth m), and the
  inheritance I the year's estates, sum_a N(a) q(a) X(a), over those turning 18, N(18). The
  recursion is linear in I, so it is solved exactly; the profile is then scaled so that the
  adults' mean is 1, the calibrated mean wealth. Assumed by migsim: the pyramid held in
  place, the same earnings at every working age, no wealth before 18.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.labels import AGE_BAND_EDGES, AGE_BANDS, N_AGES
from migsim.core.world import AGE_BAND_OF_AGE, World

WEALTH_PROFILES = ("flat", "steady_state")
ADULT_AGE = 18  # heirs turn 18 (population.bequests); the flat profile's adults
CHILD_SHARE = 0.2  # the flat profile: children hold a fifth of the mean
WORK_AGES = (20, 64)  # kernels/income.py MIN_WORK_AGE, MAX_WORK_AGE

B = len(AGE_BANDS)


def wealth_by_age(world: World, profile: str, savings_rate: float, to_income: float) -> np.ndarray:
    """(R, N_AGES) mean wealth by age over the place's mean adult wealth (see module)."""
    R = world.n_regions
    ages = np.arange(N_AGES)
    if profile == "flat":
        return np.tile(np.where(ages >= ADULT_AGE, 1.0, CHILD_SHARE), (R, 1))
    if profile != "steady_state":
        raise ValueError(f"wealth profile {profile!r}; allowed: {', '.join(WEALTH_PROFILES)}")
    out = np.zeros((R, N_AGES))
    for r in range(R):
        out[r] = steady_state(
            world.resident_pyramid[r],
            world.death_probability[r],
            float(world.labour_share[r]) * (1.0 - float(world.tax_rate[r])),
            savings_rate,
            to_income,
        )
    return out


def consumption_rate(people: np.ndarray, net_share: float, savings_rate: float, to_income: float):
    """(delta, nu): the base-year consumption rate of wealth and the mean net earnings of a
    person of working age, both per GDP per capita (people: (N_AGES,) by age)."""
    lo, hi = WORK_AGES
    working = people[lo : hi + 1].sum()
    adults = people[ADULT_AGE:].sum()
    nu = net_share * people.sum() / working
    return savings_rate * nu * working / (to_income * adults), nu


def steady_state(
    pyramid: np.ndarray,
    death: np.ndarray,
    net_share: float,
    savings_rate: float,
    to_income: float,
) -> np.ndarray:
    """(N_AGES,) the steady-state profile of one place (module docstring), adults' mean 1.

    pyramid, death: (2, N_AGES) residents and yearly death probabilities by sex and age;
    net_share: the labour share of GDP net of the tax rate."""
    people = pyramid.sum(axis=0)
    q = (pyramid * death).sum(axis=0) / np.maximum(people, 1e-300)
    delta, nu = consumption_rate(people, net_share, savings_rate, to_income)
    lo, hi = WORK_AGES
    # X(a) = I * A(a) + C(a) for a >= 18
    A = np.zeros(N_AGES)
    C = np.zeros(N_AGES)
    A[ADULT_AGE] = 1.0
    for a in range(ADULT_AGE, N_AGES - 1):
        A[a + 1] = A[a] * (1.0 - delta)
        C[a + 1] = C[a] * (1.0 - delta) + savings_rate * nu * (lo <= a <= hi)
    dead = people * q
    heirs = people[ADULT_AGE]
    inherit = (dead * C).sum() / max(heirs - (dead * A).sum(), 1e-300)
    x = inherit * A + C
    adults = people[ADULT_AGE:]
    mean = (adults * x[ADULT_AGE:]).sum() / adults.sum()
    return x / mean if mean > 0 else np.where(np.arange(N_AGES) >= ADULT_AGE, 1.0, 0.0)


def band_scale(world: World, wealth_age: np.ndarray | None) -> np.ndarray:
    """(R, B) each age band's mean wealth over the mean adult wealth, for the calibration's
    liquidity shares: without a profile the flat rule at the band's middle age (a fifth of
    the mean below 18); with one, its mean over the band's ages weighted by the residents."""
    R = world.n_regions
    if wealth_age is None:
        lower = np.array(AGE_BAND_EDGES[:-1], dtype=np.float64)
        upper = np.array(AGE_BAND_EDGES[1:], dtype=np.float64)
        mid_age = (lower + upper - 1) / 2
        return np.tile(np.where(mid_age >= ADULT_AGE, 1.0, CHILD_SHARE), (R, 1))
    people = world.resident_pyramid.sum(axis=1)  # (R, N_AGES)
    held = np.stack([np.bincount(AGE_BAND_OF_AGE, wealth_age[r] * people[r], B) for r in range(R)])
    count = np.stack([np.bincount(AGE_BAND_OF_AGE, people[r], B) for r in range(R)])
    return held / np.maximum(count, 1e-300)


def profile_of(world: World, pop_conf: Any, savings_rate: float) -> np.ndarray | None:
    """The configured profile (`population.wealth_profile`), None for the flat default (whose
    arrays the synthesis and calibration build as before)."""
    name = pop_conf.wealth_profile
    if name == "flat":
        return None
    return wealth_by_age(world, name, float(savings_rate), float(pop_conf.wealth_to_income))
