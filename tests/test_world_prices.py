"""Price levels by region from the Penn World Table (migsim.core.world_prices)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from migsim.core.resources import data_dir
from migsim.core.world import load_world
from migsim.core.world_prices import country_levels, fitted_line, price_levels
from migsim.model.incomes import price_level


def _by_hand(mapping: str, year: int) -> dict[str, float]:
    """GDP at market exchange rates over GDP at PPP per area, summed by hand from pwt.csv."""
    pwt = pl.read_csv(data_dir() / "inputs" / "pwt" / "pwt.csv").filter(pl.col("year") == year)
    areas = dict(
        pl.read_csv(data_dir() / "mappings" / f"{mapping}.csv").select("iso3", "area").iter_rows()
    )
    us = pwt.filter(pl.col("iso3") == "USA")["pl_gdpo"][0]
    usd, ppp = {}, {}
    for row in pwt.iter_rows(named=True):
        if row["pl_gdpo"] is None or row["rgdpe"] is None or row["pop"] is None:
            continue
        a = areas.get(row["iso3"])
        usd[a] = usd.get(a, 0.0) + row["rgdpe"] * row["pl_gdpo"] / us
        ppp[a] = ppp.get(a, 0.0) + row["rgdpe"]
    return {a: usd[a] / ppp[a] for a in usd if a is not None}


@pytest.mark.parametrize(("world", "year"), [("regions12", 2010), ("regions12_1990", 1990)])
def test_region_levels_are_their_countries_market_over_ppp_gdp(world, year):
    w = load_world(world)
    expected = _by_hand("regions12", year)
    assert not w.price_level_assumed.any()
    for code, level in zip(w.codes, w.price_level):
        assert level == pytest.approx(expected[code], rel=1e-12)
    # the economy and the validation read the same levels
    assert np.array_equal(price_level(w), w.price_level)


def test_the_united_states_is_one_and_the_default_world_maps_to_regions12():
    countries = load_world("countries")
    assert countries.price_level[countries.index("USA")] == pytest.approx(1.0, rel=1e-12)
    default = load_world("default")  # hand-typed 2013 tables, regions12's areas
    expected = _by_hand("regions12", 2013)
    for code, level in zip(default.codes, default.price_level):
        assert level == pytest.approx(expected[code], rel=1e-12)


def test_regions_without_a_pwt_country_take_the_fitted_line():
    """Tonga is not in PWT; the toy world has no mapping: both take the cross-country line of
    log price level on log GDP per head, which rises with income (Balassa-Samuelson)."""
    intercept, slope = fitted_line(country_levels(2010))
    assert 0.1 < slope < 0.6
    w = load_world("countries")
    assumed = {c for c, a in zip(w.codes, w.price_level_assumed) if a}
    assert "TON" in assumed and "USA" not in assumed and len(assumed) == 50
    t = w.index("TON")
    assert w.price_level[t] == pytest.approx(
        np.exp(intercept + slope * np.log(w.gdp_per_capita[t]))
    )
    toy = load_world("toy")
    assert toy.price_level_assumed.all()
    order = np.argsort(toy.gdp_per_capita)
    assert np.all(np.diff(toy.price_level[order]) > 0)
    level, assumed = price_levels("toy", toy.codes, toy.base_year, toy.gdp_per_capita)
    assert np.array_equal(level, toy.price_level) and assumed.all()


def test_a_damaged_pwt_file_is_one_line_naming_the_file(tmp_path, monkeypatch):
    import shutil

    from migsim.core import world_prices
    from migsim.core.errors import InputError

    root = tmp_path / "data"
    shutil.copytree(data_dir() / "mappings", root / "mappings")
    (root / "inputs" / "pwt").mkdir(parents=True)
    pl.read_csv(data_dir() / "inputs" / "pwt" / "pwt.csv").drop("pl_gdpo").write_csv(
        root / "inputs" / "pwt" / "pwt.csv"
    )
    monkeypatch.setattr(world_prices, "data_dir", lambda: root)
    with pytest.raises(InputError, match="pwt.csv: cannot be read.*pl_gdpo") as err:
        load_world("regions12")
    assert err.value.exit_code == 2 and "\n" not in str(err.value)


def test_the_history_carries_each_years_observed_levels():
    """history_regions12_1990.csv's price_level of a region in a year is the level of its
    countries that year (relative to the USA's), as the world's own in its base year."""
    from migsim.core.resources import config_dir
    from migsim.core.world_prices import area_levels

    rows = pl.read_csv(
        config_dir() / "scenario" / "history_regions12_1990.csv", comment_prefix="#"
    ).filter(pl.col("variable") == "price_level")
    mapping = pl.read_csv(data_dir() / "mappings" / "regions12.csv")
    for year in (1995, 2000, 2010):
        expected = area_levels(mapping, year)
        for region, value in rows.filter(pl.col("year") == year).select("region", "value").rows():
            assert value == pytest.approx(expected[region], rel=1e-5)
    # the dollar's rise: Western Europe's level relative to the USA fell by a third 1995-2000
    weu = {y: v for y, v in rows.filter(pl.col("region") == "WEU").select("year", "value").rows()}
    assert weu[2000] < 0.75 * weu[1995]
