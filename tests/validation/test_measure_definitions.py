"""The measures of E7, E10, E13 and E25 on constructed inputs: each measures the published
quantity (the incomes the model pays, a share of world GDP, a wage ratio of one cell)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

import migsim
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.kernels.migration import IRREGULAR, NATIVE, PERMANENT
from migsim.people.population import Population
from migsim.people.shards import Shard
from migsim.validation.experiments import e13_mode4 as e13
from migsim.validation.experiments._earnings import paid, paid_now
from migsim.validation.experiments.e07_dfp import mixture_percentiles
from migsim.validation.experiments.e09_e10_frictionless import (
    income_per_worker,
    mean_credential_abroad,
)
from migsim.validation.experiments.e25_place_premium import (
    SAMPLE,
    credential_factors,
    place_premium,
    profile_cells,
)
from migsim.worldbuild.inputs import Inputs


# --------------------------------------------------------------------------- E13
def _regions(gdp: dict[str, float], year: int = 2016) -> pl.DataFrame:
    return pl.DataFrame({"year": [year] * len(gdp), "region": list(gdp), "gdp": list(gdp.values())})


def test_e13_gain_is_a_share_whatever_the_currency():
    """A gain in the base year's PPP dollars is not comparable with one in 1997 dollars: the
    measure is a share, so the units of the runs' GDP cancel (a sum in dollars would not)."""
    world = load_world("default")
    base = {c: 1e12 * (i + 1) for i, c in enumerate(world.codes)}
    treat = {c: v * 1.005 for c, v in base.items()}
    share = e13.gain_pct(world, _regions(treat), _regions(base), 2016)
    assert share == pytest.approx(0.5, rel=1e-9)
    scaled = e13.gain_pct(
        world,
        _regions({c: v * 1e-3 for c, v in treat.items()}),
        _regions({c: v * 1e-3 for c, v in base.items()}),
        2016,
    )
    assert scaled == pytest.approx(share, rel=1e-9)


def test_e13_gain_is_at_market_exchange_rates():
    """World GDP is valued at market rates (PPP GDP x price level), as the source's: a gain
    in a poor region (price level below 1) weighs less than the same PPP gain in the USA's."""
    world = load_world("default")
    base = {c: 1e12 for c in world.codes}
    poor = world.codes[int(np.argmin(world.gdp_per_capita))]
    rich = "NAM"
    at_poor = e13.gain_pct(world, _regions({**base, poor: 1.1e12}), _regions(base), 2016)
    at_rich = e13.gain_pct(world, _regions({**base, rich: 1.1e12}), _regions(base), 2016)
    assert 0.0 < at_poor < at_rich


def test_e13_published_share_uses_1997_world_gdp_at_market_rates(tmp_path):
    folder = tmp_path / "gdp_current_usd"
    folder.mkdir()
    (folder / "gdp_current_usd.csv").write_text(
        "iso3,year,gdp_usd\nUSA,1997,8000000000000\nMEX,1997,500000000000\nMEX,1998,1\n"
    )
    assert e13.world_gdp_usd(1997, Inputs(tmp_path)) == 8.5e12
    with pytest.raises(InputError, match="1990") as err:
        e13.world_gdp_usd(1990, Inputs(tmp_path))
    assert "gdp_current_usd" in str(err.value) and "\n" not in str(err.value)


def test_e13_shipped_1997_world_gdp_is_the_world_banks():
    """The shipped input: world GDP 1997 at market rates about US$31.4 trillion (USA 8.58)."""
    assert e13.world_gdp_usd(1997) == pytest.approx(31.42e12, rel=0.01)


def test_e13_reads_the_year_the_quota_stock_is_complete():
    """A comparative static has the movers in place: base year + the visa length."""
    regime = SimpleNamespace(components=[SimpleNamespace(visa_years=3)])
    runner = SimpleNamespace(base_year=2013, config=lambda name: SimpleNamespace(regime=regime))
    assert e13.full_quota_year(runner) == 2016


