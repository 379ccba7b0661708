"""E27: share of flows explained by diasporas (Beine, Docquier & Ozden 2011)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E27"))
def test_e27_networks(verdict, key):
    assert_verdict(verdict(key))
