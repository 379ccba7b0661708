"""The record's cell counts taken in the income pass (`migsim.people.passes.incomes` with
count=True) are those of the counting pass, and serve the record only while no pass has
changed people since."""

from __future__ import annotations

import numpy as np
import pytest

from benches.common import build_simulation
from migsim.core.labels import STATUSES
from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS
from migsim.kernels.aggregate import count_cells
from migsim.people import passes


def _counted_directly(pop, R):
    return count_cells(pop.n, pop.people, AGE_BAND_OF_AGE, R, len(AGE_BANDS), len(STATUSES))


@pytest.fixture
def sim():
    """A simulation one year in, whose income pass has just counted the cells again."""
    sim = build_simulation(40_000, seed=3)
    sim.step()
    assert sim.people.shards[0].counted_cells is None  # the year's record used them
    economy = next(s for s in sim.steps if s.name == "economy")
    economy.incomes(sim, sim.year, 1, economy.cell_wages, count=True)
    return sim


def test_income_pass_counts_the_record_cells(sim):
    pop, R = sim.population, sim.world.n_regions
    kept = sim.people.shards[0].counted_cells
    assert kept is not None and kept.sum() == pop.alive[: pop.n].sum()
    np.testing.assert_array_equal(kept, _counted_directly(pop, R))


def test_a_pass_that_may_change_people_drops_the_counts(sim):
    shard = sim.people.shards[0]
    sim.people.map(passes.identity)  # reads only: the counts stay
    assert shard.counted_cells is not None
    sim.people.map(passes.regularise)
    assert shard.counted_cells is None
    pop, R = sim.population, sim.world.n_regions
    np.testing.assert_array_equal(sim.people.sum(passes.cell_counts, R), _counted_directly(pop, R))


def test_counts_serve_one_record_only(sim):
    pop, R = sim.population, sim.world.n_regions
    kept = sim.people.shards[0].counted_cells.copy()
    np.testing.assert_array_equal(sim.people.sum(passes.cell_counts, R), kept)
    pop.alive[: pop.n : 2] = 0  # changed without a pass
    np.testing.assert_array_equal(sim.people.sum(passes.cell_counts, R), _counted_directly(pop, R))


def test_the_loop_drops_counts_before_every_step(sim, monkeypatch):
    pop, R = sim.population, sim.world.n_regions
    pop.status[: pop.n][pop.status[: pop.n] == 0] = 4  # changed without a pass
    sim.people.map(passes.forget_cell_counts)
    np.testing.assert_array_equal(sim.people.sum(passes.cell_counts, R), _counted_directly(pop, R))
    # a step that changes people without a pass cannot leave counts to the record: the loop
    # drops them before each of its steps
    before_steps = []
    forget = passes.forget_cell_counts

    def spy(shard):
        before_steps.append(shard.counted_cells is None)
        forget(shard)

    spy.keeps_cell_counts = False
    monkeypatch.setattr(passes, "forget_cell_counts", spy)
    sim.step()
    assert len(before_steps) == len(sim.steps)
