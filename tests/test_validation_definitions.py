"""What a validation check compares must be the published quantity: fast checks of the
definitions behind experiments' figures (no simulation)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from migsim.model.incomes import price_level
from migsim.validation.experiments.e12_gep2006 import market_rate_gdp


def test_e12_unadjusted_check_values_gdp_at_market_rates_not_ppp():
    """Alonso's (2015) Table 6.2 gives the world's gain as +1.19% unadjusted and +0.63%
    adjusted for the cost of living; the 1.19 check must read world GDP at market exchange
    rates. A move of output from a cheap region to a dear one raises that more than PPP GDP
    (the check once compared PPP GDP, the adjusted reading, with 1.19)."""
    world = SimpleNamespace(codes=["RICH", "POOR"], price_level=np.array([1.0, 0.4]))
    price = price_level(world)  # the world's own levels (PWT's, in a loaded world)
    assert price[0] == 1.0 and price[1] == 0.4
    base = pl.DataFrame({"year": [2025, 2025], "region": ["RICH", "POOR"], "gdp": [100.0, 100.0]})
    moved = base.with_columns(pl.Series("gdp", [110.0, 95.0]))  # movers produce more abroad
    ppp = moved["gdp"].sum() / base["gdp"].sum() - 1
    usd = market_rate_gdp(world, moved, 2025) / market_rate_gdp(world, base, 2025) - 1
    assert usd == pytest.approx((110 + 95 * price[1]) / (100 + 100 * price[1]) - 1)
    assert usd > ppp > 0
    assert market_rate_gdp(world, base, 2024) == 0.0  # another year's rows are not read


def test_e23_benchmark_is_the_world_banks_country_figures_not_the_typed_split():
    """E23's regional benchmark must be recorded data: the World Bank's inflows by country
    summed over each region, not the default world's hand-typed split of the 2013 totals
    ([K]/[A]: EAS 122.9 bn there against 81 bn in the World Bank's figures)."""
    from migsim.core.resources import data_dir
    from migsim.core.world import load_world
    from migsim.validation.experiments.e23_remittances import observed_inflows

    world = load_world("default")
    got = observed_inflows(world, 2013)
    area = dict(
        pl.read_csv(data_dir() / "mappings" / "regions12.csv").select("iso3", "area").rows()
    )
    rows = pl.read_csv(data_dir() / "inputs" / "remittance_inflows" / "remittance_inflows.csv")
    rows = rows.filter(pl.col("year") == 2013)
    for code in ("EAS", "SAS", "NAM"):
        want = sum(u for c, u in zip(rows["iso3"], rows["usd"]) if area.get(c) == code) / 1e9
        assert got[world.index(code)] == pytest.approx(want)
    assert not np.allclose(got, world.remittance_inflow, rtol=0.05)
    assert got.sum() == pytest.approx(rows["usd"].sum() / 1e9, rel=0.01)  # all but Kosovo
    # a world of other regions keeps its own column (built from the same input)
    toy = load_world("toy")
    np.testing.assert_array_equal(observed_inflows(toy, 2013), toy.remittance_inflow)


def test_e23_developing_benchmark_is_the_same_regions_recorded_share():
    """E23's developing-region figure is compared with what those regions' countries
    recorded (WDI 2013, their share of every region's, at the world's total), not with MDB
    22's low- and middle-income total, which counts countries of the developed EEU."""
    from migsim.core.world import load_world
    from migsim.validation.experiments.e23_remittances import observed_inflows

    world = load_world("default")
    inflow = observed_inflows(world, 2013)
    developing = ~np.asarray(world.developed, dtype=bool)
    share = inflow[developing].sum() / inflow.sum()
    assert 0.65 < share < 0.72  # 68.8%: against MDB 22's 404 of 542, 74.5%
    assert share * 542.1 < 0.95 * 404.0
