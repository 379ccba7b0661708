"""E20-E21: immigrants' fiscal position (OECD 2013) and NPV by arrival age (NRC 1997)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E20-E21"))
def test_e20_e21_fiscal(verdict, key):
    assert_verdict(verdict(key))
