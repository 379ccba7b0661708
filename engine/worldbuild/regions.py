"""regions.csv of a built world: one row per area, aggregated from its countries.

Sums (population, remittances) add up; rates are means weighted by the population they
describe (females for female life expectancy, the 15-64s for employment, the 25+ for
tertiary education, GDP for the labour share). Rules for categories: `developed` and
`un_area` follow the majority of the area's population; `bloc` is the countries' common
bloc, or, when they differ, the default world's bloc of the area's largest regions12 part.
"""

from __future__ import annotations

from collections import defaultdict

from migsim.core.world_tables import REGION_RANGES
from migsim.worldbuild.assumed import ASSUMED_REGION_COLUMNS
from migsim.worldbuild.countries import BASE_YEAR, bloc_members, impute
from migsim.worldbuild.provenance import Provenance

TABLE = "regions.csv"
# Region column -> (input(s), country weight) of the population-weighted means.
MEANS = {
    "share_0_14": ("wpp_population", "population"),
    "share_65plus": ("wpp_population", "population"),
    "female_share": ("wpp_population", "population"),
    "total_fertility": ("wpp_vital", "population"),
    "life_expectancy_female": ("wpp_vital", "female"),
    "life_expectancy_male": ("wpp_vital", "male"),
    "gdp_per_capita_ppp": ("pwt", "population"),
    "labour_share": ("pwt", "gdp"),
    "employment_rate": ("pwt+wpp_population", "working"),
    "tertiary_share": ("barro_lee", "adults"),
}
# Imputed first: the weights of the other means are derived from them.
AGE_SHARES = ("share_0_14", "share_65plus", "female_share", "share_25plus")
# The default world's column that stands in where a whole input is not committed.
FALLBACK = {column: column for column in MEANS} | {"share_25plus": "tertiary_share"}
# Fixed formats: rebuilding gives the same bytes.
FORMATS = {
    "population": "{:.0f}",
    "share_0_14": "{:.4f}",
    "share_65plus": "{:.4f}",
    "female_share": "{:.4f}",
    "life_expectancy_female": "{:.2f}",
    "life_expectancy_male": "{:.2f}",
    "total_fertility": "{:.3f}",
    "gdp_per_capita_ppp": "{:.0f}",
    "tertiary_share": "{:.4f}",
    "skill_premium": "{:.3f}",
    "labour_share": "{:.4f}",
    "tax_rate": "{:.3f}",
    "employment_rate": "{:.4f}",
    "remittance_inflow_usd_bn": "{:.3f}",
    "remittance_fee": "{:.4f}",
    "latitude": "{:.2f}",
    "longitude": "{:.2f}",
}


def _weighted(rows: list[dict], column: str, weight: str) -> float:
    w = sum(r[weight] or 0.0 for r in rows)
    if w <= 0:
        return sum(r[column] for r in rows) / len(rows)
    return sum(r[column] * (r[weight] or 0.0) for r in rows) / w


def _method(rows: list[dict], column: str, weight: str) -> tuple[str, str]:
    """ "data" (one country), "aggregated" (all with data) or the imputation and its share."""
    imputed = sorted({r[f"{column}_method"] for r in rows} - {"data"})
    if not imputed:
        return ("data" if len(rows) == 1 else "aggregated"), ""
    w = sum(r[weight] or 0.0 for r in rows)
    part = sum(r[weight] or 0.0 for r in rows if r[f"{column}_method"] != "data")
    names = " ".join(sorted(r["iso3"] for r in rows if r[f"{column}_method"] != "data"))
    share = f"{100 * part / w:.2f}% of the weight" if w > 0 else "no weight"
    return imputed[0], f"{share} imputed ({names[:120]})"


