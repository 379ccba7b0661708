"""Tests of migsim.model.markets against closed forms (docs/model.md §5.2, §5.5, §8.2 E4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migsim.model.markets import MarketParams, calibrate, solve, tertiary_share

ALPHA = 0.3


def _base() -> tuple[np.ndarray, np.ndarray]:
    """Three regions, two skills, natives/immigrants; efficiency units and $ wages."""
    supply = np.array(
        [
            [[100.0, 12.0], [40.0, 6.0]],
            [[300.0, 5.0], [50.0, 1.0]],
            [[80.0, 30.0], [60.0, 25.0]],
        ]
    )
    wages = np.array(
        [
            [[30_000.0, 24_000.0], [60_000.0, 55_000.0]],
            [[4_000.0, 3_000.0], [9_000.0, 8_000.0]],
            [[40_000.0, 33_000.0], [75_000.0, 70_000.0]],
        ]
    )
    return supply, wages


def _avg_log_change(w0: np.ndarray, w1: np.ndarray, supply0: np.ndarray) -> float:
    """Base-year wage-bill-weighted mean of d ln w over all cells and regions."""
    bill = w0 * supply0
    return float(np.sum(bill * np.log(w1 / w0)) / np.sum(bill))


def _avg_wage_ratio(w0, w1, s0, s1) -> float:
    """Ratio of the average wage per efficiency unit (labour income / units), all regions."""
    return float((np.sum(w1 * s1) / np.sum(s1)) / (np.sum(w0 * s0) / np.sum(s0)))


# ---------------------------------------------------------------- E4 / §2.2 (a), (b)


@pytest.mark.parametrize("sigma_n", [20.0, math.inf])
def test_uniform_ten_percent_short_and_long_run(sigma_n: float) -> None:
    supply, wages = _base()
    p_short = MarketParams(sigma_n=sigma_n, closure="short_run")
    state = calibrate(supply, wages, ALPHA, p_short)
    new = 1.1 * supply

    short = solve(state, new, p_short)
    d_log = _avg_log_change(wages, short.wages, supply)
    level = _avg_wage_ratio(wages, short.wages, supply, new) - 1.0
    assert d_log == pytest.approx(-ALPHA * math.log(1.1), abs=1e-9)  # -2.859 %
    assert level == pytest.approx(1.1**-ALPHA - 1.0, abs=1e-9)  # -2.819 %
    assert -0.033 <= level <= -0.027  # published check: "-3 %" (Card), +-0.3 point
    # every single wage falls by the same factor
    np.testing.assert_allclose(short.wages / wages, 1.1**-ALPHA, rtol=1e-12)

    p_long = MarketParams(sigma_n=sigma_n, closure="long_run")
    long = solve(state, new, p_long)
    assert _avg_log_change(wages, long.wages, supply) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(long.wages, wages, rtol=1e-9)
    np.testing.assert_allclose(long.capital, 1.1 * state.capital, rtol=1e-12)

    # partial adjustment: K moves 20 % of the way from K0 to 1.1 K0 -> K = 1.02 K0
    p_part = MarketParams(sigma_n=sigma_n, closure="partial", adjustment_speed=0.2)
    part = solve(state, new, p_part)
    np.testing.assert_allclose(part.capital, 1.02 * state.capital, rtol=1e-12)
    np.testing.assert_allclose(part.wages / wages, (1.02 / 1.1) ** ALPHA, rtol=1e-12)


def test_uniform_eleven_percent_borjas_aggregate() -> None:
    supply, wages = _base()
    params = MarketParams(closure="short_run")
    state = calibrate(supply, wages, ALPHA, params)
    new = 1.11 * supply
    out = solve(state, new, params)
    level = _avg_wage_ratio(wages, out.wages, supply, new) - 1.0
    assert level == pytest.approx(1.11**-ALPHA - 1.0, abs=1e-9)  # -3.082 %
    assert -0.033 <= level <= -0.028  # Borjas (2003) aggregate -3.2 %
    assert _avg_log_change(wages, out.wages, supply) == pytest.approx(
        -ALPHA * math.log(1.11), abs=1e-9
    )  # -3.131 log points


# ---------------------------------------------------------------- §2.2 (c) composition


def test_composition_case_c() -> None:
    # one region; s_H = 0.5: bill_L = 2 * 1 = 2 = bill_H = 1 * 2
    supply = np.array([[[1.5, 0.5], [0.8, 0.2]]])
    wages = np.array([[[1.0, 1.0], [2.0, 2.0]]])
    supply[0, 0] *= 2.0 / supply[0, 0].sum()  # L_L = 2
    supply[0, 1] *= 1.0 / supply[0, 1].sum()  # L_H = 1
    params = MarketParams(sigma_q=2.0, sigma_n=math.inf, closure="long_run")
    state = calibrate(supply, wages, ALPHA, params)
    theta_m = state.theta_nativity[0, :, 1]
    # immigration only: raise the (linear) skill indices by exp(0.04) (L) and exp(0.10) (H)
    new = supply.copy()
    new[0, 0, 1] += (math.exp(0.04) - 1.0) * 2.0 / theta_m[0]
    new[0, 1, 1] += (math.exp(0.10) - 1.0) * 1.0 / theta_m[1]
    out = solve(state, new, params)
    d_ln = np.log(out.wages / wages)[0]
    # perfect substitutes: natives and immigrants of a skill move together
    np.testing.assert_allclose(d_ln[:, 0], d_ln[:, 1], atol=1e-12)
    d_l, d_h = d_ln[0, 0], d_ln[1, 0]
    assert d_l > 0.0 > d_h
    assert abs(d_l - 0.015) < 0.001 and abs(d_h + 0.015) < 0.001  # first order +-1.5 %
    # exact CES: d ln Lagg = 2 ln(0.5 e^{0.02} + 0.5 e^{0.05}); d ln w_e = (d ln Lagg - x_e)/2
    d_lagg = 2.0 * math.log(0.5 * math.exp(0.02) + 0.5 * math.exp(0.05))
    assert d_l == pytest.approx((d_lagg - 0.04) / 2.0, abs=1e-9)  # +1.511 %
    assert d_h == pytest.approx((d_lagg - 0.10) / 2.0, abs=1e-9)  # -1.489 %


# ---------------------------------------------------------------- Ottaviano-Peri direction


def test_imperfect_substitution_previous_immigrants_hurt_most() -> None:
    supply, wages = _base()
    params = MarketParams(sigma_n=20.0, closure="long_run")
    state = calibrate(supply, wages, ALPHA, params)
    new = supply.copy()
    new[:, 0, 1] *= 1.5  # +50 % non-tertiary immigrants everywhere
    d_ln = np.log(solve(state, new, params).wages / wages)
    assert np.all(d_ln[:, 0, 1] < d_ln[:, 0, 0])  # immigrants lose more than natives
    assert np.all(d_ln[:, 0, 0] < 0.0)  # natives of that skill lose a little
    assert np.all(d_ln[:, 1, :] > 0.0)  # the complementary skill gains
    # exact: ln(w_M/w_N) = ln(theta_M/theta_N) - (1/sigma_n) ln(M/N)
    np.testing.assert_allclose(d_ln[:, 0, 1] - d_ln[:, 0, 0], -math.log(1.5) / 20.0, atol=1e-12)


# ---------------------------------------------------------------- calibration round trip

_cells = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=15, deadline=None)
@given(
    n_regions=st.integers(1, 4),
    n_skills=st.integers(2, 3),
    sigma_q=st.sampled_from([1.5, 2.0, math.inf]),
    sigma_n=st.sampled_from([3.0, 20.0, math.inf]),
    closure=st.sampled_from(["short_run", "long_run", "partial"]),
    seed=st.integers(0, 2**32 - 1),
    scale=_cells,
)
def test_calibration_round_trip(n_regions, n_skills, sigma_q, sigma_n, closure, seed, scale):
    rng = np.random.default_rng(seed)
    shape = (n_regions, n_skills, 2)
    supply = scale * rng.uniform(0.01, 100.0, shape)
    wages = rng.uniform(100.0, 100_000.0, shape)
    alpha = rng.uniform(0.2, 0.45, n_regions)
    params = MarketParams(sigma_q=sigma_q, sigma_n=sigma_n, closure=closure)
    state = calibrate(supply, wages, alpha, params)
    out = solve(state, supply, params)
    np.testing.assert_allclose(out.wages, wages, rtol=1e-9)
    np.testing.assert_allclose(out.capital, state.capital, rtol=1e-12)
    np.testing.assert_allclose(out.labour_income, (wages * supply).sum(axis=(1, 2)), rtol=1e-9)
    np.testing.assert_allclose(out.gdp, out.labour_income + out.capital_income, rtol=1e-12)
    np.testing.assert_allclose(out.capital_income, state.rental_rate * state.capital, rtol=1e-9)
    # Euler also off the base point
    moved = solve(state, supply * rng.uniform(0.5, 2.0, shape), params)
    np.testing.assert_allclose(moved.gdp, moved.labour_income + moved.capital_income, rtol=1e-12)


def test_empty_cells_round_trip_and_finite() -> None:
    supply, wages = _base()
    supply[1, 1, 1] = 0.0  # no tertiary immigrants in region 1
    supply[2, 1, :] = 0.0  # no tertiary workers at all in region 2
    for sigma_n in (20.0, math.inf):
        params = MarketParams(sigma_n=sigma_n, closure="short_run")
        state = calibrate(supply, wages, ALPHA, params)
        out = solve(state, supply, params)
        assert np.all(np.isfinite(out.wages))
        np.testing.assert_allclose(out.wages, wages, rtol=1e-9)
        np.testing.assert_allclose(out.gdp, out.labour_income + out.capital_income, rtol=1e-12)


def test_empty_cell_wage_rule() -> None:
    supply, wages = _base()
    later = supply.copy()
    later[0, 1, 1] = 0.0  # tertiary immigrants leave region 0
    # sigma_n = inf: empty-cell wage = theta_M * dY/dL_e, so w_M / w_N = theta_M / theta_N
    p_inf = MarketParams(sigma_n=math.inf)
    s_inf = calibrate(supply, wages, ALPHA, p_inf)
    w = solve(s_inf, later, p_inf).wages
    th = s_inf.theta_nativity
    assert w[0, 1, 1] / w[0, 1, 0] == pytest.approx(th[0, 1, 1] / th[0, 1, 0], rel=1e-12)
    # sigma_n = 20: evaluated at an entry supply of 1e-3 of the skill group (finite)
    p20 = MarketParams(sigma_n=20.0)
    s20 = calibrate(supply, wages, ALPHA, p20)
    w = solve(s20, later, p20).wages
    th = s20.theta_nativity
    assert np.all(np.isfinite(w))
    expected = th[0, 1, 1] / th[0, 1, 0] * 1e-3 ** (-1.0 / 20.0)
    assert w[0, 1, 1] / w[0, 1, 0] == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- homogeneity, externality


def test_constant_returns_short_run() -> None:
    supply, wages = _base()
    params = MarketParams(closure="short_run")
    state = calibrate(supply, wages, ALPHA, params)
    new = supply * np.array([1.0, 1.3, 0.7])[:, None, None]
    one = solve(state, new, params)
    two = solve(state, 2.0 * new, params, previous_capital=2.0 * state.capital)
    np.testing.assert_allclose(two.wages, one.wages, rtol=1e-12)
    np.testing.assert_allclose(two.gdp, 2.0 * one.gdp, rtol=1e-12)


def test_externality_raises_tfp_by_power() -> None:
    supply, wages = _base()
    params = MarketParams(closure="long_run", externality=0.12)
    state = calibrate(supply, wages, ALPHA, params)
    h0 = tertiary_share(supply)
    new = supply.copy()
    new[:, 1, :] *= 1.5  # more tertiary workers
    h1 = tertiary_share(new)
    out = solve(state, new, params)
    np.testing.assert_allclose(out.tfp / state.tfp, (h1 / h0) ** 0.12, rtol=1e-12)
    assert np.all(out.tfp > state.tfp)
    # region 0: h 46/158 -> 69/181, TFP +3.28 %
    assert out.tfp[0] / state.tfp[0] == pytest.approx((69.0 / 181.0 * 158.0 / 46.0) ** 0.12)
    # base-year supply reproduces base TFP; gamma = 0 switches it off
    assert np.allclose(solve(state, supply, params).tfp, state.tfp, rtol=1e-12)
    off = MarketParams(closure="long_run")
    np.testing.assert_allclose(solve(state, new, off).tfp, state.tfp, rtol=0)


# ---------------------------------------------------------------- input errors


def test_negative_supply_names_region() -> None:
    supply, wages = _base()
    params = MarketParams()
    state = calibrate(supply, wages, ALPHA, params)
    bad = supply.copy()
    bad[2, 1, 0] = -1.0
    with pytest.raises(ValueError, match=r"region 2, skill 1"):
        solve(state, bad, params)
    with pytest.raises(ValueError, match=r"region 2"):
        calibrate(bad, wages, ALPHA, params)


def test_invalid_params_rejected() -> None:
    with pytest.raises(ValueError, match="sigma_q"):
        MarketParams(sigma_q=1.0)
    with pytest.raises(ValueError, match="closure"):
        MarketParams(closure="medium_run")
    with pytest.raises(ValueError, match="adjustment_speed"):
        MarketParams(adjustment_speed=1.5)
