"""Brain gain by country (docs/model.md §2.4): the threshold education response on the
232-country world in its base year (400k agents, seed 1). Some origins gain human capital
from skilled emigration, and they are those the theory names: low tertiary share, low
emigration; more origins lose than gain and the losers lose more."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from migsim.api import build_simulation
from migsim.steps.education import EducationStep, brain_gain, resident_share
from migsim.validation.experiments.e15_countries_brain_gain import MIN_POPULATION


@pytest.fixture(scope="module")
def built(compose_cfg):
    cfg = compose_cfg(
        "world=countries",
        "population.size=400000",
        "population.stratification=0.5",
        "seed=1",
        "progress=false",
        "threads=1",
    )
    sim = build_simulation(cfg)
    step = next(s for s in sim.steps if isinstance(s, EducationStep))
    out = brain_gain(step, sim)
    world = sim.world
    compared = (
        ~world.developed
        & (np.asarray(world.population) >= MIN_POPULATION)
        & (out["p_high"] > out["p_low"])
    )
    return SimpleNamespace(sim=sim, step=step, world=world, out=out, compared=compared)


def test_the_default_response_is_the_threshold_one(built):
    assert built.step.response == "threshold"


def test_response_per_unit_of_incentive_falls_with_the_tertiary_share(built):
    """The threshold model: the elasticity of H_ex to the prospect, per unit of the change in
    the log return, is beta phi(z)/Phi(z), larger the lower the origin's threshold sits
    (the lower its tertiary share); the logistic rule's would be beta (1 - H)."""
    step, sim = built.step, built.sim
    base = step.log_return(sim, built.out["p_high"], built.out["p_low"])
    delta = 1e-6
    per_unit = np.log(step.share(base + delta) / step.share(base)) / delta
    order = np.argsort(step.share(base))
    assert np.all(np.diff(per_unit[order]) <= 1e-6 * per_unit.max())
    lowest, highest = per_unit[order[0]], per_unit[order[-1]]
    assert lowest > 2 * highest, (lowest, highest)


def test_some_origins_gain_and_they_are_low_H_low_p(built):
    """Beine, Docquier & Rapoport 2008: winners combine low human capital and low emigration;
    there are more losers than winners; losers lose more than winners gain."""
    gain, compared = built.out["gain"], built.compared
    h = np.asarray(built.world.tertiary_share)
    p = built.out["p_high"]
    winners, losers = compared & (gain > 0), compared & (gain < 0)
    codes = [c for c, w in zip(built.world.codes, winners) if w]
    assert winners.sum() >= 3, codes
    assert np.median(h[winners]) < np.median(h[compared]), codes
    assert np.median(p[winners]) < np.median(p[compared]), codes
    assert losers.sum() > winners.sum(), codes
    assert -gain[losers].mean() > gain[winners].mean(), codes
    # the least educated winner has a tertiary share in the lowest quarter of the compared
    assert h[winners].min() <= np.quantile(h[compared], 0.25), codes


def test_resident_share_rises_with_the_prospect_at_low_p_and_low_H_only(built):
    """dH_post/dp_s > 0 at a low skilled emigration rate for the least educated winner, and
    < 0 for the most educated of the compared origins (same wages, same draws: no
    simulation between the two)."""
    step, sim, out = built.step, built.sim, built.out
    h = np.asarray(built.world.tertiary_share)
    winners = built.compared & (out["gain"] > 0)
    low = np.flatnonzero(winners)[np.argmin(h[winners])]
    high = np.flatnonzero(built.compared)[np.argmax(h[built.compared])]

    def post(p):
        ph = np.full(built.world.n_regions, p)
        lr = step.log_return(sim, ph, out["p_low"])
        return resident_share(step.share(lr), ph, out["p_low"])

    lo, hi = post(0.02), post(0.04)
    assert hi[low] > lo[low], built.world.codes[low]
    assert hi[high] < lo[high], built.world.codes[high]


def test_brain_gain_is_a_column_of_the_regions_table(built):
    assert "brain_gain" in EducationStep.columns
    built.step.base_year_values(built.sim)
    column = built.sim.state.region_columns["brain_gain"]
    np.testing.assert_array_equal(column, built.out["gain"])


