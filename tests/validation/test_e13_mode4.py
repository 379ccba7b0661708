"""E13: GATS Mode 4 temporary quotas (Walmsley & Winters 2005)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E13"))
def test_e13_mode4(verdict, key):
    assert_verdict(verdict(key))
