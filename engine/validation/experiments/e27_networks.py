"""E27: yearly flows against diasporas (Beine, Docquier & Ozden 2011)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from migsim.validation.checks import Check, point
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E27:r2_log_flows_on_log_diaspora",
]
EXPECTED_FAILURES = {
    "E27:r2_log_flows_on_log_diaspora": (
        "yearly flows are calibrated to stock x exit rate, so simulated log "
        "flows are nearly proportional to log diasporas; real flows carry more noise and "
        "other determinants"
    ),
}


QUICK_UNDECIDED = {
    "E27:r2_log_flows_on_log_diaspora": (
        "full run 0.871, quick 0.675: R^2 falls with fewer agents (sampling noise in small "
        "corridors)"
    ),
}


@experiment(
    "E27",
    title="Networks: flows against diasporas (Beine, Docquier & Ozden 2011)",
    configs=["e01_status_quo"],
    cost="run",
    quantities=QUANTITIES,
    quick_undecided=QUICK_UNDECIDED,
    expected_failures=EXPECTED_FAILURES,
    other_worlds=(
        "the first year's flows (2011) are set against regions12's 2010 diasporas (UN DESA "
        "2019, known origins; docs/worlds-regions12.md)"
    ),
)
def e27_networks(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    flows = run.table("flows").filter(
        (pl.col("year") == r.base_year + 1)
        & (pl.col("source") == pl.col("origin"))
        & (pl.col("destination") != pl.col("origin"))
    )
    # corridor totals added in the flows table's own row order, corridors in sorted order (a
    # polars group-by may add and list them in any order, changing the last digit of R^2)
    totals: dict[tuple[str, str], float] = {}
    for o, d, p in flows.select("origin", "destination", "people").iter_rows():
        totals[(o, d)] = totals.get((o, d), 0.0) + p
    idx = {c: i for i, c in enumerate(world.codes)}
    x, yv = [], []
    for (o, d), p in sorted(totals.items()):
        stock = world.migrant_stock[idx[o], idx[d]]
        if p > 0 and stock > 0:
            x.append(math.log(stock))
            yv.append(math.log(p))
    x, yv = np.array(x), np.array(yv)
    r2 = float(np.corrcoef(x, yv)[0, 1] ** 2)
    return [
        point(
            "E27",
            "r2_log_flows_on_log_diaspora",
            "Beine, Docquier & Ozden 2011",
            "V",
            0.71,
            r2,
            "",
            f"OLS on {x.size} corridors, first moves from home in 2014",
        )
    ]
