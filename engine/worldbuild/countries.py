"""Country-level values for the base year: one record per mapped country.

Each value is the input's figure for the country and year, or None where the input has none;
`impute` then fills the gaps from the country's UN subregion (else UN region, else the
world), weighted as the area aggregate is, and says which method filled each gap.
"""

from __future__ import annotations

import polars as pl

from migsim.worldbuild.inputs import Inputs

BASE_YEAR = 2010  # the default base year: the last year of the bilateral stocks
# EU members on 1 January 2010 (27; Croatia joined in 2013) and the GCC's six states.
EU_2010 = set(
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IRL ITA LTU LUX LVA MLT NLD POL "
    "PRT ROU SVK SVN SWE".split()
)
# Accession year of every member by 2010: the European Communities' 12 of 1990 (Greece
# 1981, Spain and Portugal 1986; the former GDR joined as part of Germany in October 1990),
# then the enlargements of 1995, 2004 and 2007 (source: the EU's own list of members).
EU_ACCESSION = {
    **dict.fromkeys("BEL DEU DNK ESP FRA GBR GRC IRL ITA LUX NLD PRT".split(), 1990),
    **dict.fromkeys("AUT FIN SWE".split(), 1995),
    **dict.fromkeys("CYP CZE EST HUN LTU LVA MLT POL SVK SVN".split(), 2004),
    **dict.fromkeys("BGR ROU".split(), 2007),
}
GCC_STATES = set("SAU ARE KWT QAT OMN BHR".split())
# Base years the pipeline can build: the years of the UN bilateral stock matrix.
BASE_YEARS = (1990, 1995, 2000, 2005, 2010)
# How a GDP per head that PWT lacks is filled from the World Bank's series (wdi_gdp_per_capita),
# else from the Maddison Project's (maddison), each rescaled to PWT's prices.
WDI_METHOD = "imputed:wdi-rescaled"
MADDISON_METHOD = "imputed:maddison-rescaled"
# (input, its column, method, the note's name of the series), in the order they are tried
GDP_FALLBACKS = (
    ("wdi_gdp_per_capita", "gdp_per_capita_ppp", WDI_METHOD, "WDI NY.GDP.PCAP.PP.KD"),
    ("maddison", "gdp_per_capita", MADDISON_METHOD, "Maddison GDP per capita"),
)


def bloc_members(base_year: int) -> tuple[set[str], set[str], str]:
    """(EU members, GCC states, the note for the provenance) on 1 January of `base_year`
    (1990: the 12 of the European Communities).

    The GCC (founded 1981) is a free-movement bloc in every base year [A]: its 1981 Unified
    Economic Agreement gave nationals of the member states rights of residence and work,
    applied only in part until the 2008 common market; before 2008 the choice is flagged
    as assumed in the provenance."""
    if base_year == BASE_YEAR:
        return EU_2010, GCC_STATES, "EU members 2010; GCC states"
    eu = {iso3 for iso3, year in EU_ACCESSION.items() if year <= base_year}
    gcc = "GCC states" + (" (free movement partial before 2008) [A]" if base_year < 2008 else "")
    return eu, GCC_STATES, f"EU members {base_year} ({len(eu)}); {gcc}"


def un_area_of(un_region: str, un_subregion: str) -> str:
    """The model's UN area (migsim.core.world.UN_AREAS) of a UN region and subregion."""
    text = f"{un_region} | {un_subregion}".lower()
    for key, area in (
        ("latin america", "Latin America"),
        ("caribbean", "Latin America"),
        ("northern america", "North America"),
        ("africa", "Africa"),
        ("asia", "Asia"),
        ("europe", "Europe"),
        ("oceania", "Oceania"),
    ):
        if key in text:
            return area
    return "Asia" if "asia" in text else "Africa"


def _at_year(frame: pl.DataFrame, columns: list[str], year: int = BASE_YEAR) -> dict:
    """{iso3: {column: value}} of the rows of `year`."""
    rows = frame.filter(pl.col("year") == year).select("iso3", *columns)
    return {r["iso3"]: r for r in rows.iter_rows(named=True)}


def _frame(inputs: Inputs, name: str) -> pl.DataFrame | None:
    """An input, or None when it is not committed (its columns are then assumed)."""
    return inputs[name] if inputs.has(name) else None


def wdi_factor(pwt_gdp_pc: dict[str, float], wdi_gdp_pc: dict[str, float]) -> tuple[float, int]:
    """(PWT's price level over another series', countries used): the median GDP per head in
    PWT over the median in the other series (WDI, or Maddison), over the countries with a
    value in both in the year. PWT 10.01 counts in 2017 US$ at chained PPPs, WDI's current
    vintage in constant 2021 international $, Maddison's 2020 release in 2011 international
    $; the ratio of medians brings a figure to PWT's units without letting one country's
    revision dominate."""
    both = sorted(set(pwt_gdp_pc) & set(wdi_gdp_pc))
    if not both:
        return float("nan"), 0

    def median(values: list[float]) -> float:
        values = sorted(values)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])

    ratio = median([pwt_gdp_pc[c] for c in both]) / median([wdi_gdp_pc[c] for c in both])
    return ratio, len(both)


