"""The country-level inputs a world is built from (`engine/data/inputs/<name>/`).

Each input is one tidy table, `<name>.csv` or `<name>.csv.gz`, with upper-case ISO3 keys,
beside a `provenance.json` saying where it came from. `Inputs` reads each table once and
remembers which were used, so a built world lists exactly the provenance files it rests on.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import data_dir

# Columns each input must have (a table may carry more).
INPUT_COLUMNS = {
    "countries": ("iso3", "name", "un_region", "un_subregion", "un_development_group"),
    "un_stock": ("year", "origin", "destination", "stock"),
    "wpp_population": ("iso3", "year", "sex", "age_from", "age_to", "population"),
    "wpp_totals": ("iso3", "year", "population"),
    "wpp_vital": ("iso3", "year", "tfr", "life_expectancy_female", "life_expectancy_male"),
    "pwt": ("iso3", "year", "rgdpe", "pop", "labsh", "emp"),
    "wdi_gdp_per_capita": ("iso3", "year", "gdp_per_capita_ppp"),
    "gdp_current_usd": ("iso3", "year", "gdp_usd"),
    "barro_lee": ("iso3", "year", "share_tertiary", "pop_25plus"),
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
        if name not in self._frames:
            path = self.path(name)
            frame = pl.read_csv(path, infer_schema_length=100_000)
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
            self._frames[name] = frame
            self.used.append(name)
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
