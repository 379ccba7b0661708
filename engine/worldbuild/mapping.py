"""Mapping files (country ISO3 -> model area) and the rules of the three shipped ones.

A mapping is a CSV with columns `iso3,area,area_name`: one row per country, `area` a short
code (letters, digits, `_` or `-`), `area_name` the area's name (the same on every row of
an area). Every country of the UN migrant-stock matrix must be mapped, and every ISO3 must
be a country of the `countries` input; anything else is one InputError line.

A built world holds the mapping it was built with (`mapping.csv`, as read: ISO3 upper-cased,
rows by ISO3), so that what needs its countries (the free-movement table, a history fit)
finds them wherever the world is installed (`built_mapping`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import data_dir
from migsim.core.world_tables import MAPPING_FILE

MAPPINGS = ("regions12", "corridors", "countries")
MAPPING_COLUMNS = ("iso3", "area", "area_name")

# The 12 regions of the default world (engine/data/SOURCES.md, "Region definitions"): the
# countries named there; the rest of a UN region or subregion goes to the area given after.
REGION_NAMES = {
    "NAM": "Northern America",
    "WEU": "Western Europe",
    "EEU": "Eastern Europe",
    "OCE": "Oceania",
    "JPN": "Japan",
    "GCC": "Gulf Cooperation Council",
    "WAS": "West and Central Asia",
    "SAS": "South Asia",
    "EAS": "East and South-East Asia",
    "NAF": "North Africa",
    "SSA": "Sub-Saharan Africa",
    "LAC": "Latin America and Caribbean",
}
REGION_MEMBERS = {
    "NAM": "USA CAN BMU GRL SPM",
    "WEU": "AUT BEL DNK FIN FRA DEU GRC IRL ITA LUX NLD PRT ESP SWE GBR ISL LIE NOR CHE MLT "
    "AND MCO SMR VAT GIB IMN FRO CHI GGY JEY ALA",
    "EEU": "RUS UKR BLR MDA POL CZE SVK HUN SVN EST LVA LTU BGR ROU HRV SRB MNE BIH MKD ALB XKX",
    "JPN": "JPN",
    "GCC": "SAU ARE KWT QAT OMN BHR",
    "WAS": "TUR IRN IRQ SYR LBN JOR ISR PSE YEM CYP ARM AZE GEO KAZ KGZ TJK TKM UZB",
    "SAS": "IND PAK BGD NPL LKA AFG BTN MDV",
    "EAS": "CHN HKG MAC TWN KOR PRK MNG BRN KHM IDN LAO MYS MMR PHL SGP THA VNM TLS",
    "NAF": "EGY LBY TUN DZA MAR ESH SDN",
}
# What is left of a UN region after the named members above.
REGION_REST = {
    "africa": "SSA",
    "latin america": "LAC",
    "oceania": "OCE",
    "northern america": "NAM",
}
# Countries on their own in the corridors world; the rest stay in their regions12 area.
CORRIDOR_COUNTRIES = (
    "USA CAN MEX GBR IRL DEU FRA ESP ITA NLD POL ROU TUR RUS UKR KAZ SAU ARE IND PAK BGD CHN "
    "PHL IDN AUS NZL TON NGA ZAF MAR EGY BRA"
).split()

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,24}$")


def mapping_path(name: str) -> Path:
    """A shipped mapping by name, else the path as given."""
    if name in MAPPINGS:
        return data_dir() / "mappings" / f"{name}.csv"
    return Path(name)


def regions12_area(iso3: str, un_region: str, un_subregion: str) -> str:
    """The default world's region of one country (SOURCES.md's definitions)."""
    for code, members in REGION_MEMBERS.items():
        if iso3 in members.split():
            return code
    region, subregion = un_region.lower(), un_subregion.lower()
    for key, code in REGION_REST.items():
        if key in region or key in subregion:
            return code
    if "europe" in region:
        return "EEU" if "eastern" in subregion else "WEU"
    raise InputError(
        "countries",
        f"{iso3} ({un_region}, {un_subregion}) has no regions12 area",
        "a country named in SOURCES.md's region definitions or in Africa, the Americas, "
        "Oceania or Europe",
    )


def shipped_mappings(countries: pl.DataFrame, matrix: list[str]) -> dict[str, pl.DataFrame]:
    """The three shipped mappings. regions12 and corridors map every country of the
    countries input (Taiwan, for one, is not in the UN matrix but belongs to EAS's
    population); countries maps the countries of the UN matrix (`matrix`, ISO3), each alone."""
    in_matrix = set(matrix)
    rows12, corridors, single = [], [], []
    rows = list(countries.sort("iso3").iter_rows(named=True))
    region_of = {
        c["iso3"]: regions12_area(c["iso3"], c["un_region"] or "", c["un_subregion"] or "")
        for c in rows
    }
    split = {region_of[iso3] for iso3 in CORRIDOR_COUNTRIES if iso3 in region_of}
    for c in rows:
        iso3, region = c["iso3"], region_of[c["iso3"]]
        rows12.append((iso3, region, REGION_NAMES[region]))
        if iso3 in CORRIDOR_COUNTRIES:
            corridors.append((iso3, iso3, c["name"]))
        else:
            rest = ", rest" if region in split else ""
            corridors.append((iso3, region, f"{REGION_NAMES[region]}{rest}"))
        if iso3 in in_matrix:
            single.append((iso3, iso3, c["name"]))
    frame = lambda rows: pl.DataFrame(rows, schema=list(MAPPING_COLUMNS), orient="row")  # noqa: E731
    return {"regions12": frame(rows12), "corridors": frame(corridors), "countries": frame(single)}


def read_mapping(path: Path, countries: set[str], matrix: set[str]) -> pl.DataFrame:
    """Read and check a mapping: known ISO3, one row per country, every matrix country."""
    where = str(path)
    if not path.is_file():
        raise InputError(
            where, "mapping file not found", "regions12, corridors, countries or a CSV path"
        )
    try:
        frame = pl.read_csv(path, infer_schema_length=0)
    except Exception as exc:  # polars raises several exception types for malformed CSV
        raise InputError(where, f"cannot be read as CSV ({type(exc).__name__})") from None
    missing = [c for c in MAPPING_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(where, f"missing column '{missing[0]}'", "columns iso3, area, area_name")
    frame = frame.select(
        pl.col("iso3").fill_null("").str.strip_chars().str.to_uppercase(),
        pl.col("area").fill_null("").str.strip_chars(),
        pl.col("area_name").fill_null("").str.strip_chars(),
    )
    for i, (iso3, area, name) in enumerate(frame.iter_rows(), start=2):
        if iso3 not in countries:
            raise InputError(
                f"{where} line {i}", f"unknown ISO3 '{iso3}'", "an ISO3 of the countries input"
            )
        if not _CODE.match(area):
            raise InputError(
                f"{where} line {i}",
                f"area '{area}' is not a code",
                "1-24 letters, digits, _ or -",
            )
        if not name:
            raise InputError(f"{where} line {i}", "empty area_name", "the area's name")
    twice = frame["iso3"].filter(frame["iso3"].is_duplicated())
    if len(twice):
        raise InputError(where, f"country {twice[0]} has two rows", "one row per country")
    names = frame.group_by("area").agg(pl.col("area_name").n_unique().alias("n"))
    if (names["n"] > 1).any():
        area = names.filter(pl.col("n") > 1)["area"].sort()[0]
        raise InputError(where, f"area {area} has several names", "one area_name per area")
    unmapped = sorted(matrix - set(frame["iso3"]))
    if unmapped:
        more = f" and {len(unmapped) - 1} more" if len(unmapped) > 1 else ""
        raise InputError(
            where,
            f"country {unmapped[0]}{more} of the UN migrant-stock matrix is not mapped",
            "a row for every country of the matrix",
        )
    if frame["area"].n_unique() < 2:
        raise InputError(where, "maps every country to one area", "at least 2 areas")
    return frame.sort("iso3")


def built_mapping(world_path: str | Path, codes: list[str]) -> pl.DataFrame | None:
    """The mapping (`iso3, area, area_name`) a world was built with: its own `mapping.csv`,
    else the mapping its sources.json names (beside it, else a shipped one of that name),
    else a shipped mapping; the first whose areas are exactly `codes` (None: none is)."""
    world_path = Path(world_path)
    candidates = [world_path / MAPPING_FILE]
    sources = world_path / "sources.json"
    if sources.is_file():
        try:
            name = json.loads(sources.read_text()).get("mapping")
        except (ValueError, AttributeError):
            name = None
        if isinstance(name, str) and name:
            candidates += [world_path / Path(name).name, mapping_path(Path(name).stem)]
    candidates += [mapping_path(m) for m in MAPPINGS]
    for path in candidates:
        if path.is_file():
            frame = pl.read_csv(path, infer_schema_length=0)
            if {"iso3", "area"} <= set(frame.columns) and set(frame["area"]) == set(codes):
                return frame
    return None
