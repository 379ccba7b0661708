"""Earnings percentiles of the employed, from the income pass's histogram of log
efficiency units and the cell wages."""

from __future__ import annotations

import numpy as np
import polars as pl

from migsim.kernels import income as ik

PERCENTILES = (10, 25, 50, 75, 90)


def earnings_percentiles(
    year: int, codes: list[str], hist: np.ndarray, wages: np.ndarray
) -> pl.DataFrame:
    """Annual earnings percentiles of the employed (PPP $) by region, nativity and skill:
    the cell's wage per efficiency unit (wages (R, 2, 2) [region, skill, nativity]) times
    the quantiles of the year's histogram of log efficiency units (interpolated within bins
    of 0.025 log points), so within-group wage distributions can be compared (Dustmann,
    Frattini & Preston 2013)."""
    R = hist.shape[0]
    edges = np.linspace(-ik.HIST_SPAN, ik.HIST_SPAN, ik.HIST_BINS + 1)
    rows = {"year": [], "region": [], "nativity": [], "skill": [], "people": []}
    for p in PERCENTILES:
        rows[f"p{p}"] = []
    for r in range(R):
        for j, nat in enumerate(("native", "immigrant")):
            for s, skill in enumerate(("low", "high")):
                h = hist[r, j, s]
                total = h.sum()
                if total <= 0:
                    continue
                cdf = np.concatenate([[0.0], np.cumsum(h)]) / total
                rows["year"].append(year)
                rows["region"].append(codes[r])
                rows["nativity"].append(nat)
                rows["skill"].append(skill)
                rows["people"].append(total)
                for p in PERCENTILES:
                    x = np.interp(p / 100.0, cdf, edges)
                    rows[f"p{p}"].append(float(wages[r, s, j] * np.exp(x)))
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int64})
