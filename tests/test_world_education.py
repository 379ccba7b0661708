"""Secondary schooling by region from Barro-Lee (migsim.core.world_education)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from migsim.core.resources import data_dir
from migsim.core.world import load_world
from migsim.core.world_education import (
    MIGRANT_SELECTION,
    migrant_secondary_share,
    secondary_shares,
)


def _by_hand(codes: list[str], mapping: str, year: int) -> dict[str, float]:
    """Barro-Lee's secondary share among non-tertiary adults per area, summed by hand."""
    bl = pl.read_csv(data_dir() / "inputs" / "barro_lee" / "barro_lee.csv")
    areas = dict(
        pl.read_csv(data_dir() / "mappings" / f"{mapping}.csv").select("iso3", "area").iter_rows()
    )
    sec, non = {}, {}
    for row in bl.filter(pl.col("year") == year).iter_rows(named=True):
        if (
            row["share_secondary"] is None
            or row["share_tertiary"] is None
            or row["pop_25plus"] is None
        ):
            continue
        a = areas.get(row["iso3"])
        if a in codes:
            sec[a] = sec.get(a, 0.0) + row["pop_25plus"] * row["share_secondary"]
            non[a] = non.get(a, 0.0) + row["pop_25plus"] * (1 - row["share_tertiary"])
    return {a: sec[a] / non[a] for a in sec}


@pytest.mark.parametrize(
    ("world", "mapping", "year"),
    [("default", "regions12", 2010), ("regions12_1990", "regions12", 1990)],
)
def test_region_shares_are_barro_lee_through_the_mapping(world, mapping, year):
    w = load_world(world)
    share, assumed = secondary_shares(w.name, w.codes, w.base_year)
    expected = _by_hand(w.codes, mapping, year)
    assert not assumed.any()
    for r, code in enumerate(w.codes):
        assert share[r] == pytest.approx(expected[code], rel=1e-12)
    np.testing.assert_array_equal(w.secondary_share, share)
    # rich regions have more secondary schooling among non-graduates than poor ones
    assert share[w.index("NAM")] > share[w.index("SSA")]


def test_a_world_without_a_mapping_takes_the_world_aggregate_as_assumed():
    toy = load_world("toy")
    share, assumed = secondary_shares(toy.name, toy.codes, toy.base_year)
    assert assumed.all()
    assert np.all(share == share[0]) and 0.3 < share[0] < 0.8
    countries = load_world("countries")
    share, assumed = secondary_shares(countries.name, countries.codes, countries.base_year)
    # the countries Barro-Lee lacks are assumed, the others are their own figures
    assert 0 < assumed.sum() < len(countries.codes)
    assert len(set(np.round(share[~assumed], 6))) > 50


def test_migrants_are_positively_selected_by_the_assumed_odds_factor():
    for p in (0.1, 0.5, 0.9):
        m = migrant_secondary_share(p)
        assert p < m < 1
        assert (m / (1 - m)) / (p / (1 - p)) == pytest.approx(MIGRANT_SELECTION)
    assert migrant_secondary_share(1.0) == 1.0
