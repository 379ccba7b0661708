"""`migsim validate`: the model against published figures (economics.md section 9).

Every experiment returns `Check` rows: a simulated figure, the published value or range, its
provenance flag and the acceptance band that economics.md prescribes ([V] within +-10% or
inside the published range, [K] and [C] within +-25%, sign tests exact). Runs are configs
under configs/experiment/ (a treatment run, compared with the same config under the status
quo, same seed and size, so both face the same random draws); the wage experiments E2-E5 are
analytic (migsim.model.markets on a calibrated two-skill US-like market); the back-cast derives a
1990 world directory, calibrates it and simulates 1990-2013.

A miss is not widened away: it stays a failing row, listed in EXPECTED_FAILURES with the
explanation, and tests/validation marks it xfail(strict=True).

    migsim validate [--quick] [--out DIR] [--only E1,E8,...]

writes validation.parquet (experiment, quantity, source, published_low, published_high,
simulated, passed, plus flag, accept_low, accept_high, unit, status, note), validation.md
and PNG plots into DIR (default outputs/validation/<timestamp>/), through a staging
directory renamed at the end.
"""

from __future__ import annotations

import datetime as _dt
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

INF = math.inf
WORKING_BANDS = ("20-24", "25-29", "30-34", "35-39", "40-49", "50-64")


# ----------------------------------------------------------------------------- checks
@dataclass
class Check:
    experiment: str
    quantity: str
    source: str
    flag: str  # V, K, C, A, sign
    published_low: float
    published_high: float
    simulated: float
    accept_low: float
    accept_high: float
    unit: str = ""
    note: str = ""

    @property
    def passed(self) -> bool:
        return bool(
            np.isfinite(self.simulated) and self.accept_low <= self.simulated <= self.accept_high
        )

    @property
    def key(self) -> str:
        return f"{self.experiment}:{self.quantity}"


def point(
    experiment, quantity, source, flag, value, simulated, unit="", note="", tol=None
) -> Check:
    """A published point value: [V] +-10%, [K]/[C]/[A] +-25% (relative)."""
    tol = tol if tol is not None else (0.10 if flag == "V" else 0.25)
    a, b = value * (1 - tol), value * (1 + tol)
    return Check(
        experiment,
        quantity,
        source,
        flag,
        value,
        value,
        float(simulated),
        min(a, b),
        max(a, b),
        unit,
        note,
    )


def within(
    experiment, quantity, source, flag, low, high, simulated, unit="", note="", accept=None
) -> Check:
    """A published range: the simulated figure must fall inside it (or inside `accept`)."""
    lo, hi = accept if accept is not None else (low, high)
    return Check(
        experiment, quantity, source, flag, low, high, float(simulated), lo, hi, unit, note
    )


def sign(experiment, quantity, source, positive, simulated, unit="", note="") -> Check:
    """A direction test (exact): positive -> simulated > 0, else simulated < 0."""
    lo, hi = (1e-12, INF) if positive else (-INF, -1e-12)
    return Check(
        experiment,
        quantity,
        source,
        "sign",
        0.0 if positive else -INF,
        INF if positive else 0.0,
        float(simulated),
        lo,
        hi,
        unit,
        note,
    )


# ----------------------------------------------------------------------------- runs
def compose(overrides: list[str]):
    from hydra import compose as _compose
    from hydra import initialize_config_dir

    from migsim.runtime.app import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return _compose("config", overrides=list(overrides))


