"""Why regions12 (built from data, 2010) differs from the hand-typed default world (2013) and
from Alonso's (2015) Table 6.1: every region and variable, its two values, their ratio and the
cause, written to docs/worlds-regions12.md by `migsim world report --page`.

A ratio is split in two. The base-year part is measured from the inputs themselves where they
hold the later year too (WPP 2010 against 2015, PWT, WDI remittances and Table 6.1 by UN area
give 2013 or let it be interpolated): `base_effect` is the regions12 value of 2010 over the
same input's value for 2013. What is left, `residual = ratio / base_effect`, must fall in the
band of a cause of that variable (`CAUSES`, each with its source); a ratio within `TOLERANCE`
of 1 needs no cause. Anything else is "unexplained" (a test fails on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from migsim.core.resources import data_dir

TOLERANCE = 0.05  # |ratio - 1| below this needs no cause
BASE, WORLD = "regions12", "default"
VARIABLES = (
    "population",
    "share_0_14",
    "share_65plus",
    "female_share",
    "life_expectancy_female",
    "life_expectancy_male",
    "total_fertility",
    "gdp_per_capita_ppp",
    "tertiary_share",
    "skill_premium",
    "labour_share",
    "tax_rate",
    "employment_rate",
    "remittance_inflow_usd_bn",
    "remittance_fee",
    "migrants_hosted",
)
SRC_DEFAULT = "engine/data/SOURCES.md section 1"
# where the base-year part of each variable is measured (its 2010 and 2013 values)
BASE_SOURCE = {
    "population": "WPP 2019",
    "life_expectancy_female": "WPP 2019",
    "life_expectancy_male": "WPP 2019",
    "total_fertility": "WPP 2019",
    "gdp_per_capita_ppp": "PWT 10.01",
    "remittance_inflow_usd_bn": "WDI",
    "migrants_hosted": "Table 6.1 by UN area",
    "stock_by_area": "Table 6.1",
}


@dataclass(frozen=True)
class Cause:
    """A reason two values differ: for `variables` (in `regions`, every region when empty),
    the residual ratio (after the measured base-year part) it accounts for lies in `band`."""

    id: str
    variables: tuple[str, ...]
    text: str
    source: str
    band: tuple[float, float]
    regions: tuple[str, ...] = ()


CAUSES = (
    Cause(
        "wpp-revision",
        ("population", "share_0_14", "share_65plus", "female_share"),
        "WPP 2019 revision (2010) against WPP 2012 (2013) beyond the three years' change; "
        "age and sex shares move over 2010-13 by a few hundredths (ageing, falling fertility)",
        "inputs/wpp_totals, inputs/wpp_population; " + SRC_DEFAULT,
        (0.88, 1.13),
    ),
    Cause(
        "gcc-migrant-workers",
        ("female_share",),
        "the default's GCC female share 0.36 is set for the male migrant workforce of 2013 "
        "[K]; WPP 2019 gives 2010, before three more years of mostly male arrivals",
        SRC_DEFAULT + " (share_0_14, share_65plus, female_share)",
        (1.0, 1.15),
        ("GCC",),
    ),
    Cause(
        "wpp-vital-period",
        ("life_expectancy_female", "life_expectancy_male", "total_fertility"),
        "WPP 2019 period values labelled 2010 against WPP 2012's 2010-2015 period "
        "(the base-year part interpolates the input's 2010 and 2015 labels); WPP 2019 "
        "revised fertility of Western Asia (Iraq, Yemen, Palestine) up",
        "inputs/wpp_vital; " + SRC_DEFAULT,
        (0.93, 1.15),
    ),
    Cause(
        "pwt-2017-ppp",
        ("gdp_per_capita_ppp",),
        "PWT 10.01 real GDP in chained 2017 US$ PPPs (ICP 2017) against WDI 2013 current "
        "international $ (ICP 2011), rounded by hand: prices rose about 6% from 2013 to 2017 "
        "(the NAM residual), the rest is the change of PPP benchmark",
        "inputs/pwt/provenance.json; " + SRC_DEFAULT,
        (0.90, 1.25),
    ),
    Cause(
        "gcc-gdp-assumed",
        ("gdp_per_capita_ppp",),
        "the default's GCC GDP per head is set to 52k [A] 'inside the wide spread of Gulf "
        "incomes'; PWT sums the six states' GDP",
        SRC_DEFAULT + " (gdp_per_capita_ppp)",
        (1.0, 1.5),
        ("GCC",),
    ),
    Cause(
        "barro-lee-by-hand",
        ("tertiary_share",),
        "the default's shares are 'rounded close to regional values from the literature' "
        "[K]/[A]; regions12 weights Barro-Lee v2.2's 25+ share (some or completed tertiary, "
        "2010) by each country's 25+ population, so its value is the stated source's",
        SRC_DEFAULT + " (tertiary_share); inputs/barro_lee",
        (0.5, 2.5),
    ),
    Cause(
        "pwt-labsh",
        ("labour_share",),
        "PWT 10.01 labsh, GDP-weighted, 2010, against PWT 8.0 labsh 'around 2010', "
        "population-weighted and rounded",
        SRC_DEFAULT + " (labour_share); inputs/pwt",
        (0.85, 1.15),
    ),
    Cause(
        "oil-rent-labour-share",
        ("labour_share",),
        "the default sets GCC 0.42 and WAS 0.48 low 'because of oil rents' [K]/[A]; PWT 10.01 "
        "has labsh for few Gulf states, the others take their subregion's mean (imputed, "
        "provenance.csv)",
        SRC_DEFAULT + " (labour_share)",
        (0.6, 1.0),
        ("GCC", "WAS"),
    ),
    Cause(
        "employment-definition",
        ("employment_rate",),
        "PWT employment (all ages, 2010) over WPP 15-64 against ILO employed 15-64 over 15-64 "
        "(2013): workers over 65 count in the numerator (Japan most)",
        SRC_DEFAULT + " (employment_rate); inputs/pwt",
        (0.9, 1.15),
    ),
    Cause(
        "wdi-vintage",
        ("remittance_inflow_usd_bn",),
        "WDI (updated 2023) country sums for 2013 against the default's hand allocation of "
        "MDB 22's 2013 regional totals, scaled to $542bn (developed regions by 0.911, "
        "developing by 1.024)",
        SRC_DEFAULT + " (Remittance allocation); inputs/remittance_inflows",
        (0.85, 1.30),
    ),
    Cause(
        "small-inflows",
        ("remittance_inflow_usd_bn",),
        "the default's small developed inflows (OCE 3.3, NAM 7.3 bn) are scaled down by 0.911 "
        "from a split by knowledge [K]/[A]; WDI's 2013 country sums are larger",
        SRC_DEFAULT + " (Remittance allocation)",
        (1.0, 1.6),
        ("OCE", "NAM"),
    ),
    Cause(
        "china-bpm6",
        ("remittance_inflow_usd_bn",),
        "MDB 22's East Asia and Pacific $113bn of 2013 (the default's basis) predates the "
        "revision of China's personal remittances; WDI's 2013 China figure is 17.8 bn, EAS "
        "sums to 81 bn",
        SRC_DEFAULT + " (Remittance allocation); inputs/remittance_inflows (CHN 2013)",
        (0.6, 0.75),
        ("EAS",),
    ),
    Cause(
        "rpw-first-year",
        ("remittance_fee",),
        "Remittance Prices Worldwide's first year (2011) by corridor against the default's "
        "values 'set around' the 2013 averages [V]/[A]",
        SRC_DEFAULT + " (remittance_fee); inputs/remittance_prices",
        (0.75, 1.45),
    ),
    Cause(
        "un-stock-known-origins",
        ("migrants_hosted", "stock_by_area"),
        "International Migrant Stock 2019 (2010) by known origin country only (unknown "
        "origins are not in the matrix: 212.2 M of about 221 M in 2010) against the 2013 "
        "revision's totals, beyond the 2010-13 change Table 6.1 itself gives by UN area",
        "inputs/un_stock/provenance.json (cut); engine/data/SOURCES.md sections 2 and 5",
        (0.85, 1.05),
    ),
)


def _mapping() -> pl.DataFrame:
    return pl.read_csv(data_dir() / "mappings" / f"{BASE}.csv").select("iso3", "area")


def _area_sum(path: Path, column: str, year: int, weights: str | None = None) -> dict[str, float]:
    frame = pl.read_csv(path).join(_mapping(), on="iso3").filter(pl.col("year") == year)
    frame = frame.filter(pl.col(column).is_not_null())
    agg = pl.col(column).sum() if weights is None else (pl.col(column) * pl.col(weights)).sum()
    return dict(frame.group_by("area").agg(agg).iter_rows())


def base_effects(root: Path | None = None) -> dict[str, dict[str, float]]:
    """Per variable and region: the input's own 2010 value over its 2013 value (interpolated
    between 2010 and 2015 where the input has five-year steps)."""
    inputs = (root or data_dir()) / "inputs"
    out: dict[str, dict[str, float]] = {}

    def interp(a: dict, b: dict) -> dict[str, float]:
        return {k: 1.0 / (b[k] / a[k]) ** 0.6 for k in a if k in b and a[k] and b[k]}

    totals = inputs / "wpp_totals" / "wpp_totals.csv"
    out["population"] = interp(
        _area_sum(totals, "population", 2010), _area_sum(totals, "population", 2015)
    )
    vital = pl.read_csv(inputs / "wpp_vital" / "wpp_vital.csv").join(
        pl.read_csv(totals), on=["iso3", "year"]
    )
    for variable, column in (
        ("life_expectancy_female", "life_expectancy_female"),
        ("life_expectancy_male", "life_expectancy_male"),
        ("total_fertility", "tfr"),
    ):
        frame = vital.join(_mapping(), on="iso3").filter(pl.col(column).is_not_null())
        mean = frame.group_by("area", "year").agg(
            (pl.col(column) * pl.col("population")).sum() / pl.col("population").sum()
        )
        at = {
            y: dict(mean.filter(pl.col("year") == y).drop("year").iter_rows()) for y in (2010, 2015)
        }
        out[variable] = interp(at[2010], at[2015])
    pwt = (
        pl.read_csv(inputs / "pwt" / "pwt.csv")
        .join(_mapping(), on="iso3")
        .filter(pl.col("rgdpe").is_not_null() & pl.col("pop").is_not_null())
        .group_by("area", "year")
        .agg(pl.col("rgdpe").sum() / pl.col("pop").sum())
    )
    per_head = {
        y: dict(pwt.filter(pl.col("year") == y).drop("year").iter_rows()) for y in (2010, 2013)
    }
    out["gdp_per_capita_ppp"] = {a: per_head[2010][a] / per_head[2013][a] for a in per_head[2010]}
    rem = inputs / "remittance_inflows" / "remittance_inflows.csv"
    r10, r13 = _area_sum(rem, "usd", 2010), _area_sum(rem, "usd", 2013)
    out["remittance_inflow_usd_bn"] = {a: r10[a] / r13[a] for a in r10 if r13.get(a)}
    return out


def table_6_1() -> dict[tuple[str, int], float]:
    """Alonso's (2015) Table 6.1 (the default world's stock_history): migrants by UN area, year."""
    frame = pl.read_csv(data_dir() / WORLD / "stock_history.csv")
    return {(a, int(y)): float(m) for a, y, m in frame.iter_rows()}


def _hosted(world: Path) -> dict[str, float]:
    """Foreign-born residents (inter- plus intra-area) by area code."""
    stock = pl.read_csv(world / "migrant_stock_2013.csv")
    intra = pl.read_csv(world / "intra_region_migrants_2013.csv")
    hosted = dict(zip(intra["region"], intra["migrants"].cast(pl.Float64)))
    for d, m in stock.group_by("destination").agg(pl.col("migrants").sum()).iter_rows():
        hosted[d] = hosted.get(d, 0.0) + float(m)
    return hosted


def explain(variable: str, region: str, ratio: float, base: float | None) -> tuple[str, str]:
    """(cause id or "", reason text) of one ratio; id "unexplained" when no cause covers it."""
    if abs(ratio - 1) <= TOLERANCE:
        return "", f"within {TOLERANCE:.0%}"
    where = BASE_SOURCE.get(variable, "")
    lead = f"base year 2010 vs 2013 x{base:.3f} ({where}); " if base else ""
    residual = ratio / base if base else ratio
    if base and abs(residual - 1) <= TOLERANCE:
        return "base-year", lead.rstrip("; ") + f", rest x{residual:.3f}"
    # a cause of named regions before one of every region
    for cause in sorted(CAUSES, key=lambda c: not c.regions):
        if variable not in cause.variables or (cause.regions and region not in cause.regions):
            continue
        lo, hi = cause.band
        if lo <= residual <= hi:
            return cause.id, f"{lead}{cause.id} x{residual:.3f}"
    return "unexplained", f"{lead}x{residual:.3f} left that no cause covers"


def differences(root: Path | None = None) -> pl.DataFrame:
    """One row per region and variable: default (2013), regions12 (2010), ratio, base-year
    part, cause and reason; and per UN area, the hosted stock against Table 6.1."""
    return _differences(root or data_dir())


@cache
def _differences(root: Path) -> pl.DataFrame:
    default = pl.read_csv(root / WORLD / "regions.csv")
    built = pl.read_csv(root / BASE / "regions.csv")
    values = {
        name: {c: dict(zip(f["code"], f[c].cast(pl.Float64))) for c in VARIABLES[:-1]}
        for name, f in ((WORLD, default), (BASE, built))
    }
    values[WORLD]["migrants_hosted"] = _hosted(root / WORLD)
    values[BASE]["migrants_hosted"] = _hosted(root / BASE)
    effects = base_effects(root)
    t61 = table_6_1()
    area = dict(zip(default["code"], default["un_area"]))
    effects["migrants_hosted"] = {code: t61[(a, 2010)] / t61[(a, 2013)] for code, a in area.items()}
    rows = []
    for variable in VARIABLES:
        for code in default["code"]:
            d, b = values[WORLD][variable][code], values[BASE][variable].get(code)
            ratio = b / d if d else float("nan")
            base = effects.get(variable, {}).get(code)
            cause, reason = explain(variable, code, ratio, base)
            rows.append(
                {
                    "table": "regions",
                    "scope": code,
                    "variable": variable,
                    "default_2013": d,
                    "regions12_2010": b,
                    "ratio": ratio,
                    "base_effect": base,
                    "cause": cause,
                    "reason": reason,
                }
            )
    by_area: dict[str, float] = {}
    for code, m in values[BASE]["migrants_hosted"].items():
        by_area[area[code]] = by_area.get(area[code], 0.0) + m
    by_area["World"] = sum(by_area.values())
    for a in sorted(by_area):
        pub = t61[(a, 2013)]
        base = t61[(a, 2010)] / pub
        cause, reason = explain("stock_by_area", a, by_area[a] / pub, base)
        rows.append(
            {
                "table": "Table 6.1",
                "scope": a,
                "variable": "stock_by_area",
                "default_2013": pub,
                "regions12_2010": by_area[a],
                "ratio": by_area[a] / pub,
                "base_effect": base,
                "cause": cause,
                "reason": reason,
            }
        )
    return pl.DataFrame(rows)
