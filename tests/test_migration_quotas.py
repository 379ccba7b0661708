"""Quota admission by lottery (docs/model.md §3.8, §6.5).

A quota on a destination x skill limits new admissions from home into it to about the
quota (in people, per year); without the quota they are much larger. Built by hand: a
Simulation with only the MigrationStep, the calibrated status-quo Policy, and a quota on NAM.
Tolerance 15%: sampling noise of ~100-300 admitted agents per skill over two years.
"""

from __future__ import annotations

import numpy as np

from migsim.config import PopulationConf
from migsim.core.world import load_world
from migsim.kernels.rng import run_key
from migsim.model.behaviour import DEFAULT, BehaviourConf
from migsim.model.calibration import load_calibration
from migsim.people.population import synthesise_population
from migsim.regimes import status_quo
from migsim.runtime.simulation import Simulation
from migsim.steps.migration import MigrationStep

SIZE = 3_000_000
YEARS = 2
QUOTA = np.array([1_500_000.0, 300_000.0])  # per year, [non-tertiary, tertiary]


def yearly_moves(
    conf: BehaviourConf,
    quota: np.ndarray | None,
    dest: str = "NAM",
    rationing: str = "lottery",
    size: int = SIZE,
    seed: int = 11,
    years: int = YEARS,
) -> list[np.ndarray]:
    """Moves from home (people) per year, (R, R, 2) [origin, destination, skill]."""
    world = load_world("default")
    pop_conf = PopulationConf()
    cal = load_calibration(world, BehaviourConf(), pop_conf)
    d = world.index(dest)
    key = run_key(seed)
    pop = synthesise_population(
        world,
        size,
        key,
        pop_conf.stratification,
        pop_conf.spare_capacity,
        pop_conf.wealth_sigma,
        pop_conf.wealth_to_income,
    )
    sim = Simulation(world, pop, key, 2013)
    policy = status_quo(world, cal.policy_cost)
    if quota is not None:
        policy.quota[d, :] = quota
        policy.quota_rationing = rationing
    sim.steps = [MigrationStep(sim, conf, pop_conf, DEFAULT, cal, policy)]
    sim.record(2013)
    out = []
    R = world.n_regions
    for _ in range(years):
        sim.step()
        moves = sim.moves.dense()
        home = moves[np.arange(R), np.arange(R)]  # (R, R, 2) [origin, destination, skill]
        out.append(home * pop.weight[:, None, None])
    return out


def admissions(
    conf: BehaviourConf, quota: np.ndarray | None, dest: str = "NAM", rationing: str = "lottery"
) -> np.ndarray:
    """Mean yearly moves from home into `dest` by skill (people)."""
    d = load_world("default").index(dest)
    moves = yearly_moves(conf, quota, dest, rationing)
    return sum(m[:, d, :].sum(axis=0) for m in moves) / YEARS


# No liquidity constraint (borrowing covers any up-front cost): isolates the lottery.
UNCONSTRAINED = BehaviourConf(borrowing=20.0, upfront_cost_months=0.0)


def test_lottery_admits_about_the_quota_without_liquidity_constraint():
    free = admissions(UNCONSTRAINED, None)
    assert (free > 5 * QUOTA).all(), free  # the quota binds
    capped = admissions(UNCONSTRAINED, QUOTA)
    np.testing.assert_allclose(capped, QUOTA, rtol=0.15)


def test_lottery_admits_about_the_quota_with_the_default_behaviour():
    conf = BehaviourConf()
    free = admissions(conf, None)
    quota = np.minimum(QUOTA, 0.5 * free)
    capped = admissions(conf, quota)
    np.testing.assert_allclose(capped, quota, rtol=0.15)


def test_quota_on_one_destination_leaves_other_moves_unchanged():
    """Lottery losers stay home: in the first year (same draws) every move not into NAM is
    exactly the same with and without the NAM quota."""
    world = load_world("default")
    policy = status_quo(
        world, load_calibration(world, BehaviourConf(), PopulationConf()).policy_cost
    )
    assert np.isinf(policy.quota).all()  # the status quo has no quotas
    d = world.index("NAM")
    free = yearly_moves(UNCONSTRAINED, None)[0]
    capped = yearly_moves(UNCONSTRAINED, QUOTA)[0]
    others = np.ones(world.n_regions, dtype=bool)
    others[d] = False
    np.testing.assert_array_equal(capped[:, others], free[:, others])
    assert capped[:, d].sum() < free[:, d].sum()


def test_shadow_price_rations_to_the_quota_and_shifts_the_origin_mix():
    """Rationing by a shadow price on entry (complementary slackness): admissions are about
    the quota, as with the lottery; unlike the lottery, the price falls on every would-be
    mover alike in utility, so it also diverts them to other destinations (nested logit)."""
    conf = BehaviourConf()
    free = admissions(conf, None)
    quota = np.minimum(QUOTA, 0.5 * free)
    priced = admissions(conf, quota, rationing="shadow_price")
    np.testing.assert_allclose(priced, quota, rtol=0.15)
    lottery_moves = sum(m.sum() for m in yearly_moves(conf, quota, rationing="lottery"))
    priced_moves = sum(m.sum() for m in yearly_moves(conf, quota, rationing="shadow_price"))
    # with the price, some who would have lost the lottery go elsewhere instead
    assert priced_moves > lottery_moves


def test_lottery_admits_the_quota_in_expectation_when_it_is_the_applicants():
    """The lottery's odds are quota / expected applicants, so a quota equal to the expected
    applicants admits them all in expectation, whatever the number of agents. Odds from the
    count of drawn applicants would admit min(count, quota) in expectation in every draw:
    less than the quota, the more so the fewer the agents (here 3-5% for non-tertiary and
    9-13% for tertiary movers). First year into WEU at two agent counts, 40 seeds each: the
    quota is the mean of the seeds' applicants without a quota (the same draws, no
    liquidity limit, so every applicant moves), and the mean admissions with it are that
    quota within three standard errors of their mean over the seeds (the Monte Carlo error:
    1-2% of the quota for non-tertiary movers, 5-8% for tertiary ones, whose yearly count
    into WEU is a few dozen agents at these sizes)."""
    d = load_world("default").index("WEU")
    for size in (30_000, 60_000):
        seeds = range(1, 41)
        free = np.array(
            [
                yearly_moves(UNCONSTRAINED, None, "WEU", size=size, seed=k, years=1)[0][:, d]
                for k in seeds
            ]
        ).sum(axis=1)  # (seeds, skill) people
        quota = free.mean(axis=0)
        assert (free.std(axis=0) > 0.05 * quota).all()  # the count is noisy at this size
        assert (np.minimum(free, quota).mean(axis=0) < 0.975 * quota).all()
        capped = np.array(
            [
                yearly_moves(UNCONSTRAINED, quota, "WEU", size=size, seed=k, years=1)[0][:, d]
                for k in seeds
            ]
        ).sum(axis=1)
        error = capped.std(axis=0) / np.sqrt(len(seeds))
        assert (np.abs(capped.mean(axis=0) - quota) < 3 * error).all(), (capped.mean(0), quota)
