"""Remittance fees by corridor (migsim.core.world_fees) and the one global remittance scale
of the economy step."""

from __future__ import annotations

import shutil

import numpy as np
import polars as pl
import pytest

import migsim
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.core.world_fees import FEES_FILE
from migsim.model.remittances import remittance_target
from migsim.regimes.policy import corridor_fee_table
from migsim.steps.economy import EconomyStep
from migsim.worldbuild.fees import corridor_fee_rows


@pytest.fixture
def toy_copy(tmp_path):
    world = load_world("toy")
    target = tmp_path / "toy"
    shutil.copytree(world.path, target)
    (target / "calibration.json").unlink(missing_ok=True)
    return target


def test_default_world_takes_the_receivers_fee_on_every_corridor():
    world = load_world("default")
    R = world.n_regions
    table = corridor_fee_table(world)
    assert table.shape == (R, R)
    np.testing.assert_array_equal(table, np.broadcast_to(world.remittance_fee, (R, R)))
    assert int(world.remittance_fee_assumed.sum()) == R * (R - 1)  # every pair assumed


def test_corridor_file_sets_its_pairs_and_the_rest_fall_back(toy_copy):
    codes = load_world("toy", path=toy_copy).codes
    a, b = codes[0], codes[1]
    (toy_copy / FEES_FILE).write_text(f"source,destination,fee\n{a},{b},0.031\n")
    world = load_world("toy", path=toy_copy)
    i, j = world.index(a), world.index(b)
    assert world.remittance_fee_corridor[i, j] == pytest.approx(0.031)
    assert not world.remittance_fee_assumed[i, j]
    R = world.n_regions
    assert int(world.remittance_fee_assumed.sum()) == R * (R - 1) - 1
    assert world.remittance_fee_corridor[j, i] == world.remittance_fee[i]  # receiver's fee


@pytest.mark.parametrize(
    "row, words",
    [("XXX,{b},0.05", "unknown region code"), ("{a},{b},0.9", "out of range")],
)
def test_bad_corridor_rows_are_refused_in_one_line(toy_copy, row, words):
    codes = load_world("toy", path=toy_copy).codes
    line = row.format(a=codes[0], b=codes[1])
    (toy_copy / FEES_FILE).write_text(f"source,destination,fee\n{line}\n")
    with pytest.raises(InputError) as err:
        load_world("toy", path=toy_copy)
    assert words in str(err.value) and FEES_FILE in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "overrides, total_bn",
    [
        ([], 542.1),  # the default world: MDB 22's 2013 total, split by region
        (["world=toy"], 22.0),
        (["world=regions12"], None),  # WDI 2010, summed over its regions
        (["world=regions12_1990", "base_year=1990"], None),  # WDI 1990
        (["economy.remittances_world_usd_bn=300"], 300.0),
    ],
)
def test_one_global_scale_reaches_the_worlds_own_total(overrides, total_bn):
    """The base year's remittances received are the world's own total (its regions'
    inflows summed), whatever its year, or the total the config sets."""
    sim = migsim.build_simulation(["population.size=20000", "progress=false", *overrides])
    economy = next(s for s in sim.steps if isinstance(s, EconomyStep))
    scale = economy.remit_scale
    assert np.all(scale == scale[0]) and scale[0] == economy.remit_scale_global
    received = sim.tables()["remittances"].filter(pl.col("year") == sim.base_year)["received"]
    expected = float(sim.world.remittance_inflow.sum()) if total_bn is None else total_bn
    assert float(received.sum()) / 1e9 == pytest.approx(expected, rel=1e-9)
    target = remittance_target(economy.conf.remittances_world_usd_bn, sim.world)
    assert target == pytest.approx(expected, rel=1e-12)
    if "world=regions12_1990" in overrides:  # WDI's 1990 total, not the 2013 one
        assert 60 < expected < 80


def test_worldbuild_aggregates_corridors_and_flags_what_it_lacks():
    prices = pl.DataFrame(
        {
            "sender": ["USA", "USA", "CAN", "FRA"],
            "receiver": ["MEX", "MEX", "MEX", "SEN"],
            "year": [2011, 2011, 2011, 2011],
            "cost_pct": [4.0, 6.0, 10.0, 12.0],
        }
    )
    area = {"USA": "NAM", "CAN": "NAM", "MEX": "LAC", "FRA": "WEU", "SEN": "SSA"}
    # migrants born in MEX living in USA 9, in CAN 1: weights of those corridors
    stock = {("MEX", "USA"): 9.0, ("MEX", "CAN"): 1.0}
    rows = corridor_fee_rows(prices, area, stock)
    fees = {(r["source"], r["destination"]): r for r in rows}
    assert fees[("NAM", "LAC")]["fee"] == pytest.approx((9 * 0.05 + 1 * 0.10) / 10)
    assert fees[("WEU", "SSA")]["fee"] == pytest.approx(0.12)  # no stock: simple mean
    assert fees[("WEU", "SSA")]["weights"] == "simple mean"
    assert ("SSA", "WEU") not in fees  # no corridor: the loader's receiver fee, assumed


def test_cheaper_corridors_get_more_sent_and_the_status_quo_keeps_the_global_scale():
    from dataclasses import replace

    sim = migsim.build_simulation(["population.size=20000", "progress=false"])
    economy = next(s for s in sim.steps if isinstance(s, EconomyStep))
    R = sim.world.n_regions
    np.testing.assert_array_equal(
        economy.corridor_remit_scale(), np.full((R, R), economy.remit_scale_global)
    )
    cut = economy.policy.remittance_fee.copy()
    cut[0, 1] = 0.0  # sending from the first region to the second becomes free
    economy.policy = replace(economy.policy, remittance_fee=cut)
    scale = economy.corridor_remit_scale()
    e = economy.conf.remit_fee_elasticity
    expected = economy.remit_scale_global / (1.0 - economy.status_quo_fee[0, 1]) ** e
    assert scale[0, 1] == pytest.approx(expected) and scale[0, 1] > scale[1, 0]
    assert scale[1, 0] == economy.remit_scale_global
