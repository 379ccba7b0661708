"""E9-E10: frictionless free migration against 67-172% and Kennan 2013."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E9-E10"))
def test_e09_e10_frictionless(verdict, key):
    assert_verdict(verdict(key))
