"""E12: Alonso's (2015) Table 6.2 experiment (World Bank GEP 2006)."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E12"))
def test_e12_gep2006(checks, key):
    assert_check(checks("E12")[key])
