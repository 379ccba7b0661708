"""The shipped projection scenario of each world: WPP medium-variant fertility, life
expectancy and population, and GDP per capita from the Penn World Table then a stated
growth assumption, aggregated to the world's regions by its mapping.

Every path is anchored at the world's own base-year value, so a run starts where its world
is: a level (GDP per capita, population) is the world's value times the region aggregate's
growth since the base year; a rate (fertility, life expectancy) is the world's value plus
the aggregate's change. Aggregates weight countries by population (fertility and life
expectancy by total population, not by women or births: an approximation, stated).

Years and sources:
- GDP per capita: PWT 10.01 `rgdpe / pop` (chained PPP, one vintage) to 2019, the last
  year of the table; after 2019 every region grows by GROWTH_AFTER_DATA a year, an assumed
  value [A] (flagged in the file; no published scenario set by country is among the inputs);
  an area with no PWT country follows the growth of its WDI series, else its Maddison
  series (the world's base-year fallbacks), to the series' last year and then the same
  assumed rate, and an area with no GDP series grows at that rate from the base year;
- population, total fertility, life expectancy: WPP 2019 estimates to 2020 and the medium
  variant for 2030, 2040 and 2050 (population is a check, never forced on the demography).

The education of new cohorts (`cohort_tertiary_share`) is the world's base-year cohort share
(`World.cohort_tertiary_share`) plus
the change since the base year of Barro-Lee v2.2's tertiary share of people aged 25-29
(weighted by their number), every five years to 2010, the last year of the source: it
enters the histories; a projection from 2013 has no observed years for it and keeps the
base year's share.

Price levels (`price_level`, US$ per PPP $ with the USA's at 1 in the same year): PWT's
observed GDP price levels of the area's countries every year to the table's last, weighted
by PPP GDP (`migsim.core.world_prices.area_levels`), anchored at the world's base-year level;
after the last observed year the path holds (no exchange-rate projection is assumed). An
area with no PWT country keeps its base-year level.

No migrant stock or flow enters a projection.

A history (`history_<world>.csv`, for a world built at an earlier base year) is the same
construction over the observed years only, from the base year to HISTORY_LAST: GDP per
capita from the PWT every year, WPP estimates every five years; nothing assumed. It runs to
2015, the first WPP estimate year after the back-cast's last year (2013), so that the
years 2011-2013 lie between observed values rather than on the last one held.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.world import World, load_world
from migsim.core.world_education import COHORT_AGE
from migsim.core.world_prices import area_levels
from migsim.scenarios.paths import VARIABLES, base_values
from migsim.worldbuild.countries import GDP_FALLBACKS
from migsim.worldbuild.inputs import Inputs
from migsim.worldbuild.mapping import MAPPING_FILE, built_mapping, mapping_path

GROWTH_AFTER_DATA = 0.02  # GDP per capita growth a year after the PWT's last year [A]
LAST_YEAR = 2050
# world -> the mapping its regions come from (the hand-typed default world has regions12's
# codes, so its projection aggregates by that mapping, anchored at its 2013 values)
WORLD_MAPPINGS = {
    "default": "regions12",
    "regions12": "regions12",
    "corridors": "corridors",
    "countries": "countries",
}
# history world -> its mapping; a history runs to HISTORY_LAST (observed years only): the
# HISTORY experiment reads it to 2010, the back-cast to 2013 (WPP's next estimate is 2015)
HISTORY_WORLDS = {
    "regions12_1990": "regions12",
    "regions12_1990_2000": "regions12",  # its history fitted on 1990-2000 only (a backtest)
    "corridors_1990": "corridors",
}
HISTORY_LAST = 2015
HISTORY_HEADER = """\
# The history scenario of world '{world}' (base year {base}) to {last}, built by
# `migsim world projection` from engine/data/inputs (wpp_totals, wpp_vital, pwt,
# barro_lee_ages: see their provenance.json) aggregated by the mapping '{mapping}':
# observed values only (PWT GDP per capita and GDP price levels every year, WPP 2019
# estimates every five years, Barro-Lee v2.2's tertiary share of people aged 25-29 every five
# years to 2010 as cohort_tertiary_share), anchored at the world's base-year values;
# {rows} rows, none assumed. population is for comparison, never forced.
"""
HEADER = """\
# The projection scenario of world '{world}' (base year {base}), built by
# `migsim world projection` from engine/data/inputs (wpp_totals, wpp_vital, pwt: see their
# provenance.json) aggregated by the mapping '{mapping}'. Paths are anchored at the world's
# base-year values. gdp_per_capita after {pwt_last}: {growth:.1%} a year, an ASSUMED value
# [A], {assumed} of {rows} rows. price_level: PWT's observed levels to {pwt_last}, held after.
# population is a projection to compare with, never forced.
"""
# added to HEADER when some areas have no PWT country
GAPS_NOTE = """\
# gdp_per_capita of the areas without a PWT country ({gaps}): those with a World Bank WDI or
# Maddison series ({series}; wdi_gdp_per_capita, maddison) follow its growth to its last
# year, then {growth:.1%} a year (assumed); those with none ({bare}) grow {growth:.1%} a
# year from the base year (assumed).
"""
HISTORY_GAPS_NOTE = """\
# gdp_per_capita of the areas without a PWT country ({gaps}): those with a World Bank WDI or
# Maddison series ({series}; wdi_gdp_per_capita, maddison) follow it over the observed
# years; those with none ({bare}) keep their base-year value.
"""


def _aggregate(frame: pl.DataFrame, mapping: pl.DataFrame, value: str, weight: str | None):
    """(area, year) -> the mapped countries' sum (weight None) or weighted mean of `value`."""
    f = frame.join(mapping.select("iso3", "area"), on="iso3", how="inner").drop_nulls(value)
    if weight is None:
        return f.group_by("area", "year").agg(pl.col(value).sum())
    f = f.drop_nulls(weight)
    return f.group_by("area", "year").agg(
        ((pl.col(value) * pl.col(weight)).sum() / pl.col(weight).sum()).alias(value)
    )


