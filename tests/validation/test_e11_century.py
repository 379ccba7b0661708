"""E11: a century of free migration with endogenous education (Delogu et al. 2018)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E11"))
def test_e11_century(verdict, key):
    assert_verdict(verdict(key))
