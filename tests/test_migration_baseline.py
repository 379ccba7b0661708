"""The calibrated baseline (issue 3, "Calibration" tests; docs/model.md §1.1, §8.2 E1) and the
flows it produces (docs/model.md §1.1, §4.2).

One default-world run (calibrated 12 regions, base year 2013, default config, 2M agents, 5
years) is shared by the baseline tests. 2M rather than fewer agents: a 4.5M corridor such as
SSA->WEU is ~100 agents at 500k, and its three-year inflow's sampling noise (~3% of the stock)
would use up a third of the 10% tolerance. Tolerances are the issue's or docs/model.md
§8.1's ([V] +-10%, [K] +-25%); they are not widened to make a test pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import migsim.runtime.app  # noqa: F401  (registers the config schema)
from migsim.config import PopulationConf
from migsim.core.world import load_world
from migsim.model.behaviour import BehaviourConf
from migsim.model.calibration import load_calibration

REPO = Path(__file__).resolve().parent.parent
BASE_YEAR = 2013
YEARS = 5
SIZE = 2_000_000
OVERRIDES = (f"years={YEARS}", "progress=false", "seed=1")
BASELINE = (f"population.size={SIZE}",)
SMALL = ("population.size=300000", "years=3")  # determinism checks
FIRST_YEARS = (2014, 2015, 2016)  # "the first simulated years" of the issue
WORKING_BANDS = ("20-24", "25-29", "30-34", "35-39", "40-49", "50-64")  # ages 20-64


@dataclass
class Run:
    run_dir: Path
    regions: pl.DataFrame
    stocks: pl.DataFrame
    flows: pl.DataFrame


def _compose(*overrides: str):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def _run(run_dir: Path, *overrides: str) -> Run:
    from migsim.runtime.app import run_simulation

    result = run_simulation(_compose(*OVERRIDES, *overrides), run_dir)
    d = result.run_dir
    return Run(
        d,
        pl.read_parquet(d / "regions.parquet"),
        pl.read_parquet(d / "stocks.parquet"),
        pl.read_parquet(d / "flows.parquet"),
    )


@pytest.fixture(scope="session")
def baseline(tmp_path_factory) -> Run:
    """The default-world status-quo run shared by this module."""
    return _run(tmp_path_factory.mktemp("migration_baseline") / "run", *BASELINE)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Run:
    return _run(tmp_path_factory.mktemp("migration_small") / "run", *SMALL)


@pytest.fixture(scope="session")
def world():
    return load_world("default")


@pytest.fixture(scope="session")
def seed_mean_stocks(baseline, tmp_path_factory) -> pl.DataFrame:
    """Corridor stocks (year, origin, location, people) averaged over seeds 1-3 at 2M agents:
    a 3-4M corridor holds ~1,500 agents and gains ~100 a year, so one seed's sampling noise
    alone is several points of the 10% tolerance (SAS->NAM 2016: +8.6% at 4M agents and
    +11.9% at 6M with one seed); the tolerance is about the model, not one draw."""
    runs = [baseline.stocks]
    root = tmp_path_factory.mktemp("migration_seeds")
    for seed in (2, 3):
        overrides = (*BASELINE, "years=3", f"seed={seed}")
        runs.append(_run(root / f"seed{seed}", *overrides).stocks)
    frames = [
        r.filter(pl.col("origin") != pl.col("location"), pl.col("year") <= 2016)
        .group_by("year", "origin", "location")
        .agg(pl.col("people").sum())
        for r in runs
    ]
    return (
        pl.concat(frames)
        .group_by("year", "origin", "location")
        .agg((pl.col("people").sum() / len(frames)).alias("people"))
    )


def _migrants(stocks: pl.DataFrame) -> pl.DataFrame:
    """Foreign-born people: everyone not native (abroad, or intra-regional at 'home')."""
    return stocks.filter(pl.col("status") != "native")


def _emigration_from_home(flows: pl.DataFrame) -> pl.DataFrame:
    return flows.filter(
        (pl.col("source") == pl.col("origin")) & (pl.col("destination") != pl.col("origin"))
    )


# ------------------------------------------------------------------ 1. baseline (E1)


@pytest.mark.parametrize(
    "year",
    [
        BASE_YEAR,
        2014,
        2015,
        2016,
    ],
)
def test_main_corridor_stocks_hold_within_10_percent(seed_mean_stocks, world, year):
    inter = seed_mean_stocks
    R = world.n_regions
    main = [
        (o, d) for o in range(R) for d in range(R) if o != d and world.migrant_stock[o, d] > 3e6
    ]
    assert len(main) >= 10  # the default world has 12 corridors above 3M
    bad = []
    for o, d in main:
        target = world.migrant_stock[o, d]
        got = inter.filter(
            (pl.col("year") == year)
            & (pl.col("origin") == world.codes[o])
            & (pl.col("location") == world.codes[d])
        )["people"].sum()
        if abs(got / target - 1.0) > 0.10:
            bad.append(f"{world.codes[o]}->{world.codes[d]} {year}: {got / target - 1:+.1%}")
    assert not bad, bad


def test_world_migrant_share_stays_near_3_2_percent(baseline):
    mig = _migrants(baseline.stocks).group_by("year").agg(pl.col("people").sum())
    pop = baseline.regions.group_by("year").agg(pl.col("population").sum())
    share = mig.join(pop, on="year").with_columns(s=pl.col("people") / pl.col("population"))
    for year in (BASE_YEAR, *FIRST_YEARS):
        value = share.filter(pl.col("year") == year)["s"].item()
        assert abs(value - 0.032) <= 0.002, (year, value)
    # immigrants in regions.parquet count the same people (intra-regional included)
    imm = baseline.regions.group_by("year").agg(pl.col("immigrants").sum())
    both = mig.join(imm, on="year")
    np.testing.assert_allclose(both["people"], both["immigrants"], rtol=1e-9)


SEED_CORRIDORS = {"S->S": 0.36, "S->N": 0.35, "N->N": 0.23, "N->S": 0.06}


@pytest.mark.parametrize("year", [BASE_YEAR, 2016])
def test_north_south_corridor_shares_hold_within_5_points(baseline, world, year):
    north = dict(zip(world.codes, (bool(x) for x in world.developed)))
    m = (
        _migrants(baseline.stocks)
        .filter(pl.col("year") == year)
        .with_columns(
            on=pl.col("origin").replace_strict(north), ln=pl.col("location").replace_strict(north)
        )
    )
    total = m["people"].sum()
    for name, target in SEED_CORRIDORS.items():
        o_north, d_north = name[0] == "N", name[-1] == "N"
        share = (
            m.filter((pl.col("on") == o_north) & (pl.col("ln") == d_north))["people"].sum() / total
        )
        assert abs(share - target) <= 0.05, (year, name, share)


@pytest.mark.parametrize("year", [BASE_YEAR, 2016])
def test_women_48_and_working_age_75_percent_of_migrants(baseline, year):
    m = _migrants(baseline.stocks).filter(pl.col("year") == year)
    total = m["people"].sum()
    women = m.filter(pl.col("sex") == "female")["people"].sum() / total
    working = m.filter(pl.col("age_band").is_in(WORKING_BANDS))["people"].sum() / total
    assert abs(women - 0.48) <= 0.02, women
    assert abs(working - 0.75) <= 0.05, working


# ------------------------------------------------------------------ 2. flows


def test_flows_hold_real_emigration_from_home_every_year(baseline, world):
    f = baseline.flows
    assert sorted(f["year"].unique().to_list()) == list(range(BASE_YEAR + 1, BASE_YEAR + YEARS + 1))
    assert (f["people"] > 0).all()
    assert f.filter(pl.col("source") == pl.col("destination")).height == 0  # a move moves
    em = _emigration_from_home(f).group_by("year", "origin").agg(pl.col("people").sum())
    # every origin sends emigrants every year
    assert em.height == YEARS * world.n_regions
    # flows add up to the arrivals/departures columns of regions.parquet
    later = baseline.regions.filter(pl.col("year") > BASE_YEAR)
    arr = f.group_by("year", "destination").agg(pl.col("people").sum().alias("a"))
    chk = later.join(arr, left_on=["year", "region"], right_on=["year", "destination"], how="left")
    np.testing.assert_allclose(chk["arrivals"], chk["a"].fill_null(0.0), rtol=1e-9)


def test_five_year_moves_reach_abel_and_sanders_fewest_moves_between_areas(baseline):
    """Abel & Sander (2014) estimate the fewest moves that turn one UN stock table into the
    next, five years later (2005-10, input `abel_sander_flows`): a lower bound on five
    years' moves, since a return followed by a new departure, or a stay of less than five
    years, leaves the stock tables as they were. Summed between the world's areas (the
    regions12 mapping; moves within an area are not moves in this world), as shares of the
    world's population (UN WPP 2005, input `wpp_totals`), the model's five years of moves
    from home must reach it within [K]'s 25%. How far above it they run is circulation the
    stock tables do not show (the Gulf's employer-tied permits turn over, docs/model.md
    §3.7; docs/worlds-regions12.md sets the first year's moves beside Abel & Sander's by
    corridor)."""
    from migsim.worldbuild.flows_check import PERIOD_START, abel_sander_by_corridor
    from migsim.worldbuild.inputs import Inputs

    fewest = 5.0 * sum(abel_sander_by_corridor("regions12").values())
    totals = Inputs()["wpp_totals"].filter(pl.col("year") == PERIOD_START)
    published = fewest / float(totals["population"].sum())
    moved = _emigration_from_home(baseline.flows)["people"].sum()
    population = baseline.regions.filter(pl.col("year") == BASE_YEAR)["population"].sum()
    share = moved / population
    assert 0.002 < published < 0.006, published  # the input as retrieved: ~0.45%
    assert share >= 0.75 * published, (share, published)


def test_first_year_emigration_reproduces_the_calibration_target(baseline, world):
    """In the first simulated year (base-year wages, base-year stocks) the simulated draws
    reproduce the calibrated expected flows: world total within 10% ([V]-style)."""
    cal = load_calibration(world, BehaviourConf(), PopulationConf())
    first = _emigration_from_home(baseline.flows).filter(pl.col("year") == BASE_YEAR + 1)
    moved = first["people"].sum()
    target = cal.target_flow.sum()
    assert abs(moved / target - 1.0) <= 0.10, (moved, target)


def test_returns_and_onward_moves_exist(baseline):
    f = baseline.flows
    returns = (
        f.filter(pl.col("destination") == pl.col("origin"))
        .group_by("year")
        .agg(pl.col("people").sum())
    )
    assert returns.height == YEARS and (returns["people"] > 0).all()
    onward = f.filter(
        (pl.col("source") != pl.col("origin")) & (pl.col("destination") != pl.col("origin"))
    )
    assert onward["people"].sum() > 0


# ------------------------------------------------------------------ 5. liquidity


def test_liquidity_binds_more_for_poor_origins(baseline):
    """Share of would-be movers blocked by the up-front cost: SSA > WEU (docs/model.md §3.4)."""
    blocked = (
        baseline.regions.filter(pl.col("year") > BASE_YEAR)
        .group_by("region")
        .agg(pl.col("blocked_by_liquidity").sum())
    )
    left = _emigration_from_home(baseline.flows).group_by("origin").agg(pl.col("people").sum())
    share = blocked.join(left, left_on="region", right_on="origin").with_columns(
        s=pl.col("blocked_by_liquidity") / (pl.col("blocked_by_liquidity") + pl.col("people"))
    )
    s = dict(zip(share["region"], share["s"]))
    assert s["SSA"] > s["WEU"], s
    assert s["SSA"] > 0.5 > s["WEU"], s  # the poorest origin is mostly constrained, the rich not


# ------------------------------------------------------------------ 7. determinism


def test_same_seed_gives_identical_tables(small_run, tmp_path):
    again = _run(tmp_path / "again", *SMALL)
    assert again.flows.height > 0
    assert again.flows.equals(small_run.flows)
    assert again.stocks.equals(small_run.stocks)
    assert again.regions.equals(small_run.regions)


def test_status_quo_against_itself_differs_by_exactly_zero(small_run, tmp_path):
    baseline = small_run
    same = _run(
        tmp_path / "sq",
        *SMALL,
        "regime=status_quo",
        "regime.components=[{kind:scale_policy_cost,factor:1.0}]",
    )
    joined = baseline.flows.join(
        same.flows,
        on=["year", "origin", "source", "destination", "skill"],
        how="full",
        coalesce=True,
    )
    diff = (joined["people"].fill_null(0.0) - joined["people_right"].fill_null(0.0)).abs()
    assert diff.max() == 0.0
    assert same.stocks.equals(baseline.stocks)


def test_another_seed_gives_other_draws(small_run, tmp_path):
    other = _run(tmp_path / "seed2", *SMALL, "seed=2")
    assert not other.flows.equals(small_run.flows)
    first = [
        _emigration_from_home(r.flows).filter(pl.col("year") == BASE_YEAR + 1)["people"].sum()
        for r in (small_run, other)
    ]
    # same model, other draws: the first year's emigration from home in real people varies
    # from seed to seed by its Monte Carlo spread (measured at 300,000 agents, seeds 1-8:
    # 9.2-11.4M, coefficient of variation 6%, heavy-weight agents of small origins moving
    # or not), so two seeds differ by less than a quarter, not by a model's worth
    assert abs(first[0] / first[1] - 1.0) < 0.25, first


def test_small_runs_have_no_runaway_network_feedback(small_run, world):
    """Sampling must not change the model: yearly emigration stays near the calibrated level
    at 300k agents too (within 25%, the [K] tolerance of the flow target)."""
    target = load_calibration(world, BehaviourConf(), PopulationConf()).target_flow.sum()
    yearly = _emigration_from_home(small_run.flows).group_by("year").agg(pl.col("people").sum())
    assert (abs(yearly["people"] / target - 1.0) <= 0.25).all(), yearly.sort("year")
