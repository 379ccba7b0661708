"""A scenario table read, checked and interpolated.

Rows are `(year, region, variable, value)`:

- `year`: a calendar year; rows at or before the run's base year are not used (the world's
  tables are the base year, and every path starts from the world's own base-year value);
- `region`: a region code of the world, or `all`, `developed`, `developing` (a row for a
  group applies to each of its regions; a region's own row wins over a group's);
- `variable`: one of `VARIABLES`;
- `value`: the variable's level in that year, in the unit `VARIABLES` gives.

Between given years a path is interpolated (incomes and populations log-linearly, rates
linearly); after the last given year it holds the last value; regions without rows keep
their base-year value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.world import World

# variable -> (unit, interpolation, lowest, highest)
VARIABLES: dict[str, tuple[str, str, float, float]] = {
    "gdp_per_capita": ("PPP $ per person", "log", 1.0, 1e7),
    "total_fertility": ("children per woman", "linear", 0.0, 15.0),
    "life_expectancy": ("years at birth, both sexes", "linear", 15.0, 120.0),
    "life_expectancy_female": ("years at birth", "linear", 15.0, 120.0),
    "life_expectancy_male": ("years at birth", "linear", 15.0, 120.0),
    "population": ("people (a projection to compare with; never forced)", "log", 1.0, 1e11),
    "cohort_tertiary_share": (
        "share of a cohort completing tertiary education at the base-year emigration prospects",
        "linear",
        0.0,
        1.0,
    ),
    "price_level": ("US$ per PPP $, the United States' 1 in the same year", "log", 0.01, 20.0),
}
GROUPS = ("all", "developed", "developing")
COLUMNS = {"year": pl.Int64, "region": pl.String, "variable": pl.String, "value": pl.Float64}


def base_values(world: World, variable: str) -> np.ndarray:
    """(R,) the world's base-year value of `variable`."""
    le = world.life_expectancy
    return {
        "gdp_per_capita": world.gdp_per_capita,
        "total_fertility": world.total_fertility,
        "life_expectancy": le.mean(axis=1),
        "life_expectancy_female": le[:, 0],
        "life_expectancy_male": le[:, 1],
        "population": world.population,
        "cohort_tertiary_share": world.cohort_tertiary_share,
        "price_level": world.price_level,
    }[variable].astype(np.float64)


@dataclass
class Scenario:
    """A scenario's paths for one world: `points[variable]` = (years (T,), values (T, R)),
    the world's base-year value first."""

    name: str
    base_year: int
    points: dict[str, tuple[np.ndarray, np.ndarray]]

    def has(self, variable: str) -> bool:
        return variable in self.points

    def value(self, variable: str, year: int) -> np.ndarray:
        """(R,) the variable's value in `year` (interpolated; the last value after the table)."""
        years, values = self.points[variable]
        if year >= years[-1]:
            return values[-1].copy()
        if year <= years[0]:
            return values[0].copy()
        k = int(np.searchsorted(years, year, side="right"))
        y0, y1 = years[k - 1], years[k]
        w = (year - y0) / (y1 - y0)
        a, b = values[k - 1], values[k]
        if VARIABLES[variable][1] == "log":
            return np.exp(np.log(a) + w * (np.log(b) - np.log(a)))
        return a + w * (b - a)

    def factor(self, variable: str, year: int) -> np.ndarray:
        """(R,) the variable's value in `year` relative to the base year."""
        years, values = self.points[variable]
        return self.value(variable, year) / values[0]


