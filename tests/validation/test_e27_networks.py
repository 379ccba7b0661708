"""E27: share of flows explained by diasporas (Beine, Docquier & Ozden 2011)."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E27"))
def test_e27_networks(checks, key):
    assert_check(checks("E27")[key])
