"""Measures read from the remittances table (by corridor)."""

from __future__ import annotations

import polars as pl

from migsim.analysis.measures import NONE, final_year, measure, world_row


@measure(
    "remittance_fees",
    unit="US$",
    doc="Fees paid on remittances, all corridors.",
    report=False,
)
def remittance_fees(run) -> pl.DataFrame:
    if not run.has("remittances") or not run.table("remittances").height:
        return NONE
    return world_row(float(final_year(run.table("remittances"))["fees"].sum()))
