"""E25: the place premium (Clemens, Montenegro & Pritchett 2008)."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.parametrize("key", cases("E25"))
def test_e25_place_premium(checks, key):
    assert_check(checks("E25")[key])