def _remittance_fees(
    areas: dict, prices, prov: Provenance, defaults: dict, base_year: int = BASE_YEAR
) -> dict[str, float]:
    """Mean cost (share of the amount) of the RPW corridors into each area's countries in the
    earliest year of the input, else of those into its countries' UN subregions, else the
    default world's fee of its largest regions12 part (assumed). An earliest year more than
    one year after the base year is named in the note as the nearest year there is."""
    by_receiver: dict[str, list[float]] = defaultdict(list)
    first = int(prices["year"].min()) if prices is not None else 0
    year = prices.filter(prices["year"] == first) if prices is not None else prices
    pairs = zip(year["receiver"], year["cost_pct"]) if year is not None else []
    for receiver, cost in pairs:
        if cost is not None and cost == cost:
            by_receiver[receiver].append(float(cost) / 100.0)
    when = f"{first}" + (
        f" (nearest year to the base year {base_year})" if first - base_year > 1 else ""
    )
    by_subregion: dict[str, list[float]] = defaultdict(list)
    subregion_of = {r["iso3"]: r["un_subregion"] for rows in areas.values() for r in rows}
    for receiver, costs in by_receiver.items():
        if receiver in subregion_of:
            by_subregion[subregion_of[receiver]] += costs
    fees = {}
    for area, rows in areas.items():
        costs = [c for r in rows for c in by_receiver.get(r["iso3"], [])]
        if costs:
            fees[area] = sum(costs) / len(costs)
            prov.add(TABLE, area, "remittance_fee", "aggregated", "remittance_prices", when)
            continue
        costs = [c for s in sorted({r["un_subregion"] for r in rows}) for c in by_subregion[s]]
        if costs:
            fees[area] = sum(costs) / len(costs)
            prov.add(
                TABLE,
                area,
                "remittance_fee",
                "imputed:subregion-mean",
                "remittance_prices",
                f"{when}; no corridor into the area's countries",
            )
            continue
        fees[area] = float(defaults[_largest_part(rows)]["remittance_fee"])
        note = "" if prices is not None else "input remittance_prices not committed"
        prov.add(TABLE, area, "remittance_fee", "assumed:default-world", "default world", note)
    return fees


def _split_default(rows: list[dict], records: list[dict], defaults: dict) -> float:
    """The default world's remittance inflow of each country's regions12 area, split over
    its countries by population, summed over the area's countries (US$ bn)."""
    pop12: dict[str, float] = defaultdict(float)
    for r in records:
        pop12[r["regions12"]] += r["population"]
    return sum(
        float(defaults[r["regions12"]]["remittance_inflow_usd_bn"])
        * r["population"]
        / pop12[r["regions12"]]
        for r in rows
        if pop12[r["regions12"]] > 0
    )


def _largest_part(rows: list[dict]) -> str:
    """The regions12 area holding most of these countries' population."""
    pops: dict[str, float] = defaultdict(float)
    for r in rows:
        pops[r["regions12"]] += r["population"]
    return max(sorted(pops), key=lambda k: pops[k])


def _majority(rows: list[dict], key: str):
    pops: dict = defaultdict(float)
    for r in rows:
        pops[r[key]] += r["population"]
    return max(sorted(pops, key=str), key=lambda k: pops[k]), len(pops) > 1


def _prepare(records: list[dict], defaults: dict) -> None:
    """Impute country values and derive the weights of the area means."""
    fallback = {
        column: {code: float(row[name]) for code, row in defaults.items()}
        for column, name in FALLBACK.items()
    }
    for column in AGE_SHARES:
        impute(records, column, "population", fallback[column])
    for r in records:
        r["female"] = r["population"] * r["female_share"]
        r["male"] = r["population"] - r["female"]
        r["working"] = r["population"] * (1.0 - r["share_0_14"] - r["share_65plus"])
        r["adults"] = r["population"] * r["share_25plus"]
        employed, working = r["employed"], r["working"]
        r["employment_rate"] = employed / working if employed and working else None
    for column, (_, weight) in MEANS.items():
        if column not in AGE_SHARES and column != "labour_share":
            impute(records, column, weight, fallback[column])
    for r in records:
        r["gdp"] = r["gdp_per_capita_ppp"] * r["population"]
    impute(records, "labour_share", "gdp", fallback["labour_share"])


