"""E15-E16: brain gain (Beine, Docquier & Rapoport 2008; Docquier), and E15 by country on the
232-country world."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.slow  # the whole validation, once per session
@pytest.mark.parametrize("key", cases("E15-E16"))
def test_e15_e16_brain_gain(verdict, key):
    assert_verdict(verdict(key))


@pytest.mark.slow  # the whole validation, once per session
@pytest.mark.parametrize("key", cases("E15-countries"))
def test_e15_brain_gain_by_country(verdict, key):
    assert_verdict(verdict(key))
