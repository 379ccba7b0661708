"""Externalities felt by host natives (congestion, cohesion) and mobile capital: the rules
of migsim.model.externalities, and runs of the toy world with each switch on against the
same run with it off (switched off, the default outputs are pinned by tests/test_golden.py).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import migsim
from migsim.core.errors import InputError
from migsim.model import externalities as ext

BASE = ("world=toy", "population.size=20000", "years=3", "seed=3", "progress=false")
CONGESTION = "economy.externalities.congestion=5"
COHESION = "economy.externalities.cohesion=0.5"
MOBILITY = "economy.capital.mobility=0.5"
TABLES = ("regions", "stocks", "flows", "fiscal", "remittances", "earnings", "welfare")


# -- the rules ----------------------------------------------------------------------------


def test_congestion_is_nothing_without_inflow_and_grows_with_it():
    public = np.array([100.0, 100.0, 100.0])
    cost = ext.congestion_cost(public, np.array([0.0, 0.01, 0.05]), 5.0)
    assert cost[0] == 0.0
    assert 0.0 < cost[1] < cost[2] < public[2]
    assert ext.congestion_cost(public, np.array([0.05] * 3), 0.0).tolist() == [0.0] * 3


def test_cohesion_counts_from_the_base_year_share_and_is_convex():
    income = np.full(3, 1000.0)
    base = np.full(3, 0.1)
    cost = ext.cohesion_cost(income, np.array([0.1, 0.2, 0.05]), base, 0.5)
    assert cost[0] == 0.0 and cost[1] > 0.0 and cost[2] < 0.0
    step = ext.cohesion_cost(income[:2], np.array([0.2, 0.3]), np.array([0.1, 0.2]), 0.5)
    assert step[1] > step[0]  # the same rise in the share costs more where it is higher


def test_capital_moves_toward_the_higher_return_and_keeps_the_world_stock():
    k = np.array([5e12, 2e12, 1e12, 3e11])
    base = np.array([0.10, 0.12, 0.14, 0.13])
    returns = base * np.array([1.05, 1.0, 0.97, 1.0])
    moved = ext.reallocate_capital(k, returns, base, 0.5)
    assert moved.sum() == pytest.approx(k.sum(), rel=1e-14)
    assert moved[0] > k[0] and moved[2] < k[2]
    # equal relative returns: nothing moves; mobility 0: nothing moves
    assert np.allclose(ext.reallocate_capital(k, base * 1.03, base, 0.5), k, rtol=1e-14)
    assert ext.reallocate_capital(k, returns, base, 0.0).tolist() == k.tolist()
    # a huge gap neither overflows nor empties a region
    far = ext.reallocate_capital(k, base * np.array([50.0, 1, 1, 1]), base, 10.0)
    assert np.isfinite(far).all() and (far > 0).all()


def test_owners_keep_the_income_of_capital_they_lend():
    installed = np.array([6.0, 2.0, 1.0])
    owned = np.array([5.0, 3.0, 1.0])
    returns = np.array([0.1, 0.2, 0.3])
    income = returns * installed
    owners = ext.owners_capital_income(income, returns, installed, owned)
    assert owners.sum() == pytest.approx(income.sum(), rel=1e-15)
    assert owners[0] == pytest.approx(0.5)  # 0.6 less 0.1 paid on the borrowed unit
    assert owners[1] == pytest.approx(0.5)  # 0.4 at home + 0.1 from the unit lent
    assert owners[2] == income[2]
    same = ext.owners_capital_income(income, returns, installed, installed)
    assert same.tolist() == income.tolist()


def test_owners_invest_in_proportion_to_what_they_own():
    installed = np.array([6.0, 2.0, 1.0])
    owned = np.array([3.0, 5.0, 1.0])  # region 0 borrows 3, region 1 lends 3
    invested = np.array([-4.0, 1.0, 0.5])
    after = ext.owners_investment(owned, installed, invested)
    assert after.sum() == pytest.approx((installed + invested).sum(), rel=1e-15)
    assert after[0] == pytest.approx(3.0 - 2.0)  # half of region 0's stock is its own
    assert after[1] == pytest.approx(5.0 + 1.0 - 2.0)  # its own investment, the lender's loss
    assert after[2] == pytest.approx(1.5)
    assert (after > 0).all()
    # nobody lends: every region invests in its own stock
    assert (
        ext.owners_investment(installed, installed, invested).tolist()
        == (installed + invested).tolist()
    )


@pytest.mark.parametrize(
    "override, where",
    [
        ("economy.externalities.congestion=-1", "economy.externalities.congestion"),
        ("economy.externalities.cohesion=nan", "economy.externalities.cohesion"),
        ("economy.capital.mobility=-0.1", "economy.capital.mobility"),
        ("economy.capital.mobility=inf", "economy.capital.mobility"),
        ("economy.capital.mobility=1.5", "economy.capital.mobility"),
        ("+economy.externalities.congestoin=1", "economy.externalities.congestoin"),
    ],
)
def test_bad_switch_values_are_refused_in_one_line(override, where):
    with pytest.raises(InputError) as info:
        migsim.compose(["world=toy", override])
    assert "\n" not in str(info.value) and where in str(info.value)
    assert info.value.exit_code == 2


# -- runs -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy(compose_cfg, tmp_path_factory):
    """toy(*overrides) -> {table: frame} of a 20k-agent, 3-year toy run, cached."""
    from migsim.runtime.app import run_simulation

    cache: dict[tuple, dict] = {}

    def _run(*overrides: str) -> dict[str, pl.DataFrame]:
        if overrides not in cache:
            out = tmp_path_factory.mktemp("ext") / "run"
            run_simulation(compose_cfg(*BASE, *overrides), out)
            cache[overrides] = {t: pl.read_parquet(out / f"{t}.parquet") for t in TABLES}
            cache[overrides]["dir"] = out
        return cache[overrides]

    return _run


def _same_except(on: dict, off: dict, region_cols: set, welfare_cols: set) -> None:
    """Every table equal, except the named columns the switch adds."""
    for table in TABLES:
        extra = region_cols if table == "regions" else welfare_cols if table == "welfare" else set()
        assert set(on[table].columns) - set(off[table].columns) == extra, table
        assert on[table].drop(sorted(extra)).equals(off[table]), table


def _real_income(frame: pl.DataFrame, group: str) -> float:
    row = frame.filter(pl.col("group") == group, pl.col("year") == frame["year"].max())
    cost = row["externality_cost"] if "externality_cost" in row.columns else 0.0
    return float((row["private_income"] + row["public_income"] - cost)[0])


def test_congestion_costs_host_natives_and_moves_nothing_else(toy):
    off, on = toy(), toy(CONGESTION)
    _same_except(on, off, {"congestion_cost"}, {"externality_cost"})
    regions = on["regions"]
    base = regions.filter(pl.col("year") == regions["year"].min())
    later = regions.filter(pl.col("year") > regions["year"].min())
    assert (base["congestion_cost"] == 0.0).all()  # no moves before the first decision
    assert (later["congestion_cost"] >= 0.0).all()
    host = later.filter(pl.col("developed"))
    assert (host["congestion_cost"] > 0.0).all()
    welfare = on["welfare"]
    natives = welfare.filter(pl.col("group").str.starts_with("natives"))
    assert (
        welfare.filter(~pl.col("group").str.starts_with("natives"))["externality_cost"] == 0
    ).all()
    assert (natives.filter(pl.col("year") > welfare["year"].min())["externality_cost"] > 0).all()
    assert _real_income(on["welfare"], "natives_developed") < _real_income(
        off["welfare"], "natives_developed"
    )
    for group in ("new_migrants", "earlier_migrants_developed"):
        assert _real_income(on["welfare"], group) == _real_income(off["welfare"], group)


def test_cohesion_cost_follows_the_change_in_the_immigrant_share(toy):
    off, on = toy(), toy(COHESION)
    _same_except(on, off, {"cohesion_cost"}, {"externality_cost"})
    r = on["regions"].sort("region", "year")
    share = r["immigrants"] / r["population"]
    first = r["year"] == r["year"].min()
    assert (r.filter(first)["cohesion_cost"].abs() < 1e-6 * r.filter(first)["gdp"]).all()
    # the cost has the sign of the change in the immigrant share since the base year
    base = r.filter(first).select("region", m0=pl.col("immigrants") / pl.col("population"))
    later = r.with_columns(m=share).join(base, on="region").filter(~first)
    moved = later.filter((pl.col("m") - pl.col("m0")).abs() > 1e-4)
    assert moved.height > 0
    assert (np.sign(moved["cohesion_cost"]) == np.sign(moved["m"] - moved["m0"])).all()


def test_mobile_capital_keeps_the_world_stock_and_follows_the_return(toy):
    short = "economy.closure=short_run"  # fixed world stock: mobility only moves it
    off, on = toy(short), toy(short, MOBILITY)
    r_off, r_on = off["regions"].sort("year", "region"), on["regions"].sort("year", "region")
    world0 = float(r_off.filter(pl.col("year") == r_off["year"].min())["capital"].sum())
    totals = r_on.group_by("year").agg(pl.col("capital", "capital_owned").sum())
    assert np.allclose(totals["capital"], world0, rtol=1e-12)
    assert np.allclose(totals["capital_owned"], world0, rtol=1e-12)
    income = r_on.group_by("year").agg(pl.col("capital_income", "capital_income_owned").sum())
    assert np.allclose(income["capital_income_owned"], income["capital_income"], rtol=1e-12)
    # the first decision year: capital goes where the return (without mobility) rose most
    # and leaves where it rose least; owners keep what they had
    year = int(r_off["year"].min()) + 1

    def at(frame, y):
        return frame.filter(pl.col("year") == y).sort("region")

    rise = (at(r_off, year)["capital_income"] / at(r_off, year)["capital"]) / (
        at(r_off, year - 1)["capital_income"] / at(r_off, year - 1)["capital"]
    )
    moved = (at(r_on, year)["capital"] - at(r_off, year)["capital"]).to_numpy()
    assert moved[int(np.argmax(rise.to_numpy()))] > 0.0 > moved[int(np.argmin(rise.to_numpy()))]
    assert np.allclose(at(r_on, year)["capital_owned"], at(r_off, year)["capital"], rtol=1e-12)


def test_mobile_capital_under_the_default_closure_keeps_owners_whole(toy):
    """Partial closure (the default): the world's owned stock equals its installed stock
    every year, every owned stock stays positive, capital income is conserved."""
    r = toy(MOBILITY)["regions"]
    totals = r.group_by("year").agg(
        pl.col("capital", "capital_owned", "capital_income", "capital_income_owned").sum()
    )
    assert np.allclose(totals["capital_owned"], totals["capital"], rtol=1e-12)
    assert np.allclose(totals["capital_income_owned"], totals["capital_income"], rtol=1e-12)
    assert (r["capital_owned"] > 0).all() and (r["capital_income_owned"] > 0).all()
    later = r.filter(pl.col("year") > r["year"].min())
    assert (later["capital"] != later["capital_owned"]).any()  # capital did move


def test_capital_follows_migrants_under_free_mobility(toy):
    """With mobile capital, opening the borders moves capital to the destination and out of
    the origins (against the same regime without mobility, where each region's stock
    follows only its own closure)."""
    sq, free = toy(MOBILITY), toy(MOBILITY, "regime=free_mobility")

    def last(run):
        regions = run["regions"]
        return regions.filter(pl.col("year") == regions["year"].max()).sort("region")

    a, b = last(sq), last(free)
    share_sq = (a["capital"] / a["capital"].sum()).to_numpy()
    share_free = (b["capital"] / b["capital"].sum()).to_numpy()
    dest = int(np.argmax(((b["immigrants"] - a["immigrants"]) / a["population"]).to_numpy()))
    orig = int(np.argmax(((b["emigrants"] - a["emigrants"]) / a["population"]).to_numpy()))
    assert dest != orig
    assert share_free[dest] > share_sq[dest]
    assert share_free[orig] < share_sq[orig]


def test_switches_on_same_bytes_whatever_the_threads(toy):
    on = (CONGESTION, COHESION, MOBILITY)
    one, two = toy(*on, "threads=1"), toy(*on, "threads=2")
    for table in TABLES:
        assert one[table].equals(two[table]), table


def test_switches_on_sharded_run_equals_single_process(toy):
    """Counts exactly, money up to the rounding of shard sums added in another order (the
    sharded runs' standard, tests/test_shards.py), the switches' columns included."""
    from tests.test_shards import assert_same_run

    on = (CONGESTION, COHESION, MOBILITY)
    one, three = toy(*on, "threads=1"), toy(*on, "threads=1", "shards.count=3")
    assert "capital_owned" in one["regions"].columns
    # with the switches on, every table has its declared columns, the optional ones included
    from migsim.runtime.columns import declared

    tables = declared()
    assert one["welfare"].columns == list(tables["welfare"])
    assert set(one["regions"].columns) <= set(tables["regions"])
    assert_same_run(one["dir"], three["dir"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_game_host_natives_bear_the_externalities(tmp_path, seed):
    """The annex game NTH-STH on the toy world: with congestion and cohesion on, the host's
    natives lose from opening to the poor region (their welfare payoff from opening alone
    falls by more than 0.2 points and turns negative), which it was not with the switches off
    (measured, 5 years: -0.26 on seed 2 and -0.40 on seed 3 at 30k agents, -0.28 on seed 1
    at 50k)."""
    from migsim.games import play

    args = dict(world="toy", size=30_000, years=5, seed=seed)
    off = play("NTH", "STH", out_dir=tmp_path / "off", **args)
    on = play("NTH", "STH", out_dir=tmp_path / "on", extra_overrides=[CONGESTION, COHESION], **args)
    alone_off, alone_on = off.matrix[("L", "D")][0], on.matrix[("L", "D")][0]
    assert alone_on < alone_off - 0.2 and alone_on < 0.0, on.text
    both_off, both_on = off.matrix[("L", "L")][0], on.matrix[("L", "L")][0]
    assert both_on < both_off - 0.2, on.text


def test_resume_with_the_switches_on_is_exact(tmp_path, compose_cfg):
    """The owned capital stocks and the base-year immigrant shares are kept in checkpoints:
    a run resumed from one gives the same bytes."""
    from migsim.runtime import runner

    common = (*BASE, CONGESTION, COHESION, MOBILITY)
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    result = runner.run_simulation(compose_cfg(*common, "checkpoint_every=1"), full)
    saved = full / "checkpoint-2014.npz"
    runner.run_simulation(compose_cfg(*common, f"resume={saved}"), resumed)
    for table in result.manifest["tables"]:
        assert (full / table).read_bytes() == (resumed / table).read_bytes(), table
