"""The pipeline: a mapping and the inputs -> a world directory of the loader's tables.

Everything written is a function of the committed inputs, the mapping and the default
world's assumed values: rows are sorted and numbers have fixed formats, so a rebuild gives
the same bytes. The base year is 2010 by default (the last year of the bilateral stocks the
inputs may hold) and any year of the UN stock matrix on request (`--base-year 1990`); the
stock tables keep the loader's file names (`*_2013.csv`), and `base_year.txt` says which
year they describe. `mapping.csv` is the mapping the world was built with (as read), so
that the world's countries go wherever the world is installed.

A world built with `growth_years=(start, end)` also holds `stock_growth.csv`, every area
pair's yearly stock growth over those years (the calibration's per-corridor targets), and
its `stock_history.csv` stops at `end`: no stock after `end` enters such a world, so the
years after it are held out for validation.

By default (`unknown_origin="spread"`) the stocks are the matrix with each destination's
migrants of unknown origin spread over its known origins (migsim.worldbuild.inputs.
stock_matrix), so a destination's stocks sum to UN DESA's total; `"leave"` keeps the matrix
as it is. The rule is recorded in `sources.json`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.worldbuild.assumed import (
    default_corridor_shares,
    default_desired_shares,
    default_regions,
    migrant_age_table,
)
from migsim.worldbuild.countries import BASE_YEAR, BASE_YEARS, bloc_members, country_records
from migsim.worldbuild.fees import corridor_fee_csv
from migsim.worldbuild.inputs import Inputs, stock_matrix
from migsim.worldbuild.mapping import (
    MAPPING_COLUMNS,
    MAPPING_FILE,
    MAPPINGS,
    mapping_path,
    read_mapping,
    regions12_area,
)
from migsim.worldbuild.pairs import (
    bilateral_table,
    corridor_growth,
    stock_history,
    stock_tables,
)
from migsim.worldbuild.provenance import Provenance
from migsim.worldbuild.regions import regions_table
from migsim.worldbuild.skills import measured_shares, resident_secondary_shares

REGION_HEADER = (
    "code,name,un_area,developed,population,share_0_14,share_65plus,female_share,"
    "life_expectancy_female,life_expectancy_male,total_fertility,gdp_per_capita_ppp,"
    "tertiary_share,skill_premium,labour_share,tax_rate,employment_rate,"
    "remittance_inflow_usd_bn,remittance_fee,bloc,latitude,longitude"
).split(",")
# Above this many values the provenance is written gzip-compressed (provenance.csv.gz, with
# a fixed header time so that a rebuild gives the same bytes): the countries world has
# about 300,000 values, most of them distances.
MAX_PLAIN_PROVENANCE = 50_000
# Yearly corridor growth rates outside this range are clipped: a pair whose stock is tiny
# in the first year can show growth no corridor sustains (a stated choice).
GROWTH_CLIP = (-0.10, 0.15)
WORLD_FILES = (
    "regions.csv",
    "migrant_stock_2013.csv",
    "intra_region_migrants_2013.csv",
    "bilateral.csv",
    "migrant_age.csv",
    "desired_destinations.csv",
    "stock_history.csv",
    "base_year.txt",
    "sources.json",
    "provenance_summary.md",
    "remittance_fees.csv",
    MAPPING_FILE,
)


def provenance_file(world: Path) -> Path:
    """A built world's provenance table (plain or gzip-compressed)."""
    plain = Path(world) / "provenance.csv"
    return plain if plain.is_file() else Path(world) / "provenance.csv.gz"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def matrix_countries(inputs: Inputs) -> list[str]:
    """The countries of the UN migrant-stock matrix: its ISO3 codes that the countries
    input knows (other codes, such as unknown origins, are not countries)."""
    known = set(inputs["countries"]["iso3"])
    stock = inputs["un_stock"]
    return sorted((set(stock["origin"]) | set(stock["destination"])) & known)


