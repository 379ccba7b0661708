"""E2-E5: wage effects on a calibrated two-skill US-like market (analytic)."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.parametrize("key", cases("E2-E5"))
def test_e02_e05_wages(checks, key):
    assert_check(checks("E2-E5")[key])
