"""A deterministic cell-level projection of bilateral migrant stocks: the decision model's
EXPECTED yearly flows, returns and deaths stepped year by year along a scenario's observed
incomes and populations, with no sampled people (the history fit in
`migsim.worldbuild.history_fit` calls it a few hundred times, so it must take milliseconds).

State: the stock of each corridor, skill and sex by years since arrival,
D[o, d, s, g, k] (k = 0..K-1, the last slot holds everyone abroad K-1 years or more). Each
year t:

1. survivors: D[..., k] (1 - q_dg) (1 - (1 - onward) h_k m_ods), with h_k the Weibull
   return hazard at max(k, 1) years abroad (the kernel's table), m the mixture of
   permanent and irregular hazards of the corridor (irregular: `irregular_return_multiplier`)
   and q the stock's mean mortality at destination; leavers who move on to a third region
   stay migrants, as the calibration assumes in aggregate; h_k is times
   1 + (exp(b_fam) - 1) P(apart | k), the share of the corridor's arrivals still apart from
   close family after k years (`migsim.model.returns.family_chain` at base-year factors: the
   family term of the kernel's hazard in expectation [A]);
2. everyone ages one year abroad (k -> k + 1);
3. arrivals D[..., 0] = expected movers of the nested logit with year t's wages (base wages
   times the scenario's GDP per capita factor, as with the economy off), people at home
   (base-year cells times the scenario's population factor), the network term
   eta_s ln(S_od(t) / S_od(t0)) capped as in the migration step, and the liquidity
   shares of year t: borrowing (home wages) and up-front costs (destination wages) move
   with the income factors, wealth stays at its base-year scale. Simulated wealth builds
   up from savings and lags incomes; moving it with GDP per capita too put the projection
   of 2005 20% above a Monte-Carlo run (129M against 108M between regions, mostly
   East Asia's emigrants), holding it puts it within 1%.

The base-year stock is spread over years abroad as the synthesis draws them (the steady
state of arrivals under the return hazard given age, `migsim.model.durations`), so its
exits match those of a simulated population. Approximations against a Monte-Carlo run:
markets are not solved (wages move with GDP per capita), the people at home follow the
observed population rather than the simulated demography, mortality is the base year's and
the regime's policy is the status quo's; tests/test_history_fit.py measures the resulting gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from migsim.core.world import World
from migsim.model.behaviour import CellContext, default_utility, nested_logit
from migsim.model.cells import BaseCells, _tertiary_by_age, feasible_shares
from migsim.model.costs import return_hazard_table
from migsim.model.durations import (
    IRREGULAR,
    PERMANENT,
    TEMPORARY,
    durations,
    origin_durations,
)
from migsim.model.incomes import expected_income
from migsim.model.returns import (
    destination_scales,
    family_chain,
    family_terms,
    left_shares,
    return_factor,
)
from migsim.regimes import initial_irregular_share, tied_corridors

K = 64  # years-abroad slots tracked (the last one accumulates)


@dataclass
class Paths:
    """Observed exogenous paths by year, relative to the base year: `income[t]` and
    `population[t]` are (R,) factors (1 in the base year)."""

    base_year: int
    income: dict[int, np.ndarray]
    population: dict[int, np.ndarray]


def scenario_paths(scenario: Any, base_year: int, last: int) -> Paths:
    """The GDP per capita and population factors of a loaded scenario
    (`migsim.scenarios.paths.Scenario`) for base_year..last, nothing after `last`."""
    years = range(base_year, last + 1)
    return Paths(
        base_year,
        {t: np.asarray(scenario.factor("gdp_per_capita", t), dtype=np.float64) for t in years},
        {t: np.asarray(scenario.factor("population", t), dtype=np.float64) for t in years},
    )


@dataclass
class Setup:
    """What the projection needs from the world and parameters, computed once."""

    cells: BaseCells
    wages: np.ndarray  # (R, 2) base-year wages
    initial: np.ndarray  # (R, R, 2, 2, K) base-year stock by years abroad
    survival_death: np.ndarray  # (R, R, 2, 2) 1 - mortality of the stock
    return_rate: np.ndarray  # (R, R, 2, 2, K) yearly returns home per migrant, before the
    # destination scale and income gap (migsim.model.returns), applied each year
    return_scales: np.ndarray  # (R,) destination scales of the return hazard
    base_diaspora: np.ndarray  # (R, R) base-year stock between regions
    feasible: dict  # {year: (R, 2, 2, B, R)} share able to pay, with the year's incomes


def age_mix(world: World) -> np.ndarray:
    """(R, R, 2, N_AGES) [o, d, s] ages of the base-year migrants of each corridor and skill,
    unnormalised: the migrant age profile times the skill's share at each age."""
    R = world.n_regions
    age = world.migrant_age_share
    out = np.zeros((R, R, 2, age.size))
    for o in range(R):
        for d in range(R):
            t = _tertiary_by_age(world.migrant_tertiary_share[o, d])
            out[o, d, 0] = age * (1.0 - t)
            out[o, d, 1] = age * t
    return out


