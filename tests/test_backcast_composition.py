"""The back-cast's 2013 composition check (Alonso's Figure 6.3): shares by development group
and their weighted log error, on small matrices whose answer is known."""

import math

import numpy as np
import pytest

from migsim.validation.experiments.backcast import (
    COMPOSITION,
    LOG_TOLERANCE,
    _composition_error,
    _shares,
)
from migsim.validation.registry import evidence, registered


def test_shares_sum_each_group_by_origin_and_destination_development():
    # areas: N1, N2 developed; S developed not. Rows origin, columns destination; the
    # diagonal is migrants between countries of one area (N1 -> N1 is North-North)
    m = np.array([[10.0, 5.0, 1.0], [3.0, 0.0, 2.0], [40.0, 20.0, 19.0]])
    s = _shares(m, [True, True, False])
    assert s[(True, True)] == pytest.approx(100 * 18 / 100)
    assert s[(True, False)] == pytest.approx(100 * 3 / 100)
    assert s[(False, True)] == pytest.approx(100 * 60 / 100)
    assert s[(False, False)] == pytest.approx(100 * 19 / 100)
    assert sum(s.values()) == pytest.approx(100)


def test_error_is_zero_at_the_published_shares_and_weighted_by_them():
    assert _composition_error(dict(COMPOSITION)) == 0.0
    # every share 10% too high on the two southern-origin groups only: their weight is 71%
    off = {g: p * (1.1 if not g[0] else 1.0) for g, p in COMPOSITION.items()}
    assert _composition_error(off) == pytest.approx(0.71 * math.log(1.1))
    assert _composition_error(off) < LOG_TOLERANCE


def test_the_composition_is_out_of_sample_and_registered():
    assert "BACKCAST:composition_2013_log_error" in registered()["BACKCAST"].quantities
    tier, _ = evidence("BACKCAST:composition_2013_log_error")
    assert tier == "out_of_sample"
    # the same figures on the default world are the calibration's own (E1)
    assert evidence("E1:corridor_S_to_S_pct")[0] == "calibrated"
