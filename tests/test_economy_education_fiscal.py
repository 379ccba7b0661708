"""Brain drain / brain gain (docs/model.md §2, §8.2 E15/E16) and the person-level fiscal rules
(irregular migrants pay and receive less, issue 4), on a default-world simulation built by
hand the way migsim.runtime.app builds it (400k agents, seed 1, base year 2013)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from migsim.core.world import load_world
from migsim.kernels.migration import IRREGULAR, PERMANENT
from migsim.kernels.rng import run_key
from migsim.people.population import Population, synthesise_population
from migsim.people.shards import LocalPeople, Shard
from migsim.regimes import status_quo
from migsim.runtime.simulation import Simulation
from migsim.steps.economy import EconomyStep
from migsim.steps.education import EducationStep, brain_gain_response


@pytest.fixture(scope="module")
def built(compose_cfg):
    cfg = compose_cfg("population.size=400000", "seed=1", "progress=false")
    world = load_world("default")
    p = cfg.population
    key = run_key(cfg.seed)
    pop = synthesise_population(
        world, p.size, key, p.stratification, p.spare_capacity, p.wealth_sigma, p.wealth_to_income
    )
    sim = Simulation(world, pop, key, cfg.base_year)
    sim.record(cfg.base_year)
    policy = status_quo(world, np.zeros((world.n_regions, world.n_regions, 2)))
    education = EducationStep(sim, cfg.economy, cfg.behaviour, policy)
    return SimpleNamespace(cfg=cfg, world=world, sim=sim, education=education, policy=policy)


def _elasticities(built, factor):
    out = brain_gain_response(built.education, built.sim, factor)
    base, scaled = out["base"], out["scaled"]
    el = np.log(scaled["ex_ante"] / base["ex_ante"]) / np.log(scaled["p_high"] / base["p_high"])
    return el, out


def test_doubling_skilled_emigration_prospects_elasticity(built):
    """E15: the calibration sets beta so that a doubling of p_s raises H_ex by 5% x ln 2 on
    average over developing origins (BDR 2008); check it from the model's response."""
    el, _ = _elasticities(built, 2.0)
    dev = ~built.world.developed
    assert 0.04 <= el[dev].mean() <= 0.06, el[dev].mean()


def test_doubling_prospects_raises_ex_ante_human_capital_in_developing_origins(built):
    _, out = _elasticities(built, 2.0)
    dev = ~built.world.developed
    assert (out["scaled"]["ex_ante"][dev] > out["base"]["ex_ante"][dev]).mean() >= 0.5
    # H_ex at the base reproduces the base-year cohort shares (calibration)
    np.testing.assert_allclose(
        out["base"]["ex_ante"], np.clip(built.world.cohort_tertiary_share, 1e-4, 0.999), rtol=1e-9
    )


def test_net_brain_gain_only_for_low_emigration_low_education_origins(built):
    """BDR 2008: beneficial brain drain only where human capital and emigration are both low;
    more losers than winners."""
    _, out = _elasticities(built, 2.0)
    world = built.world
    dev = ~world.developed
    p = out["base"]["p_high"][dev]
    h = world.tertiary_share[dev]
    gain = out["scaled"]["post"][dev] > out["base"]["post"][dev]
    winners = [c for c, g in zip(np.array(world.codes)[dev], gain) if g]
    for i in np.flatnonzero(gain):
        assert p[i] < np.median(p), (winners, p[i], np.median(p))
        assert h[i] < np.median(h), (winners, h[i], np.median(h))
    assert gain.sum() < (~gain).sum(), winners


def test_irregular_migrants_pay_less_tax_than_regular_of_same_skill(built):
    """The same people (same ids, so the same employment and productivity draws) abroad as
    regular permanent residents versus as irregular migrants."""
    world, sim = built.world, built.sim
    step = EconomyStep(
        sim, built.cfg.economy, built.cfg.behaviour, built.cfg.population, built.policy
    )
    real = sim.population
    n = 4000
    o, d = world.index("LAC"), world.index("NAM")

    def fake(status):
        pop = Population.empty(n, real.weight.copy())
        pop.n = pop.next_id = n
        pop.person_id[:] = np.arange(n)
        pop.alive[:] = 1
        pop.age[:] = 35
        pop.origin[:] = o
        pop.location[:] = d
        pop.status[:] = status
        pop.years_abroad[:] = 3
        pop.productivity[:] = 1.0
        pop.skill[:] = (np.arange(n) % 2) * 2  # primary and tertiary
        return SimpleNamespace(people=LocalPeople([Shard(pop)]), key=sim.key)

    sums = {
        st: step.incomes(fake(st), 2014, 1, step.wages0)["fiscal"] for st in (PERMANENT, IRREGULAR)
    }
    conf = built.cfg.economy
    for s in (0, 1):
        regular, irregular = (sums[st][d, 1, s].sum(axis=0) for st in (PERMANENT, IRREGULAR))
        assert regular[3] == pytest.approx(irregular[3]) and regular[3] > 0
        tax_reg, tax_irr = regular[1] / regular[3], irregular[1] / irregular[3]
        assert 0 < tax_irr < tax_reg
        # efficiency units are kept as float32 between the two income passes
        assert tax_irr / tax_reg == pytest.approx(
            conf.irregular_wage_factor * conf.irregular_tax_factor, rel=1e-6
        )
        # and they receive less public spending per person (the per-resident cost of pure
        # public goods is charged to everyone alike)
        goods = step.public_goods[d]
        # (rel 1e-6: each person's spending and weight are added on their grids,
        # migsim.kernels.grid, and the difference from `goods` magnifies that rounding)
        assert (irregular[2] / irregular[3] - goods) / (
            regular[2] / regular[3] - goods
        ) == pytest.approx(conf.irregular_transfer_factor, rel=1e-6)