def _series(frame: pl.DataFrame, value: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """area -> (years, values) sorted by year."""
    out = {}
    for area, part in frame.group_by("area"):
        part = part.sort("year")
        out[area[0]] = (part["year"].to_numpy().astype(float), part[value].to_numpy())
    return out


def projection_rows(
    world: World, mapping: pl.DataFrame, inputs: Inputs, base: int, last: int | None = None
) -> list:
    """Rows (year, region, variable, value, assumed) of the world's projection after `base`,
    to `last` with observed values only when given (a history)."""
    pop = inputs["wpp_totals"]
    vital = inputs["wpp_vital"].with_columns(
        ((pl.col("life_expectancy_female") + pl.col("life_expectancy_male")) / 2).alias("e0")
    )
    pwt = _pwt(inputs)
    vital = vital.join(pop, on=["iso3", "year"], how="left")
    agg = {
        "population": _aggregate(pop, mapping, "population", None),
        "total_fertility": _aggregate(vital, mapping, "tfr", "population"),
        "life_expectancy": _aggregate(vital, mapping, "e0", "population"),
    }
    gdp = _aggregate(pwt, mapping, "rgdpe", None).join(
        _aggregate(pwt, mapping, "pop", None), on=["area", "year"]
    )
    agg["gdp_per_capita"] = gdp.with_columns((pl.col("rgdpe") / pl.col("pop")).alias("gdp_pc"))
    column = {
        "population": "population",
        "total_fertility": "tfr",
        "life_expectancy": "e0",
        "gdp_per_capita": "gdp_pc",
    }
    if inputs.has("barro_lee_ages"):
        # the tertiary share of people aged 25-29 (Barro-Lee, every five years to 2010) as
        # the cohort's share: its change since the base year moves the world's H_ex
        cohorts = inputs["barro_lee_ages"].filter(pl.col("age_from") == COHORT_AGE)
        agg["cohort_tertiary_share"] = _aggregate(cohorts, mapping, "share_tertiary", "population")
        column["cohort_tertiary_share"] = "share_tertiary"
    pwt_last = int(pwt["year"].max())
    if "pl_gdpo" in inputs["pwt"].columns:
        # observed price levels (US$ per PPP $ relative to the USA's that year) every PWT year
        agg["price_level"] = pl.DataFrame(
            [
                (area, year, level)
                for year in range(int(pwt["year"].min()), pwt_last + 1)
                for area, level in area_levels(mapping, year, inputs["pwt"]).items()
            ],
            schema={"area": pl.String, "year": pl.Int64, "level": pl.Float64},
            orient="row",
        )
        column["price_level"] = "level"
    # an anchored path stays inside what a scenario table accepts (a share within 0-1)
    lowest = {v: VARIABLES[v][2] for v in agg}
    highest = {v: VARIABLES[v][3] for v in agg}
    rows = []
    for variable, frame in agg.items():
        series = _series(frame, column[variable])
        world_value = _world_values(world, variable)
        years = sorted(y for y in set(frame["year"].to_list()) if y > base)
        if variable == "gdp_per_capita":
            years = list(range(base + 1, pwt_last + 1)) + [LAST_YEAR]
            missing, fallback = gdp_gaps(world, mapping, inputs, base)
            rows += _fallback_rows(world, world_value, missing, fallback, base, last)
        if last is not None:
            years = [y for y in years if y <= min(last, pwt_last)]
        for code, w0 in zip(world.codes, world_value):
            if code not in series:
                continue
            yy, vv = series[code]
            at_base = float(np.interp(base, yy, vv))
            for year in years:
                assumed = variable == "gdp_per_capita" and year > pwt_last
                if assumed:
                    v = float(np.interp(pwt_last, yy, vv)) * (1 + GROWTH_AFTER_DATA) ** (
                        year - pwt_last
                    )
                else:
                    v = float(np.interp(year, yy, vv))
                if variable in ("population", "gdp_per_capita", "price_level"):
                    value = w0 * v / at_base
                else:
                    value = w0 + (v - at_base)
                value = min(max(value, lowest[variable]), highest[variable])
                rows.append((year, code, variable, value, assumed))
    return rows


def _pwt(inputs: Inputs) -> pl.DataFrame:
    """The PWT rows with a GDP and a population (the GDP per head paths)."""
    return inputs["pwt"].filter(pl.col("rgdpe").is_not_null() & pl.col("pop").is_not_null())


def gdp_gaps(
    world: World, mapping: pl.DataFrame, inputs: Inputs, base: int
) -> tuple[set[str], dict]:
    """(the world's areas without a PWT country, their fallback GDP series by area)."""
    with_pwt = set(_pwt(inputs).join(mapping.select("iso3", "area"), on="iso3")["area"])
    missing = set(world.codes) - with_pwt
    return missing, _fallback_gdp(inputs, mapping, base, missing)


def _fallback_gdp(
    inputs: Inputs, mapping: pl.DataFrame, base: int, areas: set[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """area -> (years, GDP per head) for the `areas` PWT leaves out: WDI's series, else
    Maddison's, averaged over the area's countries that have it, weighted by their base-year
    population (each series in its own prices: only its growth is used)."""
    if not areas:
        return {}
    weights = inputs["wpp_totals"].filter(pl.col("year") == base).select("iso3", "population")
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    # the first series the area's countries have, in the order of the world's base-year
    # level (migsim.worldbuild.countries.GDP_FALLBACKS)
    for name, column, *_ in GDP_FALLBACKS:
        if not inputs.has(name):
            continue
        frame = (
            inputs[name]
            .select("iso3", "year", column)
            .join(weights, on="iso3", how="inner")
            .join(mapping.select("iso3", "area"), on="iso3", how="inner")
            .filter(pl.col("area").is_in(sorted(areas - set(out))) & (pl.col("year") >= base))
        )
        # an area takes a series only if it has the base year (the anchor of the growth)
        anchored = frame.filter(pl.col("year") == base)["area"].unique().to_list()
        frame = frame.filter(pl.col("area").is_in(anchored))
        out.update(_series(_aggregate(frame, mapping, column, "population"), column))
    return out


def _fallback_rows(
    world, world_value, missing: set[str], fallback: dict, base: int, last: int | None
) -> list:
    """GDP rows of the `missing` areas (no PWT country): their fallback series' growth to the
    series' last year, then GROWTH_AFTER_DATA a year (assumed); an area with no series at
    all grows GROWTH_AFTER_DATA a year from the base year (assumed). A history (`last`
    given) keeps the observed years only."""
    rows = []
    for code, w0 in zip(world.codes, world_value):
        if code not in missing:
            continue
        yy, vv = fallback.get(code, (np.array([float(base)]), np.array([1.0])))
        data_last = int(yy.max())
        at_base = float(np.interp(base, yy, vv))
        for year in list(range(base + 1, data_last + 1)) + [LAST_YEAR]:
            assumed = year > data_last
            if last is not None and (assumed or year > last):
                continue
            v = float(np.interp(min(year, data_last), yy, vv))
            if assumed:
                v *= (1 + GROWTH_AFTER_DATA) ** (year - data_last)
            rows.append((year, code, "gdp_per_capita", w0 * v / at_base, assumed))
    return rows


def _world_values(world: World, variable: str) -> np.ndarray:
    return base_values(world, variable)


def write_projection(
    world_name: str, out_dir: str | Path, inputs: Inputs | None = None, history: bool = False
) -> Path:
    """Write `projection_<world>.csv` (or `history_<world>.csv` to HISTORY_LAST) into
    `out_dir` (fixed formats: a rebuild gives the same bytes); returns its path."""
    inputs = inputs or Inputs()
    world = load_world(world_name)
    mapping_name, mapping = world_mapping(world, history)
    base = int(world.base_year)  # its base_year.txt, the year its config names
    rows = projection_rows(world, mapping, inputs, base, HISTORY_LAST if history else None)
    rows.sort(key=lambda r: (r[2], r[1], r[0]))
    pwt_last = int(inputs["pwt"]["year"].max())
    header = HISTORY_HEADER.format(
        world=world_name, base=base, last=HISTORY_LAST, mapping=mapping_name, rows=len(rows)
    )
    missing, fallback = gdp_gaps(world, mapping, inputs, base)
    note = HISTORY_GAPS_NOTE if history else GAPS_NOTE
    gaps = (
        note.format(
            gaps=len(missing),
            series=len(fallback),
            bare=len(missing) - len(fallback),
            growth=GROWTH_AFTER_DATA,
        )
        if missing
        else ""
    )
    lines = [
        header.rstrip("\n")
        if history
        else HEADER.format(
            world=world_name,
            base=base,
            mapping=mapping_name,
            pwt_last=pwt_last,
            growth=GROWTH_AFTER_DATA,
            assumed=sum(r[4] for r in rows),
            rows=len(rows),
        ).rstrip("\n"),
        *([gaps.rstrip("\n")] if gaps else []),
        "year,region,variable,value",
    ]
    for year, code, variable, value, _ in rows:
        lines.append(f"{year},{code},{variable},{value:.6g}")
    out = Path(out_dir) / f"{'history' if history else 'projection'}_{world_name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    return out


def world_mapping(world: World, history: bool = False) -> tuple[str, pl.DataFrame]:
    """(its label, the mapping `iso3, area, area_name`) a world's scenario is aggregated by:
    the shipped mapping named in WORLD_MAPPINGS (HISTORY_WORLDS for a history), else the
    mapping the world was built with (its mapping.csv); one line when it has none."""
    names = HISTORY_WORLDS if history else WORLD_MAPPINGS
    if world.name in names:
        frame = pl.read_csv(mapping_path(names[world.name]))
        return names[world.name], frame.with_columns(pl.col("iso3").str.to_uppercase())
    frame = built_mapping(world.path, list(world.codes))
    if frame is None:
        raise InputError(
            "--world",
            f"world '{world.name}' has no {MAPPING_FILE} whose areas are its regions",
            f"a world written by migsim world build (which writes {MAPPING_FILE}), installed",
        )
    return f"{world.name}/{MAPPING_FILE}", frame.with_columns(pl.col("iso3").str.to_uppercase())
