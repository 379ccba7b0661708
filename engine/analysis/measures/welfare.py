"""Real income by welfare group of Alonso's (2015) Table 6.2 (scope = group, and "world"): the
private (earnings after tax, natives' capital income, remittances received) and public
(public spending received) income of each group; with an externality switched on
(economy.externalities), real income is net of the congestion and cohesion costs the host
natives bear (the welfare table's `externality_cost`, 0 when it is absent)."""

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
    if "externality_cost" not in w.columns:
        w = w.with_columns(externality_cost=pl.lit(0.0))
    cols = ("people", "private_income", "public_income", "externality_cost")
    total = w.select(pl.lit("world").alias("group"), pl.col(*cols).sum())
    return pl.concat([w.select("group", *cols), total])


def _income(run, value: pl.Expr) -> pl.DataFrame:
    groups = _groups(run)
    if groups is None:
        return NONE
    return groups.select(pl.col("group").alias("scope"), value.cast(pl.Float64).alias("value"))


_TOTAL = pl.col("private_income") + pl.col("public_income") - pl.col("externality_cost")


@measure(
    "real_income",
    unit="PPP $",
    doc="Private plus public income of the group, less the externality costs it bears.",
)
def real_income(run) -> pl.DataFrame:
    return _income(run, _TOTAL)


@measure("real_income_private", unit="PPP $", doc="Private income of the group.")
def real_income_private(run) -> pl.DataFrame:
    return _income(run, pl.col("private_income"))


@measure("real_income_public", unit="PPP $", doc="Public spending the group receives.")
def real_income_public(run) -> pl.DataFrame:
    return _income(run, pl.col("public_income"))


@measure(
    "real_income_per_person",
    unit="PPP $ per person",
    doc="Real income of the group per member.",
    report=False,
)
def real_income_per_person(run) -> pl.DataFrame:
    return _income(run, _TOTAL / pl.col("people"))
