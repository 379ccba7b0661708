"""Values no input gives, taken from the hand-typed default world (engine/data/default).

Each country carries the value of its regions12 area; an area takes the mean of its
countries' values, weighted by population (region columns), by the 2010 migrant stock
(corridor columns) or summed by population share (desired destinations). Every value made
this way is flagged `assumed:default-world` in the built world's provenance.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.core.resources import data_dir

DEFAULT_WORLD = "default"
# Region columns that no input gives: the default world's value of the regions12 area.
ASSUMED_REGION_COLUMNS = ("skill_premium", "tax_rate")
# Female share of the migrants between countries of the same regions12 area, as assumed for
# the default world's intra-regional stocks (engine/data/SOURCES.md, section 2) [A]; JPN has
# no intra-regional stock and takes the world's 0.48.
INTRA_FEMALE_SHARE = {
    "NAM": 0.48,
    "WEU": 0.50,
    "EEU": 0.57,
    "OCE": 0.51,
    "JPN": 0.48,
    "GCC": 0.45,
    "WAS": 0.44,
    "SAS": 0.48,
    "EAS": 0.50,
    "NAF": 0.45,
    "SSA": 0.465,
    "LAC": 0.51,
}


def default_dir() -> Path:
    return data_dir() / DEFAULT_WORLD


def default_regions() -> dict[str, dict]:
    """The default world's regions.csv, by region code."""
    frame = pl.read_csv(default_dir() / "regions.csv", infer_schema_length=0)
    return {row["code"]: row for row in frame.iter_rows(named=True)}


def default_corridor_shares() -> dict[tuple[str, str], tuple[float, float]]:
    """(female_share, tertiary_share) of every ordered pair of regions12 areas, diagonal too.

    Off the diagonal: the default world's corridor. On it (migrants between countries of the
    same regions12 area): the female share above and the tertiary share of all the default
    world's migrants into that area (stock-weighted) [A].
    """
    stock = pl.read_csv(default_dir() / "migrant_stock_2013.csv")
    out = {
        (o, d): (float(f), float(t))
        for o, d, f, t in stock.select(
            "origin", "destination", "female_share", "tertiary_share"
        ).iter_rows()
    }
    inflow = stock.group_by("destination").agg(
        ((pl.col("migrants") * pl.col("tertiary_share")).sum() / pl.col("migrants").sum()).alias(
            "t"
        )
    )
    for d, t in inflow.iter_rows():
        out[(d, d)] = (INTRA_FEMALE_SHARE[d], float(t))
    return out


def default_desired_shares() -> dict[str, float]:
    frame = pl.read_csv(default_dir() / "desired_destinations.csv")
    return dict(zip(frame["region"], frame["share"].cast(pl.Float64)))


def migrant_age_table() -> bytes:
    """The default world's migrant age distribution, copied unchanged [A]."""
    return (default_dir() / "migrant_age.csv").read_bytes()
