"""E1: the 2013 base year against UN DESA 2013 (Table 6.1)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E1"))
def test_e01_base_year(verdict, key):
    assert_verdict(verdict(key))
