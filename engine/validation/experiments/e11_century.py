"""E11: world income per worker after 5 years and a century of free migration (Delogu,
Docquier & Machado 2018).

The source's quantity, in its own abstract: "the world average level of income per worker
increases by 12% in the short term and by approximately 52% after one century". The model's
reading: world GDP over the world's workers (the people aged 20-64 where they live times
their location's employment rate), under free mobility against the status quo of the same
config, seed and size. Free mobility moves people to where the employment rates, and later
the fertility, differ, so the number of workers is not the same in the two runs and the
per-worker figure differs from the world GDP change (both are in the check's note)."""

from __future__ import annotations

import numpy as np
import polars as pl

from migsim.validation.checks import Check, point
from migsim.validation.experiments._shared import WORKING_BANDS, pct, year_sum
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E11:world_income_per_worker_pct_after_5y",
    "E11:world_income_per_worker_pct_after_100y",
]
EXPECTED_FAILURES = {
    "E11:world_income_per_worker_pct_after_5y": (
        "the stock adjusts over years, not at once "
        "(Delogu et al.'s short run is a new static equilibrium)"
    ),
    "E11:world_income_per_worker_pct_after_100y": (
        "the model's education response (elasticity "
        "0.05, no externality by default) is weaker than Delogu et al.'s human-capital "
        "dynamics"
    ),
}


def world_workers(r: Runner, run, year: int) -> float:
    """People aged 20-64 in `year` by where they live, times their location's employment
    rate, summed over the world."""
    world = r.world()
    rate = dict(zip(world.codes, np.asarray(world.employment_rate, dtype=float)))
    people = (
        run.table("stocks")
        .filter((pl.col("year") == year) & pl.col("age_band").is_in(WORKING_BANDS))
        .group_by("location")
        .agg(pl.col("people").sum())
        .sort("location")
    )
    return float(sum(rate[c] * p for c, p in people.iter_rows()))


def income_per_worker_change(r: Runner, experiment_name: str, year: int) -> tuple[float, float]:
    """(% change of world GDP per worker, % change of world GDP) in `year`, free mobility
    against the status quo."""
    treat, base = r.run(experiment_name), r.run(experiment_name, baseline=True)
    gdp_t = year_sum(treat.table("regions"), year, "gdp")
    gdp_b = year_sum(base.table("regions"), year, "gdp")
    per_t = gdp_t / world_workers(r, treat, year)
    per_b = gdp_b / world_workers(r, base, year)
    return pct(per_t, per_b), pct(gdp_t, gdp_b)


@experiment(
    "E11",
    title="Free migration over a century (Delogu, Docquier & Machado 2018)",
    configs=["e11_long_run"],
    cost="run",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    other_worlds=(
        "the horizons count from 2010; the gains follow regions12's GDP per head and tertiary "
        "shares (PWT 10.01, Barro-Lee v2.2; docs/worlds-regions12.md)"
    ),
)
def e11_century(r: Runner) -> list[Check]:
    src = "Delogu, Docquier & Machado 2018"
    cfg = r.config("e11_long_run")
    out = []
    for years, published in ((5, 12.0), (int(cfg.years), 52.0)):
        per_worker, gdp = income_per_worker_change(r, "e11_long_run", r.base_year + years)
        out.append(
            point(
                "E11",
                f"world_income_per_worker_pct_after_{years}y",
                src,
                "V",
                published,
                per_worker,
                "%",
                f"world GDP per worker (people aged 20-64 where they live x the location's "
                f"employment rate); world GDP itself {gdp:+.2f}%",
            )
        )
    return out
