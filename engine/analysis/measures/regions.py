"""Measures read from the regions table: output, wages, public finances, people and moves,
by region (scope = region code) and, for the additive ones, for the world."""

from __future__ import annotations

import polars as pl

from migsim.analysis.measures import NONE, by_scope, final_year, measure, world_sum


def _regional(run, column: str) -> pl.DataFrame:
    regions = final_year(run.table("regions"))
    return by_scope(regions, "region", column) if column in regions.columns else NONE


def _regional_and_world(run, column: str) -> pl.DataFrame:
    regions = final_year(run.table("regions"))
    if column not in regions.columns:
        return NONE
    return pl.concat([by_scope(regions, "region", column), world_sum(regions, column)])


def _declare_regional(name: str, unit: str, doc: str, report: bool = True) -> None:
    measure(name, unit=unit, doc=doc, report=report)(lambda run: _regional(run, name))


@measure("world_gdp", unit="PPP $", doc="World GDP: the regions' GDP summed.")
def world_gdp(run) -> pl.DataFrame:
    return world_sum(final_year(run.table("regions")), "gdp")


_declare_regional("gdp", "PPP $", "GDP by region.", report=False)
_declare_regional("gdp_per_capita", "PPP $", "GDP per resident.", report=False)
for _skill in ("low", "high"):
    for _nativity in ("native", "immigrant"):
        _declare_regional(
            f"wage_{_skill}_{_nativity}",
            "PPP $ per efficiency unit",
            f"Wage of {_skill}-skilled {_nativity}s per efficiency unit of labour.",
        )
_declare_regional(
    "fiscal_balance", "PPP $", "Taxes, other revenue and levies minus public spending."
)
_declare_regional(
    "skilled_emigration_rate",
    "share",
    "Emigration rate of the tertiary-educated (25+) born in the region: those abroad over all "
    "of them, from the previous year's counts (the prospect the year's education choice "
    "responds to).",
)
_declare_regional("tertiary_share", "share", "Tertiary-educated share of the residents.")
_declare_regional("emigrants", "people", "People born in the region living abroad.", report=False)


@measure(
    "levy_revenue",
    unit="PPP $",
    doc="Emigrant levies (Bhagwati tax) received by the region of origin.",
)
def levy_revenue(run) -> pl.DataFrame:
    return _regional_and_world(run, "levy_revenue")


@measure(
    "remittances_received",
    unit="US$",
    doc="Remittances received by the region's residents, after fees.",
)
def remittances_received(run) -> pl.DataFrame:
    return _regional_and_world(run, "remittances_received")


@measure(
    "arrivals", unit="people", doc="People who moved into the region in the year.", report=False
)
def arrivals(run) -> pl.DataFrame:
    return _regional_and_world(run, "arrivals")


@measure("migrant_stock", unit="people", doc="Residents who are immigrants (born elsewhere).")
def migrant_stock(run) -> pl.DataFrame:
    regions = final_year(run.table("regions"))
    return pl.concat([by_scope(regions, "region", "immigrants"), world_sum(regions, "immigrants")])
