"""The country-level inputs a world is built from (`engine/data/inputs/<name>/`).

Each input is one tidy table, `<name>.csv` or `<name>.csv.gz`, with upper-case ISO3 keys,
beside a `provenance.json` saying where it came from. `Inputs` reads each table once and
remembers which were used, so a built world lists exactly the provenance files it rests on.
A table's values are checked when it is read (migsim.worldbuild.input_checks: numbers,
shares, one row per key, country codes of the `countries` input beside it).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import data_dir
from migsim.worldbuild.input_checks import check_table

# Columns each input must have (a table may carry more).
INPUT_COLUMNS = {
    "countries": ("iso3", "name", "un_region", "un_subregion", "un_development_group"),
    "un_stock": ("year", "origin", "destination", "stock"),
    "un_stock_totals": ("year", "destination", "stock"),
    "wpp_population": ("iso3", "year", "sex", "age_from", "age_to", "population"),
    "wpp_totals": ("iso3", "year", "population"),
    "wpp_vital": ("iso3", "year", "tfr", "life_expectancy_female", "life_expectancy_male"),
    "pwt": ("iso3", "year", "rgdpe", "pop", "labsh", "emp"),
    "wdi_gdp_per_capita": ("iso3", "year", "gdp_per_capita_ppp"),
    "maddison": ("iso3", "year", "gdp_per_capita"),
    "gdp_current_usd": ("iso3", "year", "gdp_usd"),
    "barro_lee": ("iso3", "year", "share_tertiary", "pop_25plus"),
    "barro_lee_ages": ("iso3", "year", "age_from", "age_to", "share_tertiary", "population"),
    "iab_emigration": ("iso3", "sex", "year", "tot_rate", "low_rate", "med_rate", "high_rate"),
    "remittance_inflows": ("iso3", "year", "usd"),
    "remittance_prices": ("sender", "receiver", "year", "cost_pct"),
    "distances": (
        "origin",
        "destination",
        "dist_km",
        "distw_km",
        "contiguous",
        "common_language",
        "colonial_link",
    ),
}
KEY_COLUMNS = ("iso3", "origin", "destination", "sender", "receiver")


def inputs_dir() -> Path:
    """The committed inputs of the source tree (`engine/data/inputs`)."""
    return data_dir() / "inputs"


class Inputs:
    """Lazy reader of the inputs under `root`; `used` lists the inputs read so far."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else inputs_dir()
        self.used: list[str] = []
        self._frames: dict[str, pl.DataFrame] = {}

    def path(self, name: str) -> Path:
        for suffix in (".csv", ".csv.gz"):
            path = self.root / name / f"{name}{suffix}"
            if path.is_file():
                return path
        raise InputError(
            str(self.root / name),
            f"input '{name}' not found",
            f"{name}/{name}.csv or {name}/{name}.csv.gz under {self.root}",
        )

    def has(self, name: str) -> bool:
        return any((self.root / name / f"{name}{s}").is_file() for s in (".csv", ".csv.gz"))

    def __getitem__(self, name: str) -> pl.DataFrame:
        frame = self._read(name)
        if name not in self.used:
            self.used.append(name)
        return frame

    def _read(self, name: str) -> pl.DataFrame:
        """The input `name`, read and checked once (not counted as used)."""
        if name not in self._frames:
            path = self.path(name)
            try:
                frame = pl.read_csv(path, infer_schema_length=100_000)
            except Exception as exc:  # polars raises several exception types for malformed CSV
                raise InputError(
                    str(path), f"cannot be read as CSV ({type(exc).__name__})"
                ) from None
            missing = [c for c in INPUT_COLUMNS.get(name, ()) if c not in frame.columns]
            if missing:
                raise InputError(
                    str(path),
                    f"missing column '{missing[0]}'",
                    "columns " + ", ".join(INPUT_COLUMNS[name]),
                )
            for key in KEY_COLUMNS:
                if key in frame.columns:
                    frame = frame.with_columns(pl.col(key).cast(pl.String).str.to_uppercase())
            # the country codes are those of the countries input beside this one (none to
            # check against without it)
            known = (
                set(self._read("countries")["iso3"])
                if name != "countries" and self.has("countries")
                else None
            )
            check_table(name, frame, path, known)
            self._frames[name] = frame
        return self._frames[name]

    def provenance(self) -> dict[str, object]:
        """Each used input's provenance.json (or a note that it has none), by input name."""
        out: dict[str, object] = {}
        for name in sorted(self.used):
            path = self.root / name / "provenance.json"
            if path.is_file():
                out[name] = json.loads(path.read_text())
            else:
                out[name] = {"note": "no provenance.json beside the input"}
        return out


# How a built world treats the migrants whose origin the bilateral matrix does not know:
# left out, or spread over each destination's known origins (`migsim world build
# --unknown-origin`; the choice is recorded in the world's sources.json)
UNKNOWN_ORIGIN = ("leave", "spread")


def stock_matrix(inputs: Inputs, unknown_origin: str = "spread") -> pl.DataFrame:
    """The bilateral stocks (`un_stock`). With "spread", each destination's known-origin
    stocks of a year are scaled by its total from all origins over their sum
    (`un_stock_totals`), so its stock of unknown origin is shared among its known origins in
    proportion (the default world's rule for the 2013 matrix, engine/data/SOURCES.md); a
    destination without a total, or whose total is below its known stocks, keeps them."""
    if unknown_origin not in UNKNOWN_ORIGIN:
        raise InputError("--unknown-origin", f"'{unknown_origin}'", " or ".join(UNKNOWN_ORIGIN))
    stock = inputs["un_stock"]
    if unknown_origin == "leave":
        return stock
    totals = inputs["un_stock_totals"].select("year", "destination", total="stock")
    known = stock.group_by("year", "destination").agg(known=pl.col("stock").sum())
    factor = (
        known.join(totals, on=["year", "destination"], how="left")
        .with_columns(
            factor=pl.when(pl.col("total") > pl.col("known"))
            .then(pl.col("total") / pl.col("known"))
            .otherwise(1.0)
        )
        .select("year", "destination", "factor")
    )
    return (
        stock.join(factor, on=["year", "destination"], how="left")
        .with_columns(pl.col("stock") * pl.col("factor").fill_null(1.0))
        .drop("factor")
    )


def world_unknown_origin(world_path: Path) -> str:
    """The unknown-origin rule a built world was made with (its sources.json; "leave" for
    a world whose sources.json does not name one, and for worlds not built from the
    inputs)."""
    path = Path(world_path) / "sources.json"
    if not path.is_file():
        return "leave"
    try:
        sources = json.loads(path.read_text())
    except ValueError as exc:
        raise InputError(
            str(path), f"is not valid JSON ({exc})", "the file world build wrote"
        ) from None
    rule = sources.get("unknown_origin", "leave") if isinstance(sources, dict) else None
    if rule not in UNKNOWN_ORIGIN:
        raise InputError(str(path), f"unknown_origin {rule!r}", " or ".join(UNKNOWN_ORIGIN))
    return rule


def built_matrix(world_path: Path, inputs: Inputs | None = None) -> pl.DataFrame:
    """The bilateral stocks read as the world in `world_path` was built from them (its
    unknown-origin rule), so that a world and the data it is compared with count the same
    people."""
    return stock_matrix(inputs or Inputs(), world_unknown_origin(world_path))
