"""Cut public country-level sources into the tidy inputs that worlds are built from.

Each function reads one raw source (a file, or a folder of files) exactly as it sits in a
public repository snapshot and writes one tidy, ISO3-keyed file under
`engine/data/inputs/<input>/`. The cut is a pure function of the raw file, so anyone who
fetches the repository at the commit named in that input's `provenance.json` can rebuild the
shipped file and compare. Nothing here downloads: the snapshot is the caller's business.

Bilateral migrant stocks and flows are cut at 2010 here, at retrieval, because later years
are kept for out-of-sample checks and must not enter the package.

    python -m migsim.worldbuild.retrieve countries RAW/ddf--entities--geo--country.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.worldbuild.retrieve_ages import barro_lee_ages
from migsim.worldbuild.retrieve_common import (  # noqa: F401 (re-exported)
    BARRO_LEE_CODES,
    INPUTS,
    LAST_MIGRATION_YEAR,
    OLD_CODES,
    UN_NAME_EXCEPTIONS,
    WPP_YEARS,
    _locid_to_iso3,
    _modern,
    _write,
)
from migsim.worldbuild.retrieve_iab import iab_emigration
from migsim.worldbuild.retrieve_maddison import maddison


def countries(country_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """WPP 2019's 235 countries and areas with their UN and World Bank groupings.

    `country_file` is WPP's `ddf--entities--geo--country.csv`; the group names are read from
    the `ddf--entities--geo--*.csv` files beside it.
    """
    folder = Path(country_file).parent
    geo = pl.read_csv(country_file, infer_schema_length=0)

    def names(entity: str) -> dict[str, str]:
        table = pl.read_csv(folder / f"ddf--entities--geo--{entity}.csv", infer_schema_length=0)
        return dict(zip(table[entity], table["name"]))

    development = {"901": "more developed", "902": "less developed"}
    income = {
        "1503": "High income",
        "1502": "Upper-middle income",
        "1501": "Lower-middle income",
        "1500": "Low income",
    }
    # WPP's subregion list lacks Australia/New Zealand (M49 927), and Northern America has
    # no subregion (it is both); it gets its region's name.
    subregions = names("geographic_subregion") | {"927": "Australia/New Zealand"}
    region = pl.col("geographic_region").replace_strict(names("geographic_region"))
    frame = geo.select(
        "iso3",
        pl.col("country").cast(pl.Int64).alias("un_code"),
        "name",
        region.alias("un_region"),
        pl.coalesce(pl.col("geographic_subregion").replace_strict(subregions), region).alias(
            "un_subregion"
        ),
        pl.col("un_development_group").replace_strict(development).alias("un_development_group"),
        # WPP codes middle income as 1517 and splits it in a second column.
        pl.coalesce("wb_middle_income_country", "wb_income_group")
        .replace_strict(income, default=None)
        .alias("wb_income_group"),
    ).sort("iso3")
    return _write(frame, "countries", out_dir)


def un_stock_names(
    stock_file: Path | str, country_file: Path | str, out_dir: Path | str = INPUTS
) -> Path:
    """Map every origin and destination name of the UN DESA stock table to ISO3.

    Names are matched exactly to WPP 2019's location names (the same UN Population Division
    naming); `UN_NAME_EXCEPTIONS` holds hand-made matches for names that differ.
    """
    stock = pl.read_csv(stock_file, infer_schema_length=0)
    geo = pl.read_csv(country_file, infer_schema_length=0)
    by_name = dict(zip(geo["name"], geo["iso3"])) | UN_NAME_EXCEPTIONS
    used = sorted(set(stock["origin"]) | set(stock["destination"]))
    unmapped = [name for name in used if name not in by_name]
    if unmapped:
        raise InputError(
            str(stock_file), f"names with no ISO3: {unmapped[:5]}", "add them to UN_NAME_EXCEPTIONS"
        )
    frame = pl.DataFrame({"un_name": used, "iso3": [by_name[name] for name in used]})
    return _write(frame, "un_stock_names", out_dir)


def un_stock(stock_file: Path | str, names_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """UN DESA bilateral stocks 1990-2010, re-keyed from names to ISO3."""
    stock = pl.read_csv(
        stock_file, schema_overrides={"stock": pl.Int64, "flag": pl.Utf8, "year": pl.Int64}
    )
    to_iso3 = dict(pl.read_csv(names_file).iter_rows())
    frame = (
        stock.filter(pl.col("year") <= LAST_MIGRATION_YEAR)
        .select(
            "year",
            pl.col("origin").replace_strict(to_iso3),
            pl.col("destination").replace_strict(to_iso3),
            "stock",
            "flag",
        )
        .sort("year", "origin", "destination")
    )
    return _write(frame, "un_stock", out_dir)


def un_stock_totals(
    totals_file: Path | str, country_file: Path | str, out_dir: Path | str = INPUTS
) -> Path:
    """UN DESA's total international migrant stock by destination 1990-2010, all origins
    (unknown ones included: the bilateral matrix leaves them out). `totals_file` is the
    stock_totals.csv of the repository named in the provenance (column `fb`, ISO3 in
    `alpha3`; rows without a code are regions); `country_file` is the countries input, whose
    codes are kept (the Channel Islands' CISL is its CHI)."""
    raw = pl.read_csv(totals_file, null_values=["NA"], infer_schema_length=0)
    known = set(pl.read_csv(country_file, infer_schema_length=0)["iso3"])
    frame = (
        raw.filter(pl.col("alpha3").is_not_null())
        .select(
            pl.col("year").cast(pl.Int64),
            pl.col("alpha3").replace({"CISL": "CHI"}).alias("destination"),
            pl.col("fb").cast(pl.Float64).round(0).cast(pl.Int64).alias("stock"),
        )
        .filter((pl.col("year") <= LAST_MIGRATION_YEAR) & pl.col("destination").is_in(known))
        .drop_nulls("stock")
        .sort("year", "destination")
    )
    if frame.select("year", "destination").is_duplicated().any():
        raise InputError(str(totals_file), "two rows for one destination and year", "one row each")
    return _write(frame, "un_stock_totals", out_dir)


def _age_bounds(code: pl.Expr) -> list[pl.Expr]:
    """WPP age codes `0_4` ... `95_99`, `100plus` (and `95plus` before 1990) to bounds."""
    lower = code.str.extract(r"^(\d+)").cast(pl.Int64)
    upper = code.str.extract(r"_(\d+)$").cast(pl.Int64)
    return [lower.alias("age_from"), upper.alias("age_to")]


def wpp_population(
    age_folder: Path | str, country_file: Path | str, out_dir: Path | str = INPUTS
) -> Path:
    """WPP 2019 population by sex and five-year age group, in persons, for `WPP_YEARS`.

    `age_folder` is `population--by--geo--time--age5yearinterval--gender/`, one file per
    country (LocID in the file name); region files in it are skipped.
    """
    files = sorted(Path(age_folder).glob("*--by--country-*--time--age5yearinterval--gender.csv"))
    raw = pl.concat([pl.read_csv(f, schema_overrides={"age5yearinterval": pl.Utf8}) for f in files])
    frame = (
        raw.filter(pl.col("time").is_in(WPP_YEARS))
        .join(_locid_to_iso3(country_file), left_on="country", right_on="un_code", how="inner")
        .select(
            "iso3",
            pl.col("time").alias("year"),
            pl.col("gender").replace_strict({1: "M", 2: "F"}, return_dtype=pl.Utf8).alias("sex"),
            *_age_bounds(pl.col("age5yearinterval")),
            (pl.col("population") * 1000).round(0).alias("population"),
        )
        .sort("iso3", "year", "sex", "age_from")
    )
    return _write(frame, "wpp_population", out_dir, gz=True)


def wpp_totals(
    totals_folder: Path | str, country_file: Path | str, out_dir: Path | str = INPUTS
) -> Path:
    """WPP 2019 total population (persons) of all 235 areas, including those without ages.

    `totals_folder` is `population--by--geo--time/`, one file per country.
    """
    files = sorted(Path(totals_folder).glob("*--by--country-*--time.csv"))
    raw = pl.concat([pl.read_csv(f) for f in files])
    frame = (
        raw.filter(pl.col("time").is_in(WPP_YEARS))
        .join(_locid_to_iso3(country_file), left_on="country", right_on="un_code", how="inner")
        .select(
            "iso3",
            pl.col("time").alias("year"),
            (pl.col("population") * 1000).round(0).alias("population"),
        )
        .sort("iso3", "year")
    )
    return _write(frame, "wpp_totals", out_dir)


def wpp_vital(
    tfr_file: Path | str,
    lex_file: Path | str,
    lex_gender_file: Path | str,
    country_file: Path | str,
    out_dir: Path | str = INPUTS,
) -> Path:
    """WPP 2019 total fertility and life expectancy at birth (both sexes, F, M) by year."""
    tfr = pl.read_csv(tfr_file)
    lex = pl.read_csv(lex_file)
    by_sex = (
        pl.read_csv(lex_gender_file)
        .with_columns(
            pl.col("gender").replace_strict(
                {1: "life_expectancy_male", 2: "life_expectancy_female"}, return_dtype=pl.Utf8
            )
        )
        .pivot("gender", index=["country", "time"], values="lex")
    )
    keys = ["country", "time"]
    frame = (
        tfr.join(lex, on=keys, how="full", coalesce=True)
        .join(by_sex, on=keys, how="full", coalesce=True)
        .filter(pl.col("time").is_in(WPP_YEARS))
        .join(_locid_to_iso3(country_file), left_on="country", right_on="un_code", how="inner")
        .select(
            "iso3",
            pl.col("time").alias("year"),
            "tfr",
            pl.col("lex").alias("life_expectancy"),
            "life_expectancy_female",
            "life_expectancy_male",
        )
        .sort("iso3", "year")
    )
    return _write(frame, "wpp_vital", out_dir)


PWT_COLUMNS = ("rgdpe", "pop", "labsh", "hc", "emp", "pl_gdpo")


def pwt(folder: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """Penn World Table 10.01 series `PWT_COLUMNS`, 1990-2019, one row per country-year.

    `folder` holds `ddf--datapoints--<var>--by--country--year.csv` for each variable.
    """
    frame = None
    for column in PWT_COLUMNS:
        part = pl.read_csv(Path(folder) / f"ddf--datapoints--{column}--by--country--year.csv")
        frame = (
            part
            if frame is None
            else frame.join(part, on=["country", "year"], how="full", coalesce=True)
        )
    frame = (
        frame.filter(pl.col("year").is_between(1990, 2019))
        .select(_modern("country").alias("iso3"), "year", *PWT_COLUMNS)
        .sort("iso3", "year")
    )
    return _write(frame, "pwt", out_dir)


def wdi_gdp_per_capita(gdp_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """World Bank WDI GDP per capita, PPP (NY.GDP.PCAP.PP.KD), 1990-2019, in Gapminder's
    DDF layout (`geo,time,alternative_gdp_per_capita_ppp_wb`): the GDP figure of the areas
    the Penn World Table lacks, rescaled to PWT's prices when a world is built
    (migsim.worldbuild.countries.wdi_factor). Gapminder's `nld_curacao` is Curacao (CUW)."""
    raw = pl.read_csv(gdp_file).with_columns(pl.col("geo").replace({"nld_curacao": "cuw"}))
    frame = (
        raw.filter(pl.col("time").is_between(1990, 2019))
        .select(
            _modern("geo").alias("iso3"),
            pl.col("time").alias("year"),
            pl.col("alternative_gdp_per_capita_ppp_wb").round(2).alias("gdp_per_capita_ppp"),
        )
        .drop_nulls("gdp_per_capita_ppp")
        .sort("iso3", "year")
    )
    return _write(frame, "wdi_gdp_per_capita", out_dir)


def gdp_current_usd(gdp_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """GDP at market exchange rates (current US$; the World Bank's NY.GDP.MKTP.CD where it
    has one), 1990-2019, from the `GDP (current USD)` column of ThGaskin/Migration_flows's
    GDP_data.csv: world GDP of a year at market rates, the denominator of a published gain
    in dollars of that year (E13)."""
    raw = pl.read_csv(gdp_file, infer_schema_length=100_000)
    frame = (
        raw.filter(pl.col("Year").is_between(1990, 2019))
        .select(
            _modern("Country ISO").alias("iso3"),
            pl.col("Year").alias("year"),
            pl.col("GDP (current USD)").round(0).cast(pl.Int64).alias("gdp_usd"),
        )
        .drop_nulls("gdp_usd")
        .sort("iso3", "year")
    )
    return _write(frame, "gdp_current_usd", out_dir)


def barro_lee(bl_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """Barro-Lee v2.2 attainment of people aged 25+, 1990-2010, shares as fractions.

    The source gives percentages rounded to two decimals, so the four shares sum to between
    0.995 and 1.004; they are not renormalised here.
    """
    raw = pl.read_csv(bl_file)
    frame = (
        raw.filter(
            pl.col("year").is_between(1990, 2010),
            pl.col("sex") == "MF",
            pl.col("agefrom") == 25,
        )
        .select(
            pl.col("WBcode").replace(BARRO_LEE_CODES).alias("iso3"),
            "year",
            (pl.col("lu") / 100).round(6).alias("share_no_school"),
            (pl.col("lp") / 100).round(6).alias("share_primary"),
            (pl.col("ls") / 100).round(6).alias("share_secondary"),
            (pl.col("lh") / 100).round(6).alias("share_tertiary"),
            pl.col("yr_sch").alias("years_schooling"),
            (pl.col("pop") * 1000).alias("pop_25plus"),
        )
        .sort("iso3", "year")
    )
    return _write(frame, "barro_lee", out_dir)


def abel_sander_flows(flow_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """Abel and Sander (2014) country-to-country flows per five-year period, 1990-95 to 2005-10.

    Zero flows and the diagonal are dropped; a missing pair means no estimated flow.
    """
    raw = pl.read_csv(flow_file)
    periods = [c for c in raw.columns if c.startswith("countryflow_")]
    frame = (
        raw.select(
            _modern("country_orig_id").alias("origin"),
            _modern("country_dest_id").alias("destination"),
            *periods,
        )
        .unpivot(index=["origin", "destination"], variable_name="period", value_name="flow")
        .select(
            "origin",
            "destination",
            pl.col("period").str.extract(r"(\d{4})$").cast(pl.Int64).alias("period_start"),
            pl.col("flow").cast(pl.Int64),
        )
        # a period starting in 2005 ends in 2010, the last year allowed
        .filter(
            pl.col("flow") > 0,
            pl.col("origin") != pl.col("destination"),
            pl.col("period_start") + 5 <= LAST_MIGRATION_YEAR,
        )
        .sort("period_start", "origin", "destination")
    )
    return _write(frame, "abel_sander_flows", out_dir, gz=True)


def remittance_inflows(xls_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """World Bank personal remittances received (current US$), economies only, 1990-2019.

    The source is the World Bank's Excel export (sheets `Data` and `Metadata - Countries`);
    aggregates are the rows with no `Region` in the metadata. Reading it needs `xlrd`, which
    only this retrieval step uses, so it is imported here and not required by migsim.
    """
    import xlrd

    book = xlrd.open_workbook(str(xls_file))
    meta = book.sheet_by_name("Metadata - Countries")
    header = meta.row_values(0)
    code_at, region_at = header.index("Country Code"), header.index("Region")
    economies = {
        row[code_at] for row in map(meta.row_values, range(1, meta.nrows)) if row[region_at]
    }
    data = book.sheet_by_name("Data")
    header = data.row_values(3)  # three title rows come first
    code_at = header.index("Country Code")
    year_at = {int(float(y)): i for i, y in enumerate(header) if str(y)[:4].isdigit()}
    rows = []
    for r in range(4, data.nrows):
        values = data.row_values(r)
        if values[code_at] not in economies:
            continue
        for year in range(1990, 2020):
            usd = values[year_at[year]]
            if usd != "":
                rows.append((values[code_at], year, float(usd)))
    frame = pl.DataFrame(rows, schema=["iso3", "year", "usd"], orient="row").sort("iso3", "year")
    return _write(frame, "remittance_inflows", out_dir)


def remittance_prices(rpw_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """Remittance Prices Worldwide: average total cost of sending US$200 in each corridor.

    Quarters with no survey (`..`) are dropped; the footer lines carry no series code.
    """
    raw = pl.read_csv(rpw_file, infer_schema_length=0, encoding="utf8-lossy")
    raw = raw.rename({c: c.lstrip("\ufeff") for c in raw.columns})
    quarters = [c for c in raw.columns if "[YR" in c]
    frame = (
        raw.filter(pl.col("Series Code") == "ATCR.CORR")
        .select(
            _modern("Sending Countries Code").alias("sender"),
            _modern("Receiving Countries  Code").alias("receiver"),
            *quarters,
        )
        .unpivot(index=["sender", "receiver"], variable_name="quarter", value_name="cost_pct")
        .filter(pl.col("cost_pct") != "..")
        .select(
            "sender",
            "receiver",
            pl.col("quarter").str.slice(0, 4).cast(pl.Int64).alias("year"),
            pl.col("quarter").str.slice(5, 1).cast(pl.Int64).alias("quarter"),
            pl.col("cost_pct").cast(pl.Float64),
        )
        .sort("sender", "receiver", "year", "quarter")
    )
    return _write(frame, "remittance_prices", out_dir)


def distances(dist_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """CEPII GeoDist pairs with today's ISO3 codes: distances in km and three 0/1 links.

    `distw` is text in the source with `.` for missing; it is empty here where missing.
    """
    raw = pl.read_csv(dist_file, infer_schema_length=0)
    frame = raw.select(
        _modern("iso_o").alias("origin"),
        _modern("iso_d").alias("destination"),
        pl.col("dist").cast(pl.Float64).alias("dist_km"),
        pl.col("distw").replace(".", None).cast(pl.Float64).alias("distw_km"),
        pl.col("contig").cast(pl.Int64).alias("contiguous"),
        pl.col("comlang_off").cast(pl.Int64).alias("common_language"),
        pl.col("colony").cast(pl.Int64).alias("colonial_link"),
    ).sort("origin", "destination")
    if frame.select("origin", "destination").is_duplicated().any():
        raise InputError(str(dist_file), "two source codes map to one pair", "one row per pair")
    return _write(frame, "distances", out_dir, gz=True)


RETRIEVERS = {
    f.__name__: f
    for f in (
        countries,
        un_stock_names,
        un_stock,
        un_stock_totals,
        wpp_population,
        wpp_totals,
        wpp_vital,
        pwt,
        wdi_gdp_per_capita,
        maddison,
        gdp_current_usd,
        barro_lee,
        barro_lee_ages,
        iab_emigration,
        abel_sander_flows,
        remittance_inflows,
        remittance_prices,
        distances,
    )
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m migsim.worldbuild.retrieve",
        description="Cut one raw source file (from the repository snapshot named in the "
        "input's provenance.json) into its tidy input file.",
    )
    parser.add_argument("input", choices=sorted(RETRIEVERS))
    parser.add_argument(
        "sources", nargs="+", help="raw file(s) or folder, in the order of the function's arguments"
    )
    parser.add_argument("--out", default=str(INPUTS), help="inputs folder (default: the package's)")
    args = parser.parse_args(argv)
    try:
        path = RETRIEVERS[args.input](*args.sources, out_dir=args.out)
    except InputError as err:
        print(err, file=sys.stderr)
        raise SystemExit(err.exit_code) from None
    print(path)


if __name__ == "__main__":
    main()
