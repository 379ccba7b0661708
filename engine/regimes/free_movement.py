"""Free movement of workers by country pair since 1990, and the `free_movement` component
that turns it into any world's policy of a year.

The typed table is `engine/data/free_movement/events.csv` (country groups in `groups.csv`):
each row says that from `year` on the workers of `origins` have `openness` (0 closed, 1 free,
in between a quota regime) access to the labour markets of `destinations` (and the reverse
when `both`), with its source and whether the value is typed from it or assumed. Expanded
over countries it gives `free_movement.csv`, one row per country pair and change; a pair's
state in a year is its latest row up to that year (rows apply in year order, then file
order), 0 before its first.

A world's region pair (o, d) is as open as the share of its base-year migrant stock that
lives in open country pairs: open(o, d, t) = sum w_ij open_ij(t) / sum w_ij over the country
pairs i in o, j in d, with w_ij the UN stock of i-born in j in the last stock year up to the
world's base year (`weight: stock`, the default). A region pair without any stock falls back
to population products (`weight: population` uses them throughout). The component scales the
calibrated policy cost by the closed share against the base year's,
(1 - open(t)) / (1 - open(base)): the calibration already holds the base year's openness,
so only what changed since acts, and a pair fully open in the base year stays as it is.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import data_dir
from migsim.core.world import World
from migsim.regimes.policy import Policy
from migsim.regimes.registry import component, whole

FIRST_YEAR = 1990
STATUSES = ("typed", "assumed")
WEIGHTS = ("stock", "population")
EVENT_COLUMNS = ("origins", "destinations", "both", "year", "openness", "status", "source")
PAIR_COLUMNS = ("origin", "destination", "year", "openness", "status", "event")


def table_dir() -> Path:
    return data_dir() / "free_movement"


def groups(root: Path | None = None) -> dict[str, list[str]]:
    """Group name -> ISO3 members (groups.csv)."""
    path = (root or table_dir()) / "groups.csv"
    frame = pl.read_csv(path, infer_schema_length=0)
    return {g: m.split() for g, m in zip(frame["group"], frame["members"])}


def events(root: Path | None = None) -> pl.DataFrame:
    """The typed rows (events.csv), checked: one line naming the row and column otherwise."""
    root = root or table_dir()
    path = root / "events.csv"
    frame = pl.read_csv(path, infer_schema_length=0)
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(str(path), f"missing column '{missing[0]}'", ", ".join(EVENT_COLUMNS))
    known = groups(root)
    for i, row in enumerate(frame.iter_rows(named=True)):
        where = f"{path} row {i + 2}"
        for key in ("origins", "destinations"):
            for name in (row[key] or "").split():
                if name not in known and not (len(name) == 3 and name.isupper()):
                    raise InputError(where, f"{key} '{name}'", "a group of groups.csv or ISO3")
        if row["status"] not in STATUSES:
            raise InputError(where, f"status '{row['status']}'", ", ".join(STATUSES))
        if row["both"] not in ("true", "false"):
            raise InputError(where, f"both '{row['both']}'", "true, false")
        if not FIRST_YEAR <= int(row["year"]) <= 2100:
            raise InputError(where, f"year {row['year']}", f"{FIRST_YEAR} to 2100")
        if not 0.0 <= float(row["openness"]) <= 1.0:
            raise InputError(where, f"openness {row['openness']}", "0 to 1")
        if not (row["source"] or "").strip():
            raise InputError(where, "no source", "the published source of the row")
    return frame.with_columns(
        pl.col("year").cast(pl.Int64),
        pl.col("openness").cast(pl.Float64),
        (pl.col("both") == "true").alias("both"),
    )


def _members(names: str, known: dict[str, list[str]]) -> list[str]:
    return [iso for name in names.split() for iso in known.get(name, [name])]


def pairs(root: Path | None = None) -> pl.DataFrame:
    """Every event expanded over country pairs: (origin, destination, year, openness, status,
    event = the events.csv row it comes from, 1 = first data row), sorted."""
    known = groups(root)
    rows = []
    for event, row in enumerate(events(root).iter_rows(named=True), start=1):
        origins, destinations = (
            _members(row["origins"], known),
            _members(row["destinations"], known),
        )
        directions = [(origins, destinations)]
        if row["both"]:
            directions.append((destinations, origins))
        for froms, tos in directions:
            for o in froms:
                for d in tos:
                    if o != d:
                        rows.append((o, d, row["year"], row["openness"], row["status"], event))
    frame = pl.DataFrame(
        rows, schema=dict(zip(PAIR_COLUMNS, (str, str, int, float, str, int))), orient="row"
    )
    # a pair named twice by one event (two of its groups overlap) keeps one row
    frame = frame.unique(subset=["origin", "destination", "event"], keep="last")
    return frame.sort("origin", "destination", "year", "event")


def write_pairs(root: Path | None = None) -> Path:
    """Write free_movement.csv (the pair table) from events.csv and groups.csv."""
    path = (root or table_dir()) / "free_movement.csv"
    pairs(root).write_csv(path, float_precision=3)
    return path


def state(year: int, table: pl.DataFrame | None = None) -> dict[tuple[str, str], float]:
    """(origin, destination) -> openness in force in `year` (pairs not listed: 0)."""
    table = pairs() if table is None else table
    latest = (
        table.filter(pl.col("year") <= year)
        .sort("year", "event")
        .group_by("origin", "destination", maintain_order=True)
        .last()
    )
    return {(o, d): v for o, d, v in latest.select("origin", "destination", "openness").iter_rows()}


def change_years(table: pl.DataFrame | None = None) -> list[int]:
    """The years after 1990 in which some pair's openness changes."""
    table = pairs() if table is None else table
    years = sorted(set(table["year"]) - {FIRST_YEAR})
    return [y for y in years if state(y, table) != state(y - 1, table)]


