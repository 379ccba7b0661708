"""Cut the IAB brain-drain data's emigration rates (Brücker, Capuano & Marfouk 2013) into the
tidy `iab_emigration` input: by origin country, sex and census year 1980-2010, the share of
an origin's population aged 25 and over (residents plus emigrants) living in 20 OECD
destinations, for all education levels and for the low-, medium- and high-skilled.

A world takes the education and sex of its migrants into those 20 destinations from it
(migsim.worldbuild.skills); before, every corridor's tertiary and female shares were the
hand-set values of the default world's pair of regions.

    python -m migsim.worldbuild.retrieve iab_emigration iabbd_8010_v1_emigration.dta

Reading Stata files takes pandas (`pip install -e .[retrieve]`); nothing else does.
"""

from __future__ import annotations

import struct
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.worldbuild.retrieve_common import INPUTS, _write

# IAB's origin codes that are not ISO 3166 alpha-3, with the ISO3 the countries input uses.
# Serbia and Montenegro is one origin in IAB's data: its rates stand for both.
CODE_TO_ISO3 = {
    "ADO": ("AND",),
    "NAU": ("NRU",),
    "ROM": ("ROU",),
    "SIN": ("SGP",),
    "SRB&MNE": ("SRB", "MNE"),
    "TMP": ("TLS",),
    "UAE": ("ARE",),
    "WBG": ("PSE",),
    "ZAR": ("COD",),
}
NOT_COUNTRIES = {"WLD"}
SEXES = {"Male and Female": "both", "Male": "male", "Female": "female"}
RATES = ("tot_rate", "low_rate", "med_rate", "high_rate")


def _read_stata(path: Path | str) -> pl.DataFrame:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError(
            str(path), "reading a Stata file needs pandas", "pip install -e .[retrieve]"
        ) from None
    try:
        frame = pd.read_stata(path)
    except (ValueError, OSError, EOFError, IndexError, KeyError, struct.error) as err:
        raise InputError(str(path), f"not a readable Stata file ({err})", "a .dta file") from None
    return pl.from_dict({c: frame[c].tolist() for c in frame.columns})


def iab_emigration(
    dta_file: Path | str,
    country_file: Path | str = INPUTS / "countries" / "countries.csv",
    out_dir: Path | str = INPUTS,
) -> Path:
    """`iabbd_8010_v1_emigration.dta` (origin, ccode_origin, gender, year, tot_rate,
    low_rate, med_rate, high_rate) to `iso3,sex,year,tot_rate,low_rate,med_rate,high_rate`.
    A code that is neither a country of `country_file`, an entry of CODE_TO_ISO3 nor in
    NOT_COUNTRIES stops the cut, as does a rate outside [0, 1] (IAB gives Guyana's and
    Barbados's high-skilled rates up to 0.995, and Lesotho's as 1 in one year)."""
    raw = _read_stata(dta_file)
    need = ["ccode_origin", "gender", "year", *RATES]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise InputError(str(dta_file), f"missing columns {missing}", ", ".join(need))
    known = set(pl.read_csv(country_file, infer_schema_length=0)["iso3"])
    rows = []
    for rec in raw.select(need).iter_rows(named=True):
        code = rec["ccode_origin"]
        if code in NOT_COUNTRIES:
            continue
        codes = CODE_TO_ISO3.get(code) or ((code,) if code in known else None)
        if codes is None:
            raise InputError(
                str(dta_file),
                f"origin code {code!r} is no country",
                "an ISO3 of the countries input, an entry of CODE_TO_ISO3 or of NOT_COUNTRIES",
            )
        if rec["gender"] not in SEXES:
            raise InputError(str(dta_file), f"gender {rec['gender']!r}", ", ".join(SEXES))
        rates = [float(rec[r]) for r in RATES]
        if not all(0.0 <= r <= 1.0 for r in rates):
            raise InputError(str(dta_file), f"a rate of {code} outside [0, 1]: {rates}", "[0, 1]")
        for iso3 in codes:
            rows.append(
                (iso3, SEXES[rec["gender"]], int(rec["year"]), *(round(r, 6) for r in rates))
            )
    frame = pl.DataFrame(rows, schema=["iso3", "sex", "year", *RATES], orient="row").sort(
        "iso3", "sex", "year"
    )
    if frame.select(pl.struct("iso3", "sex", "year").is_duplicated().any()).item():
        raise InputError(str(dta_file), "two origins map to one country", "one row per year")
    if frame["year"].max() > 2010:
        raise InputError(str(dta_file), "years after 2010", "census years up to 2010")
    return _write(frame, "iab_emigration", out_dir)
