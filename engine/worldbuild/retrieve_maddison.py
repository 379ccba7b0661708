"""Cut the Maddison Project Database 2020 (as published in Our World in Data's datasets
repository, country names only) into the tidy `maddison` input: GDP per capita in 2011
international $, 1990-2019, keyed by ISO3.

It is the third source of a country's GDP per head when a world is built, after the Penn
World Table and the World Bank's WDI (migsim.worldbuild.countries): North Korea, Cuba and
Puerto Rico have neither, and without it they took their UN subregion's mean (North Korea
East Asia's, about seven times its Maddison figure rescaled to PWT's prices in 2010).

    python -m migsim.worldbuild.retrieve maddison RAW.csv [COUNTRIES.csv]

(COUNTRIES.csv: the names to match, by default the committed `countries` input.)
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.worldbuild.retrieve_common import INPUTS, _write

# Maddison's (OWID's) country names that are not a WPP 2019 location name, with their ISO3.
NAME_TO_ISO3 = {
    "Bolivia": "BOL",
    "Cape Verde": "CPV",
    "Cote d'Ivoire": "CIV",
    "Democratic Republic of Congo": "COD",
    "Hong Kong": "HKG",
    "Iran": "IRN",
    "Laos": "LAO",
    "Moldova": "MDA",
    "North Korea": "PRK",
    "Palestine": "PSE",
    "Russia": "RUS",
    "South Korea": "KOR",
    "Syria": "SYR",
    "Taiwan": "TWN",
    "Tanzania": "TZA",
    "United States": "USA",
    "Venezuela": "VEN",
    "Vietnam": "VNM",
}
# Entities that are not a country today (aggregates and dissolved states): left out.
NOT_COUNTRIES = {
    "Czechoslovakia",
    "East Asia",
    "Eastern Europe",
    "Former USSR",
    "Former Yugoslavia",
    "Latin America",
    "Middle East",
    "South and South-East Asia",
    "Sub-Sahara Africa",
    "Western Europe",
    "Western Offshoots",
    "World",
}
FIRST_YEAR, LAST_YEAR = 1990, 2019


def maddison(
    mpd_file: Path | str,
    country_file: Path | str = INPUTS / "countries" / "countries.csv",
    out_dir: Path | str = INPUTS,
) -> Path:
    """Maddison Project Database 2020, `Entity,Year,GDP per capita,Population,GDP` (OWID's
    layout), to `iso3,year,gdp_per_capita` (2011 international $) for 1990-2019. Names are
    matched to the `countries` input's WPP names, else through NAME_TO_ISO3; an entity that
    is neither matched nor in NOT_COUNTRIES stops the cut (a later vintage must not lose a
    country silently)."""
    raw = pl.read_csv(mpd_file, infer_schema_length=0)
    names = pl.read_csv(country_file, infer_schema_length=0).select("iso3", "name")
    by_name = {n.lower(): c for c, n in names.iter_rows()}
    codes = {}
    for entity in raw["Entity"].unique().sort():
        if entity in NOT_COUNTRIES:
            continue
        iso3 = NAME_TO_ISO3.get(entity) or by_name.get(entity.lower())
        if iso3 is None:
            raise InputError(
                str(mpd_file),
                f"entity {entity!r} matches no country name",
                "a WPP 2019 name, an entry of NAME_TO_ISO3 or of NOT_COUNTRIES",
            )
        codes[entity] = iso3
    frame = (
        raw.filter(pl.col("Entity").is_in(list(codes)))
        .select(
            pl.col("Entity").replace_strict(codes).alias("iso3"),
            pl.col("Year").cast(pl.Int64).alias("year"),
            pl.col("GDP per capita").cast(pl.Float64).round(2).alias("gdp_per_capita"),
        )
        .filter(pl.col("year").is_between(FIRST_YEAR, LAST_YEAR))
        .drop_nulls("gdp_per_capita")
        .sort("iso3", "year")
    )
    if frame.select(pl.struct("iso3", "year").is_duplicated().any()).item():
        raise InputError(str(mpd_file), "two entities map to one country", "one row per year")
    return _write(frame, "maddison", out_dir)
