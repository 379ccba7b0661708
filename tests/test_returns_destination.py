"""Returns by destination (migsim.model.returns): destination scales fitted to the OECD's
five-year exit rates, and a return hazard that rises with the income gap home / host."""

from __future__ import annotations

import numpy as np
import pytest

import migsim
from migsim.core.world import load_world
from migsim.model.behaviour import BehaviourConf
from migsim.model.costs import return_hazard_table
from migsim.model.incomes import base_wages
from migsim.model.returns import (
    COHORT_YEARS,
    cohort_exit,
    destination_scales,
    exit_targets,
    income_ratio,
    return_factor,
)


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
    for d, target in exit_targets(world.codes).items():
        weight = world.migrant_stock[:, d].copy()
        weight[d] = 0.0
        assert cohort_exit(hazard, factor[:, d], weight) == pytest.approx(target, abs=1e-6)
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


def _exit_by_destination(overrides: list[str]) -> tuple[dict, object]:
    """Five-year exit share of the first year's arrivals, by their destination (E18's
    measurement, split by destination)."""
    sim = migsim.build_simulation(overrides)
    sim.step()
    pop = sim.population
    n = pop.n
    new = (pop.alive[:n] == 1) & (pop.location[:n] != pop.origin[:n]) & (pop.years_abroad[:n] == 0)
    ids, dest = pop.person_id[:n][new].copy(), pop.location[:n][new].copy()
    w = pop.weight[pop.origin[:n][new]]
    for _ in range(5):
        sim.step()
    n = pop.n
    order = np.argsort(pop.person_id[:n])
    row = order[np.clip(np.searchsorted(pop.person_id[:n][order], ids), 0, n - 1)]
    alive = (pop.person_id[:n][row] == ids) & (pop.alive[:n][row] == 1)
    left = alive & (pop.location[:n][row] != dest)
    out = {}
    for d in np.unique(dest):
        m = dest == d
        out[sim.world.codes[int(d)]] = float((w * (left & m)).sum() / (w * (alive & m)).sum())
    return out, sim


@pytest.mark.slow
def test_simulated_exit_rates_by_destination_match_the_oecd():
    """regions12 at 400,000 agents, economy off (returns respond to incomes through the
    migration step's wages, which stay at base-year levels then): NAM and WEU's arrival
    cohorts leave at their OECD rates within 5 points."""
    overrides = [
        "world=regions12",
        "population.size=400_000",
        "economy.enabled=false",
        "progress=false",
    ]
    rates, sim = _exit_by_destination(overrides)
    targets = {sim.world.codes[i]: v for i, v in exit_targets(sim.world.codes).items()}
    for code, target in targets.items():
        assert rates[code] == pytest.approx(target, abs=0.05), (code, rates[code], target)
