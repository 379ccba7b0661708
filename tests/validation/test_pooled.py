"""Checks that are error measures of noisy simulated arrays are decided on the seeds' pooled
arrays (`migsim.validation.checks.Pooled`): the measure of the mean arrays, with the
jackknife's Monte Carlo error, not the mean of each seed's measure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from migsim.validation.checks import Check, Pooled, pooled_figure
from migsim.validation.report import to_frame

TRUTH = np.array([100.0, 50.0, 20.0, 10.0, 5.0])
OBSERVED = TRUTH * np.array([1.05, 0.97, 1.0, 1.02, 0.99])  # the model's expected error


def log_error(stocks: np.ndarray) -> float:
    return float(np.sum(OBSERVED * np.abs(np.log(stocks / OBSERVED))) / OBSERVED.sum())


def seed_stocks(seed: int, noise: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return TRUTH * np.exp(noise * rng.standard_normal(TRUTH.size))


def check(stocks: np.ndarray, null: float) -> Check:
    figure = log_error(stocks)
    return Check(
        "HISTORY", "e", "T", "V", 0.0, 0.0, figure, 0.0, math.inf, "", "", null,
        Pooled((stocks,), log_error),
    )  # fmt: skip


def test_a_linear_measure_pools_to_the_mean_with_the_mean_s_standard_error():
    parts = [np.array([1.0, 2.0]), np.array([2.0, 5.0]), np.array([4.0, 4.0])]
    pools = [Pooled((p,), lambda x: float(x.sum())) for p in parts]
    figure, se = pooled_figure(pools)
    sums = [p.sum() for p in parts]
    assert figure == pytest.approx(np.mean(sums))
    assert se == pytest.approx(np.std(sums, ddof=1) / math.sqrt(len(sums)))
    assert math.isnan(pooled_figure(pools[:1])[1])


def test_pooling_removes_most_of_the_noise_an_absolute_error_adds():
    """Noisy stocks around a model whose expected error is about 0.03: each seed's error is
    inflated by the noise, the error of the nine seeds' mean stocks is close to the model's."""
    expected = log_error(TRUTH)
    seeds = [seed_stocks(s, noise=0.03) for s in range(9)]
    frame = to_frame([[check(s, null=0.05)] for s in seeds])
    row = frame.row(0, named=True)
    each = [log_error(s) for s in seeds]
    assert row["simulated_seeds"] == pytest.approx(each)
    assert row["simulated"] == pytest.approx(log_error(np.mean(seeds, axis=0)))
    assert abs(row["simulated"] - expected) < 0.5 * abs(np.mean(each) - expected)
    assert 0 < row["mc_error"] < row["simulated_sd"]
    # the jackknife: each seed left out in turn
    loo = [log_error(np.mean(seeds[:i] + seeds[i + 1 :], axis=0)) for i in range(9)]
    assert row["mc_error"] == pytest.approx(math.sqrt(8 / 9 * np.sum((loo - np.mean(loo)) ** 2)))


def test_a_pooled_figure_within_its_error_of_the_null_s_is_undecided():
    seeds = [seed_stocks(s, noise=0.03) for s in range(9)]
    pooled = log_error(np.mean(seeds, axis=0))
    frame = to_frame([[check(s, null=pooled + 1e-4)] for s in seeds])
    assert frame["status"][0] == "undecided"
    # the same seeds against a null far behind: decided, a pass
    frame = to_frame([[check(s, null=pooled + 0.05)] for s in seeds])
    assert frame["status"][0] in ("pass", "unexpected pass")
    # a miss's measured gap names the pooled figure and each seed's mean
    frame = to_frame([[check(s, null=pooled - 0.05)] for s in seeds])
    assert frame["status"][0] == "FAIL"