def initial_durations(
    world: World, conf: Any, wages: np.ndarray, ages: np.ndarray | None = None
) -> np.ndarray:
    """(R, R, 2, K) shares of the base-year stock of each corridor and skill by years
    abroad: age from the migrant age profile (`ages`: `age_mix(world)` if at hand), then
    years abroad given age as the synthesis draws them (`migsim.model.durations`),
    permanent and irregular migrants mixed in the calibration's shares; years abroad of
    K - 1 or more share the last slot."""
    R = world.n_regions
    ages = age_mix(world) if ages is None else ages
    dur = durations(world, conf, wages)
    irregular = initial_irregular_share(world)
    out = np.zeros((R, R, 2, K))
    mass = ages.sum(axis=3)  # (R, R, 2)
    share = irregular[:, :, None] * np.array([1.0, 1.0 / 3.0])  # irregular, by skill
    tied = tied_corridors(world)
    for o in range(R):
        perm = np.where(
            tied[o][:, None, None],
            origin_durations(dur, o, TEMPORARY, ages[o]),
            origin_durations(dur, o, PERMANENT, ages[o]),
        )  # (R, 2, t)
        irr = origin_durations(dur, o, IRREGULAR, ages[o])
        mixed = (1 - share[o])[:, :, None] * perm + share[o][:, :, None] * irr
        by_t = np.divide(
            mixed, mass[o][:, :, None], out=np.zeros_like(mixed), where=mass[o][:, :, None] > 0
        )
        out[o, :, :, : K - 1] = by_t[..., : K - 1]
        out[o, :, :, K - 1] = by_t[..., K - 1 :].sum(axis=-1)
    return out


def setup(
    world: World, conf: Any, pop_conf: Any, cells: BaseCells, wages: np.ndarray, paths: Paths
) -> Setup:
    """The projection's fixed arrays; the liquidity shares of every year of `paths` (wages at
    home and the destinations' up-front costs move with GDP per capita, wealth does not)."""
    R = world.n_regions
    feasible = {
        t: feasible_shares(world, conf, wages * x[:, None], pop_conf, world.gdp_per_capita)
        for t, x in paths.income.items()
    }
    hazard = return_hazard_table(conf)[:, :K, 0]  # (status, k)
    irregular = initial_irregular_share(world)
    irr = irregular[:, :, None] * np.array([1.0, 1.0 / 3.0])[None, None, :]  # o d s
    # regular migrants on employer-tied permits leave at the temporary hazard
    tied = tied_corridors(world)
    regular = np.where(tied, conf.temporary_return_multiplier, 1.0)[:, :, None]
    mix = (1.0 - irr) * regular + irr * conf.irregular_return_multiplier
    # a leaver returns home with probability 1 - onward; onward movers stay migrants
    return_rate = (
        (1.0 - conf.onward_share) * mix[:, :, :, None, None] * hazard[1][None, None, None, None]
    ) * np.ones((1, 1, 1, 2, 1))
    # close family at origin: hazard x exp(b_fam) for the share of the cohort still apart
    scales = destination_scales(world, conf, wages)
    reunify, family_return = family_terms(conf)
    factor = return_factor(scales, conf, wages)
    left = left_shares(world, conf)[:, None]
    apart, together = family_chain(hazard[1, : K - 1], factor, left, reunify, family_return)
    # no reunification on a temporary permit
    t_apart, t_together = family_chain(hazard[2, : K - 1], factor, left, 0.0, family_return)
    apart = np.where(tied[:, :, None], t_apart, apart)
    together = np.where(tied[:, :, None], t_together, together)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_apart = np.where(apart + together > 0, apart / (apart + together), 0.0)  # o d k
    return_rate = return_rate * (1.0 + (family_return - 1.0) * p_apart)[:, :, None, None, :]
    ages = age_mix(world)
    death = np.zeros((R, R, 2, 2))
    for o in range(R):
        for d in range(R):
            for s in range(2):
                dist = ages[o, d, s]
                if dist.sum() > 0:
                    death[o, d, s] = (world.death_probability[d] * dist).sum(axis=1) / dist.sum()
    initial = cells.stock[..., None] * initial_durations(world, conf, wages, ages)[:, :, :, None, :]
    return Setup(
        cells,
        wages,
        initial,
        1.0 - death,
        return_rate,
        scales,
        cells.stock.sum(axis=(2, 3)),
        feasible,
    )


