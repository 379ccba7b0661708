"""Helpers the experiments share: sums over a run's table in one year and % changes."""

from __future__ import annotations

import polars as pl

from migsim.validation.runner import Runner

# the age bands of the working-age population (20-64)
WORKING_BANDS = ("20-24", "25-29", "30-34", "35-39", "40-49", "50-64")


def year_sum(frame: pl.DataFrame, year: int, column: str) -> float:
    return float(frame.filter(pl.col("year") == year)[column].sum())


def pct(new: float, old: float) -> float:
    return 100.0 * (new / old - 1.0)


def gdp_change(r: Runner, experiment: str, year: int) -> float:
    """World GDP in `year`, % against the same config under the status quo."""
    treat = r.run(experiment).table("regions")
    base = r.run(experiment, baseline=True).table("regions")
    return pct(year_sum(treat, year, "gdp"), year_sum(base, year, "gdp"))
