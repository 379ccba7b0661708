"""Small invented inputs in the schema of engine/data/inputs, for worldbuild tests."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

# iso3, un_region, un_subregion, development group, population (M), GDP per capita (k$)
COUNTRIES = [
    ("USA", "Americas", "Northern America", "More developed", 309.0, 50.0),
    ("MEX", "Americas", "Latin America and the Caribbean", "Less developed", 114.0, 16.0),
    ("DEU", "Europe", "Western Europe", "More developed", 81.0, 42.0),
    ("FRA", "Europe", "Western Europe", "More developed", 63.0, 38.0),
    ("POL", "Europe", "Eastern Europe", "More developed", 38.0, 20.0),
    ("IND", "Asia", "Southern Asia", "Less developed", 1230.0, 4.0),
    ("CHN", "Asia", "Eastern Asia", "Less developed", 1340.0, 8.0),
    ("NGA", "Africa", "Western Africa", "Less developed", 158.0, 4.5),
]
NO_PWT = {"NGA"}  # imputed from its subregion ... which has no other member: region, world


def write_inputs(root: Path) -> Path:
    """Write the invented inputs under root/<input>/<input>.csv; returns root."""
    tables: dict[str, list[dict]] = {
        k: []
        for k in (
            "countries",
            "un_stock",
            "wpp_population",
            "wpp_totals",
            "wpp_vital",
            "pwt",
            "barro_lee",
            "remittance_inflows",
            "remittance_prices",
            "distances",
        )
    }
    for k, (iso3, region, sub, dev, pop, gdp) in enumerate(COUNTRIES):
        tables["countries"].append(
            {
                "iso3": iso3,
                "un_code": k + 1,
                "name": iso3.title(),
                "un_region": region,
                "un_subregion": sub,
                "un_development_group": dev,
                "wb_income_group": "",
            }
        )
        tables["wpp_totals"].append({"iso3": iso3, "year": 2010, "population": pop * 1e6})
        for sex, share in (("F", 0.5), ("M", 0.5)):
            for lo, hi, part in ((0, 14, 0.25), (15, 24, 0.15), (25, 64, 0.5), (65, None, 0.1)):
                tables["wpp_population"].append(
                    {
                        "iso3": iso3,
                        "year": 2010,
                        "sex": sex,
                        "age_from": lo,
                        "age_to": hi,
                        "population": pop * 1e6 * share * part,
                    }
                )
        tables["wpp_vital"].append(
            {
                "iso3": iso3,
                "year": 2010,
                "tfr": 2.0,
                "life_expectancy": 72.0,
                "life_expectancy_female": 75.0,
                "life_expectancy_male": 70.0,
            }
        )
        if iso3 not in NO_PWT:
            tables["pwt"].append(
                {
                    "iso3": iso3,
                    "year": 2010,
                    "rgdpe": gdp * pop * 1e3,
                    "pop": pop,
                    "labsh": 0.55,
                    "hc": 2.5,
                    "emp": pop * 0.45,
                }
            )
        tables["barro_lee"].append(
            {
                "iso3": iso3,
                "year": 2010,
                "share_no_school": 0.1,
                "share_primary": 0.3,
                "share_secondary": 0.4,
                "share_tertiary": 0.2,
                "years_schooling": 9.0,
                "pop_25plus": pop * 0.6e3,
            }
        )
        tables["remittance_inflows"].append({"iso3": iso3, "year": 2010, "usd": pop * 1e8})
        tables["remittance_prices"].append(
            {"sender": "USA", "receiver": iso3, "year": 2011, "quarter": 1, "cost_pct": 8.0}
        )
        for j, other in enumerate(COUNTRIES):
            if other[0] == iso3:
                continue
            tables["distances"].append(
                {
                    "origin": iso3,
                    "destination": other[0],
                    "dist_km": 1000.0 * (1 + abs(k - j)),
                    "distw_km": 900.0 * (1 + abs(k - j)),
                    "contiguous": int(abs(k - j) == 1),
                    "common_language": 0,
                    "colonial_link": 0,
                }
            )
            for year in (1990, 2000, 2010):
                stock = 1000.0 * (k + 1) * (j + 2) * (1 + (year - 1990) / 20)
                tables["un_stock"].append(
                    {
                        "year": year,
                        "origin": iso3,
                        "destination": other[0],
                        "stock": stock,
                        "flag": "",
                    }
                )
    # UN DESA's totals by destination: the known origins' sums, and 10% more for USA in 2010
    # (migrants of unknown origin, spread over its known origins by default)
    totals: dict[tuple[int, str], float] = {}
    for row in tables["un_stock"]:
        key = (row["year"], row["destination"])
        totals[key] = totals.get(key, 0.0) + row["stock"]
    totals[(2010, "USA")] *= 1.1
    tables["un_stock_totals"] = [
        {"year": y, "destination": d, "stock": round(s)} for (y, d), s in sorted(totals.items())
    ]
    for name, rows in tables.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        pl.DataFrame(rows).write_csv(root / name / f"{name}.csv")
        (root / name / "provenance.json").write_text(json.dumps({"source": "invented"}))
    return root


def write_mapping(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    pl.DataFrame(rows, schema=["iso3", "area", "area_name"], orient="row").write_csv(path)
    return path
