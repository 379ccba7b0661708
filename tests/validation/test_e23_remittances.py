"""E23: remittances 2013 (World Bank MDB 22)."""

import pytest

from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("key", cases("E23"))
def test_e23_remittances(verdict, key):
    assert_verdict(verdict(key))


def test_split_error_is_the_inflow_weighted_mean_log_ratio():
    import math

    from migsim.validation.experiments.e23_remittances import split_error

    observed = {"A": 30.0, "B": 10.0}
    assert split_error({"A": 30.0, "B": 10.0}, observed) == 0.0
    # B at twice its inflow, A exact: a quarter of the weight at ln 2
    assert split_error({"A": 30.0, "B": 20.0}, observed) == pytest.approx(math.log(2) / 4)
    # over- and under-shooting count alike; a region sent nothing is far off, not skipped
    assert split_error({"A": 15.0, "B": 10.0}, observed) == pytest.approx(0.75 * math.log(2))
    assert split_error({"A": 30.0}, observed) > 3.0
