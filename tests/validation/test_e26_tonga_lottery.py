"""E26: the income gain of Tongan movers to New Zealand (McKenzie, Gibson & Stillman 2010),
on the 232-country world.

The shared countries run (1,000,000 agents, six years) takes about 25 s: slow."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E26"))
def test_e26_tonga_lottery(verdict, key):
    assert_verdict(verdict(key))
