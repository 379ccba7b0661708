"""Bilateral stocks by corridor over time: the observed UN matrix aggregated to a world's
areas, a run's simulated corridor stocks, the two naive nulls of a history run and the
errors that compare them.

Arrays are (R, R) by origin and destination area (the diagonal, migrants between countries
of one area, is left out: zero). Stocks are people.

Nulls, both anchored at the base year's observed corridor stock S_od(t0):
- constant growth: S_od(t) = S_od(t0) (S_od(t1) / S_od(t0))^((t - t0) / (t1 - t0)), each
  corridor's own growth fitted on t0..t1 (it reproduces t1 exactly);
- gravity: OLS on the base year's cross-section, log S_od = b0 + b1 log P_o + b2 log P_d +
  b3 log y_o + b4 log y_d + b5 log dist_od + b6 contiguous_od + b7 common_language_od, then
  S_od(t) = S_od(t0) exp(b1 dlog P_o + b2 dlog P_d + b3 dlog y_o + b4 dlog y_d) with the
  observed populations P and incomes y of year t (the base-year residual, which carries
  every time-invariant term, is kept, so the null moves only through the fitted
  elasticities).
"""

from __future__ import annotations

import numpy as np
import polars as pl

# a corridor's stock below one person counts as one in the log error
FLOOR = 1.0


def observed_stocks(
    stock: pl.DataFrame, mapping: pl.DataFrame, codes: list[str], years, within: bool = False
) -> dict[int, np.ndarray]:
    """{year: (R, R)} the UN matrix's stocks summed over the countries of each area pair
    (country pairs inside one area left out, or with `within` summed on the diagonal: the
    stock between distinct countries of the area)."""
    area = dict(zip(mapping["iso3"].str.to_uppercase(), mapping["area"]))
    index = {c: i for i, c in enumerate(codes)}
    frame = (
        stock.filter(pl.col("year").is_in(list(years)))
        .with_columns(
            a=pl.col("origin").replace_strict(area, default=None),
            b=pl.col("destination").replace_strict(area, default=None),
        )
        .drop_nulls(["a", "b"])
        .filter(
            (pl.col("a") != pl.col("b")) | (within & (pl.col("origin") != pl.col("destination")))
        )
        .group_by("year", "a", "b")
        .agg(pl.col("stock").sum())
        .sort("year", "a", "b")
    )
    out = {int(y): np.zeros((len(codes), len(codes))) for y in years}
    for y, a, b, s in frame.iter_rows():
        out[int(y)][index[a], index[b]] = float(s or 0.0)
    return out


def simulated_stocks(
    stocks: pl.DataFrame, codes: list[str], years, within: bool = False
) -> dict[int, np.ndarray]:
    """{year: (R, R)} people by region of birth and of residence in a run's stocks table
    (with `within`, the migrants between countries of one region on the diagonal, as
    `observed_stocks`)."""
    index = {c: i for i, c in enumerate(codes)}
    moved = (pl.col("origin") != pl.col("location")) | (
        within & (pl.col("status") == "intra_regional")
    )
    frame = (
        stocks.filter(pl.col("year").is_in(list(years)) & moved)
        .group_by("year", "origin", "location")
        .agg(pl.col("people").sum())
        .sort("year", "origin", "location")
    )
    out = {int(y): np.zeros((len(codes), len(codes))) for y in years}
    for y, o, d, p in frame.iter_rows():
        out[int(y)][index[o], index[d]] = float(p)
    return out


def constant_growth_null(s0: np.ndarray, s1: np.ndarray, t0: int, t1: int, t: int) -> np.ndarray:
    """Each corridor's stock grown at its own constant rate of t0..t1 to year t (a corridor
    empty in either year keeps its t0 stock)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((s0 > 0) & (s1 > 0), s1 / s0, 1.0)
    return s0 * ratio ** ((t - t0) / (t1 - t0))


def gravity_design(
    population: np.ndarray, income: np.ndarray, distance: np.ndarray, ties: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The regressors (R*R - R rows: off-diagonal pairs in row-major order) and the mask of
    those pairs: constant, log P_o, log P_d, log y_o, log y_d, log distance, then ties."""
    R = population.size
    off = ~np.eye(R, dtype=bool)
    lp, ly = np.log(population), np.log(income)
    columns = [
        np.ones((R, R)),
        np.repeat(lp[:, None], R, 1),
        np.repeat(lp[None, :], R, 0),
        np.repeat(ly[:, None], R, 1),
        np.repeat(ly[None, :], R, 0),
        np.log(np.maximum(distance, 1.0)),
        *ties,
    ]
    return np.stack([c[off] for c in columns], axis=1), off


def fit_gravity(s0: np.ndarray, population, income, distance, ties) -> tuple[np.ndarray, float]:
    """OLS coefficients of log S_od on the gravity regressors over the pairs with a positive
    stock (least squares; a tie that never varies gets a zero coefficient), and the R^2."""
    x, off = gravity_design(population, income, distance, ties)
    y = s0[off]
    keep = y > 0
    beta, *_ = np.linalg.lstsq(x[keep], np.log(y[keep]), rcond=None)
    resid = np.log(y[keep]) - x[keep] @ beta
    total = np.log(y[keep]) - np.log(y[keep]).mean()
    return beta, float(1.0 - (resid @ resid) / (total @ total))


def gravity_null(
    s0: np.ndarray,
    beta: np.ndarray,
    population0: np.ndarray,
    income0: np.ndarray,
    population: np.ndarray,
    income: np.ndarray,
) -> np.ndarray:
    """The base-year stocks moved by the fitted elasticities of populations and incomes from
    the base year to year t."""
    dp, dy = np.log(population / population0), np.log(income / income0)
    shift = beta[1] * dp[:, None] + beta[2] * dp[None, :] + beta[3] * dy[:, None]
    shift = shift + beta[4] * dy[None, :]
    out = s0 * np.exp(shift)
    np.fill_diagonal(out, 0.0)
    return out


def weighted_log_error(estimate: np.ndarray, observed: np.ndarray, weight: np.ndarray) -> float:
    """sum_od w_od |log(X_od / S_od)| / sum w over the corridors with positive weight (stocks
    below FLOOR count as FLOOR)."""
    mask = weight > 0
    gap = np.abs(np.log(np.maximum(estimate, FLOOR) / np.maximum(observed, FLOOR)))
    return float((weight[mask] * gap[mask]).sum() / weight[mask].sum())


def mape(estimate: np.ndarray, observed: np.ndarray) -> float:
    """Mean absolute percentage error over the corridors with a positive observed stock."""
    mask = observed > 0
    return float(100.0 * np.mean(np.abs(estimate[mask] - observed[mask]) / observed[mask]))
