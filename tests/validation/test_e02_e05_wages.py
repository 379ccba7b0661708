"""E2-E5: wage effects on a calibrated two-skill US-like market (analytic)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.slow  # the whole validation, once per session
@pytest.mark.parametrize("key", cases("E2-E5"))
def test_e02_e05_wages(verdict, key):
    assert_verdict(verdict(key))
