"""E19: recent EEA immigrants' taxes over public spending in the UK (Dustmann & Frattini 2014),
on the 232-country world.

The shared countries run (1,000,000 agents, six years) takes about 25 s: slow."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E19"))
def test_e19_uk_eea_fiscal(verdict, key):
    assert_verdict(verdict(key))
