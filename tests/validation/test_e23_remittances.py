"""E23: remittances 2013 (World Bank MDB 22)."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E23"))
def test_e23_remittances(checks, key):
    assert_check(checks("E23")[key])
