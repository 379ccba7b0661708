"""The education and sex of a built world's migrants: the tertiary and female shares of every
corridor into the 20 OECD destinations of the IAB brain-drain data, from its origin's
emigration rates by education and by sex (`iab_emigration`) and its residents' education
(`barro_lee`) and sex (`wpp_population`, aged 25 and over).

The IAB rate of education e is r_e = M_e / (M_e + N_e), emigrants M_e aged 25+ in the 20
destinations over them plus the residents N_e of the same education, so M_e / N_e =
r_e / (1 - r_e). With the residents' shares s_e from Barro-Lee (low: no schooling or primary;
medium: secondary; high: tertiary) the tertiary share of the origin's emigrants is

    h = f(r_high) s_high / (f(r_low) s_low + f(r_med) s_med + f(r_high) s_high),
    f(r) = r / (1 - r),

one figure per origin and census year, the same for each of the 20 destinations (the rate
file sums over them). The female share is the same with the rates of all education levels by
sex and WPP's residents aged 25+ by sex:

    f = f(r_female) N_female / (f(r_female) N_female + f(r_male) N_male),

and the secondary share of the emigrants without a degree, the split the model's people need
below the tertiary level (primary or less, secondary), is

    m = f(r_med) s_med / (f(r_low) s_low + f(r_med) s_med).

Both describe emigrants aged 25 and over and stand for every age of the corridor's migrants.
An origin without the inputs, and every corridor into another destination, keeps the default
world's tertiary and female shares for its pair of regions (`assumed:default-world`), and the
secondary share of migsim.core.world_education's assumed selection on schooling
(`assumed:selection`): the odds of the origin's residents, `resident_secondary_shares`, times
`MIGRANT_SELECTION`.
"""

from __future__ import annotations

import polars as pl

from migsim.core.world_education import residents_without_degree
from migsim.worldbuild.inputs import Inputs

# The 20 destinations of the IAB brain-drain data (its data page; the JRC data catalogue,
# entry IABBD).
IAB_DESTINATIONS = frozenset(
    "AUS AUT CAN CHL DNK FIN FRA DEU GRC IRL LUX NLD NZL NOR PRT ESP SWE CHE GBR USA".split()
)
RATE_CAP = 0.999  # a published rate of 1 (Lesotho's high-skilled in one year) would divide by 0
SOURCES = {
    "tertiary_share": "iab_emigration+barro_lee",
    "female_share": "iab_emigration+wpp_population",
    "secondary_share": "iab_emigration+barro_lee",
}


# Barro-Lee's attainment columns the education formulas read (the input itself requires
# only the tertiary share and the adults: the regions' tables need no more)
LEVELS = ("share_no_school", "share_primary", "share_secondary", "share_tertiary")


def has_levels(inputs: Inputs) -> bool:
    """Barro-Lee is there with every attainment level (else the shares stay assumed)."""
    return inputs.has("barro_lee") and set(LEVELS) <= set(inputs["barro_lee"].columns)


def _odds(rate: pl.Expr) -> pl.Expr:
    r = rate.clip(0.0, RATE_CAP)
    return r / (1.0 - r)


def emigrants_by_education(inputs: Inputs, year: int) -> pl.DataFrame:
    """`iso3, low, med, high, pop_25plus, share_tertiary`: each origin's emigrants aged 25+
    of each level in the 20 destinations per resident aged 25+, f(r_e) s_e, in the IAB census
    year `year` (origins with both the IAB rates and Barro-Lee's residents), and its
    residents' tertiary share."""
    iab = inputs["iab_emigration"].filter((pl.col("sex") == "both") & (pl.col("year") == year))
    bl = inputs["barro_lee"].filter(pl.col("year") == year)
    return iab.join(bl, on=["iso3", "year"], how="inner").select(
        "iso3",
        (_odds(pl.col("low_rate")) * (pl.col("share_no_school") + pl.col("share_primary"))).alias(
            "low"
        ),
        (_odds(pl.col("med_rate")) * pl.col("share_secondary")).alias("med"),
        (_odds(pl.col("high_rate")) * pl.col("share_tertiary")).alias("high"),
        "pop_25plus",
        "share_tertiary",
    )


def emigrant_counts(inputs: Inputs, year: int) -> pl.DataFrame:
    """`iso3, low, med, high, pop_25plus, share_tertiary`: `emigrants_by_education` with the
    emigrants of each level in people (per resident times the residents aged 25+)."""
    return emigrants_by_education(inputs, year).with_columns(
        pl.col(e) * pl.col("pop_25plus") for e in ("low", "med", "high")
    )


