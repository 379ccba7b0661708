"""HISTORY-backtest: the history fitted on 1990-2000, its 2005 corridor stocks against a
constant-growth and a gravity null."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("HISTORY-backtest"))
def test_history_backtest(verdict, key):
    assert_verdict(verdict(key))
