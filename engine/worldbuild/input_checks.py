"""The values each country-level input may hold, checked when `Inputs` reads a table.

One `Table` of rules per input: the key (one row per key), and for each column what its
cells may be: a number (finite; whole where marked) within bounds, a share in [0, 1], one of
a few values, or a country code the build knows (an ISO3 of the `countries` input of the
same inputs directory; a few codes a source carries for areas WPP does not list are allowed
where the shipped input holds them, and the build leaves them out). Cells may be empty only
where the source has gaps (`empty=True`). The first cell that breaks a rule is one
InputError line naming the file, its line, the row's key and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError


@dataclass(frozen=True)
class Cell:
    """What a column's cells may be: `kind` number, whole, share, code or choice."""

    kind: str
    low: float | None = None  # lowest value allowed
    above: bool = False  # the value must be above `low`, not equal to it
    high: float | None = None
    empty: bool = False  # the source leaves some cells empty
    choices: tuple = ()

    def allowed(self) -> str:
        if self.kind == "code":
            return "an ISO3 code of the countries input"
        if self.kind == "choice":
            return " or ".join(map(str, self.choices))
        text = {"share": "a share from 0 to 1", "whole": "a whole number"}.get(
            self.kind, "a finite number"
        )
        if self.kind != "share" and self.low is not None:
            text += f" {'above' if self.above else 'at least'} {self.low:g}"
            if self.high is not None:
                text += f" and at most {self.high:g}"
        return text + (" (or empty)" if self.empty else "")


@dataclass(frozen=True)
class Table:
    key: tuple[str, ...]
    cells: dict[str, Cell]
    other_codes: frozenset = field(default_factory=frozenset)  # codes of non-WPP areas


NUMBER = Cell("number")
YEAR = Cell("whole", 0)
COUNT = Cell("number", 0)  # persons, money: zero allowed
POSITIVE = Cell("number", 0, above=True)  # zero meaningless (a population, a GDP)
SHARE = Cell("share", 0, high=1)
CODE = Cell("code")
FLAG = Cell("whole", 0, high=1)
LEVELS = {f"share_{e}": SHARE for e in ("no_school", "primary", "secondary", "tertiary")}

RULES = {
    "countries": Table(("iso3",), {"iso3": Cell("text")}),
    "un_stock_names": Table(("un_name",), {"un_name": Cell("text"), "iso3": CODE}),
    "un_stock": Table(
        ("year", "origin", "destination"),
        {
            "year": YEAR,
            "origin": CODE,
            "destination": CODE,
            "stock": Cell("number", 0, empty=True),  # empty where the source flags the cell
            "flag": Cell("choice", choices=("..", "-"), empty=True),
        },
    ),
    "un_stock_totals": Table(
        ("year", "destination"), {"year": YEAR, "destination": CODE, "stock": COUNT}
    ),
    "wpp_population": Table(
        ("iso3", "year", "sex", "age_from"),
        {
            "iso3": CODE,
            "year": YEAR,
            "sex": Cell("choice", choices=("F", "M")),
            "age_from": Cell("whole", 0),
            "age_to": Cell("whole", 0, empty=True),  # empty for the open top group
            "population": COUNT,
        },
    ),
    "wpp_totals": Table(("iso3", "year"), {"iso3": CODE, "year": YEAR, "population": POSITIVE}),
    "wpp_vital": Table(
        ("iso3", "year"),
        {
            "iso3": CODE,
            "year": YEAR,
            "tfr": POSITIVE,
            "life_expectancy": POSITIVE,
            "life_expectancy_female": POSITIVE,
            "life_expectancy_male": POSITIVE,
        },
    ),
    "pwt": Table(
        ("iso3", "year"),
        {
            "iso3": CODE,
            "year": YEAR,
            "rgdpe": POSITIVE,
            "pop": POSITIVE,
            "labsh": Cell("share", 0, high=1, empty=True),
            "hc": Cell("number", 0, above=True, empty=True),
            "emp": Cell("number", 0, empty=True),
            "pl_gdpo": NUMBER,  # PWT holds a few negative price levels
        },
    ),
    "wdi_gdp_per_capita": Table(
        ("iso3", "year"),
        {"iso3": CODE, "year": YEAR, "gdp_per_capita_ppp": POSITIVE},
        frozenset({"KOS"}),  # Kosovo, not a WPP area
    ),
    "maddison": Table(("iso3", "year"), {"iso3": CODE, "year": YEAR, "gdp_per_capita": POSITIVE}),
    "gdp_current_usd": Table(("iso3", "year"), {"iso3": CODE, "year": YEAR, "gdp_usd": POSITIVE}),
    "barro_lee": Table(
        ("iso3", "year"),
        {"iso3": CODE, "year": YEAR, **LEVELS, "years_schooling": COUNT, "pop_25plus": COUNT},
    ),
    "barro_lee_ages": Table(
        ("iso3", "year", "age_from"),
        {
            "iso3": CODE,
            "year": YEAR,
            "age_from": Cell("whole", 0),
            "age_to": Cell("whole", 0),
            **LEVELS,
            "population": COUNT,
        },
    ),
    "iab_emigration": Table(
        ("iso3", "sex", "year"),
        {
            "iso3": CODE,
            "sex": Cell("choice", choices=("both", "female", "male")),
            "year": YEAR,
            **{f"{e}_rate": SHARE for e in ("tot", "low", "med", "high")},
        },
    ),
    "remittance_inflows": Table(
        ("iso3", "year"), {"iso3": CODE, "year": YEAR, "usd": COUNT}, frozenset({"XKX"})
    ),
    "remittance_prices": Table(
        ("sender", "receiver", "year", "quarter"),
        {
            "sender": CODE,
            "receiver": CODE,
            "year": YEAR,
            "quarter": Cell("whole", 1, high=4),
            "cost_pct": NUMBER,  # the survey holds a few negative costs
        },
        frozenset({"XKX"}),
    ),
    "distances": Table(
        ("origin", "destination"),
        {
            "origin": CODE,
            "destination": CODE,
            "dist_km": COUNT,
            "distw_km": Cell("number", 0, empty=True),  # empty where CEPII has none
            "contiguous": FLAG,
            "common_language": FLAG,
            "colonial_link": FLAG,
        },
        frozenset({"CCK", "CXR", "NFK", "PCN"}),  # valid ISO3, not WPP areas
    ),
    "abel_sander_flows": Table(
        ("origin", "destination", "period_start"),
        {"origin": CODE, "destination": CODE, "period_start": YEAR, "flow": COUNT},
    ),
}


