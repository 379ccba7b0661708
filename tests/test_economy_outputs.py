"""Economy outputs of full runs on the default world (issue 4; docs/model.md §2, §5, §8).

One status-quo run (400k agents, 2013 + 5 years, seed 1) is shared by the module; regime and
closure runs use the same seed and size, each run at most once per session.

Tolerances come from the issue or docs/model.md §8.1 ([V] +-10%, [K] +-25%, signs exact). Where
the model misses a published target the test is a strict xfail stating the measured gap.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
import polars as pl
import pytest

from migsim.core.world import load_world

SIZE, YEARS, BASE, SEED = 400_000, 5, 2013, 1
LAST = BASE + YEARS
ECON_TABLES = ("remittances", "fiscal", "welfare", "earnings")
ECON_REGION_COLUMNS = (
    "gdp",
    "gdp_per_capita",
    "labour_income",
    "capital_income",
    "capital",
    "tax_revenue",
    "other_revenue",
    "public_spending",
    "fiscal_balance",
    "levy_revenue",
    "partnership_cost",
    "remittances_sent",
    "remittances_received",
    "wage_low_native",
    "wage_low_immigrant",
    "wage_high_native",
    "wage_high_immigrant",
    "net_contribution_immigrants",
    "skilled_emigration_rate",
    "ex_ante_tertiary_share",
    "tertiary_share",
    "graduates",
)


class Run:
    def __init__(self, run_dir: Path):
        self.dir = run_dir
        self.tables = {
            name: pl.read_parquet(run_dir / f"{name}.parquet")
            for name in ("regions", "stocks", *ECON_TABLES)
        }

    def __getattr__(self, name):
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture(scope="session")
def econ_run(compose_cfg, tmp_path_factory):
    """econ_run(*overrides) -> Run of the default world (400k agents, 5 years), cached."""
    from migsim.runtime.app import run_simulation

    cache: dict[tuple, Run] = {}

    def _run(
        *overrides: str,
        fresh: bool = False,
        size: int = SIZE,
        years: int = YEARS,
        world: str = "default",
    ) -> Run:
        key = (world, size, years, *overrides)
        if key in cache and not fresh:
            return cache[key]
        cfg = compose_cfg(
            f"world={world}",
            f"population.size={size}",
            f"years={years}",
            f"seed={SEED}",
            "progress=false",
            *overrides,
        )
        run_dir = tmp_path_factory.mktemp("econ") / "run"
        run_simulation(cfg, run_dir)
        out = Run(run_dir)
        if not fresh:
            cache[key] = out
        return out

    return _run


@pytest.fixture(scope="module")
def world():
    return load_world("default")


@pytest.fixture(scope="module")
def sq(econ_run) -> Run:
    return econ_run()


def _year(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    return frame.filter(pl.col("year") == year).sort("region")


def _by_region(frame: pl.DataFrame, column: str, year: int) -> dict[str, float]:
    f = frame.filter(pl.col("year") == year)
    return dict(zip(f["region"].to_list(), f[column].to_list()))


def _developing(world) -> list[str]:
    return [c for c, d in zip(world.codes, world.developed) if not d]


def _developed(world) -> list[str]:
    return [c for c, d in zip(world.codes, world.developed) if d]


# ----------------------------------------------------------------- 1. accounting identities
def test_all_economy_outputs_every_year(sq):
    years = sorted(sq.regions["year"].unique().to_list())
    assert years == list(range(BASE, LAST + 1))
    missing = [c for c in ECON_REGION_COLUMNS if c not in sq.regions.columns]
    assert not missing
    assert sq.regions.select(ECON_REGION_COLUMNS).null_count().sum_horizontal().item() == 0
    for name in ECON_TABLES:
        assert sorted(getattr(sq, name)["year"].unique().to_list()) == years, name


def test_remittances_sent_equal_received_plus_fees(sq):
    r = sq.remittances
    assert r.height > 0 and (r["sent"] > 0).all()
    gap = (r["sent"] - r["received"] - r["fees"]).abs() / r["sent"]
    assert gap.max() <= 1e-9
    # regions.parquet totals are the corridor sums
    for year in range(BASE, LAST + 1):
        y = r.filter(pl.col("year") == year)
        sent = dict(y.group_by("source").agg(pl.col("sent").sum()).iter_rows())
        received = dict(y.group_by("destination").agg(pl.col("received").sum()).iter_rows())
        for region, value in _by_region(sq.regions, "remittances_sent", year).items():
            assert value == pytest.approx(sent.get(region, 0.0), rel=1e-9, abs=1e-3)
        for region, value in _by_region(sq.regions, "remittances_received", year).items():
            assert value == pytest.approx(received.get(region, 0.0), rel=1e-9, abs=1e-3)


def test_fiscal_balance_is_revenue_minus_spending(sq, econ_run):
    # engine/steps/economy.py EconomyStep.record: balance = taxes + other - spending + levy, where
    # other = base-year share of GDP x GDP - partnership cost
    for run in (sq, econ_run("regime=bhagwati_tax")):
        g = run.regions
        balance = g["tax_revenue"] + g["other_revenue"] + g["levy_revenue"] - g["public_spending"]
        assert ((g["fiscal_balance"] - balance).abs() / g["gdp"]).max() <= 1e-9
    # no partnership in the status quo: other revenue is a fixed share of GDP per region
    g = sq.regions
    assert (g["partnership_cost"] == 0).all()
    share = (
        g.with_columns(s=pl.col("other_revenue") / pl.col("gdp"))
        .group_by("region")
        .agg(spread=pl.col("s").max() - pl.col("s").min())
    )
    assert share["spread"].max() <= 1e-9


def test_gdp_is_labour_plus_capital_income(sq):
    g = sq.regions
    assert (g["capital_income"] > 0).all() and (g["labour_income"] > 0).all()
    gap = (g["gdp"] - g["labour_income"] - g["capital_income"]).abs() / g["gdp"]
    assert gap.max() <= 1e-9
    per_capita = (g["gdp_per_capita"] - g["gdp"] / g["population"]).abs() / g["gdp_per_capita"]
    assert per_capita.max() <= 1e-12


def test_individual_earnings_add_up_to_labour_income(sq):
    earnings = sq.fiscal.group_by("year", "region").agg(pl.col("earnings").sum())
    j = earnings.join(
        sq.regions.select("year", "region", "labour_income"),
        on=["year", "region"],
        how="full",
        coalesce=True,
    )
    assert j.height == sq.regions.height
    gap = ((j["earnings"] - j["labour_income"]).abs() / j["labour_income"]).max()
    assert gap <= 1e-6


def test_base_year_gdp_matches_world_data(sq, world):
    base = _by_region(sq.regions, "gdp", BASE)
    for i, code in enumerate(world.codes):
        data = world.gdp_per_capita[i] * world.population[i]
        assert base[code] == pytest.approx(data, rel=0.01), code


def test_base_year_budget_balances(sq):
    b = _year(sq.regions, BASE)
    assert ((b["fiscal_balance"] / b["gdp"]).abs() <= 1e-9).all()


# ------------------------------------------------------------------ 2. remittances (E23)
def test_remittance_totals_2013(sq, world):
    r = sq.remittances.filter(pl.col("year") == BASE)
    total = r["received"].sum() / 1e9
    assert total == pytest.approx(542.0, rel=0.01)  # calibrated, MDB 22
    developing = r.filter(pl.col("destination").is_in(_developing(world)))["received"].sum()
    # the split is the rule's, not fitted: most of the money goes to developing regions (E23
    # compares their share with their countries' recorded share, WDI's 68.8% in 2013)
    assert 0.5 < developing / 1e9 / total < 0.9


def test_remittance_fees(sq):
    r = sq.remittances.filter(pl.col("year") == BASE)
    share = r["fees"].sum() / r["sent"].sum()
    assert 0.05 <= share <= 0.12
    ssa = r.filter(pl.col("destination") == "SSA")
    assert ssa["fees"].sum() / ssa["sent"].sum() == pytest.approx(0.12, rel=0.10)  # [V]


def test_remittance_cost_cut_raises_received(sq, econ_run):
    cut = econ_run("regime=remittance_cost_cut")
    for year in range(BASE, LAST + 1):
        base = sq.remittances.filter(pl.col("year") == year)["received"].sum()
        new = cut.remittances.filter(pl.col("year") == year)["received"].sum()
        assert 0.02 <= new / base - 1.0 <= 0.07, (year, new / base - 1.0)
        fees = cut.remittances.filter(pl.col("year") == year)
        assert ((fees["fees"] / fees["sent"]) <= 0.05 + 1e-12).all()
    # base year: same people; the fee saving plus more sent on the corridors made cheaper
    # (economy.remit_fee_elasticity), never less on any corridor
    s = sq.remittances.filter(pl.col("year") == BASE)
    c = cut.remittances.filter(pl.col("year") == BASE)
    j = s.join(c, on=["source", "destination"], suffix="_cut")
    assert j.height == s.height == c.height
    assert (j["sent_cut"] >= j["sent"] * (1 - 1e-12)).all()
    fee = j["fees"] / j["sent"]
    mechanical = (j["sent"] * (1.0 - fee.clip(upper_bound=0.05))).sum()
    assert c["received"].sum() > mechanical
    cheaper = j.filter(fee > 0.05 + 1e-9)
    assert (cheaper["sent_cut"] > cheaper["sent"]).all()


# ------------------------------------------------------------------------------ 3. wages
@pytest.fixture(scope="module")
def free(econ_run) -> Run:
    return econ_run("regime=free_mobility")


def _ratio(run: Run, base: Run, column: str, year: int = LAST) -> dict[str, float]:
    a, b = _by_region(run.regions, column, year), _by_region(base.regions, column, year)
    return {k: a[k] / b[k] - 1.0 for k in a}


def test_free_mobility_lowers_native_low_skill_wages_in_big_receivers(sq, free):
    change = _ratio(free, sq, "wage_low_native")
    assert change["NAM"] < 0 and change["WEU"] < 0, change
    imm_low = _ratio(free, sq, "wage_low_immigrant")
    assert imm_low["NAM"] < change["NAM"] and imm_low["WEU"] < change["WEU"]


def test_free_mobility_raises_native_low_skill_wages_in_big_senders(sq, free):
    change = _ratio(free, sq, "wage_low_native")
    population = _ratio(free, sq, "population")
    # LAC is not among them: its main corridor (to NAM) carries almost no calibrated policy
    # cost, so opening every border makes it a net receiver
    for region in ("SAS", "SSA", "EAS"):
        assert population[region] < 0, (region, population[region])
        assert change[region] > 0, (region, change[region])


def test_wages_move_against_labour_supply(sq, free):
    """Where free mobility adds (removes) more than 2% of residents after five years,
    non-tertiary native wages fall (rise) relative to the status quo."""
    population = _ratio(free, sq, "population")
    change = _ratio(free, sq, "wage_low_native")
    movers = {r: p for r, p in population.items() if abs(p) > 0.02}
    assert any(p > 0 for p in movers.values()) and any(p < 0 for p in movers.values())
    for region, p in movers.items():
        assert np.sign(change[region]) == -np.sign(p), (region, p, change[region])


def test_immigrant_wages_fall_more_than_native_wages_in_receivers(sq, free):
    """sigma_N = 20 < inf: in regions where free mobility raises the immigrant stock by more
    than half, non-tertiary immigrants' wages (the bulk of the inflow) fall more than
    natives' of the same skill. (Tertiary immigrant supply can even fall relative to natives
    there, through onward moves, so that skill is not asserted.)"""
    immigrants = _ratio(free, sq, "immigrants")
    receivers = [r for r, v in immigrants.items() if v > 0.5]
    assert receivers
    for skill in ("low",):
        native = _ratio(free, sq, f"wage_{skill}_native")
        immigrant = _ratio(free, sq, f"wage_{skill}_immigrant")
        for region in receivers:
            assert immigrant[region] < native[region], (region, skill)


# ---------------------------------------------------------------------------- 4. closures
def _average_wage(run: Run, year: int) -> dict[str, float]:
    """Labour income per efficiency unit; units per cell = earnings / cell wage."""
    regions = run.regions.filter(pl.col("year") == year)
    cells = (
        run.fiscal.filter(pl.col("year") == year)
        .group_by("region", "nativity", "skill")
        .agg(pl.col("earnings").sum())
    )
    out = {}
    for row in regions.iter_rows(named=True):
        units = sum(
            e / row[f"wage_{s}_{n}"]
            for _, n, s, e in cells.filter(pl.col("region") == row["region"]).iter_rows()
        )
        out[row["region"]] = row["labour_income"] / units
    return out


def test_short_run_closure_gains_less_and_hurts_receivers_more(econ_run):
    gain, wage, population = {}, {}, {}
    for closure in ("short_run", "long_run"):
        fm = econ_run("regime=free_mobility", f"economy.closure={closure}")
        base = econ_run(f"economy.closure={closure}")
        gain[closure] = (
            fm.regions.filter(pl.col("year") == LAST)["gdp"].sum()
            / base.regions.filter(pl.col("year") == LAST)["gdp"].sum()
            - 1.0
        )
        a, b = _average_wage(fm, LAST), _average_wage(base, LAST)
        wage[closure] = {r: a[r] / b[r] - 1.0 for r in a}
        population[closure] = _ratio(fm, base, "population")
    assert gain["short_run"] < gain["long_run"], gain
    receivers = [
        r
        for r in population["short_run"]
        if population["short_run"][r] > 0.05 and population["long_run"][r] > 0.05
    ]
    assert receivers
    for region in receivers:
        assert wage["short_run"][region] < wage["long_run"][region], (region, wage)


# ------------------------------------------------------ 5. skilled emigration (docs/model.md §2.2)
def test_ssa_skilled_emigration_rate_2013(sq):
    rate = _by_region(sq.regions, "skilled_emigration_rate", BASE)["SSA"]
    assert 0.152 * 0.9 <= rate <= 0.152 * 1.1  # Docquier-Marfouk, Africa 15.2% [V]


def _world_tertiary_emigration_rate(run: Run, year: int) -> float:
    s = run.stocks.filter(
        pl.col("year") == year,
        pl.col("skill") == "high",
        ~pl.col("age_band").is_in(["0-14", "15-19", "20-24"]),
    )
    abroad = s.filter(
        (pl.col("origin") != pl.col("location")) | (pl.col("status") == "intra_regional")
    )["people"].sum()
    return abroad / s["people"].sum()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "world tertiary emigration rate 2013 (25+, Docquier-Marfouk definition incl. "
        "intra-regional migrants) measured 6.83% vs 5.3-5.4% [K] +-25% (3.98%-6.75%)"
    ),
)
def test_world_tertiary_emigration_rate_2013(sq):
    rate = _world_tertiary_emigration_rate(sq, BASE)
    assert 0.053 * 0.75 <= rate <= 0.054 * 1.25, rate


# ---------------------------------------------------------------------------- 6. fiscal E20
E20_MISSES = {"NAM": -0.0087, "EEU": -0.0054}
# OCE's few immigrant agents spread its figure over samples (-0.44% at seed 1, -0.82% at 2,
# -0.51% at 3, 400,000 agents): inside the band at the tests' seed
# EEU's miss came with the education groups and experience bands: its immigrants' earnings
# follow the assumed secondary premium, experience profile and migrants' selection factor


@pytest.mark.parametrize(
    "region",
    [
        pytest.param(
            r,
            marks=pytest.mark.xfail(
                strict=True,
                reason=(
                    f"net contribution of immigrants in {r} 2013 measured "
                    f"{100 * E20_MISSES[r]:+.2f}% of GDP vs "
                    "OECD IMO 2013 within +-0.5% (average cost of public goods, 8% of GDP)"
                ),
            ),
        )
        if r in E20_MISSES
        else r
        for r in ("NAM", "WEU", "EEU", "OCE", "JPN")
    ],
)
def test_net_fiscal_contribution_of_immigrants_2013(sq, world, region):
    assert region in _developed(world)
    b = _year(sq.regions, BASE).filter(pl.col("region") == region)
    share = b["net_contribution_immigrants"].item() / b["gdp"].item()
    assert abs(share) <= 0.005, share


def test_net_contribution_matches_fiscal_table(sq):
    f = (
        sq.fiscal.filter(pl.col("nativity") == "immigrant")
        .group_by("year", "region")
        .agg(pl.col("net_contribution").sum())
    )
    j = sq.regions.join(f, on=["year", "region"], how="left").with_columns(
        pl.col("net_contribution").fill_null(0.0)
    )
    gap = (j["net_contribution_immigrants"] - j["net_contribution"]).abs() / j["gdp"]
    assert gap.max() <= 1e-9
    row = sq.fiscal["taxes"] - sq.fiscal["public_spending"] - sq.fiscal["net_contribution"]
    assert row.abs().max() <= 1e-6 * sq.fiscal["taxes"].abs().max()


# ------------------------------------------------------------------------ 7. Bhagwati tax
def test_bhagwati_levy_goes_to_developing_origins(econ_run, sq, world):
    bh = econ_run("regime=bhagwati_tax")
    for year in range(BASE, LAST + 1):
        levy = _by_region(bh.regions, "levy_revenue", year)
        # GCC has 7 tertiary emigrant agents, none abroad < 10 years before 2015
        for code in _developing(world):
            assert levy[code] > 0 or (code == "GCC" and levy[code] == 0), (year, code)
        for code in _developed(world):
            assert levy[code] == 0, (year, code)
    levy = _by_region(bh.regions, "levy_revenue", LAST)
    assert all(levy[code] > 0 for code in _developing(world)), levy
    assert (sq.regions["levy_revenue"] == 0).all()


def test_bhagwati_revenue_scale_vs_desai(econ_run):
    # Desai et al. (2009): India loses ~0.5% of GNI to skilled emigration; a 10% levy on
    # emigrants' income recovers well below that
    bh = econ_run("regime=bhagwati_tax")
    sas = bh.regions.filter(pl.col("region") == "SAS")
    share = sas["levy_revenue"] / sas["gdp"]
    assert ((share > 0) & (share < 0.005)).all(), share.to_list()


# ------------------------------------------------------------------------ 8. determinism
def _assert_economy_equal(a: Run, b: Run) -> None:
    cols = ["year", "region", *ECON_REGION_COLUMNS]
    assert a.regions.select(cols).equals(b.regions.select(cols))
    for name in ECON_TABLES:
        assert getattr(a, name).equals(getattr(b, name)), name


def test_economy_outputs_deterministic_for_a_seed(econ_run, sq):
    again = econ_run(fresh=True)
    _assert_economy_equal(sq, again)


def test_economy_outputs_independent_of_thread_count(econ_run):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads")
    before = numba.get_num_threads()
    try:
        one = econ_run("threads=1", world="toy", size=20_000, fresh=True)
        two = econ_run("threads=2", world="toy", size=20_000, fresh=True)
    finally:
        numba.set_num_threads(before)
    assert one.remittances.height > 0 and one.fiscal.height > 0
    _assert_economy_equal(one, two)


# ------------------------------------------------------- fiscal loss at origin (Desai 2009)
def test_fiscal_loss_from_skilled_emigration(sq, world):
    """Forgone income tax of tertiary emigrants: positive for every origin with skilled
    emigrants, and under the Bhagwati tax the levy recovers part of it for developing
    origins. India (SAS) loses 0.24-0.58% of GDP in Desai et al. 2009 counting US-level
    incomes; valued at home wages and tax rates the model's loss must be below that range
    and above zero."""
    year = BASE + 1
    loss = _by_region(sq.regions, "fiscal_loss_skilled_emigration", year)
    gdp = _by_region(sq.regions, "gdp", year)
    assert all(v > 0 for v in loss.values()), loss
    share = loss["SAS"] / gdp["SAS"]
    assert 0 < share < 0.0024, share
    # regions with more skilled emigrants relative to their economy lose more
    rate = _by_region(sq.regions, "skilled_emigration_rate", year)
    assert rate["SSA"] > rate["SAS"] and loss["SSA"] / gdp["SSA"] > share


# ------------------------------------------------------------- within-group wage percentiles
def test_earnings_percentiles_follow_productivity_and_credentials(sq):
    """Individual earnings = cell wage x productivity x credential transfer, so wage
    percentiles exist within each group: for natives the spread is the lognormal
    productivity's (sigma 0.4: p90/p10 = exp(2 x 1.2816 x 0.4) = 2.79) widened by the wage
    differences between the cells of the non-tertiary class (primary and secondary, four
    experience bands), so above 2.79 but not twice it, around the class's mean wage per unit
    (the lognormal's median is exp(-0.08) of its mean); recent immigrants' credential
    discount puts their non-tertiary median below natives' in the big destinations
    (Dustmann, Frattini & Preston 2013)."""
    e = sq.earnings.filter(pl.col("year") == BASE + 1)
    wages = _by_region(sq.regions, "wage_low_native", BASE + 1)
    for region in ("NAM", "WEU"):
        nat = e.filter(
            pl.col("region") == region, pl.col("nativity") == "native", pl.col("skill") == "low"
        )
        assert 2.79 * 1.05 < nat["p90"].item() / nat["p10"].item() < 2 * 2.79
        assert nat["p50"].item() == pytest.approx(wages[region] * np.exp(-0.08), rel=0.15)
        imm = e.filter(
            pl.col("region") == region, pl.col("nativity") == "immigrant", pl.col("skill") == "low"
        )
        assert imm["p50"].item() < nat["p50"].item()
        assert imm["p10"].item() < nat["p10"].item()
    assert (e["p10"] < e["p50"]).all() and (e["p50"] < e["p90"]).all()
