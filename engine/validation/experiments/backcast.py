"""The back-cast: the world built from country data at base year 1990 (regions12_1990, its
calibration fitted on the observed 1990-2005 corridor and within-region changes by `migsim
world fit-history`) run along the history scenario (observed PWT incomes and WPP demography
to 2013) from 1990 to 2013, its immigrant stocks by UN area against Alonso's (2015) Table 6.1
in 2000, 2010 and 2013.

It is the HISTORY experiment's run (configs/experiment/history_1990.yaml runs to 2013, and
HISTORY reads its years to 2010), so a full validation simulates it once. No bilateral
migrant stock after 2005 enters the world or its calibration; Table 6.1's area aggregates
(the default world's stock_history.csv) are the reference only.

Tiers follow the calibration (migsim.model.targets): 1990 is the world's input stocks, 2000
lies inside the 1990-2005 window the calibration was fitted on, 2010 and 2013 are after it.
Each point after 1990 carries a naive null, every area's 1990 stock (Table 6.1) grown at a
constant 1.6%/yr (behaviour.stock_growth), and passes only if it is inside its band and at
least as close to Table 6.1 as the null.

The same run's 2013 migrants by development group (Alonso's Figure 6.3: South-South 36%,
South-North 35%, North-North 23%, North-South 6%; calibrated on the default world, E1) are
one more out-of-sample check, against the closer of two nulls: the 1990 world's own
composition, and every area pair's stock (within-region stocks included) grown at its own
1990-2005 rate."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from migsim.validation.checks import Check, Pooled, point
from migsim.validation.experiments.history import CONFIG, WORLD
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

SOURCE = "Alonso 2015, Table 6.1 (UN DESA)"
BASE, LAST = 1990, 2013
YEARS = (2000, 2010, 2013)
AREAS = ("Africa", "Asia", "Europe", "Latin America", "North America", "Oceania")
# One check per period and metric: the areas' stock-weighted mean absolute log error (the
# six areas of one run are one check, not six), and the world total.
QUANTITIES = [
    "BACKCAST:stock_1990_World_M",
    *(f"BACKCAST:stock_{y}_areas_log_error" for y in YEARS),
    *(f"BACKCAST:stock_{y}_World_M" for y in YEARS),
    "BACKCAST:composition_2013_log_error",
]
# Alonso's (2015) Figure 6.3 (UN DESA 2013): the world's migrants by (origin developed,
# destination developed), % of the world stock: South-South, South-North, North-North,
# North-South. The same figures are E1's calibrated checks on the default world; from the
# 1990 world they are 23 years out. One check: the published-share-weighted mean absolute
# log error of the four shares, in the areas' band ([V] +-10%: ln 1.1).
COMPOSITION_SOURCE = "Alonso 2015, Figure 6.3 (UN DESA 2013)"
COMPOSITION = {(False, False): 36.0, (False, True): 35.0, (True, True): 23.0, (True, False): 6.0}
GROUP_NAMES = {
    (False, False): "S-S",
    (False, True): "S-N",
    (True, True): "N-N",
    (True, False): "N-S",
}
# [V]'s +-10% as a log error: every area within 10% would give at most ln 1.1
LOG_TOLERANCE = 0.0953
_CAUSE = (
    "the 1990 world is built from the UN bilateral matrix (2019 revision) with each "
    "destination's migrants of unknown origin spread over its known origins (153.0M in "
    "1990 against Table 6.1's 154.1M), and its calibration is fitted to the matrix read the "
    "same way on 1990-2005 (seed 1, 2005: between regions 121.7M simulated against 123.2M; "
    "the large corridors' levels and trends fitted on runs by migsim world fit-history, the "
    "within-region rates per region). After 2005 the corridors' constants and the "
    "within-region rates stay at their 2005 values and both parts fall behind the matrix "
    "(2010: between regions 143.0M against 145.9M; within-region 68.2M against 74.9M, as "
    "East Asia's, South Asia's, Latin America's and West Asia's grew again where the rates "
    "fitted on 1990-2005 carry their earlier path), while the null grows Table 6.1's 1990 "
    "level at 1.6%/yr. Next step: within-region and corridor terms that follow the "
    "observed incomes and populations after 2005"
)
# The 2010 world total lies inside its band (199-243M) on every seed and about as far from
# Table 6.1's 220.7M as the constant-growth null's 211.7M: on nine seeds at 1,000,000 agents
# 212.3M (seeds 211.3-214.2M), closer than the null by 0.57M, just over two Monte Carlo
# errors (0.54M): a pass at the edge of the Monte Carlo rule (undecided before immigrants'
# downgrading moved it by 0.1M); with twice the agents it beats the null too (a pass), and
# in quick mode it is undecided. Why it is no closer, the check's note: _CAUSE.
EXPECTED_FAILURES: dict[str, str] = {}
# --quick (125,000 agents, 3 seeds) decides the 2010 and 2013 area errors as the full run
# does (0.070, seeds 0.060-0.079, and 0.073, seeds 0.062-0.092: inside the band's edge 0.0953
# and below their nulls); its composition (0.081, seeds 0.066-0.095) and 2010 world total
# lie within two Monte Carlo errors of the band's edge or of the null, so the Monte Carlo
# rule leaves them undecided there; the 2013 world total is named below
QUICK_UNDECIDED: dict[str, str] = {
    "BACKCAST:stock_2010_World_M": (
        "quick mean 210.0M (3 seeds, Monte Carlo error 0.8M) against the null's 211.7M, on "
        "the other side of it from the full run's 212.2M (nine seeds, error 0.25M), which is "
        "closer to Table 6.1's 221M than the null by 0.5M, about two Monte Carlo errors"
    ),
    "BACKCAST:stock_2013_World_M": (
        "quick mean 223.6M (seeds 223.2-224.0M) against the null's 222.0M, a seed's spread "
        "of 1-4M; the full run's 225.4M (nine seeds, 223.9-227.1M) is closer to Table 6.1's "
        "232M than the null by about ten Monte Carlo errors"
    ),
}


@experiment(
    "BACKCAST",
    title="Back-cast 1990-2013 against Alonso's (2015) Table 6.1 and Figure 6.3",
    configs=[CONFIG],
    cost="run",
    quantities=QUANTITIES,
    quick_undecided=QUICK_UNDECIDED,
    expected_failures=EXPECTED_FAILURES,
    default_world_only=(
        "it runs its own world, regions12_1990 (regions12 built at 1990), from 1990 to 2013 "
        "(the HISTORY experiment's run), and compares it with Table 6.1's UN areas"
    ),
)
def backcast(r: Runner) -> list[Check]:
    reg = _area_stocks(r)
    hist = _table_6_1()
    growth = float(r.config(CONFIG).behaviour.stock_growth)
    stocks = {
        (y, a): (_published(hist, a, y), _simulated(reg, a, y))
        for y in (BASE, *YEARS)
        for a in (*AREAS, "World")
    }
    pub, sim = stocks[(BASE, "World")]
    out = [
        point(
            "BACKCAST",
            "stock_1990_World_M",
            SOURCE,
            "V",
            pub,
            sim,
            "M",
            "start of the back-cast: the 1990 world's input stocks (UN bilateral matrix "
            "aggregated by region, within-region stocks included, unknown origins spread "
            "over known ones)",
        )
    ]
    for y in YEARS:
        weights = [stocks[(y, a)][0] for a in AREAS]
        areas = np.array([stocks[(y, a)][1] for a in AREAS])  # pooled over seeds

        def area_error(sims, published=tuple(weights)):
            return _log_error(list(zip(published, sims)), list(published))

        err = area_error(areas)
        null = _log_error([(stocks[(y, a)][0], _null(hist, a, y, growth)) for a in AREAS], weights)
        out.append(
            Check(
                "BACKCAST",
                f"stock_{y}_areas_log_error",
                SOURCE,
                "V",
                0.0,
                0.0,
                err,
                0.0,
                LOG_TOLERANCE,
                "log points",
                "stock-weighted mean |ln(simulated / published)| over the six UN areas; "
                + ", ".join(
                    f"{a} {stocks[(y, a)][1]:.1f} vs {stocks[(y, a)][0]:.1f} M" for a in AREAS
                ),
                null,
                Pooled((areas,), area_error),
            )
        )
        pub, sim = stocks[(y, "World")]
        out.append(
            point(
                "BACKCAST",
                f"stock_{y}_World_M",
                SOURCE,
                "V",
                pub,
                sim,
                "M",
                "the world's stock, within-region migrants included"
                + (f"; {_CAUSE}" if y == 2010 else ""),
                null=_null(hist, "World", y, growth),
            )
        )
    out.append(_composition_check(r))
    return out


def _composition_check(r: Runner) -> Check:
    """The 2013 composition of the world's migrants by development group (Figure 6.3)
    against the closer of two nulls: the 1990 world's own composition (every stock grown
    alike) and each area pair's stock, within-region ones included, grown at its own
    constant 1990-2005 rate (HISTORY's null, on the diagonal too)."""
    from migsim.core.world import load_world
    from migsim.validation.corridors import (
        constant_growth_null,
        observed_stocks,
        simulated_stocks,
    )
    from migsim.validation.experiments.history import FIT_END
    from migsim.worldbuild.inputs import built_matrix
    from migsim.worldbuild.mapping import mapping_path
    from migsim.worldbuild.projection import HISTORY_WORLDS

    world = load_world(WORLD)
    codes, dev = list(world.codes), [bool(d) for d in world.developed]
    stocks = r.run(CONFIG).table("stocks")
    simulated = simulated_stocks(stocks, codes, (LAST,), within=True)[LAST]
    mapping = pl.read_csv(mapping_path(HISTORY_WORLDS[WORLD]))
    observed = observed_stocks(
        built_matrix(world.path), mapping, codes, (BASE, FIT_END), within=True
    )
    nulls = {
        "the 1990 composition": observed[BASE],
        "each pair's 1990-2005 growth": constant_growth_null(
            observed[BASE], observed[FIT_END], BASE, FIT_END, LAST
        ),
    }
    shares = {"model": _shares(simulated, dev), **{k: _shares(v, dev) for k, v in nulls.items()}}
    errors = {k: _composition_error(v) for k, v in shares.items()}
    closer = min(nulls, key=errors.get)
    note = (
        "published-share-weighted mean |ln(simulated / published)| over the four groups "
        "(by the 1990 world's developed flag of the areas; within-region migrants counted); "
        + "; ".join(
            f"{k}: "
            + ", ".join(f"{GROUP_NAMES[g]} {v[g]:.1f}" for g in COMPOSITION)
            + f" ({errors[k]:.3f})"
            for k, v in shares.items()
        )
        + "; published: "
        + ", ".join(f"{GROUP_NAMES[g]} {p:.0f}" for g, p in COMPOSITION.items())
        + f"; the closer null is {closer}"
    )
    return Check(
        "BACKCAST",
        "composition_2013_log_error",
        COMPOSITION_SOURCE,
        "V",
        0.0,
        0.0,
        errors["model"],
        0.0,
        LOG_TOLERANCE,
        "log points",
        note,
        errors[closer],
        Pooled((simulated,), lambda m: _composition_error(_shares(m, dev))),
    )


def _shares(matrix: np.ndarray, developed: list[bool]) -> dict[tuple[bool, bool], float]:
    """% of the (R, R) stock matrix's total in each (origin developed, destination
    developed) group."""
    dev = np.asarray(developed, dtype=bool)
    total = float(matrix.sum())
    return {
        (a, b): 100 * float(matrix[np.ix_(dev == a, dev == b)].sum()) / total
        for a, b in COMPOSITION
    }


def _composition_error(shares: dict[tuple[bool, bool], float]) -> float:
    return _log_error([(p, shares[g]) for g, p in COMPOSITION.items()], list(COMPOSITION.values()))


def _area_stocks(r: Runner) -> pl.DataFrame:
    """Immigrants (year, un_area) of the history run (simulated once, shared with HISTORY),
    by the 1990 world's `un_area` column."""
    from migsim.core.errors import InputError
    from migsim.core.world import load_world

    run = r.run(CONFIG)
    regions = run.table("regions")
    if int(regions["year"].max()) < LAST:
        raise InputError(
            f"configs/experiment/{CONFIG}.yaml: years",
            f"the run ends in {int(regions['year'].max())}",
            f"a run to {LAST} at least (years >= {LAST - BASE})",
        )
    world = load_world(WORLD)
    area = dict(zip(world.codes, world.un_area))
    return (
        regions.with_columns(un_area=pl.col("region").replace_strict(area))
        .group_by("year", "un_area")
        .agg(pl.col("immigrants").sum())
        .sort("year", "un_area")
    )


def _table_6_1() -> pl.DataFrame:
    """Alonso's (2015) Table 6.1: migrants by UN area and year (un_area, year, migrants)."""
    from migsim.core.world import load_world

    return load_world("default").stock_history


def _published(hist: pl.DataFrame, area: str, year: int) -> float:
    rows = hist.filter((pl.col("un_area") == area) & (pl.col("year") == year))
    return float(rows["migrants"][0]) / 1e6


def _simulated(reg: pl.DataFrame, area: str, year: int) -> float:
    sel = reg.filter(pl.col("year") == year)
    if area != "World":
        sel = sel.filter(pl.col("un_area") == area)
    return float(sel["immigrants"].sum()) / 1e6


def _log_error(pairs: list[tuple[float, float]], weights: list[float]) -> float:
    """Weighted mean |ln(b / a)| over (a, b) pairs."""
    total = sum(weights)
    return sum(w * abs(math.log(b / a)) for (a, b), w in zip(pairs, weights)) / total


def _null(hist: pl.DataFrame, area: str, year: int, growth: float) -> float:
    """The area's 1990 stock (millions) grown at `growth` a year to `year`."""
    s90 = hist.filter((pl.col("un_area") == area) & (pl.col("year") == BASE))["migrants"][0]
    return float(s90) / 1e6 * (1.0 + growth) ** (year - BASE)


@backcast.plot
def backcast_stocks(frame: pl.DataFrame, runner: Runner, out: Path) -> list[str]:
    """Simulated migrant stocks by UN area 1990-2013 against Table 6.1's."""
    import matplotlib.pyplot as plt

    if CONFIG not in runner.runs:
        return []
    reg = _area_stocks(runner)
    hist = _table_6_1()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, a in enumerate(AREAS):
        color = f"C{k}"
        s = reg.filter(pl.col("un_area") == a)
        ax.plot(s["year"], s["immigrants"] / 1e6, color=color, label=a)
        h = hist.filter((pl.col("un_area") == a) & pl.col("year").is_between(BASE, LAST))
        ax.plot(h["year"], h["migrants"] / 1e6, "o", color=color, mfc="none")
    ax.set_ylabel("migrant stock, millions")
    ax.set_title("Back-cast 1990-2013: simulated (lines) vs Table 6.1 (circles)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "backcast.png", dpi=110)
    plt.close(fig)
    return ["backcast.png"]
