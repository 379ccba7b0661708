"""Earnings percentiles from the income pass's histogram: all groups at once give, to the
bit, what `np.interp` gives group by group."""

from __future__ import annotations

import numpy as np
import polars as pl

import migsim
from migsim.kernels import income as ik
from migsim.model.earnings import PERCENTILES, earnings_percentiles


def _by_group(year, codes, hist, wages) -> pl.DataFrame:
    """The percentiles one group at a time with `np.interp` (the definition)."""
    edges = np.linspace(-ik.HIST_SPAN, ik.HIST_SPAN, ik.HIST_BINS + 1)
    rows = {k: [] for k in ("year", "region", "nativity", "skill", "people")}
    rows.update({f"p{p}": [] for p in PERCENTILES})
    for r in range(hist.shape[0]):
        for j, nat in enumerate(("native", "immigrant")):
            for s, skill in enumerate(("low", "high")):
                h = hist[r, j, s]
                total = h.sum()
                if total <= 0:
                    continue
                cdf = np.concatenate([[0.0], np.cumsum(h)]) / total
                for k, v in zip(rows, (year, codes[r], nat, skill, total)):
                    rows[k].append(v)
                for p in PERCENTILES:
                    x = np.interp(p / 100.0, cdf, edges)
                    rows[f"p{p}"].append(float(wages[r, s, j] * np.exp(x)))
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int64})


def _same_bits(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.columns == b.columns and a.height == b.height
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.int64), y.view(np.int64)), col
        else:
            assert (x == y).all(), col


def test_percentiles_equal_np_interp_per_group():
    rng = np.random.default_rng(5)
    R = 9
    hist = rng.gamma(0.3, 50.0, size=(R, 2, 2, ik.HIST_BINS))
    hist[rng.random(hist.shape) < 0.6] = 0.0  # empty bins: flat stretches of the shares
    hist[1, 0, 1] = 0.0  # an empty group is left out
    hist[2, 1, 0] = 0.0
    hist[2, 1, 0, 17] = 3.0  # one bin: every quantile inside it
    hist[3, 0, 0] = 0.0
    hist[3, 0, 0, [10, 20]] = 2.0  # the median exactly on a share (0.5): the bin edge
    hist[4] = np.round(hist[4])  # whole numbers, as a sample of equal weights gives
    wages = rng.uniform(1e3, 5e4, size=(R, 2, 2))
    codes = [f"R{r}" for r in range(R)]
    _same_bits(earnings_percentiles(2011, codes, hist, wages), _by_group(2011, codes, hist, wages))


def test_percentiles_of_a_run_equal_np_interp_per_group():
    sim = migsim.build_simulation(["population.size=60000", "progress=false", "seed=3"])
    captured = {}
    from migsim.steps import economy

    original = economy.earnings_percentiles

    def spy(year, codes, hist, wages):
        captured.update(year=year, codes=codes, hist=hist.copy(), wages=wages.copy())
        return original(year, codes, hist, wages)

    economy.earnings_percentiles = spy
    try:
        sim.step()
    finally:
        economy.earnings_percentiles = original
    c = captured
    assert c["hist"].sum() > 0
    _same_bits(
        earnings_percentiles(c["year"], c["codes"], c["hist"], c["wages"]),
        _by_group(c["year"], c["codes"], c["hist"], c["wages"]),
    )