def counts(root: Path | None = None) -> dict[str, int]:
    """Typed values (one per events.csv row: its year and openness) by status."""
    frame = events(root)
    return {s: int((frame["status"] == s).sum()) for s in STATUSES}


# --- a world's regions --------------------------------------------------------------------


def world_mapping(world: World, where: str) -> pl.DataFrame:
    """The mapping (iso3 -> area) the world was built with (its mapping.csv, else the one its
    sources.json names), else a shipped mapping whose areas are exactly the world's regions;
    one line otherwise."""
    from migsim.worldbuild.mapping import built_mapping

    frame = built_mapping(world.path, list(world.codes))
    if frame is not None:
        return frame.select("iso3", "area")
    raise InputError(
        where,
        f"world '{world.name}' has no country mapping to place the free-movement table in",
        "worlds built by migsim world build (their mapping.csv) or worlds whose regions are "
        "a shipped mapping's areas",
    )


def _last_year(years: list[int], base_year: int) -> int:
    before = [y for y in years if y <= base_year]
    return max(before) if before else min(years)


# (world path, region codes) -> the world's mapping, read once
_MAPPINGS: dict[tuple, pl.DataFrame] = {}


@functools.lru_cache(maxsize=8)
def _weights(path: str, codes: tuple[str, ...], base_year: int, weight: str):
    """(country pairs with region indices and weights, (R, R) total weight per region pair):
    base-year stock weights, population products where a region pair has no stock."""
    from migsim.worldbuild.inputs import Inputs

    inputs = Inputs()
    mapping = _MAPPINGS[(path, codes)]
    index = {c: i for i, c in enumerate(codes)}
    area = dict(zip(mapping["iso3"], mapping["area"]))
    R = len(codes)
    totals = inputs["wpp_totals"]
    pop_year = _last_year(sorted(set(totals["year"])), base_year)
    pop = dict(totals.filter(pl.col("year") == pop_year).select("iso3", "population").iter_rows())
    pop_region = np.zeros(R)
    for iso, p in pop.items():
        if iso in area:
            pop_region[index[area[iso]]] += p or 0.0
    pop_total = np.outer(pop_region, pop_region)
    stock_weight = np.zeros((R, R))
    stock = {}
    if weight == "stock":
        un = inputs["un_stock"]
        stock_year = _last_year(sorted(set(un["year"])), base_year)
        rows = un.filter(pl.col("year") == stock_year, pl.col("stock").is_not_null())
        for o, d, s in rows.select("origin", "destination", "stock").iter_rows():
            if o in area and d in area and s:
                stock[(o, d)] = float(s)
                stock_weight[index[area[o]], index[area[d]]] += float(s)
    use_stock = stock_weight > 0
    return area, index, pop, stock, use_stock, np.where(use_stock, stock_weight, pop_total)


def region_openness(
    world: World, year: int, weight: str = "stock", where: str = "regime"
) -> np.ndarray:
    """(R, R) share of each region pair's weight in country pairs open in `year` (diagonal 0)."""
    key = (str(world.path), tuple(world.codes))
    if key not in _MAPPINGS:
        _MAPPINGS[key] = world_mapping(world, where)
    area, index, pop, stock, use_stock, total = _weights(
        key[0], key[1], int(world.base_year), weight
    )
    R = len(world.codes)
    opened = np.zeros((R, R))
    for (o, d), value in _state_cached(int(year)).items():
        if o not in area or d not in area or value == 0.0:
            continue
        r, s = index[area[o]], index[area[d]]
        w = stock.get((o, d), 0.0) if use_stock[r, s] else (pop.get(o) or 0.0) * (pop.get(d) or 0.0)
        opened[r, s] += w * value
    out = np.divide(opened, total, out=np.zeros((R, R)), where=total > 0)
    np.fill_diagonal(out, 0.0)
    return np.clip(out, 0.0, 1.0)


@functools.lru_cache(maxsize=64)
def _state_cached(year: int) -> dict[tuple[str, str], float]:
    return state(max(year, FIRST_YEAR), _pairs_cached())


@functools.lru_cache(maxsize=1)
def _pairs_cached() -> pl.DataFrame:
    return pairs()


@component(
    "free_movement",
    keys={
        "year": "the year whose free-movement areas apply (default: the world's base year)",
        "weight": "stock (base-year migrant stock, default) or population: the weights of "
        "country pairs inside a region pair",
    },
)
def _free_movement(policy: Policy, world: World, c: Any, where: str) -> None:
    """Free movement by country pair in `year` (engine/data/free_movement), aggregated to the
    world's region pairs: the policy cost falls by the share of the base year's closed
    weight that opened since (migsim.regimes.free_movement); a pair that is fully open then
    has no policy cost and no irregular channel, as inside a bloc."""
    year = whole(c, "year", world.base_year, FIRST_YEAR, 2100, where)
    weight = str(c.get("weight", "stock") if hasattr(c, "get") else "stock")
    if weight not in WEIGHTS:
        raise InputError(f"{where}.weight", f"'{weight}'", ", ".join(WEIGHTS))
    now = region_openness(world, year, weight, where)
    base = region_openness(world, int(world.base_year), weight, where)
    closed = 1.0 - base
    factor = np.where(closed > 1e-12, (1.0 - now) / np.where(closed > 1e-12, closed, 1.0), 1.0)
    np.fill_diagonal(factor, 1.0)
    policy.policy_cost *= factor[:, :, None]
    free = factor == 0.0
    policy.irregular_share[free] = 0.0
