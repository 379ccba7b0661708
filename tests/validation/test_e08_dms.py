"""E8: free migration, DMS closure, against Docquier-Machado-Sekkat 2015."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E8"))
def test_e08_dms(checks, key):
    assert_check(checks("E8")[key])
