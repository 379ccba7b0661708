"""Price levels by region from the Penn World Table 10.01 (`engine/data/inputs/pwt`): US$ per
PPP $, the United States' being 1 in the same year.

A country's price level is PWT's `pl_gdpo` (the price level of output-side GDP, PPP over the
exchange rate) over the United States' in the PWT year nearest the world's base year. A
region's is the mean of its countries' weighted by their PPP GDP (`rgdpe`): its GDP at market
exchange rates over its GDP at PPP, the countries being those the world's mapping puts in it
(`engine/data/mappings/`, as migsim.core.world_education's). The economy converts
remittances sent from a region into US dollars at that region's level, and the validation
values GDP at market exchange rates with it (E12, E13).

A region with no PWT country (every region of a world no mapping covers, such as the toy
and twin worlds) takes the level that GDP per head predicts across the PWT countries of
that year: a least-squares line of log price level on log PPP GDP per head (the
Balassa-Samuelson relation, fitted, not assumed), counted in the second array
`price_levels` returns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import data_dir
from migsim.core.world_education import _mapping, _read_input, nearest_year

PWT = Path("inputs") / "pwt" / "pwt.csv"
REFERENCE = "USA"


def country_levels(base_year: int, pwt: pl.DataFrame | None = None) -> pl.DataFrame:
    """`iso3, rgdpe, gdp_per_capita, level`: PWT's countries with a price level in the year
    nearest `base_year`, their PPP GDP (millions of 2017 US$), PPP GDP per head and price
    level relative to the United States' of that year. `pwt`: the input's table (read from
    the shipped inputs when None)."""
    path = data_dir() / PWT
    columns = ["iso3", "year", "rgdpe", "pop", "pl_gdpo"]
    frame = (_read_input(path, columns) if pwt is None else pwt.select(columns)).drop_nulls()
    frame = frame.filter(pl.col("year") == nearest_year(frame, base_year))
    us = frame.filter(pl.col("iso3") == REFERENCE)["pl_gdpo"]
    if us.len() != 1 or not us[0] > 0:
        raise InputError(str(path), f"has no positive pl_gdpo for {REFERENCE}", "a US row a year")
    positive = (pl.col("rgdpe") > 0) & (pl.col("pop") > 0) & (pl.col("pl_gdpo") > 0)
    return frame.filter(positive).select(
        "iso3",
        "rgdpe",
        (pl.col("rgdpe") / pl.col("pop")).alias("gdp_per_capita"),
        (pl.col("pl_gdpo") / float(us[0])).alias("level"),
    )


def fitted_line(levels: pl.DataFrame) -> tuple[float, float]:
    """(intercept, slope) of log level on log GDP per head over `levels`' countries."""
    x = np.log(levels["gdp_per_capita"].to_numpy())
    y = np.log(levels["level"].to_numpy())
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept), float(slope)


def area_levels(
    mapping: pl.DataFrame, year: int, pwt: pl.DataFrame | None = None
) -> dict[str, float]:
    """area -> price level of the mapping's area in the PWT year nearest `year`: its
    countries' levels weighted by their PPP GDP; areas without a PWT country are absent."""
    return _by_area(country_levels(year, pwt), mapping)


def _by_area(levels: pl.DataFrame, mapping: pl.DataFrame) -> dict[str, float]:
    """area -> the PPP-GDP-weighted mean of `levels` (country_levels) over the mapping's
    countries in it (summed in a fixed order, so the same bits every run)."""
    rows = levels.join(mapping.select("iso3", "area"), on="iso3", how="inner")
    sums: dict[str, list[float]] = {}
    for area, rgdpe, level in (
        rows.sort("area", "iso3").select("area", "rgdpe", "level").iter_rows()
    ):
        acc = sums.setdefault(area, [0.0, 0.0])
        acc[0] += rgdpe * level
        acc[1] += rgdpe
    return {area: usd / ppp for area, (usd, ppp) in sums.items() if ppp > 0}


def price_levels(
    name: str, codes: list[str], base_year: int, gdp_per_capita: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(level[R], assumed[R]): US$ per PPP $ of each region in its base year; `assumed`
    marks the regions that take the fitted line at their `gdp_per_capita` (PPP $)."""
    levels = country_levels(base_year)  # read once: the line and the areas' means
    intercept, slope = fitted_line(levels)
    gdp = np.maximum(np.asarray(gdp_per_capita, dtype=np.float64), 1.0)
    out = np.exp(intercept + slope * np.log(gdp))
    assumed = np.ones(len(codes), dtype=bool)
    mapping = _mapping(name, codes)
    if mapping is not None:
        found = _by_area(levels, mapping)
        for r, code in enumerate(codes):
            if code in found:
                out[r], assumed[r] = found[code], False
    return out, assumed
