"""Columns of a world's CSV tables, the ranges their values must satisfy, and the reading of a
bilateral table into a matrix."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from migsim.core.errors import InputError

# The year the tables describe unless the world directory says otherwise in base_year.txt
# (a world derived for another year, such as the 1990 back-cast world).
TABLE_YEAR = 2013
# the mapping a built world was built with (migsim.worldbuild.mapping): the world's countries,
# not one of its tables (no calibration depends on it)
MAPPING_FILE = "mapping.csv"


def hash_tables(digest: Any, world_path: Path) -> None:
    """Feed `digest` the world's tables: each CSV file's name and bytes, by name, less
    MAPPING_FILE (what the stored calibration's key and a checkpoint's world data hash)."""
    for path in sorted(p for p in Path(world_path).glob("*.csv") if p.name != MAPPING_FILE):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())


def tables_hash(world_path: Path) -> str:
    """16 hex digits of the SHA-256 of the world's tables (`hash_tables`)."""
    digest = hashlib.sha256()
    hash_tables(digest, world_path)
    return digest.hexdigest()[:16]


REGION_COLUMNS = {
    "code": pl.String,
    "name": pl.String,
    "un_area": pl.String,
    "developed": pl.Boolean,
    "population": pl.Float64,
    "share_0_14": pl.Float64,
    "share_65plus": pl.Float64,
    "female_share": pl.Float64,
    "life_expectancy_female": pl.Float64,
    "life_expectancy_male": pl.Float64,
    "total_fertility": pl.Float64,
    "gdp_per_capita_ppp": pl.Float64,
    "tertiary_share": pl.Float64,
    "skill_premium": pl.Float64,
    "labour_share": pl.Float64,
    "tax_rate": pl.Float64,
    "employment_rate": pl.Float64,
    "remittance_inflow_usd_bn": pl.Float64,
    "remittance_fee": pl.Float64,
    "bloc": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
}
STOCK_COLUMNS = {
    "origin": pl.String,
    "destination": pl.String,
    "migrants": pl.Float64,
    "female_share": pl.Float64,
    "tertiary_share": pl.Float64,
}
BILATERAL_COLUMNS = {
    "origin": pl.String,
    "destination": pl.String,
    "distance_km": pl.Float64,
    "contiguous": pl.Int64,
    "common_language": pl.Int64,
    "colonial_link": pl.Int64,
}
INTRA_COLUMNS = {"region": pl.String, "migrants": pl.Float64}
MIGRANT_AGE_COLUMNS = {"age_from": pl.Int64, "age_to": pl.Int64, "share": pl.Float64}
DESIRED_COLUMNS = {"region": pl.String, "share": pl.Float64}
HISTORY_COLUMNS = {"un_area": pl.String, "year": pl.Int64, "migrants": pl.Float64}

# Ranges that every value of a region column must satisfy (inclusive).
REGION_RANGES = {
    "population": (1.0, 2e10),
    "share_0_14": (0.0, 0.6),
    "share_65plus": (0.0, 0.5),
    "female_share": (0.2, 0.7),
    "life_expectancy_female": (30.0, 95.0),
    "life_expectancy_male": (30.0, 95.0),
    "total_fertility": (0.5, 9.0),
    "gdp_per_capita_ppp": (100.0, 500_000.0),
    "tertiary_share": (0.0, 1.0),
    "skill_premium": (1.0, 10.0),
    "labour_share": (0.2, 0.95),
    "tax_rate": (0.0, 0.8),
    "employment_rate": (0.1, 1.0),
    "remittance_inflow_usd_bn": (0.0, 1e4),
    "remittance_fee": (0.0, 0.5),
    "latitude": (-90.0, 90.0),
    "longitude": (-180.0, 180.0),
}


def square_table(
    frame: pl.DataFrame, path: Path, codes: list[str], column: str, fill: float
) -> np.ndarray:
    """(R, R) matrix of a table's `column` by (origin, destination), `fill` where the table has
    no row and 0 on the diagonal; refuses duplicate pairs, unknown codes and self-pairs."""
    index = {c: i for i, c in enumerate(codes)}
    matrix = np.full((len(codes), len(codes)), fill, dtype=np.float64)
    dup = frame.select("origin", "destination").is_duplicated()
    if dup.any():
        o, d = frame["origin"][int(dup.arg_max())], frame["destination"][int(dup.arg_max())]
        raise InputError(str(path), f"pair {o}->{d} has two rows", "one row per ordered pair")
    for o, d, v in zip(frame["origin"], frame["destination"], frame[column]):
        if o not in index or d not in index:
            unknown = o if o not in index else d
            raise InputError(str(path), f"unknown region code '{unknown}'", ", ".join(codes))
        if o == d:
            raise InputError(
                str(path), f"row {o}->{d} pairs a region with itself", "pairs of distinct regions"
            )
        matrix[index[o], index[d]] = v
    np.fill_diagonal(matrix, 0.0)
    return matrix


def read_history(path: Path, read_table) -> pl.DataFrame | None:
    """stock_history.csv (None when the world has none), read with `read_table` and
    checked: years 1900-2100 and counts of migrants from 0 to 2e10."""
    if not path.is_file():
        return None
    history = read_table(path, HISTORY_COLUMNS)
    bad = history.filter(
        ~pl.col("migrants").is_between(0.0, 2e10)
        | pl.col("migrants").is_nan()
        | ~pl.col("year").is_between(1900, 2100)
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise InputError(
            str(path),
            f"row {r['un_area']} {r['year']}: {r['migrants']} migrants",
            "years 1900 to 2100 and counts from 0 to 2e10",
        )
    return history
