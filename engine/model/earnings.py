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
    Frattini & Preston 2013).

    All groups at once: each quantile is `np.interp` of the group's cumulative shares,
    written out as `np.interp` computes it (the last bin edge whose share is at most the
    quantile, then the same slope and sum), so the figures are its bits exactly."""
    R = hist.shape[0]
    edges = np.linspace(-ik.HIST_SPAN, ik.HIST_SPAN, ik.HIST_BINS + 1)
    h = np.ascontiguousarray(hist, dtype=np.float64).reshape(R * 4, -1)  # [r, j, s] groups
    total = h.sum(axis=1)
    kept = np.flatnonzero(total > 0)
    h, total = h[kept], total[kept]
    cdf = np.empty((kept.size, h.shape[1] + 1))
    cdf[:, 0] = 0.0
    np.cumsum(h, axis=1, out=cdf[:, 1:])
    cdf /= total[:, None]
    r, j, s = np.unravel_index(kept, (R, 2, 2))
    rows = {
        "year": np.full(kept.size, year, dtype=np.int64),
        "region": np.asarray(codes, dtype=object)[r].tolist() if kept.size else [],
        "nativity": np.array(["native", "immigrant"], dtype=object)[j].tolist(),
        "skill": np.array(["low", "high"], dtype=object)[s].tolist(),
        "people": total,
    }
    wage = wages[r, s, j]
    last = cdf.shape[1] - 1
    for p in PERCENTILES:
        x = p / 100.0
        # np.interp's index: the last point at most x (the cumulative shares do not fall)
        at = np.minimum((cdf <= x).sum(axis=1) - 1, last)
        at = np.maximum(at, 0)
        lo = cdf[np.arange(kept.size), at]
        inner = at < last
        nxt = np.minimum(at + 1, last)
        hi = cdf[np.arange(kept.size), nxt]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (edges[nxt] - edges[at]) / (hi - lo)
            value = slope * (x - lo) + edges[at]
        value = np.where(inner & (lo != x), value, edges[at])
        below = x < cdf[:, 0]
        above = x > cdf[:, last]
        value = np.where(below, edges[0], np.where(above, edges[-1], value))
        rows[f"p{p}"] = wage * np.exp(value)
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int64})
