"""Schooling by region from Barro-Lee v2.2: the share of adults without a degree who reached
secondary school (`engine/data/inputs/barro_lee`) and the migrants' share from it, and the
tertiary share by age (`engine/data/inputs/barro_lee_ages`, `tertiary_age_profile`).

People carry three education groups (0 primary or less, 1 secondary, 2 tertiary). The worlds'
tables give the tertiary share of every region and corridor; the split of the others into
primary and secondary comes from here:

- a region's share is ``sum(pop25 * share_secondary) / sum(pop25 * (1 - share_tertiary))``
  over the countries the world's mapping puts in it (`engine/data/mappings/`), in the
  Barro-Lee year nearest the world's base year (2010 for the 2010 and 2013 worlds, 1990 for
  the 1990 ones). The mapping is the world's own (`mappings/<name>.csv`, a ``_1990`` suffix
  dropped), else the first shipped mapping whose areas hold every region code (the
  hand-typed default world's codes are regions12's areas);
- a region with no Barro-Lee country in it (and every region of a world no mapping covers,
  such as the toy worlds) takes the world's Barro-Lee aggregate of that year: assumed [A]
  and counted (the second array `secondary_shares` returns);
- migrants: a built world's `migrant_stock_2013.csv` gives each corridor's secondary share of
  migrants without a degree in a column `secondary_share`; into the 20 OECD destinations of
  the IAB brain-drain data it is the origin's emigrants' (migsim.worldbuild.skills). Every
  other corridor, and every corridor of a world without the column (the hand-typed and toy
  worlds), takes the positive selection on schooling reported for migrants to the United
  States and the OECD (Feliciano 2005, Grogger and Hanson 2011): the odds of secondary
  schooling are the origin's odds times `MIGRANT_SELECTION`, a value assumed [A], counted in
  the built worlds' provenance (`assumed:selection`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import data_dir

# Odds ratio of secondary schooling of migrants without a degree against their origin's
# non-graduates [A]: migrants are positively selected on schooling (Feliciano 2005; Grogger
# and Hanson 2011); the size of the factor is assumed, not measured by corridor.
MIGRANT_SELECTION = 1.5
BARRO_LEE = Path("inputs") / "barro_lee" / "barro_lee.csv"
BARRO_LEE_AGES = Path("inputs") / "barro_lee_ages" / "barro_lee_ages.csv"
TERTIARY_MIN_AGE = 22  # the age of graduation (as migsim.kernels.synthesis's)
COHORT_AGE = 25  # the profile's value at 25 (group 25-29) is the graduating cohort's
MAPPINGS = ("regions12", "corridors", "countries")


def _mapping(name: str, codes: list[str]) -> pl.DataFrame | None:
    root = data_dir() / "mappings"
    own = name.removesuffix("_1990")
    tried = ([own] if own in MAPPINGS else []) + [m for m in MAPPINGS if m != own]
    for candidate in tried:
        path = root / f"{candidate}.csv"
        if not path.is_file():
            continue
        frame = pl.read_csv(path, columns=["iso3", "area"])
        if set(codes) <= set(frame["area"].to_list()):
            return frame
    return None


def _read_input(path: Path, columns: list[str]) -> pl.DataFrame:
    """An input's columns, or one line naming the file and what it lacks (exit code 2)."""
    try:
        return pl.read_csv(path, columns=columns)
    except Exception as exc:  # noqa: BLE001  (a damaged or incomplete file: say so in one line)
        raise InputError(
            str(path), f"cannot be read ({type(exc).__name__})", "columns " + ", ".join(columns)
        ) from None


def nearest_year(frame: pl.DataFrame, base_year: int) -> int:
    """The year of `frame` nearest `base_year` (the earlier of two as near)."""
    years = np.array(sorted(set(frame["year"].to_list())))
    return int(years[np.argmin(np.abs(years - base_year))])


def residents_without_degree(barro_lee: pl.DataFrame, base_year: int) -> pl.DataFrame:
    """`iso3, sec, non`: each country's adults aged 25+ with secondary schooling as their
    highest level, and without a degree, in the Barro-Lee year nearest `base_year` (the
    earlier of two as near); shares as fractions, or as percentages where the input holds
    them so."""
    year = nearest_year(barro_lee, base_year)
    scale = 0.01 if (barro_lee["share_tertiary"].max() or 0.0) > 1.5 else 1.0
    frame = (
        barro_lee.select("iso3", "year", "share_secondary", "share_tertiary", "pop_25plus")
        .filter(pl.col("year") == year)
        .drop_nulls()
    )
    return frame.select(
        "iso3",
        (pl.col("pop_25plus") * pl.col("share_secondary") * scale).alias("sec"),
        (pl.col("pop_25plus") * (1.0 - pl.col("share_tertiary") * scale)).alias("non"),
    )


