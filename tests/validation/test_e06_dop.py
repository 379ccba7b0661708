"""E6: less-educated natives' wages after the 1990s flows, on the country world's markets
(Docquier, Ozden & Peri 2014)."""

import numpy as np
import polars as pl
import pytest

from migsim.core.resources import data_dir
from migsim.validation.experiments.e06_dop import emigrant_changes, immigrant_changes
from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation]


@pytest.mark.slow  # the whole validation, once per session
@pytest.mark.parametrize("key", cases("E6"))
def test_e06_dop(verdict, key):
    assert_verdict(verdict(key))


def test_immigrant_changes_share_each_origins_emigrants_over_its_iab_destinations():
    """Immigrants aged 25+ of each level in Luxembourg: every origin's IAB emigrants of the
    level (r / (1 - r) times its Barro-Lee residents) times Luxembourg's part of the origin's
    UN stock in the 20 IAB destinations (the matrix as the country world was built from it),
    scaled up for origins without the data; the 1990-2000 change over the residents aged 25+
    of 2000."""
    from migsim.worldbuild.inputs import built_matrix
    from migsim.worldbuild.skills import IAB_DESTINATIONS

    inputs = data_dir() / "inputs"
    iab = pl.read_csv(inputs / "iab_emigration" / "iab_emigration.csv").filter(
        pl.col("sex") == "both"
    )
    bl = pl.read_csv(inputs / "barro_lee" / "barro_lee.csv")
    matrix = built_matrix(data_dir() / "countries")

    def immigrants(year):
        stock = matrix.filter(
            (pl.col("year") == year) & (pl.col("origin") != pl.col("destination"))
        )
        total, known, out = 0.0, 0.0, np.zeros(3)
        for o, s in stock.filter(pl.col("destination") == "LUX").select("origin", "stock").rows():
            s = float(s or 0.0)
            total += s
            r = iab.filter((pl.col("iso3") == o) & (pl.col("year") == year))
            b = bl.filter((pl.col("iso3") == o) & (pl.col("year") == year))
            if r.height == 0 or b.height == 0 or s == 0:
                continue
            known += s
            r, b = r.row(0, named=True), b.row(0, named=True)
            shares = [b["share_no_school"] + b["share_primary"], b["share_secondary"]]
            residents = b["pop_25plus"] * np.array(shares + [b["share_tertiary"]])
            rates = np.minimum([r["low_rate"], r["med_rate"], r["high_rate"]], 0.999)
            into = (
                stock.filter(
                    (pl.col("origin") == o) & pl.col("destination").is_in(sorted(IAB_DESTINATIONS))
                )["stock"]
                .cast(pl.Float64)
                .fill_null(0)
                .sum()
            )
            out += residents * rates / (1 - rates) * s / into
        return out / (known / total)

    adults = bl.filter((pl.col("iso3") == "LUX") & (pl.col("year") == 2000))["pop_25plus"][0]
    change, covered = immigrant_changes(["LUX"])["LUX"]
    assert change == pytest.approx((immigrants(2000) - immigrants(1990)) / adults, rel=1e-6)
    assert 0.5 < covered <= 1.0 and change[2] > 0


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
