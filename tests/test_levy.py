"""An emigrant levy is paid in the money of the country the emigrant lives in and spent by
the origin: its revenue is counted in the origin's PPP $, each payment times the location's
price level over the origin's (as remittances are converted), not added in the host's."""

from __future__ import annotations

import numpy as np
import pytest

import migsim
from migsim.model.incomes import levy_value, price_level

RUN = ["population.size=30000", "years=2", "seed=3", "progress=false", "regime=bhagwati_tax"]


def test_levy_value_is_the_locations_price_over_the_origins():
    price = np.array([1.0, 0.5, 0.25])
    value = levy_value(price)
    assert value[0, 1] == 2.0 and value[1, 2] == 2.0 and value[2, 0] == 0.25
    assert np.all(np.diag(value) == 1.0)


def test_levy_revenue_is_in_the_origins_money(monkeypatch):
    """The same run with the levy added unconverted (every value 1): each origin's revenue
    moves by a mean of its emigrants' price ratios, between the smallest and the largest;
    nothing else in the run changes."""
    import migsim.steps.economy as economy

    converted = migsim.run(RUN)
    monkeypatch.setattr(economy, "levy_value", lambda price: np.ones((len(price), len(price))))
    unconverted = migsim.run(RUN)
    world = migsim.build_simulation(migsim.compose(RUN)).world
    ratio = levy_value(price_level(world))
    new = converted.tables["regions"].sort("year", "region")
    old = unconverted.tables["regions"].sort("year", "region")
    codes = list(world.codes)
    paid = old.filter(old["levy_revenue"] > 0)
    assert paid.height > 0
    for row in paid.iter_rows(named=True):
        o = codes.index(row["region"])
        got = new.filter((new["year"] == row["year"]) & (new["region"] == row["region"]))
        moved = got["levy_revenue"][0] / row["levy_revenue"]
        others = np.delete(ratio[:, o], o)
        assert others.min() - 1e-9 <= moved <= others.max() + 1e-9, row["region"]
        assert moved == pytest.approx(1.0) or others.max() > 1.0
    assert new.drop("levy_revenue", "fiscal_balance").equals(
        old.drop("levy_revenue", "fiscal_balance")
    )
    developing = np.asarray(world.developed) == 0
    low = [codes[o] for o in np.flatnonzero(developing) if np.delete(ratio[:, o], o).min() > 1]
    assert low, "a developing origin poorer in prices than every host"
    for code in low:
        a = new.filter(new["region"] == code)["levy_revenue"].sum()
        b = old.filter(old["region"] == code)["levy_revenue"].sum()
        assert a > b > 0, code
