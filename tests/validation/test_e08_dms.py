"""E8: free migration, DMS closure, against Docquier-Machado-Sekkat 2015."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E8"))
def test_e08_dms(verdict, key):
    assert_verdict(verdict(key))
