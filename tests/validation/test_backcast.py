"""Back-cast 1990-2013 against Alonso's (2015) Table 6.1 (2000, 2010, 2013)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("BACKCAST"))
def test_backcast(verdict, key):
    assert_verdict(verdict(key))
