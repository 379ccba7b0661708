"""The income kernels (labour supply, incomes) equal their plain-NumPy twins
(migsim.kernels.reference.income) on 1 and on 2 numba threads, on a toy-world population of
150,000 with every status, location and years abroad mixed in.

Per-person results (efficiency units, wealth) must be bit-equal. Money sums are compared
with a relative tolerance of 1e-12: the twin adds in the kernel's chunk order, but numba may
fuse a multiply and an add (its `contract` flag), which rounds once instead of twice. That
tolerance is used for the float sums only."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from benches.common import build_simulation
from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS
from migsim.kernels import income as ik
from migsim.kernels.bundles import Money, MoneyTallies, People, Work
from migsim.kernels.reference import income as ref

SIZE = 150_000
THREADS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})
SUM_RTOL = 1e-12  # float sums only, see the module docstring


def with_threads(threads: int, fn, *args):
    numba.set_num_threads(threads)
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def downgrade_wages(R, rng):
    """Immigrant wages by cell rising with education by random steps: the steps of 1.05-3
    give downgraded shares below 1 and at 1 (the discount deeper than one level); a few
    cells of 0 (no wage known) and one education step falling (no downgrading)."""
    w = rng.uniform(1e3, 2e4, (R, 1, ik.N_EXPERIENCE)) * np.cumprod(
        rng.uniform(1.05, 3.0, (R, 3, ik.N_EXPERIENCE)), axis=1
    )
    w[0, 0] = 0.0
    w[1, 2] = 0.5 * w[1, 1]
    return w


@pytest.fixture(scope="module")
def inputs():
    sim = build_simulation(SIZE, "toy", 2, migration=False)
    pop, world = sim.population, sim.world
    n, R = pop.n, world.n_regions
    rng = np.random.default_rng(2)
    people = People(*(c.copy() for c in pop.people))
    moved = rng.choice(n, size=n // 3, replace=False)
    people.location[moved] = rng.integers(0, R, size=moved.size).astype(np.uint16)
    people.status[moved] = rng.integers(0, 5, size=moved.size).astype(np.uint8)
    people.years_abroad[:n] = rng.integers(0, 40, size=n).astype(np.uint8)
    people.family[:n] = rng.integers(0, 2, size=n).astype(np.uint8)
    people.alive[rng.choice(n, size=n // 20, replace=False)] = 0
    bounds = ik.id_chunk_bounds(people.person_id, n, pop.next_id)
    B = len(AGE_BANDS)
    money = Money(
        rng.uniform(1e3, 6e4, (R, 3, ik.N_EXPERIENCE, 2)),
        rng.uniform(0.1, 0.4, R),
        0.3,
        rng.uniform(0.0, 0.3, (B, 2)),
        np.asarray(world.gdp_per_capita, dtype=np.float64),
        np.asarray(world.developed),
        np.array([0.2, 0.12]),
        0.7,
        0.03,
        0.5,
        0.6,
        rng.uniform(1e3, 5e3, R),
        rng.uniform(0.5, 1.5, (R, R)),
        rng.uniform(0.0, 0.1, (R, 2)),
        5,
        rng.uniform(0.2, 3.0, (R, R)),
        0.1,
        rng.uniform(0.0, 0.2, R),
        rng.uniform(0.0, 500.0, R),
        np.array([0.85, 0.7]),
        10.0,
        0.9,
        downgrade_wages(R, rng),
    )
    return sim.key, people, pop.weight, bounds, money, R


@pytest.mark.parametrize("kappa_years,downgrading", [(10.0, True), (10.0, False), (0.0, True)])
def test_labour_supply_equals_numpy_twin(inputs, kappa_years, downgrading):
    key, people, weight, bounds, _, R = inputs
    rng = np.random.default_rng(4)
    relative = rng.uniform(0.5, 2.0, (R, 3, ik.N_EXPERIENCE, 2))
    below = downgrade_wages(R, rng) if downgrading else np.zeros((R, 3, ik.N_EXPERIENCE))
    work = Work(
        np.linspace(0.6, 0.95, R), np.array([0.85, 0.7]), kappa_years, 0.8, 0.9, relative, below
    )
    units, supply, hist = ref.labour_supply(key, 2014, bounds, people, weight, work, R)
    m = int(bounds[-1])
    assert (units > 0).sum() > m // 4 and hist.sum() > 0
    # every education group and experience band has workers
    assert np.all(supply.sum(axis=(0, 3)) > 0)
    for threads in THREADS:
        got_units = np.full(people.alive.shape[0], -1.0, dtype=np.float32)
        out = np.zeros((ik.N_CHUNKS, R, 3, ik.N_EXPERIENCE, 2))
        got_hist = np.zeros((ik.N_CHUNKS, R, 2, 2, ik.HIST_BINS))
        with_threads(
            threads,
            ik.labour_supply,
            key,
            2014,
            bounds,
            people,
            weight,
            work,
            got_units,
            out,
            got_hist,
        )
        np.testing.assert_array_equal(got_units[:m], units)
        np.testing.assert_allclose(_sum_chunks(out), supply, rtol=SUM_RTOL)
        np.testing.assert_allclose(_sum_chunks(got_hist), hist, rtol=SUM_RTOL)


def _sum_chunks(partial):
    out = np.zeros(partial.shape[1:])
    for c in range(partial.shape[0]):
        out += partial[c]
    return out


@pytest.mark.parametrize("elapsed", [0, 3])
def test_incomes_equal_numpy_twin(inputs, elapsed):
    key, people, weight, bounds, money, R = inputs
    m = int(bounds[-1])
    units = np.random.default_rng(3).uniform(0.0, 2.0, people.alive.shape[0]).astype(np.float32)
    units[::4] = 0.0
    # as the labour supply gives them: no units outside working ages (the pass relies on it)
    units[(people.age < ik.MIN_WORK_AGE) | (people.age > ik.MAX_WORK_AGE)] = 0.0
    wealth, sums = ref.incomes(
        key, 2014, elapsed, bounds, people, AGE_BAND_OF_AGE, weight, units, money, R
    )
    assert sums["remit"].sum() > 0 and sums["levy"].sum() > 0
    B = len(AGE_BANDS)
    wealth0 = people.wealth.copy()
    for threads in THREADS:
        people.wealth[:] = wealth0
        tallies = _zero_tallies(R, B)
        with_threads(
            threads,
            ik.incomes,
            key,
            2014,
            elapsed,
            bounds,
            people,
            AGE_BAND_OF_AGE,
            weight,
            units,
            money,
            tallies,
        )
        np.testing.assert_array_equal(people.wealth[:m], wealth)
        for name, got in tallies._asdict().items():
            np.testing.assert_allclose(_sum_chunks(got), sums[name], rtol=SUM_RTOL, err_msg=name)
    people.wealth[:] = wealth0


def _zero_tallies(R: int, B: int) -> MoneyTallies:
    """Zeroed per-chunk money tallies of `incomes` for R regions and B age bands."""
    return MoneyTallies(
        np.zeros((ik.N_CHUNKS, R, 2, 2, B, 4)),
        np.zeros((ik.N_CHUNKS, R, R)),
        np.zeros((ik.N_CHUNKS, 5, 3)),
        np.zeros((ik.N_CHUNKS, R)),
    )


def test_incomes_count_cells_like_numpy(inputs):
    """With cell lanes the income pass also counts the living by cell (the index of
    `count_cells`), exactly as a NumPy count, and its money sums and wealth are the same
    bytes as without."""
    key, people, weight, bounds, money, R = inputs
    m = int(bounds[-1])
    B, S = len(AGE_BANDS), 5
    live = people.alive[:m] != 0
    cell = (people.origin[:m].astype(np.int64) * R + people.location[:m]) * 2
    cell = ((cell + (people.skill[:m] == 2)) * 2 + people.sex[:m]) * B
    cell = (cell + AGE_BAND_OF_AGE[people.age[:m]]) * S + people.status[:m]
    expected = np.bincount(cell[live], minlength=R * R * 4 * B * S)
    units = np.random.default_rng(3).uniform(0.0, 2.0, people.alive.shape[0]).astype(np.float32)
    wealth0 = people.wealth.copy()
    for threads in THREADS:
        results = []
        for lanes in (None, np.zeros((numba.config.NUMBA_NUM_THREADS, expected.size), np.int64)):
            people.wealth[:] = wealth0
            tallies = _zero_tallies(R, B)
            args = (key, 2014, 3, bounds, people, AGE_BAND_OF_AGE, weight, units, money, tallies)
            with_threads(threads, ik.incomes, *args, lanes, S)
            results.append((people.wealth[:m].copy(), tallies, lanes))
        (wealth_a, tallies_a, _), (wealth_b, tallies_b, lanes) = results
        assert lanes.sum() == live.sum()
        np.testing.assert_array_equal(lanes.sum(axis=0), expected)
        np.testing.assert_array_equal(wealth_a, wealth_b)
        for a, b in zip(tallies_a, tallies_b, strict=True):
            np.testing.assert_array_equal(a, b)
    people.wealth[:] = wealth0


def test_histogram_bins_give_the_logarithm_s_bins():
    """The labour supply bins its earnings sample from `histogram_bins`' tables instead of a
    logarithm per person: the same bin as the definition (`hist_bin`) for earnings ratios
    spread over many orders of magnitude and for the doubles at and beside every edge."""
    import numba as nb

    cells, lowest, edges = ik.histogram_bins()
    assert edges[0] == 0.0 and np.isinf(edges[-1]) and np.all(np.diff(edges) > 0)

    @nb.njit(fastmath=ik.JIT["fastmath"])
    def differing(xs, cells, lowest, edges):
        bad = 0
        for x in xs:
            if ik.hist_bin(x) != ik.hist_bin_fast(x, cells, lowest, edges):
                bad += 1
        return bad

    rng = np.random.default_rng(3)
    inner = edges[1:-1]
    xs = np.concatenate(
        [
            np.exp(rng.uniform(-12.0, 12.0, 400_000)),
            inner,
            np.nextafter(inner, 0.0),
            np.nextafter(inner, np.inf),
            [5e-324, 1e-300, 1e300, 1.7e308],
        ]
    )
    assert differing(xs, cells, lowest, edges) == 0
    # every bin is reached, and the edges are where the definition changes bin
    got = np.array([ik.hist_bin(x) for x in inner])
    assert np.array_equal(got, np.arange(1, ik.HIST_BINS))


def test_downgrading_moves_units_below_and_keeps_their_value(inputs):
    """Downgrading moves part of the abroad workers' units to the cell one education level
    below; at the wages it reads, each person's units are worth what the credential discount
    pays (kappa x the own cell's wage), and the income pass, which splits them again, pays
    them that; natives' cells do not move."""
    key, people, weight, bounds, money, R = inputs
    relative = np.ones((R, 3, ik.N_EXPERIENCE, 2))
    below = money.downgrade_wage
    args = (np.linspace(0.6, 0.95, R), np.array([0.85, 0.7]), 10.0, 0.8, 0.9, relative)
    runs = {}
    for on in (True, False):
        out = np.zeros((ik.N_CHUNKS, R, 3, ik.N_EXPERIENCE, 2))
        hist = np.zeros((ik.N_CHUNKS, R, 2, 2, ik.HIST_BINS))
        units = np.zeros(people.alive.shape[0], dtype=np.float32)
        work = Work(*args, below if on else np.zeros_like(below))
        ik.labour_supply(key, 2014, bounds, people, weight, work, units, out, hist)
        runs[on] = (_sum_chunks(out), units)
    (dg, units_dg), (plain, units_plain) = runs[True], runs[False]
    np.testing.assert_array_equal(units_dg, units_plain)  # kept as kappa-discounted units
    np.testing.assert_array_equal(dg[..., 0], plain[..., 0])
    value = (dg[..., 1] * below).sum(axis=(1, 2))
    np.testing.assert_allclose(value, (plain[..., 1] * below).sum(axis=(1, 2)), rtol=1e-9)
    # units moved down: more immigrant units in the primary cells, fewer in the tertiary
    assert dg[:, 0, :, 1].sum() > 1.02 * plain[:, 0, :, 1].sum()
    assert dg[:, 2, :, 1].sum() < 0.99 * plain[:, 2, :, 1].sum()
    # where no wage is known below (location 0's primary cells), secondary workers keep
    # their discount in their own cell
    np.testing.assert_array_equal(dg[0, 0, :, 1], plain[0, 0, :, 1])
    # paid at the wages the split read, everyone earns what the discount pays, and the
    # wage bill is each cell's units times its wage
    wages = np.repeat(below[..., None], 2, axis=-1)
    paid = {}
    for on in (True, False):
        tallies = _zero_tallies(R, len(AGE_BANDS))
        w0 = people.wealth.copy()
        m = money._replace(wages=wages, downgrade_wage=below if on else 0.0 * below)
        ik.incomes(key, 2014, 3, bounds, people, AGE_BAND_OF_AGE, weight, units_dg, m, tallies)
        people.wealth[:] = w0
        paid[on] = _sum_chunks(tallies.fiscal)[..., 0]
    np.testing.assert_allclose(paid[True], paid[False], rtol=1e-6)
    # at other wages the split's pay is the cells' wage bill: units x wages by location
    other = wages * np.random.default_rng(6).uniform(0.8, 1.2, wages.shape)
    tallies = _zero_tallies(R, len(AGE_BANDS))
    w0 = people.wealth.copy()
    m = money._replace(wages=other, downgrade_wage=below)
    ik.incomes(key, 2014, 3, bounds, people, AGE_BAND_OF_AGE, weight, units_dg, m, tallies)
    people.wealth[:] = w0
    earned = _sum_chunks(tallies.fiscal)[..., 0].sum(axis=(1, 2, 3))
    np.testing.assert_allclose(earned, (dg * other).sum(axis=(1, 2, 3)), rtol=1e-6)


def test_remitting_without_close_family_at_origin(inputs):
    """Without close family at origin (family flag 0) a person abroad remits with the
    probability times 1 - remit_family_drop; with it the drop does not apply (both passes)."""
    key, people, weight, bounds, money, R = inputs
    units = np.random.default_rng(3).uniform(0.0, 2.0, people.alive.shape[0]).astype(np.float32)
    units[(people.age < ik.MIN_WORK_AGE) | (people.age > ik.MAX_WORK_AGE)] = 0.0
    family0, wealth0 = people.family.copy(), people.wealth.copy()

    def remitted(family: int, drop: float, kernel: bool = False) -> float:
        people.family[:] = family
        people.wealth[:] = wealth0
        m = money._replace(remit_family_drop=drop)
        if kernel:
            tallies = _zero_tallies(R, len(AGE_BANDS))
            ik.incomes(key, 2014, 0, bounds, people, AGE_BAND_OF_AGE, weight, units, m, tallies)
            return float(_sum_chunks(tallies.remit).sum())
        return float(
            ref.incomes(key, 2014, 0, bounds, people, AGE_BAND_OF_AGE, weight, units, m, R)[1][
                "remit"
            ].sum()
        )

    try:
        every = remitted(0, 0.0)
        assert every > 0
        assert remitted(1, 0.6) == every and remitted(1, 0.6, kernel=True) == pytest.approx(every)
        assert remitted(0, 1.0) == 0.0 and remitted(0, 1.0, kernel=True) == 0.0
        # the same uniform draws: those who still send are those whose draw is below 0.4 p
        assert 0.3 < remitted(0, 0.6) / every < 0.5
    finally:
        people.family[:] = family0
        people.wealth[:] = wealth0
