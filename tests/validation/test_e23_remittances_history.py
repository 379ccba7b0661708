"""E23 over time: world remittances received 1990-2010 along the history run, against WDI."""

import polars as pl
import pytest

from tests.validation._cases import assert_verdict, cases

YEARS = (1990, 1995, 2000, 2005, 2010)


@pytest.mark.validation
@pytest.mark.slow
@pytest.mark.parametrize("key", cases("E23-history"))
def test_e23_remittances_history(verdict, key):
    assert_verdict(verdict(key))


def _inputs(tmp_path, remittances: dict, usa_current: dict, real: dict):
    from migsim.worldbuild.inputs import Inputs

    def write(name, rows):
        (tmp_path / name).mkdir()
        pl.DataFrame(rows).write_csv(tmp_path / name / f"{name}.csv")

    write(
        "remittance_inflows",
        [{"iso3": c, "year": y, "usd": v} for c, by in remittances.items() for y, v in by.items()],
    )
    write(
        "gdp_current_usd",
        [{"iso3": "USA", "year": y, "gdp_usd": v} for y, v in usa_current.items()],
    )
    write(
        "pwt",
        [
            {"iso3": c, "year": y, "rgdpe": v, "pop": 1.0, "labsh": 0.6, "emp": 0.5}
            for c, by in real.items()
            for y, v in by.items()
        ],
    )
    return Inputs(tmp_path)


def test_recorded_growth_is_a_deflated_balanced_panel(tmp_path):
    from migsim.validation.experiments.e23_remittances_history import recorded_growth

    # A is recorded every year and grows 4x in dollars; B appears in 2000 only (not in the
    # panel); US prices double by 2010 (current over real GDP, real in millions)
    remit = {
        "AAA": {y: 10.0 * (1 + 3 * i / 4) for i, y in enumerate(YEARS)},
        "BBB": {2000: 50.0, 2005: 60.0, 2010: 70.0},
    }
    usd = {y: 1e6 * 100.0 * (1 + i / 4) for i, y in enumerate(YEARS)}
    real = {
        "USA": {y: 100.0 for y in YEARS},
        "CCC": {y: 50.0 * (1 + i) for i, y in enumerate(YEARS)},
    }
    data = recorded_growth(_inputs(tmp_path, remit, usd, real))
    assert data["deflator"][2010] == pytest.approx(2.0)
    assert data["balanced"][2010] == pytest.approx(4.0 / 2.0)  # A alone, in 1990 prices
    assert data["balanced"][2000] == pytest.approx(2.5 / 1.5)
    # every economy recorded that year: B's 70 joins A's 40 in 2010
    assert data["all"][2010] == pytest.approx((40.0 + 70.0) / 10.0 / 2.0)
    assert data["panel"] == 1
    # world real GDP: USA flat at 100, CCC 50 -> 250
    assert data["world_gdp"][2010] == pytest.approx(350.0 / 150.0)


def test_simulated_growth_sums_every_corridor_by_year():
    from migsim.validation.experiments.e23_remittances_history import simulated_growth

    table = pl.DataFrame(
        {
            "year": [1990, 1990, 1995, 1995, 2000, 2005, 2010],
            "received": [1.0, 3.0, 2.0, 4.0, 8.0, 10.0, 12.0],
        }
    )
    growth = simulated_growth(table)
    assert growth == {1990: 1.0, 1995: 1.5, 2000: 2.0, 2005: 2.5, 2010: 3.0}


def test_every_period_is_out_of_sample():
    """Nothing after the base year is fitted to a remittance figure: one check per period,
    none of them read back by a calibration target (the base year's total is E23's)."""
    from migsim import validation as v
    from migsim.model.targets import targets_of
    from migsim.validation.registry import evidence

    keys = v.QUANTITIES["E23-history"]
    assert len(keys) == 4
    assert all(not targets_of(k) and evidence(k)[0] == "out_of_sample" for k in keys)
    assert targets_of("E23:remittances_received_world_usd_bn")


def test_recorded_panel_by_region_weights_and_growth(tmp_path):
    """The panel's 1990 inflows by region (the weights of the model's reading) and each
    region's real growth: Mexico and Guatemala are LAC, India is SAS (mappings/regions12)."""
    from migsim.validation.experiments.e23_remittances_history import recorded_growth

    remit = {
        "MEX": {y: 2e9 * (1 + i) for i, y in enumerate(YEARS)},
        "GTM": {y: 1e9 for y in YEARS},
        "IND": {y: 1e9 * (1 + 2 * i) for i, y in enumerate(YEARS)},
        "ZZZ": {y: 5e9 for y in YEARS},  # not an area of the mapping: no region's weight
    }
    usd = {y: 1e6 * 100.0 for y in YEARS}  # flat US prices
    real = {"USA": {y: 100.0 for y in YEARS}}
    data = recorded_growth(_inputs(tmp_path, remit, usd, real))
    assert data["panel_base_by_region_bn"] == pytest.approx({"LAC": 3.0, "SAS": 1.0})
    assert data["panel_by_region"]["LAC"][2010] == pytest.approx((10.0 + 1.0) / 3.0)
    assert data["panel_by_region"]["SAS"][2010] == pytest.approx(9.0)
    # the panel's own growth is its regions' growth averaged with their 1990 inflows (plus
    # the unmapped economy, flat)
    lac, sas = data["panel_by_region"]["LAC"][2010], data["panel_by_region"]["SAS"][2010]
    assert data["balanced"][2010] == pytest.approx((3.0 * lac + 1.0 * sas + 5.0) / 9.0)


def test_panel_growth_weights_each_regions_growth_by_the_panels_inflows():
    """The model's reading on the panel's composition: each receiving region's growth, not
    the model's own 1990 split, weighted by the recorded panel's 1990 inflows; a region the
    run sends nothing to in 1990, or one without weight, is left out."""
    from migsim.validation.experiments.e23_remittances_history import (
        panel_growth,
        region_growth,
        simulated_growth,
    )

    table = pl.DataFrame(
        {
            "year": [1990, 1990, 1990, 2010, 2010, 2010, 2010],
            "source": ["NAM", "WEU", "NAM", "NAM", "WEU", "NAM", "GCC"],
            "destination": ["LAC", "SAS", "LAC", "LAC", "SAS", "LAC", "EAS"],
            "received": [3.0, 1.0, 1.0, 8.0, 6.0, 4.0, 9.0],
        }
    )
    years = (1990, 2010)
    growth = region_growth(table, years)
    assert growth == {"LAC": {1990: 1.0, 2010: 3.0}, "SAS": {1990: 1.0, 2010: 6.0}}
    got = panel_growth(growth, {"LAC": 1.0, "SAS": 3.0, "EAS": 2.0, "OCE": 0.0}, years)
    assert got[2010] == pytest.approx((1.0 * 3.0 + 3.0 * 6.0) / 4.0)
    # the whole world's total weights the regions by the model's own 1990 split, and counts
    # a region first reached later
    assert simulated_growth(table, years)[2010] == pytest.approx(27.0 / 5.0)
