"""The bilateral tables of a built world: migrant stocks, intra-area stocks, distances and
ties between areas, and the stock history by UN area.

Country pairs are summed (stocks) or averaged with weights pop_i * pop_j (CEPII's
population-weighted distance, `distw`, else the simple one) into area pairs. An area pair is
contiguous, shares a language or a colonial link if any of its country pairs does.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl

from migsim.core.world_education import migrant_secondary_share
from migsim.worldbuild.countries import BASE_YEAR, un_area_of
from migsim.worldbuild.provenance import Provenance
from migsim.worldbuild.skills import IAB_DESTINATIONS, SOURCES

SHARE_COLUMNS = ("female_share", "tertiary_share")
# the secondary share of migrants without a degree, weighted by the stock without a degree
SECONDARY = "secondary_share"
# what a share column falls back on where the IAB data do not reach: (method, its sources,
# the note of a wholly assumed value, what the assumed part of an imputed one is)
_DEFAULT_WORLD = (
    "default-world",
    "default world+un_stock",
    "stock-weighted over regions12 pairs of the default world",
    "the stock at the default world's share",
)
FALLBACK = {
    "female_share": _DEFAULT_WORLD,
    "tertiary_share": _DEFAULT_WORLD,
    SECONDARY: (
        "selection",
        "barro_lee+un_stock",
        "origin residents' odds of secondary schooling x MIGRANT_SELECTION",
        "the stock without a degree at the assumed selection",
    ),
}

TIES = ("contiguous", "common_language", "colonial_link")


def stock_tables(
    stock: pl.DataFrame,
    records: list[dict],
    shares: dict[tuple[str, str], tuple[float, float]],
    prov: Provenance,
    base_year: int = BASE_YEAR,
    measured: dict[str, dict[str, float]] | None = None,
    residents: tuple[dict[str, float], float] | None = None,
) -> tuple[list[list[str]], list[list[str]], dict[str, float]]:
    """migrant_stock rows (area pairs with a positive base-year stock), intra-area rows (every
    area) and what was left out (stocks whose origin is not a country, e.g. unknown).

    `shares` gives the default world's (female, tertiary) shares by pair of regions12 areas;
    `measured` the female, tertiary and secondary shares of an origin country's emigrants
    into the IAB destinations ({"female_share": {iso3: share}, "tertiary_share": {...},
    "secondary_share": {...}}; migsim.worldbuild.skills), which replace the default's on those
    country pairs. With `residents` (the origins' secondary shares of residents without a
    degree and the world's, `skills.resident_secondary_shares`) the rows carry a fifth
    column, the secondary share of the pair's migrants without a degree: measured, else the
    origin's residents' selected upwards (`assumed:selection`)."""
    measured = measured or {}
    with_secondary = residents is not None and np.isfinite(residents[1])
    area = {r["iso3"]: r["area"] for r in records}
    r12 = {r["iso3"]: r["regions12"] for r in records}
    year = stock.filter((pl.col("year") == base_year) & (pl.col("origin") != pl.col("destination")))
    columns = (*SHARE_COLUMNS, SECONDARY) if with_secondary else SHARE_COLUMNS
    # per area pair: stock, and by column [weight x share, weight, the weight measured]; the
    # weight is the stock, or for the secondary share the stock without a degree
    pairs: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"s": 0.0, "n": 0, **{c: [0.0, 0.0, 0.0] for c in columns}}
    )
    intra: dict[str, float] = defaultdict(float)
    intra_pairs: dict[str, int] = defaultdict(int)
    left_out = {"unknown_origin": 0.0}
    for o, d, s in year.select("origin", "destination", "stock").iter_rows():
        s = float(s or 0.0)
        if o not in area or d not in area:
            left_out["unknown_origin"] += s
            continue
        a, b = area[o], area[d]
        if a == b:
            intra[a] += s
            intra_pairs[a] += 1
            continue
        cell = pairs[(a, b)]
        cell["s"] += s
        cell["n"] += 1
        pair = {}
        for column, default in zip(SHARE_COLUMNS, shares[(r12[o], r12[d])]):
            pair[column] = _add(cell[column], s, measured.get(column, {}), o, d, default)
        if with_secondary:
            # (a pair whose migrants all hold a degree keeps a stock-weighted value)
            w = s * max(1.0 - pair["tertiary_share"], 1e-9)
            assumed = migrant_secondary_share(residents[0].get(o, residents[1]))
            _add(cell[SECONDARY], w, measured.get(SECONDARY, {}), o, d, assumed)
    stock_rows = []
    for (a, b), cell in sorted(pairs.items()):
        s, n = cell["s"], cell["n"]
        if s <= 0:
            continue
        key = f"{a}>{b}"
        stock_rows.append([a, b, f"{s:.0f}", *(f"{cell[c][0] / cell[c][1]:.4f}" for c in columns)])
        prov.add(
            "migrant_stock_2013.csv",
            key,
            "migrants",
            "data" if n == 1 else "aggregated",
            "un_stock",
        )
        for column in columns:
            _share_provenance(prov, key, column, n, *cell[column][1:])
    intra_rows = []
    for a in sorted({r["area"] for r in records}):
        intra_rows.append([a, f"{intra[a]:.0f}"])
        prov.add(
            "intra_region_migrants_2013.csv",
            a,
            "migrants",
            "aggregated" if intra_pairs[a] else "data",
            "un_stock",
            "" if intra_pairs[a] else "no pair of distinct countries in the area",
        )
    return stock_rows, intra_rows, left_out


def _add(cell: list[float], weight: float, by_origin: dict, o: str, d: str, fallback: float):
    """Add a country pair's share to its area pair's cell [weight x share, weight, measured
    weight]: the origin's measured share into an IAB destination, else `fallback`."""
    measured = d in IAB_DESTINATIONS and o in by_origin
    value = by_origin[o] if measured else fallback
    cell[0] += weight * value
    cell[1] += weight
    cell[2] += weight if measured else 0.0
    return value


def _share_provenance(
    prov: Provenance, key: str, column: str, n: int, weight: float, part: float
) -> None:
    """`data`/`aggregated` where every country pair was measured, `assumed:<fallback>` where
    none was, `imputed:<fallback>` (the note gives the assumed part) in between."""
    name, sources, assumed_note, what = FALLBACK[column]
    if part <= 0:
        method, source, note = f"assumed:{name}", sources, assumed_note
    elif part >= weight * (1 - 1e-12):
        method, source, note = ("data" if n == 1 else "aggregated"), SOURCES[column], ""
    else:
        method, source = f"imputed:{name}", f"{SOURCES[column]}+{sources}"
        note = f"{1 - part / weight:.1%} of {what}"
    prov.add("migrant_stock_2013.csv", key, column, method, source, note)


def _country_matrices(distances: pl.DataFrame, records: list[dict]):
    """Distance (km, NaN where unknown), ties and whether CEPII has the pair at all, between
    the mapped countries, symmetric."""
    index = {r["iso3"]: i for i, r in enumerate(records)}
    n = len(records)
    dist = np.full((n, n), np.nan)
    ties = {t: np.zeros((n, n)) for t in TIES}
    listed = np.zeros((n, n), dtype=bool)
    for row in distances.iter_rows(named=True):
        i, j = index.get(row["origin"]), index.get(row["destination"])
        if i is None or j is None or i == j:
            continue
        listed[i, j] = listed[j, i] = True
        d = row["distw_km"] if row["distw_km"] is not None else row["dist_km"]
        if d is not None and d == d and d > 0:
            dist[i, j] = d
        for t in TIES:
            ties[t][i, j] = max(ties[t][i, j], float(row[t] or 0))
    dist = np.where(np.isnan(dist), dist.T, np.where(np.isnan(dist.T), dist, (dist + dist.T) / 2))
    for t in TIES:
        ties[t] = np.maximum(ties[t], ties[t].T)
    return dist, ties, listed


def _impute_distances(dist: np.ndarray, records: list[dict]) -> np.ndarray:
    """Fill unknown country distances: the mean distance from the other countries of the
    country's UN subregion (else UN region) to the partner. Returns the imputed mask."""
    n = len(records)
    missing = np.isnan(dist) & ~np.eye(n, dtype=bool)
    known = dist.copy()
    for key in ("un_subregion", "un_region"):
        groups: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(records):
            groups[r[key]].append(i)
        for i, j in np.argwhere(np.isnan(dist) & ~np.eye(n, dtype=bool)):
            values = [
                known[k, j]
                for k in groups[records[i][key]]
                if k != i and k != j and not np.isnan(known[k, j])
            ]
            values += [
                known[i, k]
                for k in groups[records[j][key]]
                if k != j and k != i and not np.isnan(known[i, k])
            ]
            if values:
                dist[i, j] = dist[j, i] = float(np.mean(values))
    if np.isnan(dist[~np.eye(n, dtype=bool)]).any():
        dist[np.isnan(dist) & ~np.eye(n, dtype=bool)] = float(np.nanmean(known))
    return missing


def bilateral_table(
    distances: pl.DataFrame, records: list[dict], prov: Provenance
) -> list[list[str]]:
    """bilateral.csv rows: every ordered pair of distinct areas."""
    dist, ties, listed = _country_matrices(distances, records)
    imputed = _impute_distances(dist, records)
    codes = sorted({r["area"] for r in records})
    member = np.zeros((len(records), len(codes)))
    col = {c: k for k, c in enumerate(codes)}
    for i, r in enumerate(records):
        member[i, col[r["area"]]] = 1.0
    pop = np.array([r["population"] for r in records])
    weight = np.outer(pop, pop)
    np.fill_diagonal(weight, 0.0)
    dist0 = np.nan_to_num(dist)
    num = member.T @ (weight * dist0) @ member
    den = member.T @ weight @ member
    part = member.T @ (weight * imputed) @ member
    pairs = member.T @ np.ones_like(weight) @ member
    simple = member.T @ dist0 @ member  # unweighted, for areas without population
    any_tie = {t: (member.T @ ties[t] @ member) > 0 for t in TIES}
    unlisted = member.T @ (~listed & ~np.eye(len(records), dtype=bool)) @ member
    rows = []
    for a in codes:
        for b in codes:
            if a == b:
                continue
            i, j = col[a], col[b]
            km = num[i, j] / den[i, j] if den[i, j] > 0 else simple[i, j] / pairs[i, j]
            rows.append([a, b, f"{max(km, 1.0):.0f}", *(str(int(any_tie[t][i, j])) for t in TIES)])
            key, many = f"{a}>{b}", pairs[i, j] > 1
            if part[i, j] > 0:
                share = part[i, j] / den[i, j] if den[i, j] > 0 else 1.0
                prov.add(
                    "bilateral.csv",
                    key,
                    "distance_km",
                    "imputed:subregion-mean",
                    "distances",
                    f"{100 * share:.2f}% of the weight imputed",
                )
            else:
                prov.add(
                    "bilateral.csv",
                    key,
                    "distance_km",
                    "aggregated" if many else "data",
                    "distances",
                    "population-weighted distw" if many else "",
                )
            for t in TIES:
                how, note = ("aggregated", "1 if any country pair") if many else ("data", "")
                if not any_tie[t][i, j] and unlisted[i, j] > 0:
                    # a pair CEPII does not list counts as 0 (South Sudan, for one)
                    how = "imputed:zero"
                    note = f"{unlisted[i, j]:.0f} of {pairs[i, j]:.0f} country pairs not in CEPII"
                prov.add("bilateral.csv", key, t, how, "distances", note)
    return rows


def stock_history(
    stock: pl.DataFrame, countries: pl.DataFrame, prov: Provenance, last_year: int | None = None
) -> list[list[str]]:
    """Migrant stocks by the destination's UN area and the world, every year of the input up
    to `last_year` (default: all; origins of every kind, unknown included)."""
    if last_year is not None:
        stock = stock.filter(pl.col("year") <= last_year)
    area = {
        r["iso3"]: un_area_of(r["un_region"] or "", r["un_subregion"] or "")
        for r in countries.iter_rows(named=True)
    }
    frame = stock.filter(pl.col("origin") != pl.col("destination")).with_columns(
        un_area=pl.col("destination").replace_strict(area, default="")
    )
    by_area = (
        frame.filter(pl.col("un_area") != "").group_by("un_area", "year").agg(pl.col("stock").sum())
    )
    world = frame.group_by("year").agg(pl.col("stock").sum()).with_columns(un_area=pl.lit("World"))
    rows = []
    for un_area, year, migrants in (
        pl.concat([by_area, world.select(by_area.columns)]).sort("un_area", "year").iter_rows()
    ):
        rows.append([un_area, str(int(year)), f"{migrants:.0f}"])
        prov.add(
            "stock_history.csv",
            f"{un_area}>{int(year)}",
            "migrants",
            "aggregated",
            "un_stock+countries",
        )
    return rows


def corridor_growth(
    stock: pl.DataFrame,
    records: list[dict],
    years: tuple[int, int],
    clip: tuple[float, float],
    prov: Provenance,
) -> list[list[str]]:
    """stock_growth.csv rows: every ordered pair of distinct areas with its yearly growth
    g = (S_to / S_from)^(1 / (to - from)) - 1 of the area pair's summed stock, clipped to
    `clip`. A pair with no stock in either year gets no row (the calibration then uses the
    uniform behaviour.stock_growth)."""
    start, end = years
    area = {r["iso3"]: r["area"] for r in records}
    sums: dict[tuple[str, str, int], float] = defaultdict(float)
    part = stock.filter(
        pl.col("year").is_in([start, end]) & (pl.col("origin") != pl.col("destination"))
    )
    for y, o, d, s in part.select("year", "origin", "destination", "stock").iter_rows():
        if o in area and d in area and area[o] != area[d]:
            sums[(area[o], area[d], int(y))] += float(s or 0.0)
    codes = sorted(set(area.values()))
    rows = []
    for a in codes:
        for b in codes:
            s0, s1 = sums.get((a, b, start), 0.0), sums.get((a, b, end), 0.0)
            if a == b or s0 <= 0 or s1 <= 0:
                continue
            g = (s1 / s0) ** (1.0 / (end - start)) - 1.0
            clipped = min(max(g, clip[0]), clip[1])
            rows.append([a, b, f"{clipped:.6f}"])
            note = f"({end} / {start} stock)^(1/{end - start}) - 1"
            if clipped != g:
                note += f"; {g:.4f} clipped to {clipped:g}"
            prov.add(
                "stock_growth.csv",
                f"{a}>{b}",
                "growth",
                "imputed:clipped" if clipped != g else "aggregated",
                "un_stock",
                note,
            )
    return rows
