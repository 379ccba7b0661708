"""The migration kernels equal their plain-NumPy twins (migsim.kernels.reference.migration)
exactly, on 1 and on 2 numba threads. Inputs are captured from the migration step of a
toy-world simulation (the bundles MigrationStep.run builds), then people are put in every
branch; 150,000 people make 64 chunks of more than one 1,024-row sub-block each."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from benches.common import build_simulation, capture_decide_args
from migsim.kernels import applicants as ka
from migsim.kernels import migration as mk
from migsim.kernels import quiet
from migsim.kernels.bundles import move_tallies
from migsim.kernels.reference import migration as ref
from migsim.people.moves import MoveCounts

SIZE = 150_000
THREADS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def with_threads(threads: int, fn, *args):
    numba.set_num_threads(threads)
    try:
        return fn(*args)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


@pytest.fixture(scope="module")
def sims():
    return {}


def _inputs(sims, seed: int, scramble: bool):
    """(sim, args) with args = (key, year, n, people, cells, levers); the people are the
    simulation's own (restore them with `_restore`)."""
    if seed not in sims:
        sims[seed] = build_simulation(SIZE, "toy", seed)
    sim = sims[seed]
    key, year, n, people, cells, levers, _ = capture_decide_args(sim)
    if scramble:
        rng = np.random.default_rng(seed)
        abroad = np.flatnonzero(people.location[:n] != people.origin[:n])
        pick = rng.choice(abroad, size=abroad.size // 2, replace=False)
        people.status[pick] = rng.choice([1, 2, 3], size=pick.size).astype(np.uint8)
        people.visa_years_left[pick] = rng.integers(0, 3, size=pick.size).astype(np.uint8)
        people.family[abroad] = rng.integers(0, 2, size=abroad.size).astype(np.uint8)
        people.wealth[:n] *= rng.uniform(0.0, 2.0, size=n).astype(np.float32)
        people.alive[rng.choice(n, size=n // 20, replace=False)] = 0
        R = levers.accept.shape[0]
        accept = np.ones((R, 2))
        accept[rng.choice(R, size=max(1, R // 2), replace=False)] = 0.5
        levers = levers._replace(
            accept=accept,  # quota lottery
            hazard=np.full_like(levers.hazard, 0.3),  # plenty of returns
            onward_share=0.4,  # plenty of onward moves
            temporary_share=np.full_like(levers.temporary_share, 0.3),
            irregular_share=np.full_like(levers.irregular_share, 0.2),
            family_left=np.full_like(levers.family_left, 0.5),
            family_reunify=np.full_like(levers.family_reunify, 0.3),
            family_return=1.8,
        )
    return sim, (key, year, n, people, cells, levers)


def _saved(people, n):
    return {k: getattr(people, k)[:n].copy() for k in ref.WRITTEN}


def _restore(people, saved):
    for k, v in saved.items():
        getattr(people, k)[: v.shape[0]] = v


def _assert_columns(people, n, expected):
    for name in ref.WRITTEN:
        got = getattr(people, name)[:n]
        assert got.dtype == expected[name].dtype, name
        np.testing.assert_array_equal(got, expected[name], err_msg=name)


@pytest.mark.parametrize("seed,scramble", [(1, False), (2, True)])
def test_decide_equals_numpy_twin(sims, seed, scramble):
    sim, (key, year, n, people, cells, levers) = _inputs(sims, seed, scramble)
    saved = _saved(people, n)
    new, moves, blocked, intra = ref.decide(key, year, n, people, cells, levers)
    assert moves.sum() > 0 and moves[:, :, :, :].trace(axis1=0, axis2=2).sum() > 0  # returns
    if scramble:
        assert blocked.sum() > 0 and intra.sum() > 0
    # families left behind at a move, joined abroad, and reset by a return
    was = saved["family"].astype(bool)
    assert (new["family"].astype(bool) & ~was).any() and (~new["family"].astype(bool) & was).any()
    for threads in THREADS:
        _restore(people, saved)
        tallies = move_tallies(mk.N_CHUNKS, levers.accept.shape[0], n)
        with_threads(threads, mk.decide, key, year, n, people, cells, levers, tallies)
        _assert_columns(people, n, new)
        np.testing.assert_array_equal(MoveCounts.from_tallies(tallies).dense(), moves)
        np.testing.assert_array_equal(tallies.blocked.sum(axis=0), blocked)
        np.testing.assert_array_equal(tallies.intra.sum(axis=0), intra)
    _restore(people, saved)


@pytest.mark.parametrize("extreme", [False, True])
def test_rows_the_mask_skips_do_nothing(sims, extreme):
    """`busy_rows` (with vector draws, the rows decided one by one) leaves out only rows the
    NumPy twin leaves unchanged, also where a cell's probabilities are 0 or 1 or a
    within-region rate is large; and it does leave most people at home out."""
    from migsim.kernels.rng import Stream, uniform_reference

    sim, (key, year, n, people, cells, levers) = _inputs(sims, 2, True)
    if extreme:
        rng = np.random.default_rng(7)
        p = cells.p_move.copy()
        p[rng.choice(p.size, size=p.size // 3, replace=False)] = 0.0
        p[rng.choice(p.size, size=p.size // 10, replace=False)] = 1.0
        cells = cells._replace(p_move=p)
        levers = levers._replace(
            intra_rate=rng.uniform(0.0, 1.0, size=levers.intra_rate.shape),
            intra_return=rng.choice([0.0, 0.5, 1.0], size=levers.intra_return.shape),
        )
    saved = _saved(people, n)
    new = ref.decide(key, year, n, people, cells, levers)[0]
    _restore(people, saved)
    thresholds = quiet.quiet_thresholds(cells, levers)
    u = uniform_reference(key, people.person_id[:n], year, int(Stream.MIGRATE_NEST))
    skipped = np.zeros(n, dtype=bool)
    columns = [getattr(people, k) for k in quiet.BUSY_COLUMNS]
    flat, n_ages = thresholds.reshape(-1), thresholds.shape[2]
    for i0 in range(0, n - n % 64, 64):
        busy = quiet.busy_rows(i0, 64, u, i0, *columns, flat, n_ages, mk.INTRA_REGIONAL)
        busy = int(busy)
        skipped[i0 : i0 + 64] = [(busy >> k) & 1 == 0 for k in range(64)]
    changed = np.zeros(n, dtype=bool)
    for name in ref.WRITTEN:
        changed |= new[name] != saved[name]
    assert not (changed & skipped).any()
    home = (people.location[:n] == people.origin[:n]) & (people.alive[:n] == 1)
    if not extreme:
        assert skipped[home].mean() > 0.9


@numba.njit
def _term(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    if age == 40:
        return np.nan
    return params[0] * (skill - 0.5) + params[1] * np.log(productivity)


def _term_numpy(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    shift = params[0] * (skill - 0.5) + params[1] * np.log(productivity)
    return np.where(age == 40, np.nan, shift)


def test_decide_with_term_equals_numpy_twin(sims):
    sim, (key, year, n, people, cells, levers) = _inputs(sims, 3, True)
    saved = _saved(people, n)
    params = np.array([1.5, -0.7])
    new, moves, blocked, intra, invalid = ref.decide_with_term(
        key, year, n, people, cells, levers, _term_numpy, params
    )
    assert invalid > 0
    for threads in THREADS:
        _restore(people, saved)
        tallies = move_tallies(mk.N_CHUNKS, levers.accept.shape[0], n)
        bad = np.zeros(mk.N_CHUNKS, dtype=np.int64)
        with_threads(
            threads,
            mk.decide_with_term,
            key,
            year,
            n,
            people,
            cells,
            levers,
            _term,
            params,
            tallies,
            bad,
        )
        _assert_columns(people, n, new)
        np.testing.assert_array_equal(MoveCounts.from_tallies(tallies).dense(), moves)
        np.testing.assert_array_equal(tallies.blocked.sum(axis=0), blocked)
        np.testing.assert_array_equal(tallies.intra.sum(axis=0), intra)
        assert bad.sum() == invalid
    _restore(people, saved)


def test_count_applicants_equals_numpy_twin(sims):
    sim, (key, year, n, people, cells, levers) = _inputs(sims, 2, True)
    R = levers.accept.shape[0]
    expected = ref.count_applicants(key, year, n, people, cells, levers, R)
    assert expected.sum() > 0
    for threads in THREADS:
        out = move_tallies(mk.N_CHUNKS, R, n)
        with_threads(threads, ka.count_applicants, key, year, n, people, cells, levers, out)
        got = MoveCounts.from_tallies(out).by("origin", "destination", "skill")
        np.testing.assert_array_equal(got, expected)


def test_expected_applicants_equals_numpy_twin(sims):
    sim, (key, year, n, people, cells, levers) = _inputs(sims, 2, True)
    R = levers.accept.shape[0]
    weight = sim.weight
    expected = ref.expected_applicants(key, year, n, people, cells, levers, weight)
    assert (expected > 0).sum() > R  # several destinations and both skills
    for threads in THREADS:
        out = np.zeros((mk.N_CHUNKS, R, 2), dtype=np.int64)
        with_threads(
            threads, ka.expected_applicants, key, year, n, people, cells, levers, weight, out
        )
        np.testing.assert_array_equal(out.sum(axis=0), expected)


def test_expected_applicants_are_the_mean_of_the_drawn_ones(sims):
    """The lottery's odds divide the quota by the expected applicants: they are the mean of
    the applicants `count_applicants` draws (over independent years of draws) within 4
    standard errors, in people by destination and skill."""
    sim, (key, year, n, people, cells, levers) = _inputs(sims, 2, True)
    R = levers.accept.shape[0]
    weight = sim.weight
    out = np.zeros((mk.N_CHUNKS, R, 2), dtype=np.int64)
    ka.expected_applicants(key, year, n, people, cells, levers, weight, out)
    mean_people = out.sum(axis=0) / float(2**ka.EXPECTED_SCALE_BITS)
    draws = []
    for k in range(200):  # the draws of moving and of the destination differ by year
        tallies = move_tallies(mk.N_CHUNKS, R, n)
        ka.count_applicants(key, year + 1000 + k, n, people, cells, levers, tallies)
        counts = MoveCounts.from_tallies(tallies).by("origin", "destination", "skill")
        draws.append((counts * weight[:, None, None]).sum(axis=0))
    draws = np.array(draws)
    se = draws.std(axis=0) / np.sqrt(len(draws))
    big = mean_people > 5 * weight.max()  # cells of more than 5 agents' worth
    assert big.sum() >= 3, mean_people / weight.max()
    z = (draws.mean(axis=0) - mean_people)[big] / se[big]
    assert np.abs(z).max() < 4.0, z


def test_catch_up_equals_numpy_twin(sims):
    sim, (key, year, n, people, cells, levers) = _inputs(sims, 2, True)
    rng = np.random.default_rng(5)
    R = levers.accept.shape[0]
    q_move = rng.uniform(0.0, 0.3, cells.p_move.shape)
    q_move[::7] = 0.0
    dest = rng.uniform(size=cells.dest_cdf.shape)
    cdf = np.cumsum(dest / dest.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    catch = cells._replace(p_move=q_move, dest_cdf=np.ascontiguousarray(cdf))
    saved = _saved(people, n)
    new, moves = ref.catch_up(key, year, n, people, catch, levers)
    assert moves.sum() > 0
    assert (new["family"] > saved["family"]).any()  # movers leave family at origin
    for threads in THREADS:
        _restore(people, saved)
        out = move_tallies(mk.N_CHUNKS, R, n)
        with_threads(threads, mk.catch_up, key, year, n, people, catch, levers, out)
        _assert_columns(people, n, new)
        np.testing.assert_array_equal(MoveCounts.from_tallies(out).dense(), moves)
    _restore(people, saved)
