"""Counter-based RNG (kernels/rng.py): kernel == NumPy oracle, distribution, independence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migsim.kernels.rng import Stream, run_key, uniform_array, uniform_reference

N_STAT = 1_000_000


def draws(key, ids, year, stream) -> np.ndarray:
    out = np.empty(ids.shape[0], dtype=np.float64)
    uniform_array(np.uint64(key), ids, year, stream, out)
    return out


@settings(max_examples=60, deadline=None)
@given(
    key=st.integers(0, 2**64 - 1),
    ids=st.lists(st.integers(0, 2**62), min_size=1, max_size=200),
    year=st.integers(0, 3000),
    stream=st.integers(0, 5000),
)
def test_kernel_matches_numpy_reference_bit_for_bit(key, ids, year, stream):
    ids = np.array(ids, dtype=np.int64)
    got = draws(key, ids, year, stream)
    want = uniform_reference(key, ids, year, stream)
    # bit-for-bit: compare the IEEE bit patterns, not values with a tolerance
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_kernel_matches_reference_on_a_large_contiguous_range():
    ids = np.arange(200_000, dtype=np.int64)
    key = run_key(7)
    got = draws(key, ids, 2020, Stream.MORTALITY)
    want = uniform_reference(int(key), ids, 2020, int(Stream.MORTALITY))
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


@pytest.fixture(scope="module")
def million():
    return draws(run_key(1), np.arange(N_STAT, dtype=np.int64), 2013, Stream.MORTALITY)


def test_uniforms_lie_in_unit_interval(million):
    assert million.min() >= 0.0
    assert million.max() < 1.0
    # 53-bit resolution: values are multiples of 2**-53
    assert np.all(million * 2.0**53 == np.floor(million * 2.0**53))


def test_mean_and_variance_of_a_million_draws(million):
    n = million.size
    # mean of U(0,1): 1/2, sampling sd sqrt(1/12 / n)
    mean_sd = np.sqrt(1.0 / 12.0 / n)
    assert abs(million.mean() - 0.5) < 5 * mean_sd
    # variance 1/12; the sd of the sample variance is sqrt(Var((U-1/2)^2) / n) with
    # Var((U-1/2)^2) = 1/80 - 1/144 = 1/180
    var_sd = np.sqrt(1.0 / 180.0 / n)
    assert abs(million.var() - 1.0 / 12.0) < 5 * var_sd


def test_deciles_are_uniform(million):
    # each tenth of [0,1) gets n/10 draws; binomial sd sqrt(n * 0.1 * 0.9)
    counts = np.histogram(million, bins=10, range=(0.0, 1.0))[0]
    sd = np.sqrt(million.size * 0.1 * 0.9)
    assert np.all(np.abs(counts - million.size / 10) < 5 * sd)


def _assert_unrelated(a: np.ndarray, b: np.ndarray) -> None:
    n = a.size
    assert not np.array_equal(a, b)
    # equal draws only by chance (2**-53 each): none expected
    assert np.count_nonzero(a == b) == 0
    # correlation of independent uniforms has sd 1/sqrt(n)
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(n)


IDS = np.arange(100_000, dtype=np.int64)


def test_different_streams_give_unrelated_draws():
    key = run_key(1)
    a = draws(key, IDS, 2014, Stream.MORTALITY)
    b = draws(key, IDS, 2014, Stream.FERTILITY)
    _assert_unrelated(a, b)


def test_different_years_give_unrelated_draws():
    key = run_key(1)
    _assert_unrelated(
        draws(key, IDS, 2014, Stream.MORTALITY), draws(key, IDS, 2015, Stream.MORTALITY)
    )


def test_different_seeds_give_unrelated_draws():
    _assert_unrelated(
        draws(run_key(1), IDS, 2014, Stream.MORTALITY),
        draws(run_key(2), IDS, 2014, Stream.MORTALITY),
    )


def test_neighbouring_ids_are_unrelated():
    key = run_key(1)
    a = draws(key, IDS, 2014, Stream.MORTALITY)
    _assert_unrelated(a[:-1], a[1:])


def test_two_streams_of_one_person_fill_the_unit_square():
    """The draws a person-year takes on two streams (one finaliser each, on seeds of the same
    run key and year) are independent: their pairs fall evenly into a 20 x 20 grid (a
    chi-square with 399 degrees of freedom, mean 399, sd 28; 5 sd allowed)."""
    key = run_key(1)
    ids = np.arange(N_STAT, dtype=np.int64)
    a = draws(key, ids, 2014, Stream.MORTALITY)
    b = draws(key, ids, 2014, Stream.MIGRATE_NEST)
    counts = np.histogram2d(a, b, bins=20, range=[[0.0, 1.0], [0.0, 1.0]])[0]
    expected = N_STAT / 400
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert abs(chi2 - 399) < 5 * np.sqrt(2 * 399), chi2


def test_same_inputs_give_same_draws():
    key = run_key(3)
    a = draws(key, IDS, 2014, Stream.RETURN)
    b = draws(key, IDS[::-1].copy(), 2014, Stream.RETURN)[::-1]
    # a draw depends on who/when/what only, not on the order people are visited
    assert np.array_equal(a, b)


def test_run_key_differs_across_seeds_and_is_stable():
    keys = [run_key(s) for s in range(2000)]
    assert len({int(k) for k in keys}) == len(keys)
    assert all(isinstance(k, np.uint64) for k in keys)
    assert run_key(12345) == run_key(12345)
    assert run_key(2**63 - 1) != run_key(2**63 - 2)


def test_streams_are_registered_once():
    values = [s.value for s in Stream]
    assert len(values) == len(set(values))


def test_the_rest_of_a_draw_decides_a_second_event_at_its_rate(million):
    """`rest_below`: one draw decides a first event of probability p and, failing it, a
    second of probability r; the second's share among those without the first is r (within
    four binomial standard errors), and the compiled and NumPy forms agree draw for draw."""
    import numba as nb

    from migsim.kernels.rng import rest_below, rest_below_reference

    u = million
    p, r = 0.3, 0.2
    rest = u >= p
    second = rest & rest_below_reference(u, p, r)
    share = second.sum() / rest.sum()
    assert abs(share - r) < 4 * np.sqrt(r * (1 - r) / rest.sum())

    @nb.njit
    def compiled(u, p, r):
        out = np.empty(u.shape[0], dtype=np.bool_)
        for i in range(u.shape[0]):
            out[i] = rest_below(u[i], p, r)
        return out

    assert np.array_equal(compiled(u, p, r), rest_below_reference(u, p, r))
