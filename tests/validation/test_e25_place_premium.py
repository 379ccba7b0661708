"""E25: the place premium (Clemens, Montenegro & Pritchett 2008)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.slow  # the whole validation, once per session
@pytest.mark.parametrize("key", cases("E25"))
def test_e25_place_premium(verdict, key):
    assert_verdict(verdict(key))