def read_table(path: str | Path, where: str) -> pl.DataFrame:
    """The scenario file as a frame of COLUMNS (one line naming the file otherwise)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(where, "no such file", "a CSV or Parquet file of year, region, ...")
    try:
        if p.suffix == ".parquet":
            frame = pl.read_parquet(p)
        else:
            frame = pl.read_csv(p, infer_schema_length=0, comment_prefix="#")
    except Exception as exc:  # noqa: BLE001  (a damaged file: say so in one line)
        raise InputError(
            where, f"cannot be read ({type(exc).__name__})", "CSV or Parquet"
        ) from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            where, f"has no column {missing[0]}", "columns year, region, variable, value"
        )
    try:
        frame = frame.select(pl.col(c).cast(t, strict=True) for c, t in COLUMNS.items())
    except Exception:  # noqa: BLE001
        for c, t in COLUMNS.items():
            bad = frame.filter(pl.col(c).cast(t, strict=False).is_null() & pl.col(c).is_not_null())
            if bad.height:
                raise InputError(
                    f"{where}: column {c}",
                    f"'{bad[c][0]}' is not {'an integer' if t == pl.Int64 else 'a number'}",
                    "year: integers; value: numbers",
                ) from None
        raise
    nulls = frame.filter(pl.any_horizontal(pl.all().is_null()))
    if nulls.height:
        raise InputError(where, "has an empty cell", "a value in every column of every row")
    return frame


def load_scenario(path: str | Path, world: World, base_year: int, name: str = "") -> Scenario:
    """The scenario table at `path` checked against `world` (one line, exit 2, naming the
    file, row and what is wrong)."""
    where = f"scenario.path={path}"
    frame = read_table(path, where)
    unknown = frame.filter(~pl.col("variable").is_in(list(VARIABLES)))
    if unknown.height:
        raise InputError(f"{where}: variable", f"'{unknown['variable'][0]}'", ", ".join(VARIABLES))
    codes = list(world.codes)
    bad = frame.filter(~pl.col("region").is_in(codes + list(GROUPS)))
    if bad.height:
        shown = ", ".join(codes[:20]) + (", ..." if len(codes) > 20 else "")
        raise InputError(
            f"{where}: region",
            f"'{bad['region'][0]}' is not a region of world '{world.name}'",
            f"{shown}, or {', '.join(GROUPS)}",
        )
    for variable, (unit, _, lo, hi) in VARIABLES.items():
        rows = frame.filter(pl.col("variable") == variable)
        out = rows.filter(~pl.col("value").is_between(lo, hi) | pl.col("value").is_nan())
        if out.height:
            r = out.row(0, named=True)
            raise InputError(
                f"{where}: {variable} {r['region']} {r['year']}",
                f"{r['value']} is out of range",
                f"{lo:g} to {hi:g} ({unit})",
            )
    years = frame.filter(~pl.col("year").is_between(1800, 2500))
    if years.height:
        raise InputError(
            f"{where}: year", f"{years['year'][0]} is out of range", "1800 to 2500 (as timing keys)"
        )
    dup = frame.group_by("year", "region", "variable").len().filter(pl.col("len") > 1)
    if dup.height:
        r = dup.row(0, named=True)
        raise InputError(
            where,
            f"gives {r['variable']} of {r['region']} in {r['year']} twice",
            "one row per year, region and variable",
        )
    frame = frame.filter(pl.col("year") > base_year)
    groups = {
        "all": np.ones(world.n_regions, bool),
        "developed": np.asarray(world.developed, bool),
        "developing": ~np.asarray(world.developed, bool),
    }
    points = {}
    for variable in VARIABLES:
        rows = frame.filter(pl.col("variable") == variable)
        if not rows.height:
            continue
        base = base_values(world, variable)
        years = np.array(sorted(set(rows["year"].to_list())), dtype=np.int64)
        # per region: its own given years, or its group's, then interpolated onto `years`
        values = np.empty((years.size + 1, world.n_regions))
        values[0] = base
        for r, code in enumerate(codes):
            own = rows.filter(pl.col("region") == code)
            if not own.height:
                for g in GROUPS:
                    if groups[g][r] and rows.filter(pl.col("region") == g).height:
                        own = rows.filter(pl.col("region") == g)
                        break
            given = own.sort("year")
            yy = np.concatenate([[base_year], given["year"].to_numpy()]).astype(np.float64)
            vv = np.concatenate([[base[r]], given["value"].to_numpy()])
            if VARIABLES[variable][1] == "log":
                values[1:, r] = np.exp(np.interp(years, yy, np.log(vv)))
            else:
                values[1:, r] = np.interp(years, yy, vv)
        points[variable] = (np.concatenate([[base_year], years]), values)
    return Scenario(name or Path(path).stem, int(base_year), points)
