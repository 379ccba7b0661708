"""E18 by destination: five-year exit rates of an arrival cohort in NLD, DEU, FRA and
the US (OECD 2008), on the 232-country world.

The shared countries run (1,000,000 agents, six years) takes about 25 s: slow."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E18-dest"))
def test_e18_exits_by_destination(verdict, key):
    assert_verdict(verdict(key))