def country_records(
    inputs: Inputs,
    mapping: pl.DataFrame,
    regions12: dict[str, str],
    base_year: int = BASE_YEAR,
) -> list[dict]:
    """One dict per mapped country with its classification and base-year values (None where
    the input has no value; shares of the population by age and sex, rates per person)."""
    eu, gcc, _ = bloc_members(base_year)
    info = {r["iso3"]: r for r in inputs["countries"].iter_rows(named=True)}
    totals = _at_year(inputs["wpp_totals"], ["population"], base_year)
    ages: dict = {}
    if (frame := _frame(inputs, "wpp_population")) is not None:
        by_age = (
            frame.filter(pl.col("year") == base_year)
            .group_by("iso3")
            .agg(
                pl.col("population").sum().alias("all"),
                pl.col("population")
                .filter(pl.col("sex").str.to_uppercase() == "F")
                .sum()
                .alias("f"),
                pl.col("population").filter(pl.col("age_from") < 15).sum().alias("young"),
                pl.col("population").filter(pl.col("age_from") >= 65).sum().alias("old"),
                pl.col("population").filter(pl.col("age_from") >= 25).sum().alias("adults"),
            )
        )
        ages = {r["iso3"]: r for r in by_age.iter_rows(named=True) if r["all"]}
    at = lambda name, cols: (  # noqa: E731
        _at_year(f, cols, base_year) if (f := _frame(inputs, name)) is not None else {}
    )
    vital = at("wpp_vital", ["tfr", "life_expectancy_female", "life_expectancy_male"])
    pwt = at("pwt", ["rgdpe", "pop", "labsh", "emp"])
    barro = at("barro_lee", ["share_tertiary", "pop_25plus"])
    remit = at("remittance_inflows", ["usd"])
    usable = lambda x: x is not None and x == x  # noqa: E731  (not None, not NaN)
    pwt_pc = {c: p["rgdpe"] / p["pop"] for c, p in pwt.items() if usable(p["rgdpe"]) and p["pop"]}
    fallbacks = []  # (values by country, factor, method, input, note)
    for name, column, method, label in GDP_FALLBACKS:
        values = {c: w[column] for c, w in at(name, [column]).items() if usable(w[column])}
        factor, overlap = wdi_factor(pwt_pc, values)
        if overlap:
            note = (
                f"{label} {base_year} x {factor:.4f} (median PWT / median {label.split()[0]} "
                f"GDP per head over the {overlap} countries in both)"
            )
            fallbacks.append((values, factor, method, name, note))
    out = []
    for iso3, area, area_name in mapping.iter_rows():
        c, a = info[iso3], ages.get(iso3)
        population = (totals.get(iso3) or {}).get("population")
        if population is None and a:
            population = a["all"]
        p, v, b = pwt.get(iso3, {}), vital.get(iso3, {}), barro.get(iso3, {})
        gdp_pc = pwt_pc.get(iso3)
        gdp_fill = {}
        for values, factor, method, name, note in fallbacks if gdp_pc is None else ():
            if iso3 in values:
                gdp_pc = values[iso3] * factor
                gdp_fill = {
                    "gdp_per_capita_ppp_method": method,
                    "gdp_per_capita_ppp_source": name,
                    "gdp_per_capita_ppp_note": note,
                }
                break
        share = lambda part, a=a: a[part] / a["all"] if a else None  # noqa: E731
        tertiary = b.get("share_tertiary")
        out.append(
            {
                "iso3": iso3,
                "area": area,
                "area_name": area_name,
                "regions12": regions12[iso3],
                "un_region": c["un_region"] or "",
                "un_subregion": c["un_subregion"] or "",
                "un_area": un_area_of(c["un_region"] or "", c["un_subregion"] or ""),
                "developed": "more" in (c["un_development_group"] or "").lower(),
                "bloc": "EU" if iso3 in eu else "GCC" if iso3 in gcc else "",
                "population": float(population or 0.0),
                "female_share": share("f"),
                "share_0_14": share("young"),
                "share_65plus": share("old"),
                "share_25plus": share("adults"),
                "total_fertility": v.get("tfr"),
                "life_expectancy_female": v.get("life_expectancy_female"),
                "life_expectancy_male": v.get("life_expectancy_male"),
                "gdp_per_capita_ppp": gdp_pc,
                "labour_share": p.get("labsh") if usable(p.get("labsh")) else None,
                "employed": p["emp"] * 1e6 if usable(p.get("emp")) else None,
                "tertiary_share": tertiary if usable(tertiary) else None,  # a share (0-1)
                "remittance_usd": (remit.get(iso3) or {}).get("usd") if remit else None,
                "has_remittance_input": bool(remit),
                **gdp_fill,
            }
        )
    return out


def impute(
    records: list[dict], column: str, weight: str, fallback: dict[str, float] | None = None
) -> None:
    """Fill missing `column` values in place with the `weight`-weighted mean of the
    countries with data in the same UN subregion, else UN region, else all; with no data at
    all (an input not committed), the `fallback` value of the country's regions12 area.
    `<column>_method` records "data", "imputed:<group>-mean" or "assumed:default-world"
    (a method already set, such as WDI_METHOD, is kept)."""
    ok = lambda x: x is not None and x == x  # noqa: E731
    known = [r for r in records if ok(r.get(column))]

    def mean(rows):
        w = sum((r.get(weight) or 0.0) for r in rows)
        if w > 0:
            return sum(r[column] * (r.get(weight) or 0.0) for r in rows) / w
        return sum(r[column] for r in rows) / len(rows) if rows else None

    for r in records:
        if ok(r.get(column)):
            r[f"{column}_method"] = r.get(f"{column}_method") or "data"
            continue
        if not known and fallback is not None:
            r[column] = float(fallback[r["regions12"]])
            r[f"{column}_method"] = "assumed:default-world"
            continue
        group, value = "world", None
        for name, key in (("subregion", "un_subregion"), ("region", "un_region")):
            value = mean([k for k in known if k[key] == r[key]])
            if value is not None:
                group = name
                break
        if value is None:
            value = mean(known)
        r[column] = value
        r[f"{column}_method"] = f"imputed:{group}-mean"