# --------------------------------------------------------------------------- E10
def _shard(rows: list[dict], units: list[float]) -> Shard:
    pop = Population.empty(len(rows), np.array([2.0, 3.0]))
    for i, row in enumerate(rows):
        pop.alive[i] = 1
        pop.person_id[i] = i
        for name, value in row.items():
            getattr(pop, name)[i] = value
    pop.n = pop.next_id = len(rows)
    shard = Shard(pop)
    shard.buffer("units")[: len(rows)] = units
    return shard


def test_e10_pays_movers_their_credential_discount():
    """Two people born in region 1 (weight 3), aged 40 with secondary education: one at home,
    one in region 0 with kappa 0.8 (units 0.8 at productivity 1), one irregular there (kappa
    0.8, irregular factor 0.5); one unemployed (units 0) who does not count. Wages per unit:
    10 for region 0's immigrants, 4 for region 1's natives."""
    born = {"origin": 1, "age": 40, "skill": 1, "productivity": 1.0}
    rows = [
        {**born, "location": 1, "status": NATIVE},
        {**born, "location": 0, "status": PERMANENT, "years_abroad": 2},
        {**born, "location": 0, "status": IRREGULAR, "years_abroad": 2},
        {**born, "location": 1, "status": NATIVE},
    ]
    wages = np.ones((2, 3, 4, 2))
    wages[0, :, :, 1] = 10.0
    wages[1, :, :, 0] = 4.0
    sums = paid(_shard(rows, [1.0, 0.8, 0.4, 0.0]), wages, 0.5)
    assert sums["workers"].tolist() == [0.0, 9.0]
    assert sums["earnings"][1] == pytest.approx(3.0 * (4.0 + 8.0 + 4.0))
    born_in_1 = np.array([False, True])
    # the credential discount is paid: without it the movers would earn 10 and 5
    assert income_per_worker(sums, born_in_1) == pytest.approx(16.0 / 3.0)
    assert sums["credited"][1, 0, 0] == 2.0
    assert sums["credit"][1, 0, 0] == pytest.approx(1.6)
    assert mean_credential_abroad(sums, born_in_1) == pytest.approx(0.8)


def test_e10_earnings_are_those_of_the_income_pass():
    """On a simulated base year, `paid_now` adds up to the earnings the income pass recorded
    in the fiscal table."""
    sim = migsim.build_simulation(["population.size=20000", "seed=3"])
    sums = paid_now(sim)
    fiscal = sim.tables()["fiscal"].filter(pl.col("year") == sim.year)
    assert sums["earnings"].sum() == pytest.approx(float(fiscal["earnings"].sum()), rel=1e-6)


# --------------------------------------------------------------------------- E25
def test_e25_ratio_is_the_same_cells_wage_with_the_credential_discount():
    """Region 1's wages are a quarter of region 0's in every cell, so the premium is 4 x
    kappa whatever the weights; it has no employment rate or tax in it."""
    wages = np.ones((2, 3, 4, 2))
    wages[0] *= 8.0
    wages[1] *= 2.0
    units = np.ones((2, 3, 4))
    kappa = np.array([[1.0, 1.0], [0.9, 0.9]])
    assert place_premium(wages, units, kappa, 0)[1] == pytest.approx(3.6)


def test_e25_weights_are_the_origins_workers_by_cell():
    """Two occupied cells of the origin, ratios 2 (3 workers) and 8 (1 worker): the
    geometric mean 2^(3/4) 8^(1/4) = 2^1.5; empty cells do not count."""
    wages = np.ones((2, 3, 4, 2))
    wages[0, 0, 0, 1] = 2.0
    wages[0, 1, 0, 1] = 8.0
    units = np.zeros((2, 3, 4))
    units[1, 0, 0], units[1, 1, 0] = 3.0, 1.0
    units[0, 0, 0] = 1.0
    got = place_premium(wages, units, np.ones((2, 2)), 0)[1]
    assert got == pytest.approx(2.0**1.5)