def check_years(base_year: int, growth_years: tuple[int, int] | None) -> None:
    """A base year of the stock matrix; a growth window of two of its years from the base
    year, ending before the base year 2010 stocks (one line naming the option otherwise)."""
    years = ", ".join(map(str, BASE_YEARS))
    if base_year not in BASE_YEARS:
        raise InputError("--base-year", f"{base_year} is not a year of the stock matrix", years)
    if growth_years is not None:
        start, end = growth_years
        if start != base_year or end not in BASE_YEARS or not start < end < BASE_YEARS[-1]:
            raise InputError(
                "--growth-to",
                f"{end} cannot end a growth window from {base_year}",
                f"a year of {years} after the base year and before {BASE_YEARS[-1]}",
            )


def build_world(
    mapping: str | Path,
    out: str | Path,
    inputs_root: str | Path | None = None,
    base_year: int = BASE_YEAR,
    growth_years: tuple[int, int] | None = None,
    unknown_origin: str = "spread",
) -> str:
    """Build the world of `mapping` (a shipped name or a CSV path) into `out` for
    `base_year`, with per-corridor growth over `growth_years` if given and the migrants of
    unknown origin spread over their destination's known origins or left out
    (`unknown_origin`, migsim.worldbuild.inputs.stock_matrix); returns the provenance
    summary (Markdown)."""
    check_years(base_year, growth_years)
    inputs = Inputs(inputs_root)
    stock = stock_matrix(inputs, unknown_origin)
    countries = inputs["countries"]
    matrix = matrix_countries(inputs)
    frame = read_mapping(mapping_path(str(mapping)), set(countries["iso3"]), set(matrix))
    info = {r["iso3"]: r for r in countries.iter_rows(named=True)}
    regions12 = {
        iso3: regions12_area(iso3, info[iso3]["un_region"] or "", info[iso3]["un_subregion"] or "")
        for iso3 in frame["iso3"]
    }
    prov = Provenance()
    defaults = default_regions()
    records = country_records(inputs, frame, regions12, base_year)
    prices = inputs["remittance_prices"] if inputs.has("remittance_prices") else None
    regions = regions_table(records, prices, defaults, prov, base_year)
    measured, iab_year = measured_shares(inputs, base_year)
    residents = resident_secondary_shares(inputs, base_year)
    stock_rows, intra_rows, left_out = stock_tables(
        stock, records, default_corridor_shares(), prov, base_year, measured, residents
    )
    stock_header = ["origin", "destination", "migrants", "female_share", "tertiary_share"]
    if stock_rows and len(stock_rows[0]) > len(stock_header):
        stock_header.append("secondary_share")
    bilateral = bilateral_table(inputs["distances"], records, prov)
    last = growth_years[1] if growth_years else None
    history = stock_history(stock, countries, prov, last)
    growth = (
        corridor_growth(stock, records, growth_years, GROWTH_CLIP, prov) if growth_years else None
    )
    desired = _desired(records, prov)
    ages = migrant_age_table()
    for line in ages.decode().splitlines()[1:]:
        lo, hi, _ = line.split(",")
        prov.add("migrant_age.csv", f"{lo}-{hi}", "share", "assumed:default-world", "default world")

    area_of = {r["iso3"]: r["area"] for r in records}
    fees_csv = corridor_fee_csv(prices, area_of, stock, base_year)
    name = Path(str(mapping)).stem
    files = {
        "regions.csv": _csv(REGION_HEADER, [[r[c] for c in REGION_HEADER] for r in regions]),
        "migrant_stock_2013.csv": _csv(stock_header, stock_rows),
        "intra_region_migrants_2013.csv": _csv(["region", "migrants"], intra_rows),
        "bilateral.csv": _csv(
            [
                "origin",
                "destination",
                "distance_km",
                "contiguous",
                "common_language",
                "colonial_link",
            ],
            bilateral,
        ),
        "migrant_age.csv": ages.decode(),
        "desired_destinations.csv": _csv(["region", "share"], desired),
        "stock_history.csv": _csv(["un_area", "year", "migrants"], history),
        "base_year.txt": f"{base_year}\n",
        # the mapping as read, so that the world's countries travel with it (`world install`)
        MAPPING_FILE: _csv(list(MAPPING_COLUMNS), [list(r) for r in frame.iter_rows()]),
        "provenance.csv": prov.csv_text(),
        "sources.json": json.dumps(
            {
                "mapping": mapping_path(str(mapping)).name,
                "inputs": inputs.provenance(),
                "unknown_origin": unknown_origin,
            },
            indent=1,
            sort_keys=True,
        )
        + "\n",
    }
    unknown = left_out["unknown_origin"] / 1e6
    summary = prov.summary(name) + (
        f"\n{unknown:.2f} M migrants of {base_year} whose origin is not a country of the "
        "matrix (unknown or other) are left out of the stock tables (they are in "
        "stock_history.csv).\n"
    )
    if unknown_origin == "spread":
        known = inputs["un_stock"].filter(pl.col("year") == base_year)["stock"].sum() / 1e6
        spread = stock.filter(pl.col("year") == base_year)["stock"].sum() / 1e6
        summary += (
            f"\nUnknown origins spread (`--unknown-origin spread`): each destination's "
            "known-origin stocks of every year are scaled by its total from all origins "
            f"(un_stock_totals) over their sum: {base_year}'s {known:.1f} M of known origin "
            f"become {spread:.1f} M.\n"
        )
    if growth is not None:
        files["stock_growth.csv"] = _csv(["origin", "destination", "growth"], growth)
        summary += (
            f"\nstock_growth.csv: yearly growth of every area pair's stock {growth_years[0]}-"
            f"{growth_years[1]}, clipped to [{GROWTH_CLIP[0]:g}, {GROWTH_CLIP[1]:g}]. No "
            f"bilateral stock after {growth_years[1]} enters this world (stock_history.csv "
            f"stops at {growth_years[1]}); later years are held out.\n"
        )
    if measured:
        summary += (
            f"\nMigrants' tertiary, female and secondary shares: every country pair into the "
            f"IAB brain-drain data's 20 OECD destinations takes its origin's shares of "
            f"emigrants aged 25+ in {iab_year} (iab_emigration with barro_lee: "
            f"{len(measured['tertiary_share'])} origins; with wpp_population: "
            f"{len(measured['female_share'])} origins; migsim.worldbuild.skills); other pairs "
            "keep the default world's tertiary and female shares and the assumed selection on "
            "schooling (migsim.core.world_education) of their origin's residents.\n"
        )
    if base_year != BASE_YEAR:
        summary += (
            f"\nBase year {base_year}. Blocs: {bloc_members(base_year)[2]}. Remittance "
            "prices of the input's earliest year and the default world's assumed values "
            "(which describe 2013) stand in for this year (flagged per value in "
            "provenance.csv).\n"
        )
    files["provenance_summary.md"] = summary
    if fees_csv is not None:
        files["remittance_fees.csv"] = fees_csv
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    for stale in ("provenance.csv", "provenance.csv.gz", "stock_growth.csv", "remittance_fees.csv"):
        (target / stale).unlink(missing_ok=True)
    if len(prov.rows) > MAX_PLAIN_PROVENANCE:
        text = files.pop("provenance.csv").encode()
        (target / "provenance.csv.gz").write_bytes(gzip.compress(text, mtime=0))
    for file, text in files.items():
        (target / file).write_text(text)
    _check_loads(target)
    return summary


