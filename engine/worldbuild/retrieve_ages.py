"""Cut Barro and Lee's attainment by five-year age group (v2.2, both sexes) into the tidy
`barro_lee_ages` input: the schooling of people aged 20-24 to 75+, 1990-2010, keyed by ISO3.

Two uses, both by age:
- the base-year population's tertiary share at each age (`migsim.core.world_education`):
  older people hold fewer degrees than younger ones, so the 25+ share rises as cohorts
  replace each other;
- people aged 25-29 are the cohort that has just finished its studies, so their tertiary
  share is the observed counterpart of the share of a cohort completing a degree (the
  education step's ex-ante H_ex), and a history scenario follows its change over time
  (`migsim.worldbuild.projection`, variable `cohort_tertiary_share`).

    python -m migsim.worldbuild.retrieve barro_lee_ages RAW/BL2013_MF_v2.2.csv
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.worldbuild.retrieve_common import BARRO_LEE_CODES, INPUTS, _write

FIRST_AGE = 20  # the source's groups are 15-19, 20-24, ..., 70-74 and 75+ (ageto 999)
FIRST_YEAR, LAST_YEAR = 1990, 2010


def barro_lee_ages(bl_file: Path | str, out_dir: Path | str = INPUTS) -> Path:
    """Barro-Lee v2.2 attainment by five-year age group from 20-24, 1990-2010, shares as
    fractions; the open group 75+ has age_to 999, as in the source.

    The source gives percentages rounded to two decimals; they are not renormalised here.
    """
    raw = pl.read_csv(bl_file, schema_overrides={"pop": pl.Float64})  # thousands, some < 1
    frame = (
        raw.filter(
            pl.col("year").is_between(FIRST_YEAR, LAST_YEAR),
            pl.col("sex") == "MF",
            pl.col("agefrom") >= FIRST_AGE,
            # the totals (15+, 25+) share agefrom with a group; only 75+ is open-ended
            (pl.col("ageto") < 999) | (pl.col("agefrom") == 75),
        )
        .select(
            pl.col("WBcode").replace(BARRO_LEE_CODES).alias("iso3"),
            "year",
            pl.col("agefrom").alias("age_from"),
            pl.col("ageto").alias("age_to"),
            (pl.col("lu") / 100).round(6).alias("share_no_school"),
            (pl.col("lp") / 100).round(6).alias("share_primary"),
            (pl.col("ls") / 100).round(6).alias("share_secondary"),
            (pl.col("lh") / 100).round(6).alias("share_tertiary"),
            (pl.col("pop") * 1000).round(0).cast(pl.Int64).alias("population"),
        )
        .sort("iso3", "year", "age_from")
    )
    return _write(frame, "barro_lee_ages", out_dir)
