"""E7: UK wages along the native distribution after 1997-2005 immigration, on the country
world's people and market (Dustmann, Frattini & Preston 2013)."""

import pytest

from migsim.validation.experiments.e07_dfp import uk_stock_change
from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.slow  # the whole validation, once per session
@pytest.mark.parametrize("key", cases("E7"))
def test_e07_dfp(verdict, key):
    assert_verdict(verdict(key))


def test_the_uk_inflow_is_the_1995_2005_stock_change():
    # the UK's foreign-born stock rose by well over a million between 1995 and 2005
    assert 1e6 < uk_stock_change(["GBR"]) < 5e6
