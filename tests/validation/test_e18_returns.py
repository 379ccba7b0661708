"""E18: five-year exit rate of an arrival cohort (OECD 2008)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E18"))
def test_e18_returns(verdict, key):
    assert_verdict(verdict(key))