def test_e25_reads_the_sources_worker_cells_only():
    """The source's worker (no degree, aged 35): only the primary and secondary cells at the
    experience band of age 35 count; a tertiary cell or another band with a far larger ratio
    moves the premium over every cell but not the source's worker's."""
    from migsim.kernels.income import N_EXPERIENCE
    from migsim.kernels.reference.income import experience_band

    cells = profile_cells(N_EXPERIENCE)
    assert cells.sum() == 2 and not cells[2].any()
    for e in (0, 1):
        assert cells[e, int(experience_band(np.array([35]), np.array([e]))[0])]
    wages = np.ones((2, 3, N_EXPERIENCE, 2))
    wages[0, :, :, 1] = 3.0  # every cell's ratio is 3 ...
    wages[0, 2, :, 1] = 30.0  # ... but the tertiary ones' is 30
    units = np.ones((2, 3, N_EXPERIENCE))
    kappa = np.ones((2, 2))
    assert place_premium(wages, units, kappa, 0, cells)[1] == pytest.approx(3.0)
    assert place_premium(wages, units, kappa, 0)[1] > 3.0


def test_e25_credential_factor_falls_back_to_arrival():
    sums = {
        "credit": np.zeros((2, 2, 2)),
        "credited": np.zeros((2, 2, 2)),
    }
    sums["credit"][1, 0] = [1.8, 0.0]
    sums["credited"][1, 0] = [2.0, 0.0]
    k = credential_factors(sums, 0, np.array([0.85, 0.7]))
    assert k[1].tolist() == pytest.approx([0.9, 0.7])


def test_e25_sample_is_the_sources_developing_countries_in_the_country_world():
    """The median is over the source's 43 labelled countries: each once, each a developing
    country of the 232-country world; neither the USA nor Honduras (dropped by the source)."""
    world = load_world("countries")
    assert len(SAMPLE) == len(set(SAMPLE)) == 43
    assert "USA" not in SAMPLE and "HND" not in SAMPLE and "NGA" in SAMPLE
    assert not any(world.developed[world.index(c)] for c in SAMPLE)


# --------------------------------------------------------------------------- E7
def test_e7_one_cell_percentiles_are_the_lognormal_quantiles():
    """One cell of wage 2: the median of 2 x lognormal(mean 1) is 2 exp(-sigma^2 / 2), and the
    10th percentile 2 exp(-sigma^2 / 2 - 1.2816 sigma)."""
    sigma = 0.5
    got = mixture_percentiles(np.array([2.0, 7.0]), np.array([3.0, 0.0]), sigma, (10, 50))
    z10 = -1.2815515655446004
    assert got == pytest.approx(2.0 * np.exp(-0.5 * sigma**2 + np.array([z10, 0.0]) * sigma))


def test_e7_mixture_percentiles_are_the_agents_in_the_limit():
    """Two cells, 1:3, wages 1 and 4: the expected percentiles are those of many agents'
    wages, and a uniform 1% raise moves every percentile by 1%."""
    rng = np.random.default_rng(0)
    sigma, n = 0.6, 2_000_000
    cell = rng.random(n) < 0.75
    wage = np.where(cell, 4.0, 1.0) * np.exp(sigma * rng.standard_normal(n) - 0.5 * sigma**2)
    expected = mixture_percentiles(np.array([1.0, 4.0]), np.array([1.0, 3.0]), sigma)
    assert expected == pytest.approx(np.percentile(wage, [10, 50, 90]), rel=5e-3)
    raised = mixture_percentiles(np.array([1.01, 4.04]), np.array([1.0, 3.0]), sigma)
    assert raised / expected == pytest.approx(np.full(3, 1.01), rel=1e-9)