class Runner:
    """Runs experiment configs once each and caches their run directories.

    quick: population sizes divided by 8 (at least 20,000 agents) and the century run by 3;
    horizons and seeds are unchanged.
    """

    def __init__(
        self,
        root: str | Path,
        quick: bool = False,
        threads: int = 0,
        log: Callable[[str], None] | None = None,
    ):
        self.root = Path(root)
        self.quick = quick
        self.threads = threads
        self.runs: dict[str, Path] = {}
        self.seconds: dict[str, float] = {}
        self.log = log or (lambda _msg: None)
        self.cache: dict[str, object] = {}

    def size(self, cfg) -> int:
        size = int(cfg.population.size)
        return max(20_000, size // 8) if self.quick else size

    def config(self, experiment: str, baseline: bool = False, extra: list[str] | None = None):
        from omegaconf import OmegaConf, open_dict

        cfg = compose([f"+experiment={experiment}", *(extra or [])])
        with open_dict(cfg):
            cfg.population.size = self.size(cfg)
            cfg.threads = self.threads
            cfg.progress = False
            if baseline:
                cfg.regime = compose(["regime=status_quo"]).regime
        OmegaConf.resolve(cfg)
        return cfg

    def run(self, experiment: str, baseline: bool = False, extra: list[str] | None = None) -> Path:
        from migsim.runtime.app import run_simulation

        name = (
            experiment
            + ("@status_quo" if baseline else "")
            + ("" if not extra else "@" + "_".join(e.replace("/", "-") for e in extra))
        )
        if name in self.runs:
            return self.runs[name]
        cfg = self.config(experiment, baseline, extra)
        if baseline and self._same_as_base(cfg):
            return self.run("e01_status_quo")
        out = self.root / "runs" / name.replace("=", "-").replace("@", "__")
        if out.exists():
            shutil.rmtree(out)
        t0 = time.perf_counter()
        self.log(f"run {name}: {cfg.population.size:,} agents, {cfg.years} years")
        run_simulation(cfg, out, progress=False)
        self.seconds[name] = time.perf_counter() - t0
        self.runs[name] = out
        return out

    def _same_as_base(self, cfg) -> bool:
        base = self.config("e01_status_quo")
        return (
            cfg.population.size == base.population.size
            and cfg.seed == base.seed
            and cfg.base_year == base.base_year
            and cfg.years <= base.years
            and cfg.economy == base.economy
            and cfg.world == base.world
            and cfg.behaviour == base.behaviour
        )

    def table(self, run: Path, name: str) -> pl.DataFrame:
        key = f"{run}/{name}"
        if key not in self.cache:
            self.cache[key] = pl.read_parquet(run / f"{name}.parquet")
        return self.cache[key]

    def world(self):
        if "world" not in self.cache:
            from migsim.core.world import load_world

            self.cache["world"] = load_world("default")
        return self.cache["world"]


def _year_sum(frame: pl.DataFrame, year: int, column: str) -> float:
    return float(frame.filter(pl.col("year") == year)[column].sum())


def _pct(new: float, old: float) -> float:
    return 100.0 * (new / old - 1.0)


# ----------------------------------------------------------------------------- E1
def _migrant_cells(stocks: pl.DataFrame) -> pl.DataFrame:
    return stocks.filter(
        (pl.col("origin") != pl.col("location")) | (pl.col("status") == "intra_regional")
    )


def e1_base_year(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    regions = r.table(run, "regions").filter(pl.col("year") == 2013)
    stocks = r.table(run, "stocks").filter(pl.col("year") == 2013)
    history = world.stock_history
    area = dict(zip(world.codes, world.un_area))
    sim_area = (
        regions.with_columns(un_area=pl.col("region").replace_strict(area))
        .group_by("un_area")
        .agg(pl.col("immigrants").sum())
    )
    src = "UN DESA 2013; seed Table 6.1"
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
    corr = (
        mig.with_columns(
            o=pl.col("origin").replace_strict(dev), d=pl.col("location").replace_strict(dev)
        )
        .group_by("o", "d")
        .agg(pl.col("people").sum())
    )
    share = {
        (bool(o), bool(d)): 100 * p / total for o, d, p in zip(corr["o"], corr["d"], corr["people"])
    }
    cs = "Alonso 2015 / MDB 22 (UN DESA 2013)"
    out.append(point("E1", "corridor_S_to_S_pct", cs, "V", 36.0, share.get((False, False), 0), "%"))
    out.append(point("E1", "corridor_S_to_N_pct", cs, "V", 35.0, share.get((False, True), 0), "%"))
    out.append(point("E1", "corridor_N_to_N_pct", cs, "K", 23.0, share.get((True, True), 0), "%"))
    out.append(point("E1", "corridor_N_to_S_pct", cs, "K", 6.0, share.get((True, False), 0), "%"))
    return out


# ----------------------------------------------------------------------------- E2-E5
def us_market():
    """A two-skill US-like market from the default world's NAM row: natives and immigrants
    with their base-year tertiary shares, equal wages per efficiency unit by skill."""
    from migsim.model.calibration import base_wages
    from migsim.core.world import load_world

    world = load_world("default")
    i = world.index("NAM")
    m0 = world.immigrants[i] / world.population[i]
    col = world.migrant_stock[:, i]
    h_m = float((col * world.migrant_tertiary_share[:, i]).sum() / col.sum())
    h_n = float(world.tertiary_share[i])
    w = base_wages(world)[i]
    natives = np.array([(1 - m0) * (1 - h_n), (1 - m0) * h_n])
    immigrants = np.array([m0 * (1 - h_m), m0 * h_m])
    supply = np.stack([natives, immigrants], axis=1)[None]  # (1, 2 skills, 2 nativity)
    wages = np.stack([w, w], axis=1)[None]
    return supply, wages, h_m


def _wage_shock(supply, wages, added, alpha, sigma_q, sigma_n, closure):
    """Percent wage changes after adding `added` (1, 2) immigrant units by skill."""
    from migsim.model import markets

    params = markets.MarketParams(sigma_q=sigma_q, sigma_n=sigma_n, closure=closure)
    state = markets.calibrate(supply, wages, alpha, params)
    base = markets.solve(state, supply, params)
    new_supply = supply.copy()
    new_supply[0, :, 1] += added[0]
    after = markets.solve(state, new_supply, params)
    w0, w1 = base.wages[0], after.wages[0]
    nat = supply[0, :, 0]
    imm = supply[0, :, 1]
    return {
        "native_avg": _pct((w1[:, 0] * nat).sum(), (w0[:, 0] * nat).sum()),
        "native_low": _pct(w1[0, 0], w0[0, 0]),
        "native_high": _pct(w1[1, 0], w0[1, 0]),
        "previous_immigrants": _pct((w1[:, 1] * imm).sum(), (w0[:, 1] * imm).sum()),
        "all_avg": _pct((w1 * supply[0]).sum(), (w0 * supply[0]).sum()),
    }


BORJAS_SIGMA_Q = 1.3  # Borjas's education nest [K]; natives = immigrants within a cell


def e2_e5_wages(r: Runner) -> list[Check]:
    supply, wages, h_m = us_market()
    total = supply.sum()
    # Borjas: immigration 1980-2000 = +11% of the workforce, with the skill mix of the US
    # immigrant stock (two groups: non-tertiary, tertiary)
    added = 0.11 * total * np.array([[1 - h_m, h_m]])
    src = "Borjas 2003"
    sr = _wage_shock(supply, wages, added, 0.3, BORJAS_SIGMA_Q, INF, "short_run")
    lr = _wage_shock(supply, wages, added, 0.3, BORJAS_SIGMA_Q, INF, "long_run")
    out = [
        point("E2", "native_avg_wage_pct_K_fixed", src, "V", -3.2, sr["native_avg"], "%"),
        point(
            "E2",
            "native_low_skill_wage_pct_vs_dropouts",
            src,
            "V",
            -8.9,
            sr["native_low"],
            "%",
            "model's non-tertiary group vs Borjas's high-school dropouts",
        ),
        point("E2", "native_college_wage_pct", src, "V", -4.9, sr["native_high"], "%"),
        within(
            "E3",
            "native_avg_wage_pct_K_adjusting",
            "Borjas textbook",
            "V",
            0.0,
            0.0,
            lr["native_avg"],
            "%",
            "published 0.0 (one decimal): accepted within +-0.1 pp",
            accept=(-0.1, 0.1),
        ),
        point(
            "E3",
            "native_low_skill_wage_pct_vs_dropouts_K_adjusting",
            "Borjas textbook",
            "V",
            -4.8,
            lr["native_low"],
            "%",
        ),
        point(
            "E3",
            "native_low_skill_wage_pct_vs_high_school_K_adjusting",
            "Borjas textbook",
            "V",
            1.2,
            lr["native_low"],
            "%",
        ),
    ]
    uniform = 0.10 * supply[0].sum(axis=1)[None]  # +10% of every skill group
    uniform_imm = uniform  # added as immigrants with perfect substitution: a uniform shock
    sr = _wage_shock(supply, wages, uniform_imm, 0.3, 2.0, INF, "short_run")
    lr = _wage_shock(supply, wages, uniform_imm, 0.3, 2.0, INF, "long_run")
    out += [
        point(
            "E4",
            "avg_wage_pct_uniform_10pct_K_fixed",
            "Card (comment)",
            "V",
            -3.0,
            sr["all_avg"],
            "%",
        ),
        within(
            "E4",
            "avg_wage_pct_uniform_10pct_K_adjusting",
            "Card (comment)",
            "V",
            0.0,
            0.0,
            lr["all_avg"],
            "%",
            "published 'about 0': accepted within +-0.1 pp",
            accept=(-0.1, 0.1),
        ),
    ]
    # Ottaviano-Peri: 1990-2006 the foreign-born share of the US labour force rose from
    # about 9.3% to 15.3% [K] (CPS): an inflow of ~9% of the 1990 labour force, doubling the
    # immigrant stock; sigma_N = 20, sigma_q = 2, long run. The 1990 market scales the
    # immigrant cells to a 9.3% share.
    s90 = supply.copy()
    s90[0, :, 1] *= (0.093 / (1 - 0.093)) / (supply[0, :, 1].sum() / supply[0, :, 0].sum())
    m90 = s90[0, :, 1].sum()
    m06 = 0.153 / (1 - 0.153) * s90[0, :, 0].sum()
    op = _wage_shock(s90, wages, (m06 - m90) * s90[0, :, 1][None] / m90, 0.3, 2.0, 20.0, "long_run")
    out += [
        point(
            "E5",
            "previous_immigrants_wage_pct",
            "Ottaviano-Peri 2012",
            "V",
            -7.0,
            op["previous_immigrants"],
            "%",
        ),
        point("E5", "native_avg_wage_pct", "Ottaviano-Peri 2012", "K", 0.6, op["native_avg"], "%"),
        sign(
            "E5",
            "natives_minus_previous_immigrants_pp",
            "Ottaviano-Peri 2012",
            True,
            op["native_avg"] - op["previous_immigrants"],
            "pp",
            "previous immigrants hurt most",
        ),
    ]
    return out


# ----------------------------------------------------------------------------- E8-E11
def _gdp_change(r: Runner, experiment: str, year: int) -> float:
    treat = r.table(r.run(experiment), "regions")
    base = r.table(r.run(experiment, baseline=True), "regions")
    return _pct(_year_sum(treat, year, "gdp"), _year_sum(base, year, "gdp"))


MEDIUM_TERM = 10  # years after the base year: DMS's "medium term"
LONG_RUN = 30  # years: the frictionless closures' long-run equilibrium


E8_SEEDS = (1, 2, 3)  # the mean over seeds is checked (one seed's sampling: ~0.1 point)


def e8_dms(r: Runner) -> list[Check]:
    """Mean over E8_SEEDS (each seed's liberalisation against its own status quo): one seed's
    sampling moves the 10-year gain by about 0.1 point."""
    y = 2013 + MEDIUM_TERM
    gdp, extra = [], []
    for seed in E8_SEEDS:
        over = [f"seed={seed}"]
        treat = r.table(r.run("e08_free_mobility", extra=over), "regions")
        base = r.table(r.run("e08_free_mobility", baseline=True, extra=over), "regions")
        gdp.append(_pct(_year_sum(treat, y, "gdp"), _year_sum(base, y, "gdp")))
        extra.append((_year_sum(treat, y, "immigrants") - _year_sum(base, y, "immigrants")) / 1e6)
    seeds = ", ".join(f"{g:.2f}" for g in gdp)
    return [
        within(
            "E8",
            "world_gdp_pct_after_10y",
            "Docquier, Machado & Sekkat 2015",
            "V",
            11.5,
            12.5,
            sum(gdp) / len(gdp),
            "%",
            f"mean of seeds {', '.join(map(str, E8_SEEDS))}: {seeds}",
        ),
        point(
            "E8",
            "extra_migrants_after_10y_M",
            "Docquier, Machado & Sekkat 2015",
            "V",
            400.0,
            sum(extra) / len(extra),
            "M",
            "DMS: ~400M would move; the calibration targets 400M desired movers",
        ),
    ]


def _income_per_worker_by_origin(r: Runner, run: Path, year: int, developing: bool) -> float:
    """Labour income per worker (20-64) born in developing (or developed) regions: people x
    employment rate of the location x wage per efficiency unit (skill, nativity)."""
    world = r.world()
    regions = r.table(run, "regions").filter(pl.col("year") == year)
    stocks = r.table(run, "stocks").filter(
        (pl.col("year") == year) & pl.col("age_band").is_in(WORKING_BANDS)
    )
    idx = {c: i for i, c in enumerate(world.codes)}
    dev = world.developed
    wage = {}
    for row in regions.iter_rows(named=True):
        for s in ("low", "high"):
            wage[(row["region"], s, 0)] = row[f"wage_{s}_native"]
            wage[(row["region"], s, 1)] = row[f"wage_{s}_immigrant"]
    income = workers = 0.0
    for o, loc, s, st, p in stocks.select(
        "origin", "location", "skill", "status", "people"
    ).iter_rows():
        if bool(dev[idx[o]]) == developing:
            continue
        j = 1 if (o != loc or st == "intra_regional") else 0
        n = p * world.employment_rate[idx[loc]]
        income += n * wage[(loc, s, j)]
        workers += n
    return income / workers


def e9_e10_frictionless(r: Runner) -> list[Check]:
    y = 2013 + LONG_RUN
    g = _gdp_change(r, "e09_frictionless", y)
    treat = r.run("e09_frictionless")
    base = r.run("e09_frictionless", baseline=True)
    inc = _pct(
        _income_per_worker_by_origin(r, treat, y, True),
        _income_per_worker_by_origin(r, base, y, True),
    )
    return [
        within(
            "E9",
            "world_gdp_pct_after_30y",
            "Hamilton-Whalley, Moses-Letnes, Iregui, Klein-Ventura (Clemens 2011)",
            "V",
            67.0,
            172.0,
            g,
            "%",
        ),
        within(
            "E9",
            "world_gdp_pct_after_30y_clemens_envelope",
            "Clemens 2011",
            "V",
            50.0,
            150.0,
            g,
            "%",
        ),
        within(
            "E10",
            "income_per_worker_born_developing_pct_after_30y",
            "Kennan 2013",
            "V",
            112.0,
            125.0,
            inc,
            "%",
            "labour income per worker aged 20-64 born in developing regions, wherever "
            "they live, frictionless vs status quo",
        ),
    ]


def e11_century(r: Runner) -> list[Check]:
    src = "Delogu, Docquier & Machado 2018"
    cfg = r.config("e11_long_run")
    last = 2013 + int(cfg.years)
    return [
        point(
            "E11",
            "world_gdp_pct_after_5y",
            src,
            "V",
            12.0,
            _gdp_change(r, "e11_long_run", 2018),
            "%",
        ),
        point(
            "E11",
            f"world_gdp_pct_after_{cfg.years}y",
            src,
            "V",
            52.0,
            _gdp_change(r, "e11_long_run", last),
            "%",
        ),
    ]


# ----------------------------------------------------------------------------- E12, E13
def _working_in_developed(r: Runner, run: Path, year: int) -> float:
    world = r.world()
    dev = [c for c, d in zip(world.codes, world.developed) if d]
    s = r.table(run, "stocks")
    return float(
        s.filter(
            (pl.col("year") == year)
            & pl.col("location").is_in(dev)
            & pl.col("age_band").is_in(WORKING_BANDS)
        )["people"].sum()
    )


def _welfare(r: Runner, run: Path, year: int) -> dict[str, tuple[float, float]]:
    """Income per group, private + public (remittances received are already in natives'
    private income): (people, income)."""
    w = r.table(run, "welfare").filter(pl.col("year") == year)
    return {
        g: (p, a + b)
        for g, p, a, b in w.select("group", "people", "private_income", "public_income").iter_rows()
    }


def e12_gep(r: Runner) -> list[Check]:
    """The experiment is designed to raise developed regions' labour force by 3% by 2025:
    the factor on policy costs into developed regions is found by bisection (on log factor)
    so that the achieved increase is 3%, then the outcomes are read from that run."""
    y = 2025
    base = r.run("e12_gep2006", baseline=True)
    lo, hi = np.log(0.05), np.log(1.0)
    treat, lf = None, 0.0
    for _ in range(7):
        factor = float(np.exp(0.5 * (lo + hi)))
        treat = r.run("e12_gep2006", extra=[f"regime.components.0.factor={factor:.4f}"])
        lf = _pct(_working_in_developed(r, treat, y), _working_in_developed(r, base, y))
        if abs(lf - 3.0) < 0.1:
            break
        if lf > 3.0:  # too open: raise the remaining policy cost
            lo = np.log(factor)
        else:
            hi = np.log(factor)
    tr, ba = r.table(treat, "regions"), r.table(base, "regions")
    g = _pct(_year_sum(tr, y, "gdp"), _year_sum(ba, y, "gdp"))
    wt, wb = _welfare(r, treat, y), _welfare(r, base, y)

    def per_capita(group):
        return _pct(wt[group][1] / wt[group][0], wb[group][1] / wb[group][0])

    src = "World Bank GEP 2006 (seed Table 6.2)"
    return [
        point(
            "E12",
            "developed_labour_force_pct_2025",
            "experiment design (GEP 2006)",
            "A",
            3.0,
            lf,
            "%",
            "achieved increase of residents aged 20-64 in developed regions",
            tol=0.10,
        ),
        point("E12", "world_real_income_pct_2025", src, "V", 0.6, g, "%", "world GDP, PPP"),
        point(
            "E12",
            "world_real_income_pct_2025_alonso",
            "Alonso 2015 Table 6.2",
            "C",
            1.19,
            g,
            "%",
            "conflicts with GEP's 0.6% [V]; reported beside it",
        ),
        sign(
            "E12",
            "natives_high_income_income_per_capita_pct",
            src,
            True,
            per_capita("natives_developed"),
            "%",
            "Alonso [C]: +0.44%",
        ),
        sign(
            "E12",
            "earlier_migrants_income_per_capita_pct",
            src,
            False,
            per_capita("earlier_migrants_developed"),
            "%",
            "Alonso [C]: -9.41%",
        ),
        sign(
            "E12",
            "natives_developing_income_per_capita_pct",
            src,
            True,
            per_capita("natives_developing"),
            "%",
            "Alonso [C]: +0.94%; includes remittances received",
        ),
    ]


def e13_mode4(r: Runner) -> list[Check]:
    y = 2023

    def gain(exp):
        return (
            _year_sum(r.table(r.run(exp), "regions"), y, "gdp")
            - _year_sum(r.table(r.run(exp, baseline=True), "regions"), y, "gdp")
        ) / 1e9

    all_, low, high = gain("e13_mode4"), gain("e13_mode4_low"), gain("e13_mode4_high")
    src = "Walmsley & Winters 2005"
    return [
        within(
            "E13",
            "world_gdp_gain_usd_bn_after_10y",
            src,
            "V",
            150.0,
            INF,
            all_,
            "$bn",
            "world GDP (PPP $) gain, 3% temporary quotas of developed labour forces",
        ),
        sign(
            "E13",
            "unskilled_minus_skilled_gain_usd_bn",
            src,
            True,
            low - high,
            "$bn",
            "unskilled-only minus skilled-only quota gains",
        ),
    ]


# ----------------------------------------------------------------------------- E15, E16, E18
def _simulation(r: Runner, experiment: str = "e01_status_quo", extra=None):
    """A Simulation in its base year with its steps (for driven experiments)."""
    from migsim.model.behaviour import load_behaviour
    from migsim.model.calibration import load_calibration
    from migsim.runtime.app import _start
    from migsim.runtime.simulation import set_threads
    from migsim.core.world import load_world
    from migsim.kernels.rng import run_key

    cfg = r.config(experiment, extra=extra)
    world = load_world(cfg.world.name, cfg.world.path or None)
    load_behaviour(cfg.behaviour)
    cal = load_calibration(world, cfg.behaviour, cfg.population)
    set_threads(cfg.threads)
    return _start(cfg, world, run_key(cfg.seed), cal), cfg


def _education_step(sim):
    from migsim.steps.economy import EducationStep

    return next(s for s in sim.steps if isinstance(s, EducationStep))


def _h_post(step, sim, p_high, p_low):
    log_return, _ = step.log_return(sim, p_high, p_low)
    h = 1.0 / (1.0 + np.exp(-(step.intercept + step.beta * log_return)))
    return h, (1 - p_high) * h / (1 - p_high * h - p_low * (1 - h))


def e15_e16_brain_gain(r: Runner) -> list[Check]:
    from migsim.steps.economy import brain_gain_response

    if "brain" not in r.cache:
        sim, _ = _simulation(r)
        step = _education_step(sim)
        resp = brain_gain_response(step, sim, 2.0)
        p_high, p_low = step.emigration_rates(sim)
        grid = np.linspace(0.005, 0.6, 120)
        post = np.stack([_h_post(step, sim, np.full_like(p_high, p), p_low)[1] for p in grid])
        r.cache["brain"] = (resp, p_high, sim.world, grid, post)
    resp, p_high, world, grid, post = r.cache["brain"]
    dev = ~world.developed
    b, s = resp["base"], resp["scaled"]
    elasticity = np.log(s["ex_ante"] / b["ex_ante"]) / np.log(2.0)
    gain = s["post"] - b["post"]
    winners = dev & (gain > 0)
    losers = dev & (gain < 0)
    h = world.tertiary_share
    p_med, h_med = np.median(p_high[dev]), np.median(h[dev])
    winners_low = (
        bool(np.all((p_high[winners] <= p_med) & (h[winners] <= h_med))) if winners.any() else False
    )
    optimum = grid[np.argmax(post, axis=0)]  # (R,) skilled emigration rate maximising H_post
    src = "Beine, Docquier & Rapoport 2008"
    names = ", ".join(c for c, w in zip(world.codes, winners) if w) or "none"
    return [
        point(
            "E15",
            "elasticity_ex_ante_H_to_p_skilled",
            src,
            "V",
            0.05,
            float(np.mean(elasticity[dev])),
            "",
            "mean over developing origins, doubling p_s (beta is calibrated to 0.05)",
        ),
        sign(
            "E15",
            "winners_are_low_p_low_H",
            src,
            True,
            1.0 if winners_low else -1.0,
            "",
            f"winners (H_post rises when p_s doubles): {names}; each must have p_s and H at "
            "or below the developing median",
        ),
        sign(
            "E15",
            "losers_minus_winners",
            src,
            True,
            float(losers.sum() - winners.sum()),
            "regions",
            f"{int(losers.sum())} losers, {int(winners.sum())} winners",
        ),
        within(
            "E16",
            "median_optimal_skilled_emigration_rate_pct",
            "Docquier (survey)",
            "V",
            5.0,
            10.0,
            100 * float(np.median(optimum[dev])),
            "%",
            "p_s maximising resident H_post, median over developing origins; per origin: "
            + ", ".join(f"{c} {100 * o:.1f}" for c, o, d in zip(world.codes, optimum, dev) if d),
        ),
    ]


def e18_returns(r: Runner) -> list[Check]:
    if "exit" not in r.cache:
        sim, _ = _simulation(r)
        sim.step()  # 2014: the arrival cohort
        pop = sim.population
        n = pop.n
        new = (
            (pop.alive[:n] == 1)
            & (pop.location[:n] != pop.origin[:n])
            & (pop.years_abroad[:n] == 0)
        )
        ids = pop.person_id[:n][new].copy()
        dest = pop.location[:n][new].copy()
        w = pop.weight[pop.origin[:n][new]]
        for _ in range(5):
            sim.step()
        n = pop.n
        order = np.argsort(pop.person_id[:n])
        pos = np.searchsorted(pop.person_id[:n][order], ids)
        pos = np.clip(pos, 0, n - 1)
        row = order[pos]
        found = pop.person_id[:n][row] == ids
        alive = found & (pop.alive[:n][row] == 1)
        left = alive & (pop.location[:n][row] != dest)
        r.cache["exit"] = 100 * float((w * left).sum() / (w * alive).sum())
    return [
        within(
            "E18",
            "five_year_exit_pct_2014_cohort",
            "OECD 2008",
            "V",
            20.0,
            50.0,
            r.cache["exit"],
            "%",
            "arrivals of 2014 alive in 2019 and no longer in "
            "their 2014 destination (returned or moved on)",
        )
    ]


# ----------------------------------------------------------------------------- E20-E27
def e20_e21_fiscal(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    reg = r.table(run, "regions").filter((pl.col("year") == 2013) & pl.col("developed"))
    share = 100 * reg["net_contribution_immigrants"] / reg["gdp"]
    agg = 100 * float(reg["net_contribution_immigrants"].sum() / reg["gdp"].sum())
    per = ", ".join(f"{c} {s:+.2f}" for c, s in zip(reg["region"], share))
    out = [
        within(
            "E20",
            "immigrants_net_contribution_pct_gdp_developed",
            "OECD IMO 2013",
            "V",
            -0.5,
            0.5,
            agg,
            "% GDP",
            f"by region: {per}",
        ),
        within(
            "E20",
            "max_abs_region_net_contribution_pct_gdp",
            "OECD IMO 2013",
            "V",
            0.0,
            2.0,
            float(np.abs(share).max()),
            "% GDP",
            "no host beyond CH/LU's ~+2% (published maximum)",
        ),
    ]
    # E21: NPV by age at arrival of a NAM immigrant, from the base-year annual net
    # contribution per person by skill and age band, survival of NAM, 3% discounting,
    # without descendants.
    from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS

    i = world.index("NAM")
    fis = r.table(run, "fiscal").filter(
        (pl.col("year") == 2013) & (pl.col("region") == "NAM") & (pl.col("nativity") == "immigrant")
    )
    q = world.death_probability[i].mean(axis=0)
    npv = {}
    for skill in ("low", "high"):
        f = (
            fis.filter(pl.col("skill") == skill)
            .group_by("age_band")
            .agg(pl.col("net_contribution").sum(), pl.col("people").sum())
        )
        per_band = dict(zip(f["age_band"], f["net_contribution"] / f["people"]))
        net = np.array([per_band.get(AGE_BANDS[AGE_BAND_OF_AGE[a]], 0.0) for a in range(106)])
        for a0 in (0, 20, 25, 40, 70):
            surv, total = 1.0, 0.0
            for a in range(a0, 106):
                total += surv * net[a] / 1.03 ** (a - a0)
                surv *= 1 - q[a]
            npv[(skill, a0)] = total / 1e3
    src = "NRC 1997"
    out += [
        sign(
            "E21",
            "npv_arrival_20_minus_40_low_skill_k",
            src,
            True,
            npv[("low", 20)] - npv[("low", 40)],
            "k$",
            "NPV falls with arrival age",
        ),
        sign(
            "E21",
            "npv_arrival_40_minus_70_low_skill_k",
            src,
            True,
            npv[("low", 40)] - npv[("low", 70)],
            "k$",
            "NRC <HS: 40: -141, 70: -166",
        ),
        sign(
            "E21",
            "npv_arrival_40_low_skill_k",
            src,
            False,
            npv[("low", 40)],
            "k$",
            "NRC <HS at 40: -141k",
        ),
        sign(
            "E21",
            "npv_arrival_25_low_skill_k",
            src,
            False,
            npv[("low", 25)],
            "k$",
            "NRC: negative after ~age 25 for <HS",
        ),
        sign(
            "E21",
            "npv_arrival_25_high_minus_low_skill_k",
            src,
            True,
            npv[("high", 25)] - npv[("low", 25)],
            "k$",
            "NRC: <HS -13k, >HS +198k; model "
            f"high {npv[('high', 25)]:.0f}k, low {npv[('low', 25)]:.0f}k",
        ),
    ]
    return out


def e23_remittances(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    rem = r.table(run, "remittances").filter(pl.col("year") == 2013)
    inter = rem.filter(pl.col("source") != pl.col("destination"))
    devg = [c for c, d in zip(world.codes, world.developed) if not d]
    total = float(rem["received"].sum()) / 1e9
    to_dev = float(rem.filter(pl.col("destination").is_in(devg))["received"].sum()) / 1e9
    src = "World Bank MDB 22"
    return [
        point(
            "E23",
            "remittances_received_world_usd_bn",
            src,
            "V",
            542.0,
            total,
            "$bn",
            "calibrated: the engine scales remittances to $542bn in the base year",
        ),
        point("E23", "remittances_received_developing_usd_bn", src, "V", 404.0, to_dev, "$bn"),
        within(
            "E23",
            "simple_average_fee_pct",
            "Remittance Prices Worldwide",
            "V",
            8.4,
            9.0,
            100 * float(world.remittance_fee.mean()),
            "%",
            "mean of regional fees (data)",
        ),
        point(
            "E23",
            "volume_weighted_fee_pct",
            "Remittance Prices Worldwide",
            "V",
            5.9,
            100 * float(inter["fees"].sum() / inter["sent"].sum()),
            "%",
        ),
    ]


def e25_place_premium(r: Runner) -> list[Check]:
    from migsim.model.calibration import base_wages, expected_income

    world = r.world()
    cfg = r.config("e01_status_quo")
    y = expected_income(world, base_wages(world), cfg.behaviour)
    i = world.index("NAM")
    ratio = y[:, i, 0] / np.array([y[o, o, 0] for o in range(world.n_regions)])
    dev = ~world.developed
    src = "Clemens, Montenegro & Pritchett 2008"
    return [
        point(
            "E25",
            "place_premium_median_developing_x",
            src,
            "V",
            2.7,
            float(np.median(ratio[dev])),
            "x",
            "expected net income of the same non-tertiary worker in NAM / at home; "
            + ", ".join(f"{c} {v:.1f}" for c, v, d in zip(world.codes, ratio, dev) if d),
        ),
        point(
            "E25",
            "place_premium_SSA_vs_Nigeria_x",
            src,
            "V",
            8.4,
            float(ratio[world.index("SSA")]),
            "x",
            "SSA region vs Nigeria (country)",
        ),
    ]


def e27_networks(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    flows = r.table(run, "flows").filter(
        (pl.col("year") == 2014)
        & (pl.col("source") == pl.col("origin"))
        & (pl.col("destination") != pl.col("origin"))
    )
    f = flows.group_by("origin", "destination").agg(pl.col("people").sum())
    idx = {c: i for i, c in enumerate(world.codes)}
    x, yv = [], []
    for o, d, p in f.iter_rows():
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


# ----------------------------------------------------------------------------- back-cast
# UN WPP 2012 population by major area, 1990 and 2013, millions [K].
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
    return target


def backcast(r: Runner) -> list[Check]:
    from migsim.model.calibration import calibrate, write_calibration
    from migsim.core.world import load_world

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
        r.table(run, "regions")
        .with_columns(un_area=pl.col("region").replace_strict(area))
        .group_by("year", "un_area")
        .agg(pl.col("immigrants").sum())
    )
    hist = world.stock_history
    out = []
    for y in (1990, 2000, 2010, 2013):
        for a in (*sorted(WPP_POPULATION), "World"):
            pub = (
                float(hist.filter((pl.col("un_area") == a) & (pl.col("year") == y))["migrants"][0])
                / 1e6
            )
            sel = reg.filter(pl.col("year") == y)
            sim = (
                float(
                    (sel if a == "World" else sel.filter(pl.col("un_area") == a))[
                        "immigrants"
                    ].sum()
                )
                / 1e6
            )
            if y == 1990 and a != "World":
                continue
            out.append(
                point(
                    "BACKCAST",
                    f"stock_{y}_{a.replace(' ', '_')}_M",
                    "seed Table 6.1 (UN DESA)",
                    "V",
                    pub,
                    sim,
                    "M",
                    "start of the back-cast (by construction)" if y == 1990 else "",
                )
            )
    return out


# ----------------------------------------------------------------------------- registry
EXPERIMENTS: dict[str, Callable[[Runner], list[Check]]] = {
    "E1": e1_base_year,
    "E2-E5": e2_e5_wages,
    "E8": e8_dms,
    "E9-E10": e9_e10_frictionless,
    "E11": e11_century,
    "E12": e12_gep,
    "E13": e13_mode4,
    "E15-E16": e15_e16_brain_gain,
    "E18": e18_returns,
    "E20-E21": e20_e21_fiscal,
    "E23": e23_remittances,
    "E25": e25_place_premium,
    "E27": e27_networks,
    "BACKCAST": backcast,
}


# Misses that the model is known not to reproduce: key -> explanation (measured with the
# default sizes of configs/experiment/; the README validation table and tests/validation use
# this). Tolerances stay those of economics.md.
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
EXPECTED_FAILURES: dict[str, str] = {
    "E2:native_low_skill_wage_pct_vs_dropouts": (
        "two skill groups: the non-tertiary group pools dropouts with high-school graduates "
        "and some college, so Borjas's dropout-specific -8.9% (4 education x 8 experience "
        "cells) is not reproducible; the model gives about -3.7%"
    ),
    "E2:native_college_wage_pct": (
        "two skill groups: immigrants' skill mix is close to natives' so tertiary wages fall "
        "about as much as the average (about -2.3% vs Borjas's -4.9% from experience cells)"
    ),
    "E3:native_low_skill_wage_pct_vs_dropouts_K_adjusting": (
        "two skill groups: long-run non-tertiary wage about -0.7% vs dropouts -4.8%"
    ),
    "E3:native_low_skill_wage_pct_vs_high_school_K_adjusting": (
        "two skill groups: the one non-tertiary group cannot be both dropouts (-4.8%) and "
        "high-school graduates (+1.2%); model about -0.7%"
    ),
    "E5:previous_immigrants_wage_pct": (
        "sigma_N = 20 with two skill groups and no experience nest: doubling the immigrant "
        "stock lowers previous immigrants' wages by about (1/20) dln(M/L) = -2.5%, not -7%; "
        "OP's figure also reflects the newcomers' concentration in young experience cells"
    ),
    "E5:native_avg_wage_pct": (
        "natives +0.33% vs +0.6% [K]: same missing experience nest (sign and ranking, "
        "previous immigrants hurt most, are reproduced)"
    ),
    "E10:income_per_worker_born_developing_pct_after_30y": (
        "above Kennan's 112-125%: with full TFP portability, no congestion and the "
        "partial capital closure, developing-born movers earn destination wages and rich "
        "wages barely fall; the measure is labour income only"
    ),
    "E11:world_gdp_pct_after_5y": (
        "well below +12% after 5 years: the stock adjusts over years, not at once "
        "(Delogu et al.'s short run is a new static equilibrium)"
    ),
    "E11:world_gdp_pct_after_100y": (
        "below about +52% after a century: the model's education response (elasticity "
        "0.05, no externality by default) is weaker than Delogu et al.'s human-capital "
        "dynamics"
    ),
    "E12:world_real_income_pct_2025_alonso": (
        "Alonso's +1.19% [C] conflicts with GEP's +0.6% [V]; the model gives about +0.6%"
    ),
    "E12:natives_developing_income_per_capita_pct": (
        "natives of developing regions lose (a few tenths of a percent per capita) instead "
        "of gaining "
        "+0.94% [C]: emigrants take labour income and capital income falls with the labour "
        "force, and remittances (credited here to origin natives) do not make up for it"
    ),
    "E15:winners_are_low_p_low_H": (
        "no origin gains: with the logistic education choice calibrated to an elasticity of "
        "0.05 the incentive effect never outweighs the drain (BDR find a few low-p, low-H "
        "winners)"
    ),
    "E16:median_optimal_skilled_emigration_rate_pct": (
        "resident H_post falls with p_s for 6 of 7 developing regions (optimum at the grid "
        "minimum 0.5%; SAS 6.5%): same weak incentive effect as E15"
    ),
    "E23:volume_weighted_fee_pct": (
        "7.7% vs 5.9%: fees are one simple regional average per receiving region, while the "
        "big real corridors (US-Mexico, Gulf-South Asia) are far cheaper"
    ),
    "E25:place_premium_median_developing_x": (
        "x3.2 vs x2.7 (+18%): the ratio of expected net incomes includes employment rates "
        "and taxes and uses regional averages, not observably identical wage earners"
    ),
    "E27:r2_log_flows_on_log_diaspora": (
        "R^2 about 0.9 vs 0.71: yearly flows are calibrated to stock x exit rate, so simulated log "
        "flows are nearly proportional to log diasporas; real flows carry more noise and "
        "other determinants"
    ),
    **{
        f"BACKCAST:stock_{y}_{a}_M": _BACKCAST_WHY
        for y, a in (
            (2000, "Africa"),
            (2000, "Asia"),
            (2000, "Latin_America"),
            (2000, "North_America"),
            (2010, "Africa"),
            (2010, "Latin_America"),
            (2010, "North_America"),
            (2010, "Oceania"),
            (2010, "Europe"),
            (2010, "World"),
            (2013, "Africa"),
            (2013, "Asia"),
            (2013, "Europe"),
            (2013, "World"),
            (2013, "Latin_America"),
            (2013, "North_America"),
            (2013, "Oceania"),
        )
    },
}

# Every (experiment, quantity) by experiment group of EXPERIMENTS (tests parametrise on it).
QUANTITIES: dict[str, list[str]] = {
    "E1": [
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
    ],
    "E2-E5": [
        "E2:native_avg_wage_pct_K_fixed",
        "E2:native_low_skill_wage_pct_vs_dropouts",
        "E2:native_college_wage_pct",
        "E3:native_avg_wage_pct_K_adjusting",
        "E3:native_low_skill_wage_pct_vs_dropouts_K_adjusting",
        "E3:native_low_skill_wage_pct_vs_high_school_K_adjusting",
        "E4:avg_wage_pct_uniform_10pct_K_fixed",
        "E4:avg_wage_pct_uniform_10pct_K_adjusting",
        "E5:previous_immigrants_wage_pct",
        "E5:native_avg_wage_pct",
        "E5:natives_minus_previous_immigrants_pp",
    ],
    "E8": [
        "E8:world_gdp_pct_after_10y",
        "E8:extra_migrants_after_10y_M",
    ],
    "E9-E10": [
        "E9:world_gdp_pct_after_30y",
        "E9:world_gdp_pct_after_30y_clemens_envelope",
        "E10:income_per_worker_born_developing_pct_after_30y",
    ],
    "E11": [
        "E11:world_gdp_pct_after_5y",
        "E11:world_gdp_pct_after_100y",
    ],
    "E12": [
        "E12:developed_labour_force_pct_2025",
        "E12:world_real_income_pct_2025",
        "E12:world_real_income_pct_2025_alonso",
        "E12:natives_high_income_income_per_capita_pct",
        "E12:earlier_migrants_income_per_capita_pct",
        "E12:natives_developing_income_per_capita_pct",
    ],
    "E13": [
        "E13:world_gdp_gain_usd_bn_after_10y",
        "E13:unskilled_minus_skilled_gain_usd_bn",
    ],
    "E15-E16": [
        "E15:elasticity_ex_ante_H_to_p_skilled",
        "E15:winners_are_low_p_low_H",
        "E15:losers_minus_winners",
        "E16:median_optimal_skilled_emigration_rate_pct",
    ],
    "E18": [
        "E18:five_year_exit_pct_2014_cohort",
    ],
    "E20-E21": [
        "E20:immigrants_net_contribution_pct_gdp_developed",
        "E20:max_abs_region_net_contribution_pct_gdp",
        "E21:npv_arrival_20_minus_40_low_skill_k",
        "E21:npv_arrival_40_minus_70_low_skill_k",
        "E21:npv_arrival_40_low_skill_k",
        "E21:npv_arrival_25_low_skill_k",
        "E21:npv_arrival_25_high_minus_low_skill_k",
    ],
    "E23": [
        "E23:remittances_received_world_usd_bn",
        "E23:remittances_received_developing_usd_bn",
        "E23:simple_average_fee_pct",
        "E23:volume_weighted_fee_pct",
    ],
    "E25": [
        "E25:place_premium_median_developing_x",
        "E25:place_premium_SSA_vs_Nigeria_x",
    ],
    "E27": [
        "E27:r2_log_flows_on_log_diaspora",
    ],
    "BACKCAST": [
        "BACKCAST:stock_1990_World_M",
        "BACKCAST:stock_2000_Africa_M",
        "BACKCAST:stock_2000_Asia_M",
        "BACKCAST:stock_2000_Europe_M",
        "BACKCAST:stock_2000_Latin_America_M",
        "BACKCAST:stock_2000_North_America_M",
        "BACKCAST:stock_2000_Oceania_M",
        "BACKCAST:stock_2000_World_M",
        "BACKCAST:stock_2010_Africa_M",
        "BACKCAST:stock_2010_Asia_M",
        "BACKCAST:stock_2010_Europe_M",
        "BACKCAST:stock_2010_Latin_America_M",
        "BACKCAST:stock_2010_North_America_M",
        "BACKCAST:stock_2010_Oceania_M",
        "BACKCAST:stock_2010_World_M",
        "BACKCAST:stock_2013_Africa_M",
        "BACKCAST:stock_2013_Asia_M",
        "BACKCAST:stock_2013_Europe_M",
        "BACKCAST:stock_2013_Latin_America_M",
        "BACKCAST:stock_2013_North_America_M",
        "BACKCAST:stock_2013_Oceania_M",
        "BACKCAST:stock_2013_World_M",
    ],
}


def status(check: Check) -> str:
    expected = check.key in EXPECTED_FAILURES
    if check.passed:
        return "unexpected pass" if expected else "pass"
    return "expected failure" if expected else "FAIL"


def to_frame(checks: list[Check]) -> pl.DataFrame:
    rows = []
    for c in checks:
        d = asdict(c)
        d["passed"] = c.passed
        d["status"] = status(c)
        d["explanation"] = EXPECTED_FAILURES.get(c.key, "")
        rows.append(d)
    cols = [
        "experiment",
        "quantity",
        "source",
        "published_low",
        "published_high",
        "simulated",
        "passed",
        "flag",
        "accept_low",
        "accept_high",
        "unit",
        "status",
        "note",
        "explanation",
    ]
    return pl.DataFrame(rows).select(cols)


def run_all(
    root: Path,
    quick: bool = False,
    only: list[str] | None = None,
    threads: int = 0,
    log: Callable[[str], None] = print,
) -> tuple[pl.DataFrame, Runner]:
    runner = Runner(root, quick, threads, log)
    checks: list[Check] = []
    for name, fn in EXPERIMENTS.items():
        if only and name not in only and not any(o in name.split("-") for o in only):
            continue
        t0 = time.perf_counter()
        checks += fn(runner)
        log(f"{name}: {time.perf_counter() - t0:.1f} s")
    return to_frame(checks), runner


# ----------------------------------------------------------------------------- report
def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def published_text(row: dict) -> str:
    lo, hi = row["published_low"], row["published_high"]
    if row["flag"] == "sign":
        return "> 0" if lo == 0 else "< 0"
    if lo == hi:
        return _fmt(lo)
    if math.isinf(hi):
        return f"> {_fmt(lo)}"
    return f"{_fmt(lo)} to {_fmt(hi)}"


def markdown_table(frame: pl.DataFrame) -> str:
    lines = [
        "| experiment | quantity | published | flag | accepted | simulated | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in frame.iter_rows(named=True):
        acc = f"{_fmt(row['accept_low'])} to {_fmt(row['accept_high'])}"
        res = row["status"] + (f": {row['explanation']}" if row["explanation"] else "")
        lines.append(
            f"| {row['experiment']} | {row['quantity']} | {published_text(row)} "
            f"{row['unit']} | [{row['flag']}] | {acc} | {_fmt(row['simulated'])} | "
            f"{res} |"
        )
    return "\n".join(lines)


def plots(frame: pl.DataFrame, runner: Runner, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
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
    if "backcast" in runner.runs:
        from migsim.core.world import load_world

        world = load_world("default")
        area = dict(zip(world.codes, world.un_area))
        reg = (
            pl.read_parquet(runner.runs["backcast"] / "regions.parquet")
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


def write_report(frame: pl.DataFrame, runner: Runner, out: Path, seconds: float) -> None:
    frame.write_parquet(out / "validation.parquet")
    images = plots(frame, runner, out)
    counts = frame.group_by("status").len().sort("status")
    summary = ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
    lines = [
        "# migsim validation against published figures",
        "",
        f"Generated {_dt.datetime.now().isoformat(timespec='seconds')} "
        f"({'quick' if runner.quick else 'full'} mode, {seconds:.0f} s). "
        f"{frame.height} checks: {summary}.",
        "",
        "Tolerances (economics.md section 9): [V] within +-10% or inside the published "
        "range; [K], [C] and [A] within +-25%; sign tests exact. `accepted` is the band the "
        "simulated figure must fall in. Targets and experiments: engine/validate.py; run "
        "configs: configs/experiment/.",
        "",
        markdown_table(frame),
        "",
        "## Notes",
        "",
    ]
    for row in frame.filter(pl.col("note") != "").iter_rows(named=True):
        lines.append(f"- {row['experiment']} {row['quantity']}: {row['note']}")
    lines += ["", "## Runs", ""]
    for name, secs in runner.seconds.items():
        lines.append(f"- {name}: {secs:.1f} s ({runner.runs[name].name})")
    for img in images:
        lines += ["", f"![{img}]({img})"]
    (out / "validation.md").write_text("\n".join(lines) + "\n")


def validate_command(args: list[str]) -> int:
    import argparse

    from migsim.core.errors import InputError

    parser = argparse.ArgumentParser(
        prog="migsim validate", description="Run the validation experiments."
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller populations (about 2 minutes)"
    )
    parser.add_argument(
        "--out", default=None, help="output directory (default outputs/validation/<timestamp>)"
    )
    parser.add_argument("--only", default="", help="comma-separated experiments, e.g. E1,E8")
    parser.add_argument("--threads", type=int, default=0)
    try:
        ns = parser.parse_args(args)
    except SystemExit as exc:
        raise InputError(
            "migsim validate", "bad arguments", "[--quick] [--out DIR] [--only E1,E8] [--threads N]"
        ) from exc
    stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out = Path(ns.out) if ns.out else Path.cwd() / "outputs" / "validation" / stamp
    if out.exists() and any(out.iterdir()):
        raise InputError("--out", f"{out} exists and is not empty", "a new directory")
    staging = out.parent / f".staging-{out.name}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    t0 = time.perf_counter()
    only = [o.strip() for o in ns.only.split(",") if o.strip()] or None
    try:
        frame, runner = run_all(
            staging,
            ns.quick,
            only,
            ns.threads,
            log=lambda m: print(f"migsim validate: {m}", flush=True),
        )
        write_report(frame, runner, staging, time.perf_counter() - t0)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        out.rmdir()
    staging.rename(out)
    counts = dict(frame.group_by("status").len().iter_rows())
    print(
        f"migsim validate: {frame.height} checks, "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f"; {time.perf_counter() - t0:.0f} s"
    )
    print(f"migsim validate: wrote {out / 'validation.md'}, validation.parquet")
    return 1 if counts.get("FAIL", 0) or counts.get("unexpected pass", 0) else 0