def test_threshold_response_is_more_heterogeneous_than_the_logistic_one(built, compose_cfg):
    """Both rules are calibrated to the same mean elasticity; the threshold one moves the
    least educated origin more, relative to the most educated, than the logistic one."""
    cfg = compose_cfg("world=countries", "economy.education_response=logistic")
    logistic = EducationStep(built.sim, cfg.economy, cfg.behaviour, None)
    assert logistic.response == "logistic"
    base = built.step.log_return(built.sim, built.out["p_high"], built.out["p_low"])
    h = np.asarray(built.world.tertiary_share)
    low, high = np.argmin(h), np.argmax(h)
    delta = 1e-6
    spread = {}
    for name, step in (("threshold", built.step), ("logistic", logistic)):
        per_unit = np.log(step.share(base + delta) / step.share(base)) / delta
        spread[name] = per_unit[low] / per_unit[high]
    assert spread["threshold"] > spread["logistic"], spread


@pytest.fixture(scope="module")
def loglinear(built, compose_cfg):
    """The reduced-form response on the same simulation (its base-year state)."""
    cfg = compose_cfg("world=countries", "economy.education_response=loglinear")
    step = EducationStep(built.sim, cfg.economy, cfg.behaviour, None)
    return SimpleNamespace(step=step, out=brain_gain(step, built.sim))


def test_the_reduced_form_has_one_elasticity_and_the_base_year_shares(built, loglinear):
    """economy.education_response=loglinear: ln H_ex = a_o + beta ln p_s. It reproduces the
    base-year cohort shares; doubling any origin's prospect (below the caps) raises its
    H_ex by the same factor 2**beta, whatever its tertiary share or its prospect, and wages
    do not move it; beta makes the mean response over developing origins the calibrated
    elasticity (above it, as origins without emigrant graduates do not respond)."""
    step, out = loglinear.step, loglinear.out
    assert step.response == "loglinear"
    h = np.clip(np.asarray(built.world.cohort_tertiary_share), 1e-4, 0.999)
    p = out["p_high"]
    free = (p >= 1e-4) & (2 * p < 0.99) & (h * 2**step.beta < 0.99)
    assert free.sum() > 100
    np.testing.assert_allclose(out["ex_ante"][free], h[free], rtol=1e-12)
    doubled = step.share(step.index(built.sim, 2 * p, out["p_low"]))
    ratio = np.log(doubled[free] / out["ex_ante"][free]) / np.log(2.0)
    np.testing.assert_allclose(ratio, step.beta, rtol=1e-9)
    dev = ~np.asarray(built.world.developed)
    doubled_all = step.share(step.index(built.sim, np.minimum(2 * p, 0.99), out["p_low"]))
    mean = np.mean(np.log(doubled_all / out["ex_ante"])[dev]) / np.log(2.0)
    assert mean == pytest.approx(0.05, rel=1e-6)
    assert step.beta >= 0.05
    # the index is the log prospect (floored), not the return to a degree
    np.testing.assert_array_equal(
        step.index(built.sim, np.zeros(3), np.zeros(3)), np.log(np.full(3, 1e-4))
    )


def test_under_the_reduced_form_the_large_low_p_origins_gain(built, loglinear):
    """With one elasticity at every prospect, an origin whose graduates rarely emigrate
    gains more from the prospect than it loses to the drain: the winners hold most of the
    compared population, over twice the threshold rule's share, and the winners emigrate less
    than the compared origins (docs/braingain.md compares the two on three seeds)."""
    compared = built.compared
    pop = np.asarray(built.world.population, dtype=float)

    def share(gain):
        return pop[compared & (gain > 0)].sum() / pop[compared].sum()

    reduced, default = share(loglinear.out["gain"]), share(built.out["gain"])
    assert reduced > 0.5 and reduced > 2 * default, (reduced, default)
    winners = compared & (loglinear.out["gain"] > 0)
    p = loglinear.out["p_high"]
    assert np.median(p[winners]) < np.median(p[compared])
