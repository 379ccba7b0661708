"""Years abroad of the base-year migrants (migsim.model.durations): the steady state of
arrivals under the return hazard, drawn by the synthesis and shared by the calibration's exit
rates and the cell-level projection."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from migsim.config import PopulationConf
from migsim.core.labels import N_AGES
from migsim.core.world import load_world
from migsim.kernels.rng import run_key
from migsim.model.behaviour import BehaviourConf
from migsim.model.calibration import base_wages
from migsim.model.cells import base_cells
from migsim.model.durations import (
    IRREGULAR,
    PERMANENT,
    TEMPORARY,
    durations,
    family_given_years,
    given_age,
)
from migsim.model.projection import K, age_mix, initial_durations
from migsim.model.returns import family_chain
from migsim.people.population import synthesise_population
from migsim.regimes import initial_irregular_share, tied_corridors

WORLD = "regions12"


@pytest.fixture(scope="module")
def world():
    return load_world(WORLD)


@pytest.fixture(scope="module")
def dur(world):
    return durations(world, BehaviourConf())


def test_given_age_is_the_steady_state_of_arrival_cohorts(world, dur):
    """A cohort simulation, independent of the closed form: equal arrivals every year with
    the origin's arrival age profile, a share q of them apart from close family, each year
    thinned by the corridor's return hazard at its years abroad (times exp(b_fam) while
    apart), then reunified with the yearly probability r, and aged one year, until the
    stock by (age, years abroad) is steady; its share of each years abroad given age is
    `given_age`, and its share apart given years abroad `family_given_years`."""
    o, d = 5, 0
    factor = dur.factor[o, d]
    q, r, m = dur.family(o, PERMANENT)
    assert 0.0 < q < 1.0 and 0.0 < r < 1.0 and m > 1.0
    apart = np.zeros((N_AGES, N_AGES))  # [age, years abroad]
    together = np.zeros((N_AGES, N_AGES))
    arrivals = dur.arrival_weight[o]
    p = np.minimum(dur.hazard[PERMANENT, :N_AGES] * factor, 1.0)
    pf = np.minimum(dur.hazard[PERMANENT, :N_AGES] * factor * m, 1.0)
    for _ in range(N_AGES + 1):
        apart *= 1.0 - pf[None, :]
        together *= 1.0 - p[None, :]
        joined = apart * r
        apart -= joined
        together += joined
        for stock, share in ((apart, q), (together, 1.0 - q)):
            aged = np.zeros_like(stock)
            aged[1:, 1:] = stock[:-1, :-1]
            aged[:, 0] += arrivals * share
            stock[:] = aged
    total = apart + together
    steady = total / np.maximum(total.sum(axis=1, keepdims=True), 1e-300)
    closed = given_age(dur, o, d, PERMANENT)
    adults = slice(16, 90)
    np.testing.assert_allclose(closed[adults], steady[adults], rtol=1e-9, atol=1e-12)
    by_t = total.sum(axis=0)
    seen = by_t > 1e-9 * by_t.max()
    np.testing.assert_allclose(
        family_given_years(dur, o, d, PERMANENT)[seen], apart.sum(axis=0)[seen] / by_t[seen]
    )
    # younger migrants have just arrived; the hazard shortens the stay the more it bites
    assert closed[:16, 0].min() == 1.0
    mean = closed @ np.arange(N_AGES)
    assert mean[40] < (40 - 16) / 2 + 6 and mean[40] > 3
    strong = given_age(dataclasses.replace(dur, factor=dur.factor * 3.0), o, d, PERMANENT)
    assert (strong @ np.arange(N_AGES))[40] < mean[40]
    # families apart leave sooner: without the family term stays are longer
    single = given_age(dataclasses.replace(dur, family_return=1.0), o, d, PERMANENT)
    assert (single @ np.arange(N_AGES))[40] > mean[40]
    # temporary visa holders are never joined: the share apart only falls by returns
    temporary = family_given_years(dur, o, d, 2)
    assert temporary[10] > family_given_years(dur, o, d, PERMANENT)[10]


def test_synthetic_family_flags_follow_the_chain(world, dur):
    """The synthesised migrants' family flags against P(apart | years abroad) of their
    corridor and status: the count within four standard errors."""
    pop = synthesise_population(
        world, 300_000, run_key(4), irregular_share=initial_irregular_share(world)
    )
    n = pop.n
    rows = np.flatnonzero((pop.origin[:n] != pop.location[:n]) & (pop.age[:n] >= 16))
    years = pop.years_abroad[rows].astype(int)
    keys = np.stack([pop.origin[rows], pop.location[rows], pop.status[rows]], axis=1)
    expected = np.zeros(rows.size)
    for o, d, s in np.unique(keys, axis=0):
        sel = np.flatnonzero((keys == (o, d, s)).all(axis=1))
        expected[sel] = family_given_years(dur, int(o), int(d), int(s))[years[sel]]
    observed = pop.family[rows].sum()
    se = np.sqrt((expected * (1 - expected)).sum())
    assert expected.sum() > 400
    assert abs(observed - expected.sum()) < 4 * se
    assert not pop.family[:n][pop.origin[:n] == pop.location[:n]].any()


@pytest.mark.parametrize("size", [150_000, 300_000])
def test_synthetic_stock_has_the_steady_state_durations(world, dur, size):
    """The synthesised migrants' years abroad against the distribution the duration model
    gives their ages, corridors and statuses: mean years abroad within four standard errors
    and the histogram within a chi-square bound, at two agent counts."""
    pop = synthesise_population(
        world, size, run_key(3), irregular_share=initial_irregular_share(world)
    )
    n = pop.n
    rows = np.flatnonzero((pop.origin[:n] != pop.location[:n]) & (pop.status[:n] != 4))
    age = pop.age[rows].astype(int)
    years = pop.years_abroad[rows].astype(int)
    expected = np.zeros(N_AGES)
    mean = np.zeros(rows.size)
    var = np.zeros(rows.size)
    t = np.arange(N_AGES)
    keys = np.stack([pop.origin[rows], pop.location[rows], pop.status[rows]], axis=1)
    for o, d, s in np.unique(keys, axis=0):
        sel = np.flatnonzero((keys == (o, d, s)).all(axis=1))
        P = given_age(dur, int(o), int(d), int(s))[age[sel]]  # (n, t)
        expected += P.sum(axis=0)
        mean[sel] = P @ t
        var[sel] = P @ t**2 - mean[sel] ** 2
    assert rows.size > 2000
    se = np.sqrt(var.sum()) / rows.size
    assert abs(years.mean() - mean.mean()) < 4 * se
    observed = np.bincount(years, minlength=N_AGES)[:N_AGES]
    ok = expected >= 5
    chi2 = ((observed[ok] - expected[ok]) ** 2 / expected[ok]).sum()
    dof = int(ok.sum()) - 1
    assert chi2 < dof + 5 * np.sqrt(2 * dof)
    # the same check refuses the former uniform draw on 0..age - 16 given age
    uniform = np.zeros(N_AGES)
    for a, count in zip(*np.unique(age, return_counts=True)):
        uniform[: max(a - 15, 1)] += count / max(a - 15, 1)
    ok = uniform >= 5
    chi2_uniform = ((observed[ok] - uniform[ok]) ** 2 / uniform[ok]).sum()
    assert chi2_uniform > (ok.sum() - 1) + 5 * np.sqrt(2 * (ok.sum() - 1))


def test_calibration_and_projection_use_the_same_durations(world, dur):
    """The calibration's exit rates (migsim.model.cells) and the projection's base-year
    stock by years abroad (migsim.model.projection) are those of `given_age` for every
    corridor and skill, regular (permanent, or temporary on employer-tied permits) and
    irregular migrants mixed in the same shares."""
    conf, pop = BehaviourConf(), PopulationConf()
    wages = base_wages(world)
    cells = base_cells(world, conf, wages, pop)
    shares = initial_durations(world, conf, wages)
    ages = age_mix(world)
    irregular = initial_irregular_share(world)
    tied = tied_corridors(world)
    R = world.n_regions
    checked = 0
    for o in range(R):
        for d in range(R):
            if o == d or world.migrant_stock[o, d] <= 0:
                continue
            for s in range(2):
                dist = ages[o, d, s] / ages[o, d, s].sum()
                irr = irregular[o, d] * (1 / 3 if s == 1 else 1.0)
                by_t = np.zeros(N_AGES)
                hazard = 0.0
                regular = TEMPORARY if tied[o, d] else PERMANENT
                for status, w in ((regular, 1 - irr), (IRREGULAR, irr)):
                    P = given_age(dur, o, d, status)
                    # the mixed cohort's exit share at each years abroad, among those left
                    apart, together = family_chain(
                        dur.hazard[status, :N_AGES], dur.factor[o, d], *dur.family(o, status)
                    )
                    S = apart + together
                    p = np.divide(S[:-1] - S[1:], S[:-1], out=np.zeros(N_AGES), where=S[:-1] > 0)
                    by_t += w * (dist @ P)
                    hazard += w * (dist @ P @ p)
                assert shares[o, d, s, : K - 1] == pytest.approx(by_t[: K - 1], abs=1e-12)
                assert shares[o, d, s, K - 1] == pytest.approx(by_t[K - 1 :].sum(), abs=1e-12)
                for g in range(2):
                    q = (world.death_probability[d, g] * dist).sum()
                    assert cells.exit_rate[o, d, s, g] == pytest.approx(q + hazard, rel=1e-9)
                checked += 1
    assert checked > 100
