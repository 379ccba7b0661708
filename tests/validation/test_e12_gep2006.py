"""E12: Alonso's (2015) Table 6.2 experiment (World Bank GEP 2006)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E12"))
def test_e12_gep2006(verdict, key):
    assert_verdict(verdict(key))


# Table 6.2's total change (private and public) of each group's real income
GROUPS = {
    "E12:natives_high_income_income_per_capita_pct": 0.36,
    "E12:earlier_migrants_income_per_capita_pct": -6.02,
    "E12:natives_developing_income_per_capita_pct": 0.86,
}


@pytest.mark.parametrize("key", sorted(GROUPS))
def test_e12_welfare_groups_are_tables_points_not_their_signs(checks, key):
    """Table 6.2 publishes each group's change: the check is that point's band ([C],
    +-25%), not a one-sided bound that any gain (or loss) would pass; the total column, as the
    model's private plus public income."""
    check = checks("E12")[key]
    value = GROUPS[key]
    assert check.flag == "C"
    assert check.published_low == check.published_high == value
    lo, hi = sorted((0.75 * value, 1.25 * value))
    assert check.accept_low == pytest.approx(lo) and check.accept_high == pytest.approx(hi)
