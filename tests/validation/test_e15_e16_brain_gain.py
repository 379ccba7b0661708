"""E15-E16: brain gain (Beine, Docquier & Rapoport 2008; Docquier)."""

import pytest

from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.parametrize("key", cases("E15-E16"))
def test_e15_e16_brain_gain(checks, key):
    assert_check(checks("E15-E16")[key])