def _empty(column: pl.Series) -> pl.Series:
    """Whether each cell is empty (no value, or only spaces)."""
    if column.dtype == pl.String:
        return column.is_null() | (column.str.strip_chars() == "")
    return column.is_null()


def _bad(column: pl.Series, cell: Cell, known: set[str] | None) -> pl.Series:
    """Whether each cell breaks the rule (empty cells apart)."""
    present = ~_empty(column)
    if cell.kind in ("text", "choice", "code"):
        text = column.cast(pl.String)
        if cell.kind == "text":
            return present & False
        if cell.kind == "choice":
            return present & ~text.is_in([str(c) for c in cell.choices])
        return present & ~text.is_in(sorted(known)) if known is not None else present & False
    if not column.dtype.is_numeric():  # a cell polars could not read as a number
        values = column.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        bad = present & (values.is_null() | ~values.is_finite())
        return bad if bad.any() else present
    values = column.cast(pl.Float64)
    bad = present & ~values.is_finite()
    if cell.kind == "whole" and column.dtype.is_float():
        bad = bad | (present & (values != values.floor()))
        if not bad.any():
            return present  # whole numbers written with decimals: not a column of whole numbers
    if cell.low is not None:
        bad = bad | (present & ((values <= cell.low) if cell.above else (values < cell.low)))
    if cell.high is not None:
        bad = bad | (present & (values > cell.high))
    return bad.fill_null(False)


def check_table(name: str, frame: pl.DataFrame, path: Path, known: set[str] | None) -> None:
    """Refuse the first cell of `frame` (input `name`, read from `path`) that breaks its
    rules, and a key given twice; `known` is the ISO3 codes of the countries input (None:
    codes are not checked)."""
    table = RULES.get(name)
    if table is None:
        return
    codes = None if known is None else known | table.other_codes
    where = lambda i: f"{path} line {i + 2}"  # noqa: E731  (line 1 is the header)

    def key_of(i: int) -> str:
        return " ".join(str(frame[k][i]) for k in table.key if k in frame.columns)

    for column, cell in table.cells.items():
        if column not in frame.columns:
            continue
        series = frame[column]
        empty = _empty(series)
        if not cell.empty and empty.any():
            i = int(empty.arg_true()[0])
            raise InputError(where(i), f"{column} is empty ({key_of(i)})", cell.allowed())
        bad = _bad(series, cell, codes)
        if bad.any():
            i = int(bad.arg_true()[0])
            value = series[i]
            raise InputError(where(i), f"{column} {value!r} ({key_of(i)})", cell.allowed())
    key = [k for k in table.key if k in frame.columns]
    twice = frame.select(key).is_duplicated()
    if twice.any():
        first = frame.select(key).row(int(twice.arg_true()[0]))
        rows = (
            frame.with_row_index("_i")
            .filter(pl.all_horizontal(pl.col(k) == v for k, v in zip(key, first)))["_i"]
            .to_list()
        )
        raise InputError(
            where(rows[0]),
            f"{' '.join(map(str, first))} has {len(rows)} rows (lines "
            + ", ".join(str(i + 2) for i in rows)
            + ")",
            f"one row per {', '.join(key)}",
        )
