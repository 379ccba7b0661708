"""Time paths of the headline measures: every simulated year of every run, set against the
reference run of the same seed as the comparison is (`migsim.analysis.compare.set_against`).

    paths(runs, baseline, reference) -> DataFrame[regime (label), is_baseline, measure, year,
                                                  value, change_pct, pct_min, pct_max, seeds]

Measures: `world_gdp` (the regions' GDP summed, shown as % change against the reference)
and `migrant_share` (world immigrants / world population in %, shown as a level, the
reference's line included).
"""

from __future__ import annotations

import polars as pl

from migsim.analysis.compare import Reference, RunInfo, labelled, set_against


def _run_paths(run: RunInfo) -> pl.DataFrame | None:
    regions = run.run.table("regions") if run.run is not None else None
    if regions is None or not {"gdp", "immigrants", "population"} <= set(regions.columns):
        return None
    by_year = regions.group_by("year").agg(
        world_gdp=pl.col("gdp").sum().cast(pl.Float64),
        migrant_share=100.0 * pl.col("immigrants").sum() / pl.col("population").sum(),
    )
    return (
        by_year.unpivot(index="year", variable_name="measure", value_name="value")
        .with_columns(
            regime=pl.lit(run.regime),
            variant=pl.lit(run.variant),
            seed=pl.lit(run.seed, pl.Int64),
            year=pl.col("year").cast(pl.Int64),
        )
        .select("regime", "variant", "seed", "measure", "year", "value")
    )


def paths(runs: list[RunInfo], baseline: str, reference: Reference) -> pl.DataFrame | None:
    """Per regime label, measure and year: mean value and % change across seeds, with the
    seeds' min and max of the % change; None when no run has a regions table with GDP."""
    parts = [p for p in (_run_paths(r) for r in runs) if p is not None]
    if not parts:
        return None
    long = pl.concat(parts)
    table = labelled(
        set_against(long, ["measure", "year"], baseline, reference), baseline, reference
    )
    return (
        table.group_by("regime", "measure", "year", maintain_order=True)
        .agg(
            is_baseline=pl.col("is_baseline").first(),
            seeds=pl.len(),
            value=pl.col("value").mean(),
            value_min=pl.col("value").min(),
            value_max=pl.col("value").max(),
            change_pct=pl.col("change_pct").mean(),
            pct_min=pl.col("change_pct").min(),
            pct_max=pl.col("change_pct").max(),
        )
        .sort("measure", "year", maintain_order=True)
    )
