"""E1: the 2013 base year against UN DESA 2013 (Alonso's (2015) Table 6.1): migrant stocks
by UN area, women and working-age shares, and the shares of the four corridors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from migsim.core.world import load_world
from migsim.validation.checks import Check, point
from migsim.validation.experiments._shared import WORKING_BANDS
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E1:stock_2013_Africa_M",
    "E1:stock_2013_Asia_M",
    "E1:stock_2013_Europe_M",
    "E1:stock_2013_Latin_America_M",
    "E1:stock_2013_North_America_M",
    "E1:stock_2013_Oceania_M",
    "E1:stock_2013_world_M",
    "E1:stock_2013_world_share_pct",
    "E1:women_share_pct",
    "E1:aged_20_64_share_pct",
    "E1:corridor_S_to_S_pct",
    "E1:corridor_S_to_N_pct",
    "E1:corridor_N_to_N_pct",
    "E1:corridor_N_to_S_pct",
]


def _migrant_cells(stocks: pl.DataFrame) -> pl.DataFrame:
    return stocks.filter(
        (pl.col("origin") != pl.col("location")) | (pl.col("status") == "intra_regional")
    )


QUICK_UNDECIDED: dict[str, str] = {}


@experiment(
    "E1",
    title="The 2013 base year against UN DESA 2013",
    configs=["e01_status_quo"],
    cost="run",
    quantities=QUANTITIES,
    quick_undecided=QUICK_UNDECIDED,
    other_worlds=(
        "on a world built from data the run starts in 2010 and the checks read its third "
        "simulated year (2013) against Table 6.1's 2013 figures: the stocks start from UN DESA "
        "2019's 2010 matrix of known origins (212.2 M against Table 6.1's 220.7 M for 2010, "
        "docs/worlds-regions12.md) and grow at the calibrated pace"
    ),
)
def e1_base_year(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    regions = run.table("regions").filter(pl.col("year") == 2013)
    stocks = run.table("stocks").filter(pl.col("year") == 2013)
    # the published 2013 figures (Alonso 2015, Table 6.1) are the default world's history, whichever
    # world runs: a world built from data holds history up to 2010 only
    history = load_world("default").stock_history
    area = dict(zip(world.codes, world.un_area))
    sim_area = (
        regions.with_columns(un_area=pl.col("region").replace_strict(area))
        .group_by("un_area")
        .agg(pl.col("immigrants").sum())
    )
    src = "UN DESA 2013; Alonso 2015, Table 6.1"
    out = []
    for a, m in sorted(zip(sim_area["un_area"], sim_area["immigrants"])):
        pub = float(
            history.filter((pl.col("un_area") == a) & (pl.col("year") == 2013))["migrants"][0]
        )
        out.append(
            point("E1", f"stock_2013_{a.replace(' ', '_')}_M", src, "V", pub / 1e6, m / 1e6, "M")
        )
    world_m = float(regions["immigrants"].sum())
    out.append(point("E1", "stock_2013_world_M", src, "V", 231.5, world_m / 1e6, "M"))
    out.append(
        point(
            "E1",
            "stock_2013_world_share_pct",
            "UN DESA 2013",
            "V",
            3.2,
            100 * world_m / float(regions["population"].sum()),
            "%",
        )
    )
    mig = _migrant_cells(stocks)
    total = float(mig["people"].sum())
    women = float(mig.filter(pl.col("sex") == "female")["people"].sum())
    out.append(point("E1", "women_share_pct", "UN DESA 2013", "V", 48.0, 100 * women / total, "%"))
    working = float(mig.filter(pl.col("age_band").is_in(WORKING_BANDS))["people"].sum())
    out.append(
        point("E1", "aged_20_64_share_pct", "UN DESA 2013", "V", 75.0, 100 * working / total, "%")
    )
    dev = dict(zip(world.codes, world.developed.tolist()))
    # sums in the stocks table's own row order (a polars group-by may add in any order, so
    # its last digit would change from run to run)
    o = mig["origin"].replace_strict(dev).to_numpy()
    d = mig["location"].replace_strict(dev).to_numpy()
    people = mig["people"].to_numpy()
    share = {
        (a, b): 100 * float(people[(o == a) & (d == b)].sum()) / total
        for a in (False, True)
        for b in (False, True)
    }
    cs = "Alonso 2015 / MDB 22 (UN DESA 2013)"
    out.append(point("E1", "corridor_S_to_S_pct", cs, "V", 36.0, share.get((False, False), 0), "%"))
    out.append(point("E1", "corridor_S_to_N_pct", cs, "V", 35.0, share.get((False, True), 0), "%"))
    out.append(point("E1", "corridor_N_to_N_pct", cs, "K", 23.0, share.get((True, True), 0), "%"))
    out.append(point("E1", "corridor_N_to_S_pct", cs, "K", 6.0, share.get((True, False), 0), "%"))
    return out


@e1_base_year.plot
def stocks_2013(frame: pl.DataFrame, runner: Runner, out: Path) -> list[str]:
    """Migrant stocks by UN area in 2013: published (with the +-10% band) and simulated."""
    import matplotlib.pyplot as plt

    files = []
    e1 = frame.filter(
        (pl.col("experiment") == "E1")
        & pl.col("quantity").str.starts_with("stock_2013_")
        & ~pl.col("quantity").str.contains("world")
    )
    if e1.height:
        labels = [
            q.replace("stock_2013_", "").replace("_M", "").replace("_", " ") for q in e1["quantity"]
        ]
        x = np.arange(len(labels))
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.bar(x - 0.2, e1["published_low"], 0.4, label="UN DESA 2013 (Table 6.1)")
        ax.bar(x + 0.2, e1["simulated"], 0.4, label="migsim base year")
        ax.errorbar(
            x - 0.2,
            e1["published_low"],
            yerr=0.1 * e1["published_low"].to_numpy(),
            fmt="none",
            color="k",
            capsize=3,
            label="+-10%",
        )
        ax.set_xticks(x, labels, rotation=20)
        ax.set_ylabel("migrant stock, millions")
        ax.set_title("E1: migrant stocks by UN area, 2013")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "stocks_2013.png", dpi=110)
        plt.close(fig)
        files.append("stocks_2013.png")
    return files
