"""E6: less-educated natives' wages after the 1990s flows, on the country world's markets
(Docquier, Ozden & Peri 2014)."""

import numpy as np
import polars as pl
import pytest

from migsim.core.resources import data_dir
from migsim.validation.experiments.e06_dop import emigrant_changes, stock_changes
from tests.validation._cases import assert_check, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.parametrize("key", cases("E6"))
def test_e06_dop(checks, key):
    assert_check(checks("E6")[key])


def test_stock_changes_are_the_1990_2000_bilateral_differences():
    """The 1990-2000 differences of the UN matrix as the country world was built from it
    (its migrants of unknown origin spread over each destination's known origins)."""
    from migsim.worldbuild.inputs import built_matrix, world_unknown_origin

    assert world_unknown_origin(data_dir() / "countries") == "spread"
    bl = built_matrix(data_dir() / "countries")
    gbr = bl.filter(pl.col("destination") == "GBR", pl.col("origin") != "GBR")
    by_year = {
        y: gbr.filter(pl.col("year") == y)["stock"].cast(pl.Float64).fill_null(0).sum()
        for y in (1990, 2000)
    }
    imm, emi = stock_changes(["GBR", "IRL"])
    assert imm[0] == pytest.approx(by_year[2000] - by_year[1990])
    assert np.all(np.isfinite(emi)) and imm[0] > 0


def test_emigrant_changes_by_education_follow_the_iab_rates_and_barro_lee():
    """Emigrants aged 25+ of each level are r / (1 - r) times the residents of that level
    (IAB's rates over residents plus emigrants); the 1990-2000 change as a share of the
    residents aged 25+ of 2000. Ireland's 1990s emigrants: more tertiary, fewer of the rest."""
    inputs = data_dir() / "inputs"
    iab = pl.read_csv(inputs / "iab_emigration" / "iab_emigration.csv")
    bl = pl.read_csv(inputs / "barro_lee" / "barro_lee.csv")

    def emigrants(year):
        r = iab.filter(
            (pl.col("iso3") == "IRL") & (pl.col("year") == year) & (pl.col("sex") == "both")
        ).row(0, named=True)
        b = bl.filter((pl.col("iso3") == "IRL") & (pl.col("year") == year)).row(0, named=True)
        residents = b["pop_25plus"] * np.array(
            [b["share_no_school"] + b["share_primary"], b["share_secondary"], b["share_tertiary"]]
        )
        rates = np.array([r["low_rate"], r["med_rate"], r["high_rate"]])
        return residents * rates / (1 - rates), b["pop_25plus"]

    (before, _), (after, adults) = emigrants(1990), emigrants(2000)
    change = emigrant_changes(["IRL"])["IRL"]
    assert change == pytest.approx((after - before) / adults)
    assert change[2] > 0 > change[1]