def expected_flows(
    world: World,
    conf: Any,
    su: Setup,
    xi: np.ndarray,
    income_factor: np.ndarray,
    population_factor: np.ndarray,
    diaspora: np.ndarray,
    feasible: np.ndarray,
) -> np.ndarray:
    """Expected movers (R, R, 2, 2) [o, d, s, g] of one year: constants xi (net of policy
    costs), wages scaled by the year's income factor, people at home by the population
    factor and the network term of the year's diaspora (R, R)."""
    R = world.n_regions
    eta = np.array([conf.network_elasticity_low, conf.network_elasticity_high])
    cap = np.log(conf.network_max_ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(np.maximum(diaspora, 1.0) / np.maximum(su.base_diaspora, 1.0))
    network = eta[None, None, :] * np.clip(ratio, -cap, cap)[:, :, None]
    ctx = CellContext(
        income=expected_income(world, su.wages * income_factor[:, None], conf),
        corridor_constant=xi,
        policy_cost=np.zeros((R, R, 2)),
        network=network,
        age_shift=np.log(np.asarray(list(conf.age_profile), dtype=np.float64)),
        income_elasticity=conf.income_elasticity,
        nest_dissimilarity=conf.nest_dissimilarity,
        year=0,
    )
    p_move, dest = nested_logit(default_utility(ctx), conf.nest_dissimilarity)
    home = su.cells.home * population_factor[:, None, None, None]
    movers = home[..., None] * p_move[..., None] * dest * feasible  # o s g b d
    flows = np.transpose(movers.sum(axis=3), (0, 3, 1, 2))
    flows[np.arange(R), np.arange(R)] = 0.0
    return flows


def project(
    world: World, conf: Any, su: Setup, xi: np.ndarray, paths: Paths, years
) -> dict[int, np.ndarray]:
    """{year: (R, R, 2, 2) expected stock} for the base year and every year in `years`
    (stepping every year between), under constants xi (R, R, 2, 2) net of policy costs."""
    D = su.initial.copy()
    out = {paths.base_year: D.sum(axis=-1)}
    last = max(years)
    survive_death = su.survival_death[..., None]
    for t in range(paths.base_year + 1, last + 1):
        # the runs' return factor: destination scale x income gap at this year's incomes
        factor = return_factor(su.return_scales, conf, su.wages * paths.income[t][:, None])
        rate = np.clip(su.return_rate * factor[:, :, None, None, None], 0.0, 1.0)
        D *= survive_death * (1.0 - rate)
        D[..., K - 1] += D[..., K - 2]
        D[..., 1 : K - 1] = D[..., : K - 2].copy()
        stock = D.sum(axis=(2, 3, 4))
        D[..., 0] = expected_flows(
            world, conf, su, xi, paths.income[t], paths.population[t], stock, su.feasible[t]
        )
        if t in years:
            out[t] = D.sum(axis=-1)
    return out