def census_year(inputs: Inputs, base_year: int) -> int | None:
    """The IAB census year a world of `base_year` takes: the latest one up to it (None without
    the IAB and Barro-Lee inputs, or before the first census)."""
    if not inputs.has("iab_emigration") or not has_levels(inputs):
        return None
    iab = inputs["iab_emigration"].filter(pl.col("sex") == "both")
    years = [y for y in iab["year"].unique() if y <= base_year]
    return max(years) if years else None


def _education_shares(inputs: Inputs, year: int, share: pl.Expr) -> dict[str, float]:
    frame = (
        emigrants_by_education(inputs, year)
        .select("iso3", share.alias("x"))
        .filter(pl.col("x").is_finite())
    )
    return {iso3: float(x) for iso3, x in frame.iter_rows()}


def emigrant_tertiary_shares(inputs: Inputs, base_year: int) -> tuple[dict[str, float], int | None]:
    """({origin ISO3: tertiary share of its emigrants aged 25+ in the 20 destinations}, the
    census year used: the latest one up to `base_year`); empty without the IAB input."""
    year = census_year(inputs, base_year)
    if year is None:
        return {}, None
    h = pl.col("high") / pl.sum_horizontal("low", "med", "high")
    return _education_shares(inputs, year, h), year


def emigrant_secondary_shares(inputs: Inputs, year: int) -> dict[str, float]:
    """{origin ISO3: secondary share of its emigrants aged 25+ without a degree in the 20
    destinations} in the IAB census year `year`."""
    return _education_shares(inputs, year, pl.col("med") / pl.sum_horizontal("low", "med"))


def resident_secondary_shares(inputs: Inputs, base_year: int) -> tuple[dict[str, float], float]:
    """({ISO3: secondary share of residents aged 25+ without a degree}, the share of all
    Barro-Lee countries together) in the Barro-Lee year nearest `base_year`, as
    migsim.core.world_education computes a region's; ({}, nan) without Barro-Lee."""
    if not has_levels(inputs):
        return {}, float("nan")
    frame = residents_without_degree(inputs["barro_lee"], base_year)
    if frame.height == 0:
        return {}, float("nan")
    world = float(frame["sec"].sum() / frame["non"].sum())
    frame = frame.filter(pl.col("non") > 0)
    return {iso3: float(a / b) for iso3, a, b in frame.iter_rows()}, world


def emigrant_female_shares(inputs: Inputs, year: int) -> dict[str, float]:
    """{origin ISO3: female share of its emigrants aged 25+ in the 20 destinations} in the
    IAB census year `year` (WPP has every fifth year too); empty without the inputs."""
    if not inputs.has("iab_emigration") or not inputs.has("wpp_population"):
        return {}
    rates = (
        inputs["iab_emigration"]
        .filter((pl.col("year") == year) & pl.col("sex").is_in(["female", "male"]))
        .select("iso3", pl.col("sex").replace_strict({"female": "F", "male": "M"}), "tot_rate")
    )
    adults = (
        inputs["wpp_population"]
        .filter((pl.col("year") == year) & (pl.col("age_from") >= 25))
        .group_by("iso3", "sex")
        .agg(pl.col("population").sum())
    )
    frame = (
        rates.join(adults, on=["iso3", "sex"], how="inner")
        .with_columns((_odds(pl.col("tot_rate")) * pl.col("population")).alias("m"))
        .group_by("iso3")
        .agg(
            pl.len().alias("sexes"),
            (pl.col("m").filter(pl.col("sex") == "F").sum() / pl.col("m").sum()).alias("f"),
        )
        .filter((pl.col("sexes") == 2) & pl.col("f").is_finite())
    )
    return {iso3: float(f) for iso3, f in frame.select("iso3", "f").iter_rows()}


def measured_shares(
    inputs: Inputs, base_year: int
) -> tuple[dict[str, dict[str, float]], int | None]:
    """({"tertiary_share": {iso3: share}, "female_share": {...}, "secondary_share": {...}},
    the IAB census year) of the emigrants into the 20 destinations, for
    migsim.worldbuild.pairs.stock_tables."""
    tertiary, year = emigrant_tertiary_shares(inputs, base_year)
    if year is None:
        return {}, None
    return {
        "tertiary_share": tertiary,
        "female_share": emigrant_female_shares(inputs, year),
        "secondary_share": emigrant_secondary_shares(inputs, year),
    }, year