def secondary_shares(name: str, codes: list[str], base_year: int) -> tuple[np.ndarray, np.ndarray]:
    """(share[R], assumed[R]): secondary share among adults without a degree per region."""
    path = data_dir() / BARRO_LEE
    frame = _read_input(path, ["iso3", "year", "share_secondary", "share_tertiary", "pop_25plus"])
    frame = residents_without_degree(frame, base_year)
    world_share = float(frame["sec"].sum() / frame["non"].sum())
    share = np.full(len(codes), world_share)
    assumed = np.ones(len(codes), dtype=bool)
    mapping = _mapping(name, codes)
    if mapping is not None:
        by_area = (
            frame.join(mapping, on="iso3", how="inner")
            .group_by("area")
            .agg(pl.col("sec").sum(), pl.col("non").sum())
        )
        found = dict(zip(by_area["area"].to_list(), (by_area["sec"] / by_area["non"]).to_list()))
        for r, code in enumerate(codes):
            if code in found and np.isfinite(found[code]):
                share[r], assumed[r] = found[code], False
    return np.clip(share, 0.0, 1.0), assumed


def tertiary_age_profile(
    name: str, codes: list[str], base_year: int, pyramid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(profile[R, A], assumed[R]): each region's tertiary share at each age relative to its
    share of adults aged 25+, from Barro-Lee v2.2's five-year age groups
    (`engine/data/inputs/barro_lee_ages`) in the year nearest `base_year`, summed over the
    countries the world's mapping puts in the region (weighted by each group's population).

    Ages 22-29 take the group 25-29 (a degree is taken at 22 in the model; Barro-Lee's 20-24
    are still studying), 30-74 their own group, 75 and over the open group. The profile is
    normalised so that its mean over the ages 25+ of `pyramid` (R, A), the world's
    residents by age, is 1: the tertiary share times the profile keeps the region's share of
    adults. Ages under 22 and regions without a Barro-Lee country (every region of a world
    no mapping covers) get a flat profile of 1 (`assumed`)."""
    R, A = pyramid.shape
    profile = np.ones((R, A))
    assumed = np.ones(R, dtype=bool)
    path = data_dir() / BARRO_LEE_AGES
    mapping = _mapping(name, codes)
    if mapping is None or not path.is_file():
        return profile, assumed
    frame = _read_input(path, ["iso3", "year", "age_from", "share_tertiary", "population"])
    rows = (
        frame.filter(pl.col("year") == nearest_year(frame, base_year))
        .join(mapping, on="iso3", how="inner")
        .drop_nulls()
        .sort("area", "age_from", "iso3")  # summed in this order: the same bits every run
    )
    sums: dict[tuple[str, int], list[float]] = {}
    for area, age_from, share, population in rows.select(
        "area", "age_from", "share_tertiary", "population"
    ).iter_rows():
        acc = sums.setdefault((area, int(age_from)), [0.0, 0.0])
        acc[0] += share * population
        acc[1] += population
    shares: dict[str, dict[int, float]] = {}
    for (area, age_from), (graduates, population) in sums.items():
        if population > 0:
            shares.setdefault(area, {})[age_from] = graduates / population
    ages = np.arange(A)
    group = np.clip(5 * (ages // 5), 25, 75)  # 22-29 -> 25, 75+ -> 75
    adult = ages >= 25
    for r, code in enumerate(codes):
        found = shares.get(code)
        if not found or any(int(g) not in found for g in np.unique(group)):
            continue
        raw = np.array([found[int(g)] for g in group])
        weights = pyramid[r] * adult
        mean = float((raw * weights).sum() / weights.sum()) if weights.sum() > 0 else 0.0
        if mean <= 0.0:
            continue
        profile[r] = np.where(ages >= TERTIARY_MIN_AGE, raw / mean, 1.0)
        assumed[r] = False
    return profile, assumed


def migrant_secondary_share(origin_share: float) -> float:
    """Secondary share among migrants without a degree, from their origin's share (odds
    times `MIGRANT_SELECTION`)."""
    if origin_share >= 1.0:
        return 1.0
    odds = MIGRANT_SELECTION * origin_share / (1.0 - origin_share)
    return odds / (1.0 + odds)


def migrant_secondary_matrix(secondary: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """(R, R) secondary share of the migrants without a degree, [origin, destination]: the
    world table's where `given` has a value (NaN elsewhere), else the origin's `secondary`
    share selected upwards (`migrant_secondary_share`)."""
    selected = np.array([migrant_secondary_share(float(x)) for x in secondary])
    out = np.repeat(selected[:, None], len(selected), axis=1)
    if given is None:
        return out
    given = given.copy()
    np.fill_diagonal(given, np.nan)
    return np.where(np.isnan(given), out, given)
