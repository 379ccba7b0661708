"""Real income by welfare group of Alonso's (2015) Table 6.2 (scope = group, and "world"): the
private (earnings after tax, natives' capital income, remittances received) and public
(public spending received) income of each group."""

from __future__ import annotations

import polars as pl

from migsim.analysis.measures import NONE, final_year, measure


def _groups(run) -> pl.DataFrame | None:
    """The final year's groups and their world total (people and incomes summed)."""
    if not run.has("welfare"):
        return None
    w = run.table("welfare")
    if not w.height:
        return None
    w = final_year(w)
    total = w.select(
        pl.lit("world").alias("group"), pl.col("people", "private_income", "public_income").sum()
    )
    return pl.concat([w.select("group", "people", "private_income", "public_income"), total])


def _income(run, value: pl.Expr) -> pl.DataFrame:
    groups = _groups(run)
    if groups is None:
        return NONE
    return groups.select(pl.col("group").alias("scope"), value.cast(pl.Float64).alias("value"))


_TOTAL = pl.col("private_income") + pl.col("public_income")


@measure("real_income", unit="US$ (PPP)", doc="Private plus public income of the group.")
def real_income(run) -> pl.DataFrame:
    return _income(run, _TOTAL)


@measure("real_income_private", unit="US$ (PPP)", doc="Private income of the group.")
def real_income_private(run) -> pl.DataFrame:
    return _income(run, pl.col("private_income"))


@measure("real_income_public", unit="US$ (PPP)", doc="Public spending the group receives.")
def real_income_public(run) -> pl.DataFrame:
    return _income(run, pl.col("public_income"))


@measure(
    "real_income_per_person",
    unit="US$ (PPP) per person",
    doc="Real income of the group per member.",
    report=False,
)
def real_income_per_person(run) -> pl.DataFrame:
    return _income(run, _TOTAL / pl.col("people"))
