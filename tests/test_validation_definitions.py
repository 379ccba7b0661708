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
    world = SimpleNamespace(codes=["RICH", "POOR"], gdp_per_capita=np.array([52_000.0, 5_200.0]))
    price = price_level(world)
    assert price[0] == 1.0 and price[1] < 0.5
    base = pl.DataFrame({"year": [2025, 2025], "region": ["RICH", "POOR"], "gdp": [100.0, 100.0]})
    moved = base.with_columns(pl.Series("gdp", [110.0, 95.0]))  # movers produce more abroad
    ppp = moved["gdp"].sum() / base["gdp"].sum() - 1
    usd = market_rate_gdp(world, moved, 2025) / market_rate_gdp(world, base, 2025) - 1
    assert usd == pytest.approx((110 + 95 * price[1]) / (100 + 100 * price[1]) - 1)
    assert usd > ppp > 0
    assert market_rate_gdp(world, base, 2024) == 0.0  # another year's rows are not read
