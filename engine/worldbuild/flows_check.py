"""Simulated first-year flows of a world built from data against Abel & Sander's 2005-2010
flows, by corridor between the world's areas.

The model is calibrated to stocks (and to flows that keep the stocks growing), never to
these flows, so this is an out-of-sample check. Abel & Sander estimate the fewest moves
between two UN stock tables five years apart (inputs/abel_sander_flows/provenance.json);
their 2005-10 flows divided by 5 are a yearly rate. Set beside them: the simulated moves of
the first year (2010-11) of people leaving their country of birth (`source == origin` in
flows.parquet), summed over skills, between different areas. Flows between countries of the
same area are not moves in the model and are left out on both sides.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from migsim.core.resources import data_dir

PERIOD_START = 2005  # 2005-2010, the last period the input holds (nothing after 2010)
AGENTS = 1_000_000
SEED = 1


def abel_sander_by_corridor(mapping: str) -> dict[tuple[str, str], float]:
    """Yearly flows (persons a year) between different areas of `mapping`, 2005-2010 / 5."""
    areas = pl.read_csv(data_dir() / "mappings" / f"{mapping}.csv").select("iso3", "area")
    flows = pl.read_csv(data_dir() / "inputs" / "abel_sander_flows" / "abel_sander_flows.csv.gz")
    flows = (
        flows.filter(pl.col("period_start") == PERIOD_START)
        .join(areas.rename({"iso3": "origin", "area": "o"}), on="origin")
        .join(areas.rename({"iso3": "destination", "area": "d"}), on="destination")
        .filter(pl.col("o") != pl.col("d"))
        .group_by("o", "d")
        .agg(pl.col("flow").sum() / 5.0)
        .sort("o", "d")
    )
    return {(o, d): float(f) for o, d, f in flows.iter_rows()}


def simulated_by_corridor(world: str) -> tuple[dict[tuple[str, str], float], int]:
    """First-year moves out of the country of birth by corridor, and the year they end in."""
    import migsim

    run = migsim.run(
        [f"world={world}", f"population.size={AGENTS}", "years=1", f"seed={SEED}", "progress=false"]
    )
    flows = run.flows
    year = int(flows["year"].max())
    first = flows.filter(
        (pl.col("year") == year)
        & (pl.col("source") == pl.col("origin"))
        & (pl.col("destination") != pl.col("source"))
    )
    out: dict[tuple[str, str], float] = {}
    # added in the table's own row order (a group-by may add in any order)
    for o, d, p in first.select("source", "destination", "people").iter_rows():
        out[(o, d)] = out.get((o, d), 0.0) + float(p)
    return out, year


def compare_flows(world: str) -> dict[str, float]:
    """Correlation and log error of simulated against Abel-Sander corridors of `world`."""
    observed = abel_sander_by_corridor(world)
    simulated, year = simulated_by_corridor(world)
    both = sorted(k for k in observed if observed[k] > 0 and simulated.get(k, 0) > 0)
    x = np.array([math.log(observed[k]) for k in both])
    y = np.array([math.log(simulated[k]) for k in both])
    big = sorted(observed, key=lambda k: -observed[k])[:10]
    return {
        "year": year,
        "corridors_observed": len(observed),
        "corridors_both": len(both),
        "observed_only": sum(1 for k in observed if simulated.get(k, 0) <= 0),
        "volume_covered_pct": 100 * sum(observed[k] for k in both) / sum(observed.values()),
        "log_correlation": float(np.corrcoef(x, y)[0, 1]),
        "mean_abs_log_error": float(np.mean(np.abs(y - x))),
        "median_log_ratio": float(np.median(y - x)),
        "total_observed_M": sum(observed.values()) / 1e6,
        "total_simulated_M": sum(simulated.values()) / 1e6,
        "top10": [(k, observed[k], simulated.get(k, 0.0)) for k in big],
    }


def flows_section(worlds: tuple[str, ...] = ("regions12", "corridors")) -> str:
    """The page's section on flows (simulates each world for one year)."""
    lines = [
        "## First-year flows against Abel & Sander 2005-2010",
        "",
        "Out of sample: the model is calibrated to stocks, not to these flows. Abel & Sander's "
        "(2014) 2005-10 flows by country pair, divided by 5, summed into the world's "
        "corridors between different areas, against the simulated moves out of the country "
        f"of birth in the first year ({AGENTS:,} agents, seed {SEED}; "
        "migsim.worldbuild.flows_check). Their flows are the fewest moves that turn one "
        "stock table into the next, so they run below yearly moves. Log error: simulated over "
        "observed, natural log, over corridors with both flows positive.",
        "",
        "| world | corridors (Abel-Sander) | both positive | simulated zero | "
        "Abel-Sander volume on both-positive corridors | "
        "correlation of logs | mean abs log error | median log ratio | "
        "total Abel-Sander M/yr | total simulated M/yr |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    tops = []
    for world in worlds:
        c = compare_flows(world)
        lines.append(
            f"| {world} ({c['year'] - 1}-{str(c['year'])[2:]}) | {c['corridors_observed']} | "
            f"{c['corridors_both']} | {c['observed_only']} | {c['volume_covered_pct']:.1f}% | "
            f"{c['log_correlation']:.3f} | "
            f"{c['mean_abs_log_error']:.3f} | {c['median_log_ratio']:+.3f} | "
            f"{c['total_observed_M']:.2f} | {c['total_simulated_M']:.2f} |"
        )
        tops.append((world, c["top10"]))
    for world, top in tops:
        lines += [
            "",
            f"The ten largest Abel-Sander corridors of {world}, thousands a year:",
            "",
            "| corridor | Abel-Sander 2005-10 / 5 | simulated first year |",
            "|---|---:|---:|",
        ]
        lines += [f"| {o} -> {d} | {a / 1e3:,.0f} | {s / 1e3:,.0f} |" for (o, d), a, s in top]
    return "\n".join(lines)
