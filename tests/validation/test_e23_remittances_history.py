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
