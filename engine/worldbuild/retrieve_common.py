"""What the retrievers of migsim.worldbuild.retrieve share: where the inputs live, the years
they keep, the code tables that map old or source-specific codes to ISO3, and the writer
that gives identical bytes on a rerun."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl

INPUTS = Path(__file__).resolve().parent.parent / "data" / "inputs"

# WPP years every input uses: estimates to 2020, medium-variant projections after.
WPP_YEARS = (1990, 1995, 2000, 2005, 2010, 2015, 2020, 2030, 2040, 2050)
LAST_MIGRATION_YEAR = 2010

# Codes retired from ISO 3166 that older sources still use, mapped to today's code.
# ANT (Netherlands Antilles, dissolved 2010) goes to Curacao, its largest part and former
# capital; Sint Maarten and Bonaire, Sint Eustatius and Saba get no rows from it.
OLD_CODES = {
    "ROM": "ROU",
    "ZAR": "COD",
    "TMP": "TLS",
    "PAL": "PSE",
    "YUG": "SRB",
    "ANT": "CUW",
    "KSV": "XKX",
}

# UN DESA stock names that differ from WPP 2019's location names. None do in the 2019
# revision; the table is kept so a later cut can add its exceptions by hand.
UN_NAME_EXCEPTIONS: dict[str, str] = {}

# Barro-Lee's own codes: ROM is the Republic of Moldova there (Romania is ROU), SER is Serbia.
BARRO_LEE_CODES = {"ROM": "MDA", "SER": "SRB"}


def _modern(column: str) -> pl.Expr:
    return pl.col(column).str.to_uppercase().replace(OLD_CODES)


def _write(frame: pl.DataFrame, name: str, out_dir: Path | str = INPUTS, gz: bool = False) -> Path:
    """Write `frame` as CSV; gzip with a zero timestamp so reruns give identical bytes."""
    folder = Path(out_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    if not gz:
        path = folder / f"{name}.csv"
        frame.write_csv(path)
        return path
    path = folder / f"{name}.csv.gz"
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out,
    ):
        out.write(frame.write_csv().encode())
    return path


def _locid_to_iso3(country_file: Path | str) -> pl.DataFrame:
    geo = pl.read_csv(country_file, schema_overrides={"country": pl.Utf8}, infer_schema_length=0)
    return geo.select(pl.col("country").cast(pl.Int64).alias("un_code"), "iso3")
