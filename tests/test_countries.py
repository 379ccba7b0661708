"""The 232-country world runs: a small population reproduces the UN matrix's 2010 stocks
corridor by corridor (the 50 largest), from the shipped calibration, and a regime runs a year.
So does free mobility, in whose first year every worker of a few small islands leaves (their
people abroad are several times those at home): an emptied region keeps its last labour
market (`migsim.steps.economy`).

Each agent of origin o stands for `weight[o]` people; a corridor's stock is split into
integer agent groups (permanent and irregular) by largest remainder, so each group is off
by less than one agent: the stock by less than two agents' weight.

The runs use the default stratification (0.7): at 100,000 agents an island of a few
thousand people has a handful of working-age agents at home, and at seed 1 none of the
Falkland Islands' is drawn employed in the base year; that region's base-year market then
takes its expected supply (`migsim.steps.thin_regions`), tested below."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import migsim
from migsim.core.resources import data_dir
from migsim.core.world import load_world
from migsim.model.calibration import load_calibration, write_calibration


@pytest.fixture(scope="module")
def sim():
    return migsim.build_simulation(
        [
            "world=countries",
            "population.size=100000",
            "regime=regional_blocs",
            "progress=false",
        ]
    )


def _stocks(sim) -> np.ndarray:
    v = sim.population.view()
    alive = v["alive"].astype(bool)
    o, d = v["origin"][alive], v["location"][alive]
    abroad = o != d
    R = sim.world.n_regions
    stock = np.zeros((R, R))
    np.add.at(stock, (o[abroad], d[abroad]), sim.population.weight[o[abroad]])
    return stock


def test_base_year_stocks_follow_the_un_matrix_by_corridor(sim):
    world = sim.world
    assert sim.year == 2010 and world.n_regions == 232
    want = world.migrant_stock
    got = _stocks(sim)
    largest = np.argsort(want, axis=None)[::-1][:50]
    o, d = np.unravel_index(largest, want.shape)
    error = np.abs(got[o, d] - want[o, d])
    assert (error <= 2.0 * sim.population.weight[o]).all(), [
        (world.codes[a], world.codes[b], want[a, b], got[a, b])
        for a, b, e in zip(o, d, error, strict=True)
        if e > 2.0 * sim.population.weight[a]
    ][:5]
    # Mexico -> USA, the largest corridor, to 1%
    assert got[o[0], d[0]] == pytest.approx(want[o[0], d[0]], rel=0.01)


def test_a_regime_runs_a_year_from_the_stored_calibration(sim):
    cfg = migsim.compose(["world=countries"])
    cal = load_calibration(sim.world, cfg.behaviour, cfg.population)
    assert cal.provenance["source"] == "stored" and cal.provenance["capped_cells"] > 0
    before = _stocks(sim).sum()
    sim.step()
    assert sim.year == 2011
    assert _stocks(sim).sum() > before


def test_free_mobility_runs_a_year():
    sim = migsim.build_simulation(
        [
            "world=countries",
            "population.size=100000",
            "regime=free_mobility",
            "progress=false",
        ]
    )
    before = _stocks(sim).sum()
    sim.step()
    assert sim.year == 2011 and _stocks(sim).sum() > before
    # and it stays plausible with 231 destinations per origin: a year of free mobility moves
    # a few tenths of a percent of the world (seed 1: 3.2% -> 3.5% abroad), not a majority
    v = sim.population.view()
    alive = v["alive"].astype(bool)
    people = sim.population.weight[v["origin"][alive]].sum()
    assert _stocks(sim).sum() / people < 0.05


def test_a_gzipped_calibration_is_written_and_loaded(tmp_path):
    world_dir = tmp_path / "toy"
    shutil.copytree(data_dir() / "toy", world_dir)
    (world_dir / "calibration.json").unlink(missing_ok=True)
    world = load_world("toy", world_dir)
    cfg = migsim.compose(["world=toy", f"world.path={world_dir}"])
    cal = load_calibration(world, cfg.behaviour, cfg.population)
    assert cal.provenance["source"] == "computed"
    write_calibration(cal, world, world_dir / "calibration.json.gz")
    again = load_calibration(world, cfg.behaviour, cfg.population)
    assert again.provenance["source"] == "stored"
    np.testing.assert_array_equal(again.corridor_constant, cal.corridor_constant)


def test_a_region_drawn_without_workers_takes_its_expected_supply():
    """Seed 1, 100,000 agents: every working-age agent of Niue at home is drawn unemployed
    in 2010. Their draws stay as they are, and the base-year market of NIU is its residents
    aged 20-64 at their efficiency units times the employment rate; no other region's supply
    moves."""
    from migsim.people import passes
    from migsim.steps import thin_regions
    from migsim.steps.economy import EconomyStep

    sim = migsim.build_simulation(
        ["world=countries", "population.size=100000", "seed=1", "progress=false"]
    )
    econ = next(s for s in sim.steps if isinstance(s, EconomyStep))
    i = sim.world.index("NIU")
    levers = econ.supply_levers(sim, sim.base_year)
    drawn, _ = sim.people.sum(passes.labour_supply, sim.key, sim.base_year, *levers)
    drawn = np.asarray(drawn)
    assert drawn[i].sum() == 0.0  # the draw leaves NIU without a worker
    ones = levers._replace(employment=np.ones(sim.world.n_regions))
    everyone, _ = sim.people.sum(passes.labour_supply, sim.key, sim.base_year, *ones)
    everyone = np.asarray(everyone)
    assert everyone[i].sum() > 0.0
    got = thin_regions.expected_where_empty(econ, sim, drawn)
    np.testing.assert_array_equal(got[i], everyone[i] * sim.world.employment_rate[i])
    others = np.arange(sim.world.n_regions) != i
    np.testing.assert_array_equal(got[others], drawn[others])
    # the base year's market is that supply, and NIU's wages are defined
    np.testing.assert_array_equal(econ._last_supply, got)
    assert np.isfinite(econ.cell_wages[i]).all() and (econ.cell_wages[i] > 0).all()
