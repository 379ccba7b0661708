"""The four-level labour market (migsim.model.nested_market): education classes, education
groups, experience bands and nativity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from migsim.model import nested_market as nm

ALPHA = 0.3


def _market(seed=1, shape=(3, 3, 4, 2)):
    rng = np.random.default_rng(seed)
    supply = rng.uniform(0.1, 2.0, shape)
    wages = rng.uniform(1.0, 3.0, shape)
    return supply, wages


@pytest.mark.parametrize("closure", ["short_run", "long_run", "partial"])
def test_calibration_reproduces_base_wages_and_euler_holds(closure):
    supply, wages = _market()
    supply[0, 2, 3, 1] = 0.0  # an empty cell
    supply[1, 0, :, 1] = 0.0  # an empty nativity nest of a whole education group
    params = nm.NestedParams(closure=closure)
    state = nm.calibrate(supply, wages, ALPHA, params)
    out = nm.solve(state, supply, params)
    np.testing.assert_allclose(out.wages, wages, rtol=1e-12)
    np.testing.assert_allclose(out.gdp, out.labour_income + out.capital_income, rtol=1e-12)


def test_uniform_inflow_short_and_long_run():
    supply, wages = _market(2)
    for closure, expected in (("short_run", 1.1**-ALPHA - 1.0), ("long_run", 0.0)):
        params = nm.NestedParams(closure=closure)
        state = nm.calibrate(supply, wages, ALPHA, params)
        out = nm.solve(state, supply * 1.1, params)
        # constant returns: every wage moves by the same factor
        np.testing.assert_allclose(out.wages / wages - 1.0, expected, atol=1e-12)


def test_an_inflow_into_one_cell_hurts_it_most_and_its_close_substitutes_next():
    supply, wages = _market(3, (1, 3, 4, 2))
    params = nm.NestedParams(closure="long_run")
    state = nm.calibrate(supply, wages, ALPHA, params)
    new = supply.copy()
    new[0, 0, 1, 1] *= 2.0  # immigrants, primary, second experience band
    d = nm.solve(state, new, params).wages[0] / wages[0] - 1.0
    assert d[0, 1, 1] == d.min() < 0
    # natives of the same cell lose less than those immigrants (sigma_n), more than the
    # other experience bands of primary (sigma_x), which lose more than tertiary gains
    assert d[0, 1, 1] < d[0, 1, 0] < d[0, 0, 0] and d[0, 2, 0] < d[0, 0, 0] + 1e-12
    assert d[2].min() > 0  # tertiary workers complement primary ones
    # with perfect substitutes within the cell, natives and immigrants move together
    flat = nm.NestedParams(closure="long_run", sigma_n=math.inf)
    state = nm.calibrate(supply, wages, ALPHA, flat)
    d = nm.solve(state, new, flat).wages[0] / wages[0] - 1.0
    assert d[0, 1, 1] == pytest.approx(d[0, 1, 0], abs=1e-12)


def test_class_wages_keep_each_class_wage_bill():
    supply, wages = _market(4)
    classes = nm.class_wages(wages, supply)
    for c, cells in ((0, [0, 1]), (1, [2])):
        bill = (wages[:, cells] * supply[:, cells]).sum(axis=(1, 2))
        units = supply[:, cells].sum(axis=(1, 2))
        np.testing.assert_allclose(classes[:, c] * units, bill, rtol=1e-12)
    groups = nm.education_wages(wages, supply)
    np.testing.assert_allclose(
        (groups * supply.sum(axis=2)).sum(axis=1), (wages * supply).sum(axis=(1, 2)), rtol=1e-12
    )


def test_base_cell_wages_average_to_the_class_wage():
    supply, _ = _market(5)
    class_wage = np.array([[10.0, 20.0], [5.0, 12.0], [30.0, 50.0]])
    cells = nm.base_cell_wages(class_wage, supply)
    for c, group in ((0, [0, 1]), (1, [2])):
        bill = (cells[:, group] * supply[:, group]).sum(axis=(1, 2, 3))
        units = supply[:, group].sum(axis=(1, 2, 3))
        np.testing.assert_allclose(bill / units, class_wage[:, c], rtol=1e-12)
    # secondary earns the premium over primary, experience raises wages (a concave profile)
    np.testing.assert_allclose(cells[:, 1] / cells[:, 0], nm.SECONDARY_PREMIUM, rtol=1e-12)
    assert np.all(np.diff(cells[:, :, :, 0], axis=2) > 0)
