"""Returns by destination (migsim.model.returns): destination scales fitted to the OECD's
five-year exit rates, and a return hazard that rises with the income gap home / host."""

from __future__ import annotations

import numpy as np
import pytest

from migsim.config import PopulationConf
from migsim.core.world import load_world
from migsim.kernels.rng import run_key
from migsim.model.behaviour import DEFAULT, BehaviourConf
from migsim.model.calibration import load_calibration
from migsim.model.costs import return_hazard_table
from migsim.model.incomes import base_wages
from migsim.model.returns import (
    COHORT_YEARS,
    cohort_exit,
    destination_scales,
    exit_targets,
    family_terms,
    income_ratio,
    left_shares,
    return_factor,
)
from migsim.people.population import PERMANENT, Population
from migsim.regimes import status_quo
from migsim.runtime.simulation import Simulation
from migsim.steps.migration import MigrationStep


def test_exit_targets_map_countries_and_areas():
    default = load_world("default")
    targets = {default.codes[i]: v for i, v in exit_targets(default.codes).items()}
    assert targets["NAM"] == pytest.approx(0.1425)
    weu = (75.0 * 16.8 + 67.0 * 80.6 + 26.0 * 65.9) / (16.8 + 80.6 + 65.9) / 100
    assert targets["WEU"] == pytest.approx(weu)
    assert set(targets) == {"NAM", "WEU"}
    # a world of countries: NAM is Namibia beside the United States, no area mean
    countries = exit_targets(["DEU", "FRA", "NAM", "NLD", "USA", "WEU"])
    assert countries == {0: 0.67, 1: 0.26, 3: 0.75, 4: 0.1425}


def test_destination_scales_reproduce_the_targets_at_base_year_incomes():
    world, conf = load_world("default"), BehaviourConf()
    wages = base_wages(world)
    scales = destination_scales(world, conf, wages)
    factor = return_factor(scales, conf, wages)
    hazard = return_hazard_table(conf)[1, 1 : COHORT_YEARS + 1, 0]
    left, (reunify, family_return) = left_shares(world, conf), family_terms(conf)
    assert 0.1 < left.mean() < 0.5 and family_return > 1.0
    for d, target in exit_targets(world.codes).items():
        weight = world.migrant_stock[:, d].copy()
        weight[d] = 0.0
        mixed = cohort_exit(hazard, factor[:, d], weight, left, reunify, family_return)
        assert mixed == pytest.approx(target, abs=1e-6)
        # the cohort's family mix matters: without it the same scales give fewer exits
        assert cohort_exit(hazard, factor[:, d], weight) < target - 0.005
    untargeted = [i for i in range(world.n_regions) if i not in exit_targets(world.codes)]
    assert np.all(scales[untargeted] == 1.0)


def test_hazard_rises_when_the_destination_falls_behind_home():
    world, conf = load_world("default"), BehaviourConf()
    wages = base_wages(world)
    scales = destination_scales(world, conf, wages)
    before = return_factor(scales, conf, wages)
    d = world.index("WEU")
    poorer = wages.copy()
    poorer[d] *= 0.8  # the host's incomes fall, home's stay
    after = return_factor(scales, conf, poorer)
    others = [o for o in range(world.n_regions) if o != d]
    assert np.all(after[others, d] > before[others, d])
    assert after[others, d] == pytest.approx(
        before[others, d] * 0.8**-conf.return_income_elasticity
    )
    # and the income ratio itself says home / host
    assert income_ratio(poorer)[0, d] > income_ratio(wages)[0, d]
    # no income response: the factor is the destination scale alone
    flat = BehaviourConf(return_income_elasticity=0.0)
    np.testing.assert_allclose(
        return_factor(scales, flat, poorer)[others, d], scales[d] * np.ones(len(others))
    )


COHORT = 60_000


def _follow_cohorts(world_name: str, years: int = 5) -> dict[str, float]:
    """New permanent migrants aged 30 in every destination with an OECD exit rate, their
    origins split as the base-year stock there and close family left at origin with the
    origin's share of arrivals, run through the real migration step (the kernel's hazard,
    family term, reunification, destination scales and income gap); the share of each
    destination's cohort that has left it within `years` years."""
    world = load_world(world_name)
    conf, pop_conf = BehaviourConf(), PopulationConf()
    cal = load_calibration(world, conf, pop_conf)
    targets = exit_targets(world.codes)
    n = COHORT * len(targets)
    pop = Population.empty(3 * n, np.ones(world.n_regions))
    pop.person_id[:n] = np.arange(n)
    pop.alive[:n] = 1
    pop.age[:n] = 30
    pop.sex[:n] = np.arange(n) % 2
    pop.status[:n] = PERMANENT
    for k, d in enumerate(targets):
        rows = slice(k * COHORT, (k + 1) * COHORT)
        weight = world.migrant_stock[:, d].copy()
        weight[d] = 0.0
        counts = np.floor(weight / weight.sum() * COHORT).astype(np.int64)
        counts[np.argmax(counts)] += COHORT - counts.sum()
        pop.origin[rows] = np.repeat(np.arange(world.n_regions), counts)
        pop.location[rows] = d
    # close family left at origin as the fit assumes: the origin's share of arrivals
    apart = np.random.default_rng(11).random(n) < left_shares(world, conf)[pop.origin[:n]]
    pop.family[:n] = apart
    pop.n = pop.next_id = n
    dest = pop.location[:n].copy()
    sim = Simulation(world, pop, run_key(11), world.base_year)
    policy = status_quo(world, cal.policy_cost)
    sim.steps = [MigrationStep(sim, conf, pop_conf, DEFAULT, cal, policy)]
    sim.record(world.base_year)
    left = np.zeros(n, dtype=bool)
    for _ in range(years):
        sim.step()
        left |= (pop.alive[:n] == 1) & (pop.location[:n] != dest)
    return {world.codes[d]: float(left[dest == d].mean()) for d in targets}


@pytest.mark.parametrize("world_name", ["countries", "regions12", "default"])
def test_arrival_cohorts_leave_at_the_oecd_rates(world_name):
    """Within 1.5 points (deaths before leaving and the clip at 1 aside, the fit is exact;
    60,000 people per destination give a standard error near 0.2 points)."""
    world = load_world(world_name)
    targets = {world.codes[d]: v for d, v in exit_targets(world.codes).items()}
    rates = _follow_cohorts(world_name)
    for code, target in targets.items():
        assert rates[code] == pytest.approx(target, abs=0.015), (code, rates[code], target)
