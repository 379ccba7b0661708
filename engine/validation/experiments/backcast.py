"""The back-cast: a 1990 world (2013 economies, migrant stocks and populations scaled back
to 1990), calibrated and simulated 1990-2013 against Alonso's (2015) Table 6.1.

Each point after 1990 carries a naive null, every area's 1990 stock grown at the
calibration's constant stock growth (behaviour.stock_growth), and passes only if it is inside
its band and at least as close to Table 6.1 as the null."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from migsim.validation.checks import Check, point
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

_BACKCAST_WHY = (
    "back-cast miss: the 1990 world keeps 2013 economies and the status-quo calibration grows "
    "every corridor at the same 1.6%/yr, so areas whose stocks grew faster in 1990-2013 "
    "(North America 2.9%/yr: 27.7M -> 53.1M; Oceania; Europe in the 2000s) come out low and "
    "areas that were flat or shrinking in the 1990s (Africa, Latin America, Asia 1990-2000: "
    "refugee returns and post-Soviet reclassification) come out high; from 2010 the world "
    "total also falls short, because exits rise as recent arrivals (who leave most) "
    "replace the long-settled base-year stock, and nothing else (wealth is stationary at "
    "base-year incomes) makes up for it"
)


AREAS = ("Africa", "Asia", "Europe", "Latin America", "North America", "Oceania")
# One check per period and metric: the areas' stock-weighted mean absolute log error (the
# six areas of one run are one check, not six), and the world total.
QUANTITIES = [
    "BACKCAST:stock_1990_World_M",
    *(f"BACKCAST:stock_{y}_areas_log_error" for y in (2000, 2010, 2013)),
    *(f"BACKCAST:stock_{y}_World_M" for y in (2000, 2010, 2013)),
]
# [V]'s +-10% as a log error: every area within 10% would give at most ln 1.1
LOG_TOLERANCE = 0.0953
EXPECTED_FAILURES = {
    "BACKCAST:stock_2000_areas_log_error": (_BACKCAST_WHY),
    "BACKCAST:stock_2010_areas_log_error": (_BACKCAST_WHY),
    "BACKCAST:stock_2013_areas_log_error": (_BACKCAST_WHY),
    "BACKCAST:stock_2010_World_M": _BACKCAST_WHY,
    "BACKCAST:stock_2013_World_M": _BACKCAST_WHY,
}

WPP_POPULATION = {
    "Africa": (631.6, 1110.6),
    "Asia": (3202.5, 4298.7),
    "Europe": (721.1, 742.2),
    "Latin America": (445.5, 617.6),
    "North America": (280.6, 355.4),
    "Oceania": (26.7, 38.3),
}


def derive_1990_world(target: Path) -> Path:
    """The 2013 world with 1990 migrant stocks (Table 6.1 ratio of the destination's UN area)
    and 1990 populations (WPP ratio of the UN area); economies and demography of 2013."""
    from migsim.core.world import DATA_DIR, load_world

    src = DATA_DIR / "default"
    world = load_world("default")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("bilateral.csv", "migrant_age.csv", "stock_history.csv"):
        shutil.copy(src / name, target / name)
    hist = world.stock_history
    ratio = {}
    for a in WPP_POPULATION:
        s = {
            y: float(hist.filter((pl.col("un_area") == a) & (pl.col("year") == y))["migrants"][0])
            for y in (1990, 2013)
        }
        ratio[a] = s[1990] / s[2013]
    area = dict(zip(world.codes, world.un_area))
    regions = pl.read_csv(src / "regions.csv")
    pop_ratio = regions["un_area"].replace_strict(
        {a: v[0] / v[1] for a, v in WPP_POPULATION.items()}
    )
    regions.with_columns(population=(pl.col("population") * pop_ratio).round(0)).write_csv(
        target / "regions.csv"
    )
    stock = pl.read_csv(src / "migrant_stock_2013.csv")
    stock.with_columns(
        migrants=(
            pl.col("migrants")
            * pl.col("destination").replace_strict({c: ratio[a] for c, a in area.items()})
        ).round(0)
    ).write_csv(target / "migrant_stock_2013.csv")
    intra = pl.read_csv(src / "intra_region_migrants_2013.csv")
    intra.with_columns(
        migrants=(
            pl.col("migrants")
            * pl.col("region").replace_strict({c: ratio[a] for c, a in area.items()})
        ).round(0)
    ).write_csv(target / "intra_region_migrants_2013.csv")
    (target / "base_year.txt").write_text("1990\n")
    return target


# quick mode decides every back-cast check as the full run does (means of three seeds)
QUICK_UNDECIDED: dict[str, str] = {}


@experiment(
    "BACKCAST",
    title="Back-cast 1990-2013 against Alonso's (2015) Table 6.1",
    configs=["backcast_1990"],
    cost="run",
    quantities=QUANTITIES,
    quick_undecided=QUICK_UNDECIDED,
    expected_failures=EXPECTED_FAILURES,
    default_world_only=(
        "it derives its 1990 world from the default world's 2013 tables and Table 6.1's "
        "1990/2013 ratios by UN area; a 2010 world has no 2013 stocks to scale back"
    ),
)
def backcast(r: Runner) -> list[Check]:
    from migsim.core.world import load_world
    from migsim.model.calibration import calibrate, write_calibration

    if "backcast" not in r.runs:
        wdir = derive_1990_world(r.root / "world_1990")
        cfg = r.config("backcast_1990", extra=[f"world.path={wdir}"])
        world = load_world(cfg.world.name, wdir)
        write_calibration(calibrate(world, cfg.behaviour, cfg.population), world)
        r.runs["backcast"] = r.run("backcast_1990", extra=[f"world.path={wdir}"])
    run = r.runs["backcast"]
    world = r.world()
    area = dict(zip(world.codes, world.un_area))
    reg = (
        run.table("regions")
        .with_columns(un_area=pl.col("region").replace_strict(area))
        .group_by("year", "un_area")
        .agg(pl.col("immigrants").sum())
    )
    hist = world.stock_history
    # the naive null: every area's 1990 stock grown at the calibration's constant rate
    growth = float(r.config("backcast_1990").behaviour.stock_growth)
    out = []
    stocks = {
        (y, a): (_published(hist, a, y), _simulated(reg, a, y))
        for y in (1990, 2000, 2010, 2013)
        for a in (*AREAS, "World")
    }
    pub, sim = stocks[(1990, "World")]
    out.append(
        point(
            "BACKCAST",
            "stock_1990_World_M",
            "Alonso 2015, Table 6.1 (UN DESA)",
            "V",
            pub,
            sim,
            "M",
            "start of the back-cast (by construction)",
        )
    )
    for y in (2000, 2010, 2013):
        weights = [stocks[(y, a)][0] for a in AREAS]
        err = _log_error([stocks[(y, a)] for a in AREAS], weights)
        null = _log_error([(stocks[(y, a)][0], _null(hist, a, y, growth)) for a in AREAS], weights)
        out.append(
            Check(
                "BACKCAST",
                f"stock_{y}_areas_log_error",
                "Alonso 2015, Table 6.1 (UN DESA)",
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
            )
        )
        pub, sim = stocks[(y, "World")]
        out.append(
            point(
                "BACKCAST",
                f"stock_{y}_World_M",
                "Alonso 2015, Table 6.1 (UN DESA)",
                "V",
                pub,
                sim,
                "M",
                null=_null(hist, "World", y, growth),
            )
        )
    return out


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
    import math

    total = sum(weights)
    return sum(w * abs(math.log(b / a)) for (a, b), w in zip(pairs, weights)) / total


def _null(hist: pl.DataFrame, area: str, year: int, growth: float) -> float:
    """The area's 1990 stock (millions) grown at `growth` a year to `year`."""
    s90 = hist.filter((pl.col("un_area") == area) & (pl.col("year") == 1990))["migrants"][0]
    return float(s90) / 1e6 * (1.0 + growth) ** (year - 1990)


@backcast.plot
def backcast_stocks(frame: pl.DataFrame, runner: Runner, out: Path) -> list[str]:
    """Simulated migrant stocks by UN area 1990-2013 against Table 6.1's."""
    import matplotlib.pyplot as plt

    files = []
    if "backcast" in runner.runs:
        from migsim.core.world import load_world

        world = load_world("default")
        area = dict(zip(world.codes, world.un_area))
        reg = (
            runner.runs["backcast"]
            .table("regions")
            .with_columns(un_area=pl.col("region").replace_strict(area))
            .group_by("year", "un_area")
            .agg(pl.col("immigrants").sum())
            .sort("year")
        )
        hist = world.stock_history
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for k, a in enumerate(sorted(WPP_POPULATION)):
            color = f"C{k}"
            s = reg.filter(pl.col("un_area") == a)
            ax.plot(s["year"], s["immigrants"] / 1e6, color=color, label=a)
            h = hist.filter((pl.col("un_area") == a) & (pl.col("year") >= 1990))
            ax.plot(h["year"], h["migrants"] / 1e6, "o", color=color, mfc="none")
        ax.set_ylabel("migrant stock, millions")
        ax.set_title("Back-cast 1990-2013: simulated (lines) vs Table 6.1 (circles)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "backcast.png", dpi=110)
        plt.close(fig)
        files.append("backcast.png")
    return files