def write_mappings(
    out: str | Path | None = None, inputs_root: str | Path | None = None
) -> list[Path]:
    """Write regions12.csv, corridors.csv and countries.csv of the UN matrix's countries
    (by the rules of migsim.worldbuild.mapping) into `out` (default: the shipped ones)."""
    from migsim.core.resources import data_dir
    from migsim.worldbuild.mapping import shipped_mappings

    inputs = Inputs(inputs_root)
    target = Path(out) if out else data_dir() / "mappings"
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in shipped_mappings(inputs["countries"], matrix_countries(inputs)).items():
        rows = [list(r) for r in frame.iter_rows()]
        (target / f"{name}.csv").write_text(_csv(["iso3", "area", "area_name"], rows))
        paths.append(target / f"{name}.csv")
    return paths


def _desired(records: list[dict], prov: Provenance) -> list[list[str]]:
    """The default world's desired-destination shares, split over areas by population."""
    shares = default_desired_shares()
    pop12: dict[str, float] = {}
    for r in records:
        pop12[r["regions12"]] = pop12.get(r["regions12"], 0.0) + r["population"]
    by_area: dict[str, float] = {}
    for r in records:
        part = (
            shares[r["regions12"]] * r["population"] / pop12[r["regions12"]]
            if pop12[r["regions12"]]
            else 0.0
        )
        by_area[r["area"]] = by_area.get(r["area"], 0.0) + part
    total = sum(by_area.values())
    rows = []
    for area in sorted(by_area):
        rows.append([area, f"{by_area[area] / total:.6f}"])
        prov.add(
            "desired_destinations.csv",
            area,
            "share",
            "assumed:default-world",
            "default world+wpp_totals",
            "regions12 share split by population",
        )
    return rows


