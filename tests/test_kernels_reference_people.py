"""Demography, education, aggregation, synthesis and rng kernels equal their plain-NumPy
twins (migsim.kernels.reference) exactly, on 1 and on 2 numba threads, on a toy-world
population of 150,000 (many chunks and aggregation lanes)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from benches.common import build_simulation
from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS, MAX_AGE, N_AGES
from migsim.kernels import aggregate as ak
from migsim.kernels import demography as demo
from migsim.kernels import reference as ref
from migsim.kernels.bundles import PEOPLE_DTYPES, People, Vital
from migsim.kernels.education import graduate
from migsim.kernels.rng import Stream, run_key, uniform_array
from migsim.kernels.synthesis import fill_productivity, synthesise
from migsim.people.population import STATUSES

SIZE = 150_000
THREADS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def with_threads(threads: int, fn, *args):
    numba.set_num_threads(threads)
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


@pytest.fixture(scope="module")
def sim():
    return build_simulation(SIZE, "toy", 1, migration=False)


def _copy(people: People, extra: int = 0) -> People:
    """A copy of the bundle with `extra` free rows."""
    return People(*(np.concatenate([c, np.zeros(extra, dtype=c.dtype)]) for c in people))


def _mixed(sim, seed: int) -> tuple:
    """(key, n, people): the simulation's people copied, with random ages and some abroad."""
    pop = sim.population
    n = pop.n
    people = _copy(pop.people)
    rng = np.random.default_rng(seed)
    people.age[:n] = rng.integers(0, N_AGES, size=n).astype(np.uint8)
    people.years_abroad[:n] = rng.integers(0, 256, size=n).astype(np.uint8)
    people.alive[rng.choice(n, size=n // 20, replace=False)] = 0
    return sim.key, n, people


def test_mortality_and_fertility_equals_numpy_twin(sim):
    key, n, people = _mixed(sim, 1)
    w = sim.world
    vital = Vital(w.death_probability, w.fertility, sim.population.weight)
    alive, children, deaths = ref.demography.mortality_and_fertility(key, 2014, n, people, vital)
    assert deaths.sum() > 0 and children.sum() > 0
    alive0 = people.alive.copy()
    for threads in THREADS:
        people.alive[:] = alive0
        got_children = np.full(people.alive.shape, 9, dtype=np.uint8)
        got_deaths = np.full(people.alive.shape, 9, dtype=np.uint8)
        by_pair, born = demo.vital_lanes(w.n_regions)
        with_threads(
            threads,
            demo.mortality_and_fertility,
            key,
            2014,
            n,
            people,
            vital,
            got_children,
            got_deaths,
            by_pair,
            born,
        )
        np.testing.assert_array_equal(people.alive[:n], alive)
        np.testing.assert_array_equal(got_children[:n], children)
        np.testing.assert_array_equal(got_deaths[:n], deaths)
        R = w.n_regions
        np.testing.assert_array_equal(
            demo.births_by_location(got_children, people.location, n, R),
            ref.demography.births_by_location(children, people.location, n, R),
        )
        # the lanes' counts are those of the per-person outputs
        np.testing.assert_array_equal(
            born.sum(axis=0), ref.demography.births_by_location(children, people.location, n, R)
        )
        np.testing.assert_array_equal(
            by_pair.sum(axis=0),
            ref.aggregate.count_pairs(n, deaths, people.origin, people.location, R, R),
        )


@pytest.mark.parametrize("tables", ["world", "extreme"])
@pytest.mark.parametrize("graduation", [False, True])
def test_mortality_fertility_and_ageing_equals_the_numpy_twins(sim, graduation, tables):
    # the fused kernel: mortality and fertility, then ageing, then (with graduation)
    # graduation of those who turn 22, each as its own twin computes it. With vector draws
    # only the rows `vital_rows` marks take the per-row code: "extreme" tables put the
    # limits at their edges (probabilities of death 0 and 1, expected children above 1)
    key, n, people = _mixed(sim, 5)
    people.age[: n // 3] = 21  # many turn 22
    people.skill[:n] = np.random.default_rng(5).integers(0, 3, n).astype(np.uint8)
    w = sim.world
    R = w.n_regions
    death, fertility = w.death_probability, w.fertility
    if tables == "extreme":
        death, fertility = death.copy(), fertility * 25.0
        death[:, :, 25:35] = 0.0
        death[:, 0, 40:45] = 1.0
        death[0, 1, :60] = 0.5
        assert fertility.max() > 2.0
    vital = Vital(death, fertility, sim.population.weight)
    share = np.linspace(0.1, 0.9, R) if graduation else np.zeros(0)
    secondary = np.linspace(0.8, 0.2, R) if graduation else np.zeros(0)
    alive, children, deaths = ref.demography.mortality_and_fertility(key, 2014, n, people, vital)
    after = _copy(people)
    after.alive[:n] = alive
    alive, age, years = ref.demography.age_one_year(n, after, MAX_AGE)
    assert (age != people.age[:n]).any() and (years != people.years_abroad[:n]).any()
    after.alive[:n], after.age[:n], after.years_abroad[:n] = alive, age, years
    skill, counts = people.skill[:n], np.zeros((R, 2), dtype=np.int64)
    if graduation:
        skill, counts = ref.education.graduate(key, 2014, n, after, share, secondary, R)
        assert counts[:, 1].sum() > 0 and (skill == 1).sum() > (people.skill[:n] == 1).sum()
    for threads in THREADS:
        out = _copy(people)
        by_pair, born = demo.vital_lanes(R)
        tally = np.zeros((by_pair.shape[0], R, 2), dtype=np.int64)
        args = (key, 2014, n, out, vital, MAX_AGE, by_pair, born)
        with_threads(threads, demo.mortality_fertility_and_ageing, *args, share, secondary, tally)
        np.testing.assert_array_equal(out.alive[:n], alive)
        np.testing.assert_array_equal(out.age[:n], age)
        np.testing.assert_array_equal(out.years_abroad[:n], years)
        np.testing.assert_array_equal(out.skill[:n], skill)
        np.testing.assert_array_equal(tally.sum(axis=0), counts)
        np.testing.assert_array_equal(
            born.sum(axis=0), ref.demography.births_by_location(children, people.location, n, R)
        )
        np.testing.assert_array_equal(
            by_pair.sum(axis=0),
            ref.aggregate.count_pairs(n, deaths, people.origin, people.location, R, R),
        )


def test_home_expected_is_the_per_person_expression_bit_for_bit():
    """The table of a native woman's expected agent-children is what `_vital` computed per
    woman, fertility[loc, a] * weight[loc] / weight[loc] in IEEE arithmetic, for weights
    and rates across their ranges (a reciprocal of the repeated divisor would differ)."""
    rng = np.random.default_rng(11)
    for R in (1, 12, 232):
        fertility = rng.uniform(0.0, 0.3, (R, N_AGES)) * rng.choice([1e-3, 1.0, 7.0], (R, 1))
        weight = np.exp(rng.uniform(-8.0, 8.0, R))
        got = demo.home_expected(fertility, weight)
        rows = slice(demo.MOTHER_MIN_AGE, demo.MOTHER_MAX_AGE + 1)
        want = fertility[:, rows] * weight[:, None] / weight[:, None]
        np.testing.assert_array_equal(got[:, rows], want)
        assert not got[:, : demo.MOTHER_MIN_AGE].any()
        assert (want != fertility[:, rows]).any() or R == 1  # the division is not a no-op


def test_write_births_equals_numpy_twin(sim):
    key, n, people = _mixed(sim, 2)
    R = sim.world.n_regions
    counts = np.random.default_rng(2).integers(0, 3000, size=R).astype(np.int64)
    regions = np.arange(0, R, 2, dtype=np.int64)  # a shard holding every other region
    row_start = np.zeros(R, dtype=np.int64)
    row_start[regions] = n + demo.exclusive_scan(counts[regions])
    id_start = 10**9 + demo.exclusive_scan(counts)
    rows, columns = ref.demography.write_births(key, 2014, regions, row_start, id_start, counts)
    assert rows.size == counts[regions].sum() > 0
    for threads in THREADS:
        out = _copy(people, int(counts.sum()))
        out.family[rows] = 1  # a stale flag in a reused row is cleared
        with_threads(
            threads, demo.write_births, key, 2014, regions, row_start, id_start, counts, out
        )
        for name, values in columns.items():
            np.testing.assert_array_equal(getattr(out, name)[rows], values, err_msg=name)
        untouched = np.ones(out.alive.shape[0], dtype=bool)
        untouched[rows] = False
        for name in PEOPLE_DTYPES:
            before = np.concatenate(
                [getattr(people, name), np.zeros(int(counts.sum()), PEOPLE_DTYPES[name])]
            )
            np.testing.assert_array_equal(getattr(out, name)[untouched], before[untouched])


def test_write_births_with_productivity_equals_the_numpy_twins(sim):
    # sigma >= 0: the newborns' productivity is written with their rows, exactly as
    # fill_productivity writes it, and the other columns are those of write_births
    key, n, people = _mixed(sim, 6)
    R = sim.world.n_regions
    counts = np.random.default_rng(6).integers(0, 3000, size=R).astype(np.int64)
    regions = np.arange(1, R, 2, dtype=np.int64)
    row_start = np.zeros(R, dtype=np.int64)
    row_start[regions] = n + demo.exclusive_scan(counts[regions])
    id_start = 10**9 + demo.exclusive_scan(counts)
    rows, columns = ref.demography.write_births(key, 2014, regions, row_start, id_start, counts)
    pid = columns["person_id"]
    productivity = ref.synthesis.fill_productivity(key, pid, 0, pid.size, 0.4)
    for threads in THREADS:
        out = _copy(people, int(counts.sum()))
        args = (key, 2014, regions, row_start, id_start, counts, out, 0.4)
        with_threads(threads, demo.write_births, *args)
        for name, values in columns.items():
            np.testing.assert_array_equal(getattr(out, name)[rows], values, err_msg=name)
        np.testing.assert_array_equal(out.productivity[rows], productivity)
        untouched = np.ones(out.alive.shape[0], dtype=bool)
        untouched[rows] = False
        np.testing.assert_array_equal(
            out.productivity[untouched], _copy(people, int(counts.sum())).productivity[untouched]
        )


def test_age_one_year_equals_numpy_twin(sim):
    key, n, people = _mixed(sim, 3)
    alive, age, years = ref.demography.age_one_year(n, people, MAX_AGE)
    assert (alive != people.alive[:n]).any() and (years == 255).any()
    out = _copy(people)
    demo.age_one_year(n, out, MAX_AGE)  # serial: no thread count to vary
    np.testing.assert_array_equal(out.alive[:n], alive)
    np.testing.assert_array_equal(out.age[:n], age)
    np.testing.assert_array_equal(out.years_abroad[:n], years)


def test_graduate_equals_numpy_twin(sim):
    key, n, people = _mixed(sim, 4)
    people.age[: n // 3] = 22
    people.skill[:n] = np.random.default_rng(4).integers(0, 3, n).astype(np.uint8)
    R = sim.world.n_regions
    share = np.linspace(0.1, 0.9, R)
    secondary = np.linspace(0.8, 0.2, R)
    skill, counts = ref.education.graduate(key, 2014, n, people, share, secondary, R)
    assert counts[:, 1].sum() > 0
    deciders = (people.alive[:n] != 0) & (people.age[:n] == 22)
    # graduates become tertiary from either group below; some primary people become secondary
    assert np.any(deciders & (people.skill[:n] == 1) & (skill == 2))
    assert np.any(deciders & (people.skill[:n] == 0) & (skill == 2))
    assert np.any(deciders & (people.skill[:n] == 0) & (skill == 1))
    assert np.all(skill[~deciders] == people.skill[:n][~deciders])
    for threads in THREADS:
        out = _copy(people)
        tally = np.zeros((64, R, 2), dtype=np.int64)
        with_threads(threads, graduate, key, 2014, n, out, share, secondary, tally)
        np.testing.assert_array_equal(out.skill[:n], skill)
        np.testing.assert_array_equal(tally.sum(axis=0), counts)


def test_count_cells_and_pairs_equal_numpy_twins(sim):
    key, n, people = _mixed(sim, 5)
    people.status[: n // 4] = np.random.default_rng(5).integers(0, 5, n // 4).astype(np.uint8)
    R, B, S = sim.world.n_regions, len(AGE_BANDS), len(STATUSES)
    cells = ref.aggregate.count_cells(n, people, AGE_BAND_OF_AGE, R, B, S)
    pairs = ref.aggregate.count_pairs(n, people.alive, people.origin, people.location, R, R)
    for threads in THREADS:
        np.testing.assert_array_equal(
            with_threads(threads, ak.count_cells, n, people, AGE_BAND_OF_AGE, R, B, S), cells
        )
        np.testing.assert_array_equal(
            with_threads(
                threads, ak.count_pairs, n, people.alive, people.origin, people.location, R, R
            ),
            pairs,
        )
    assert cells.sum() == pairs.sum() == int(people.alive[:n].sum())


def _groups(rng, n_ages: int):
    """Twelve synthetic groups of 9,000 people: origins, locations, statuses, age-sex CDFs."""
    G = 12
    sizes = rng.integers(5000, 13000, size=G)
    start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    pyramid = rng.uniform(size=(G, 2 * n_ages))
    cdf = np.ascontiguousarray(np.cumsum(pyramid, axis=1) / pyramid.sum(axis=1, keepdims=True))
    origin = rng.integers(0, 4, size=G).astype(np.int64)
    location = np.where(rng.uniform(size=G) < 0.5, origin, rng.integers(0, 4, size=G))
    status = np.where(location == origin, 0, rng.integers(1, 4, size=G)).astype(np.int64)
    return (
        start,
        origin,
        location.astype(np.int64),
        status,
        cdf,
        rng.uniform(0.0, 0.6, size=G),
        (rng.uniform(size=G) < 0.5).astype(np.uint8),  # groups whose degrees follow age
        rng.uniform(0.2, 2.5, size=(4, n_ages)),  # the origins' profiles by age
        rng.uniform(0.1, 0.9, size=G),
        rng.uniform(1e3, 5e4, size=G),
        rng.uniform(0.0, 2.0, size=(4, n_ages)),  # the locations' wealth by age
        rng.uniform(0.2, 3.0, size=G),  # corridor factors of the return hazard
        np.clip(rng.uniform(0.0, 0.3, size=(5, 256)), 0.0, 1.0),  # hazard by status, years
        rng.uniform(0.0, 1.0, size=(4, n_ages)) * (np.arange(n_ages) >= 16),  # arrivals
        rng.uniform(0.0, 0.6, size=G),  # share of arrivals apart from close family
        np.array([0.0, 0.2, 0.0, 0.3, 0.0]),  # reunification by status (none if temporary)
        1.7,  # return hazard multiplier while apart
    )


def test_synthesise_and_productivity_equal_numpy_twins():
    rng = np.random.default_rng(6)
    key = run_key(6)
    groups = _groups(rng, N_AGES)
    size = int(groups[0][-1])
    person_id = np.arange(size, dtype=np.int64) * 3 + 11
    columns = ref.synthesis.synthesise(key, *groups, 1.0, N_AGES, person_id)
    productivity = ref.synthesis.fill_productivity(key, person_id, 1000, size, 0.4)
    for threads in THREADS:
        people = People(*(np.zeros(size, dtype=dt) for dt in PEOPLE_DTYPES.values()))
        people.person_id[:] = person_id
        people.family[:] = 7  # every row's flag is written
        with_threads(threads, synthesise, key, *groups, 1.0, N_AGES, people)
        for name, values in columns.items():
            np.testing.assert_array_equal(getattr(people, name), values, err_msg=name)
        assert set(np.unique(people.skill)) == {0, 1, 2}
        assert set(np.unique(people.family)) == {0, 1}
        assert not people.family[people.origin == people.location].any()
        out = np.zeros(size, dtype=np.float32)
        with_threads(threads, fill_productivity, key, person_id, 1000, size, 0.4, out)
        np.testing.assert_array_equal(out[1000:], productivity)
        assert not out[:1000].any()


def test_uniform_array_equals_numpy_twin():
    ids = np.arange(0, 3 * SIZE, 3, dtype=np.int64)
    key = run_key(8)
    expected = ref.rng.uniform_array(key, ids, 2020, Stream.REMIT)
    for threads in THREADS:
        out = np.empty(ids.shape[0])
        with_threads(threads, uniform_array, key, ids, 2020, Stream.REMIT, out)
        np.testing.assert_array_equal(out.view(np.uint64), expected.view(np.uint64))
