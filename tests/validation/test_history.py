"""HISTORY: corridor stocks 1990-2010 against a constant-growth and a gravity null."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("HISTORY"))
def test_history(verdict, key):
    assert_verdict(verdict(key))