def regions_table(
    records: list[dict], prices, defaults: dict, prov: Provenance, base_year: int = BASE_YEAR
) -> list[dict]:
    """The regions.csv rows (formatted strings), sorted by area code."""
    bloc_note = bloc_members(base_year)[2]
    _prepare(records, defaults)
    areas: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        areas[r["area"]].append(r)
    fees = _remittance_fees(areas, prices, prov, defaults, base_year)
    out = []
    for area in sorted(areas):
        rows = areas[area]
        method = "data" if len(rows) == 1 else "aggregated"
        add = lambda col, m, src, note="", a=area: prov.add(TABLE, a, col, m, src, note)  # noqa: E731
        pop = sum(r["population"] for r in rows)
        row = {"code": area, "name": rows[0]["area_name"]}
        add("name", "data", "mapping")
        row["un_area"], mixed = _majority(rows, "un_area")
        add("un_area", method, "countries", "majority by population" if mixed else "")
        row["developed"], mixed = _majority(rows, "developed")
        add("developed", method, "countries", "majority by population" if mixed else "")
        row["population"] = pop
        add("population", method, "wpp_totals")
        for column, (source, weight) in MEANS.items():
            row[column] = _weighted(rows, column, weight)
            how, note = _method(rows, column, weight)
            # a second input that filled some countries' values (WDI for PWT's gaps)
            other = sorted({r[f"{column}_source"] for r in rows if r.get(f"{column}_source")})
            if other:
                source = "+".join([source, *other])
                notes = sorted({r[f"{column}_note"] for r in rows if r.get(f"{column}_note")})
                note = "; ".join([note, *notes])
            add(column, how, source, note)
        for column in ASSUMED_REGION_COLUMNS:
            row[column] = _weighted(
                [{**r, column: float(defaults[r["regions12"]][column])} for r in rows],
                column,
                "population",
            )
            add(column, "assumed:default-world", "default world")
        if rows[0]["has_remittance_input"]:
            usd = [r["remittance_usd"] for r in rows]
            row["remittance_inflow_usd_bn"] = sum(u for u in usd if u is not None) / 1e9
            missing = sorted(r["iso3"] for r in rows if r["remittance_usd"] is None)
            how = "imputed:zero" if missing else method
            note = f"no figure for {' '.join(missing)[:120]}" if missing else ""
            add("remittance_inflow_usd_bn", how, "remittance_inflows", note)
        else:
            row["remittance_inflow_usd_bn"] = _split_default(rows, records, defaults)
            add(
                "remittance_inflow_usd_bn",
                "assumed:default-world",
                "default world",
                "by population",
            )
        row["remittance_fee"] = fees[area]
        blocs = {r["bloc"] for r in rows}
        if len(blocs) == 1:
            row["bloc"] = blocs.pop()
            add("bloc", method, "countries", bloc_note)
        elif base_year != BASE_YEAR:
            # the default world's blocs describe 2013 (EEU in the EU): another year takes
            # the bloc of the majority of the area's population
            row["bloc"], _ = _majority(rows, "bloc")
            add("bloc", "aggregated", "countries", f"majority by population; {bloc_note}")
        else:
            row["bloc"] = defaults[_largest_part(rows)]["bloc"] or ""
            add("bloc", "assumed:default-world", "default world", "members of several blocs")
        for column in ("latitude", "longitude"):
            row[column] = _weighted(
                [{**r, column: float(defaults[r["regions12"]][column])} for r in rows],
                column,
                "population",
            )
            add(column, "assumed:default-world", "default world", "no centroid input")
        _clip(row, prov)
        out.append(row)
    return [_formatted(row) for row in out]


def _clip(row: dict, prov: Provenance) -> None:
    """Bring a value outside the loader's range to its bound (flagged imputed:clipped): a
    country's own figure can lie outside it (the Central African Republic's PWT labour
    share of 0.16 against the loader's 0.2 to 0.95)."""
    for column, (low, high) in REGION_RANGES.items():
        value = row[column]
        if not low <= value <= high:
            row[column] = min(max(value, low), high)
            prov.amend(
                TABLE,
                row["code"],
                column,
                "imputed:clipped",
                f"{value:.4g} clipped to {row[column]:g}",
            )


def _formatted(row: dict) -> dict[str, str]:
    out = {}
    for column, value in row.items():
        if column in FORMATS:
            out[column] = FORMATS[column].format(value)
        elif isinstance(value, bool):
            out[column] = "true" if value else "false"
        else:
            out[column] = str(value)
    return out
