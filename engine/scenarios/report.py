"""The generated blocks of docs/scenarios.md (the development scenario against no scenario,
and the demand the liquidity check holds back, from runs of the default world) and their
summary in the README.

    python -m migsim.scenarios.report --write docs/scenarios.md README.md   # rewrite
    python -m migsim.scenarios.report --check docs/scenarios.md README.md   # exit 1 if stale

Both runs: the default world, 1,000,000 agents, seed 1, 30 years (the default job), once
with `scenario=none` and once with `scenario=development`, on the stored calibration.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import polars as pl

from migsim.core.docblocks import sync_present, write_or_check

RUN = ["population.size=1000000", "seed=1", "years=30", "progress=false"]
YEARS = (2013, 2018, 2023, 2033, 2043)
# Gallup World Poll 2009-11: about 640 million adults, 13% of the world's adults, would like
# to move to another country permanently (Gallup World Poll potential-migration releases,
# 2009-2011 surveys; docs/model.md §4.5)
GALLUP_DESIRE_SHARE = 0.13
BLOCKS = {
    "development": ("<!-- scenario-development:begin -->", "<!-- scenario-development:end -->"),
    "blocked": ("<!-- blocked-demand:begin -->", "<!-- blocked-demand:end -->"),
    "readme": ("<!-- scenarios-summary:begin -->", "<!-- scenarios-summary:end -->"),
}
DEVELOPMENT_REGION = "SSA"
SUMMARY_YEAR = 2043


@functools.cache
def _runs() -> dict[str, pl.DataFrame]:
    import migsim

    return {
        name: migsim.run([*RUN, f"scenario={name}"]).tables["regions"]
        for name in ("none", "development")
    }


def development_table(runs: dict[str, pl.DataFrame], region: str = "SSA") -> str:
    """Markdown: the region's GDP per capita, low-skill wage, emigrants, departures and
    blocked would-be movers by year, without and with the scenario."""
    rows = [
        "| year | GDP per capita, PPP $ (none / development) | low-skill wage, PPP $ "
        "| emigrants abroad, M | departures in the year, M | held back by the liquidity "
        "check, M |",
        "|---|---|---|---|---|---|",
    ]
    frames = {k: v.filter(pl.col("region") == region).sort("year") for k, v in runs.items()}
    for year in YEARS:
        a = frames["none"].filter(pl.col("year") == year).row(0, named=True)
        b = frames["development"].filter(pl.col("year") == year).row(0, named=True)

        def pair(key, scale=1.0, fmt="{:,.0f}", a=a, b=b):
            return f"{fmt.format(a[key] / scale)} / {fmt.format(b[key] / scale)}"

        rows.append(
            f"| {year} | {a['gdp'] / a['population']:,.0f} / {b['gdp'] / b['population']:,.0f} "
            f"| {pair('wage_low_native')} | {pair('emigrants', 1e6, '{:.1f}')} "
            f"| {pair('departures', 1e6, '{:.2f}')} "
            f"| {pair('blocked_by_liquidity', 1e6, '{:.1f}')} |"
        )
    return "\n".join(rows)


def blocked_table(regions: pl.DataFrame, year: int = 2014) -> str:
    """Markdown: by origin, in the first simulated year of the status quo, the movers, the
    would-be movers held back by the liquidity check, and both as shares of adults."""
    t = regions.filter(pl.col("year") == year).sort("region")
    rows = [
        "| origin | moves out (returns included), M | held back, M | held back per mover "
        "| would-be movers, % of residents a year |",
        "|---|---|---|---|---|",
    ]
    total = {"departures": 0.0, "blocked": 0.0, "population": 0.0}
    for r in t.iter_rows(named=True):
        moved, held, pop = r["departures"], r["blocked_by_liquidity"], r["population"]
        total["departures"] += moved
        total["blocked"] += held
        total["population"] += pop
        rows.append(
            f"| {r['region']} | {moved / 1e6:.2f} | {held / 1e6:.1f} "
            f"| {held / max(moved, 1.0):.1f} | {100 * (moved + held) / pop:.2f} |"
        )
    moved, held, pop = total["departures"], total["blocked"], total["population"]
    rows.append(
        f"| world | {moved / 1e6:.2f} | {held / 1e6:.1f} | {held / max(moved, 1.0):.1f} "
        f"| {100 * (moved + held) / pop:.2f} |"
    )
    rows.append("")
    rows.append(
        f"Gallup's World Poll (2009-11) found {GALLUP_DESIRE_SHARE:.0%} of the world's adults "
        "would like to move to another country permanently: a stock of wishes, not a yearly "
        f"flow. The model's yearly would-be movers are {100 * (moved + held) / pop:.2f}% of "
        f"residents in {year}, of whom {held / max(moved + held, 1.0):.0%} are held back: at "
        f"that rate, {GALLUP_DESIRE_SHARE / ((moved + held) / pop):.0f} years of would-be "
        "movers add up to Gallup's share (if no one were counted twice)."
    )
    return "\n".join(rows)


def summary(runs: dict[str, pl.DataFrame], region: str = DEVELOPMENT_REGION) -> str:
    """Markdown for the README: the development scenario's result in one paragraph and the
    world's held-back demand in the first simulated year, with Gallup's survey beside it."""
    frames = {k: v.filter(pl.col("region") == region).sort("year") for k, v in runs.items()}
    first = int(frames["none"]["year"].min())
    a0 = frames["none"].filter(pl.col("year") == first).row(0, named=True)
    a = frames["none"].filter(pl.col("year") == SUMMARY_YEAR).row(0, named=True)
    b = frames["development"].filter(pl.col("year") == SUMMARY_YEAR).row(0, named=True)
    t = runs["none"].filter(pl.col("year") == first + 1)
    moved = float(t["departures"].sum())
    held = float(t["blocked_by_liquidity"].sum())
    pop = float(t["population"].sum())
    ssa_held = float(t.filter(pl.col("region") == region)["blocked_by_liquidity"].sum())
    return (
        f"**A development scenario** (`migsim run scenario=development`; default world, "
        f"1,000,000 agents, seed 1, the stored calibration): {region}'s GDP per capita goes "
        f"from {a0['gdp'] / a0['population']:,.0f} to {b['gdp'] / b['population']:,.0f} PPP $ "
        f"by {SUMMARY_YEAR} (without the scenario: {a['gdp'] / a['population']:,.0f}). Its "
        f"emigrants abroad in {SUMMARY_YEAR} are {b['emigrants'] / 1e6:.1f}M against "
        f"{a['emigrants'] / 1e6:.1f}M, and {b['departures'] / 1e6:.2f}M leave that year against "
        f"{a['departures'] / 1e6:.2f}M: richer at home, more people can pay the up-front cost "
        f"of a move. **The demand the liquidity check holds back**, in `regions.parquet` as "
        f"`blocked_by_liquidity`: in {first + 1}, {held / 1e6:.1f}M would-be movers worldwide "
        f"could not pay the move ({ssa_held / 1e6:.1f}M of them in {region}) against "
        f"{moved / 1e6:.1f}M who moved; would-be movers are "
        f"{100 * (moved + held) / pop:.2f}% of residents a year, against the "
        f"{GALLUP_DESIRE_SHARE:.0%} of adults who told Gallup's World Poll (2009-11) they would "
        "like to move permanently, a stock of wishes rather than a yearly flow. Both tables and "
        "their discussion: [Scenarios over time](docs/scenarios.md)."
    )


def blocks(runs: dict[str, pl.DataFrame] | None = None) -> dict[str, str]:
    runs = runs or _runs()
    return {
        "development": development_table(runs),
        "blocked": blocked_table(runs["none"]),
        "readme": summary(runs),
    }


def sync(path: str | Path, check: bool) -> bool:
    """The blocks `path` has markers for (docs/scenarios.md: the two tables; the README: the
    summary); a file with none of them is one InputError."""
    makers = {markers: (lambda k=k: blocks()[k]) for k, markers in BLOCKS.items()}
    return sync_present(path, makers, check, "scenario")


def main(argv: list[str] | None = None) -> int:
    return write_or_check(
        argv,
        "python -m migsim.scenarios.report",
        "migsim scenarios: {path}'s scenario blocks are",
        sync,
    )


if __name__ == "__main__":
    sys.exit(main())
