"""HISTORY-skilled: the tertiary educated's emigration rates by origin region in the 1990-2010
history run against the IAB brain-drain data, anchored at 1990, against the 1990 rate held."""

import numpy as np
import polars as pl
import pytest

from migsim.core.resources import data_dir
from migsim.validation.experiments.history_skilled import (
    destination_regions,
    log_errors,
    observed_rates,
    rates_of,
    simulated_counts,
)
from tests.validation._cases import assert_verdict, cases

pytestmark = [pytest.mark.validation]

MAPPING = data_dir() / "mappings" / "regions12.csv"
CODES = "EAS EEU GCC JPN LAC NAF NAM OCE SAS SSA WAS WEU".split()


@pytest.mark.slow
@pytest.mark.parametrize("key", cases("HISTORY-skilled"))
def test_history_skilled(verdict, key):
    assert_verdict(verdict(key))


def test_destination_regions_of_regions12_are_where_the_iab_destinations_are():
    mapping = pl.read_csv(MAPPING)
    dest = destination_regions(mapping, CODES, 1990)
    assert [c for c, d in zip(CODES, dest) if d] == ["NAM", "OCE", "WEU"]


def test_an_areas_rate_sums_its_countries_emigrants_and_residents():
    """Sub-Saharan Africa in 2000: sum over its countries of M = r / (1 - r) N and of N, the
    Barro-Lee residents aged 25+ with a degree, rate = M / (M + N)."""
    inputs = data_dir() / "inputs"
    iab = pl.read_csv(inputs / "iab_emigration" / "iab_emigration.csv").filter(
        (pl.col("sex") == "both") & (pl.col("year") == 2000)
    )
    bl = pl.read_csv(inputs / "barro_lee" / "barro_lee.csv").filter(pl.col("year") == 2000)
    mapping = pl.read_csv(MAPPING)
    ssa = set(mapping.filter(pl.col("area") == "SSA")["iso3"].str.to_uppercase())
    m = n = 0.0
    for iso3, rate in iab.select("iso3", "high_rate").rows():
        b = bl.filter(pl.col("iso3") == iso3)
        if iso3 not in ssa or b.height == 0:
            continue
        residents = b["share_tertiary"][0] * b["pop_25plus"][0]
        rate = min(rate, 0.999)
        m, n = m + rate / (1 - rate) * residents, n + residents
    rates = observed_rates(mapping, CODES, [2000])[2000]
    i = CODES.index("SSA")
    assert rates[0][i] == pytest.approx(m / (m + n)) and rates[1][i] == pytest.approx(m)
    assert 0.05 < rates[0][i] < 0.3  # a tenth or more of Africa's graduates abroad


def test_simulated_rates_count_adults_with_a_degree_in_destination_regions():
    rows = [
        # year, origin, location, skill, age band, status, people
        (1990, "SSA", "SSA", "high", "30-34", "native", 90.0),
        (1990, "SSA", "WEU", "high", "30-34", "permanent", 10.0),
        (1990, "SSA", "GCC", "high", "30-34", "permanent", 50.0),  # not a destination region
        (1990, "SSA", "WEU", "high", "20-24", "permanent", 70.0),  # under 25
        (1990, "SSA", "WEU", "low", "30-34", "permanent", 70.0),  # no degree
        (1990, "SSA", "SSA", "high", "65+", "intra_regional", 10.0),
        (1990, "WEU", "WEU", "high", "40-49", "native", 100.0),
    ]
    stocks = pl.DataFrame(
        rows,
        schema=["year", "origin", "location", "skill", "age_band", "status", "people"],
        orient="row",
    ).with_columns(sex=pl.lit("female"))
    dest = np.array([c in ("NAM", "OCE", "WEU") for c in CODES])
    counts = simulated_counts(stocks, CODES, dest, [1990])[1990]
    assert counts[:, CODES.index("SSA")] == pytest.approx([10.0, 100.0])
    rates = rates_of(counts)
    assert rates[CODES.index("SSA")] == pytest.approx(10.0 / 110.0)
    assert rates[CODES.index("WEU")] == 0.0 and np.isnan(rates[CODES.index("LAC")])


def test_the_model_is_read_as_a_change_from_the_data_1990_level():
    codes = 2
    observed = {
        1990: (np.array([0.10, 0.02]), np.array([1.0, 1.0])),
        2010: (np.array([0.15, 0.02]), np.array([3.0, 1.0])),
    }
    simulated = {1990: np.array([0.2, 0.04]), 2010: np.array([0.3, 0.02])}
    model, null, anchored = log_errors(observed, simulated, np.ones(codes, dtype=bool), 2010)
    assert anchored == pytest.approx([0.15, 0.01])
    # weights 3:1 from 2010's emigrants; the model is exact on the first, off by log 2 on the other
    assert model == pytest.approx(0.25 * np.log(2))
    assert null == pytest.approx(0.75 * np.log(1.5))


def test_a_region_the_run_leaves_without_graduates_abroad_is_scored_not_dropped():
    observed = {
        1990: (np.array([0.10, 0.02]), np.array([1.0, 1.0])),
        2010: (np.array([0.10, 0.02]), np.array([1.0, 3.0])),
    }
    simulated = {1990: np.array([0.2, 0.04]), 2010: np.array([0.2, 0.0])}
    model, null, anchored = log_errors(observed, simulated, np.ones(2, dtype=bool), 2010)
    assert null == 0.0 and anchored[1] == pytest.approx(1e-6)
    assert model == pytest.approx(0.75 * np.log(0.02 / 1e-6))
