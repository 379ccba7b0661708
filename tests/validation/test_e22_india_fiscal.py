"""E22: India's net fiscal loss from its emigrants in the US, every Indian-born US resident as
Desai, Kapur, McHale & Rogers (2009) count them, on the 232-country world.

The shared countries run (1,000,000 agents, six years) takes about 25 s: slow."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E22"))
def test_e22_india_fiscal(verdict, key):
    assert_verdict(verdict(key))