def _check_loads(path: Path) -> None:
    """A built world must pass the loader's checks."""
    from migsim.core.world import load_world

    load_world(path.name, path)


def build_all(
    out: str | Path,
    inputs_root: str | Path | None = None,
    base_year: int = BASE_YEAR,
    growth_years: tuple[int, int] | None = None,
    unknown_origin: str = "spread",
) -> dict[str, str]:
    """The three shipped mappings, each into out/<name>."""
    return {
        m: build_world(m, Path(out) / m, inputs_root, base_year, growth_years, unknown_origin)
        for m in MAPPINGS
    }


# the worlds and data directories shipped in engine/data: `world install` never replaces one
# (tests/test_worldbuild.py checks this list against the directory)
SHIPPED = (
    "corridors", "corridors_1990", "countries", "default", "free_movement", "inputs",
    "mappings", "regions12", "regions12_1990", "regions12_1990_2000", "toy", "twins",
)  # fmt: skip


def install(
    build_dir: str | Path, name: str, data: Path | None = None, configs: Path | None = None
) -> Path:
    """Copy a built world into the package's worlds (engine/data/<name>) with its config
    (configs/world/<name>.yaml)."""
    from migsim.core.resources import config_dir, data_dir

    source = Path(build_dir)
    if not (source / "regions.csv").is_file():
        raise InputError(
            str(source), "holds no regions.csv", "a directory written by migsim world build"
        )
    if name in SHIPPED or not name.isidentifier():
        raise InputError(
            "--name",
            f"'{name}' cannot be used",
            "an identifier other than the shipped worlds' names (" + ", ".join(SHIPPED) + ")",
        )
    from migsim.core.world import load_world

    load_world(name, source)  # a world that cannot run is refused before anything is copied
    target = (data or data_dir()) / name
    # a world installed again under its name replaces the earlier one whole (no file of the
    # old build stays beside the new one); the copy is made first, then swapped in
    fresh = target.with_name(f".{name}.installing")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for file in sorted(source.iterdir()):
        if file.is_file():
            shutil.copy(file, fresh / file.name)
    if target.exists():
        old = target.with_name(f".{name}.replaced")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        fresh.rename(target)
    yaml = (configs or config_dir() / "world") / f"{name}.yaml"
    year = (
        (source / "base_year.txt").read_text().strip()
        if (source / "base_year.txt").is_file()
        else ""
    )
    yaml.write_text(
        f"# A world built from country data by `migsim world build` (engine/data/{name}:\n"
        "# provenance and provenance_summary.md there). Its tables describe "
        f"{year or 'the base year'}.\n"
        f'name: {name}\npath: ""\n' + (f"base_year: {year}\n" if year else "")
    )
    return target
