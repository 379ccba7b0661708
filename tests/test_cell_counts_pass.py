"""The record's cell counts taken in the income pass (`migsim.people.passes.incomes` with
count=True) are those of the counting pass, and are used only while no pass has changed
people since."""

from __future__ import annotations

import numpy as np

from benches.common import build_simulation
from migsim.core.labels import STATUSES
from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS
from migsim.kernels.aggregate import count_cells
from migsim.people import passes


def _counted_directly(pop, R):
    return count_cells(pop.n, pop.people, AGE_BAND_OF_AGE, R, len(AGE_BANDS), len(STATUSES))


def test_income_pass_counts_the_record_cells_and_forgets_them_after_a_change():
    sim = build_simulation(40_000, seed=3)
    sim.step()
    shard = sim.people.shards[0]
    pop, R = sim.population, sim.world.n_regions
    kept = shard.counted_cells
    assert kept is not None and kept.sum() == pop.alive[: pop.n].sum()
    np.testing.assert_array_equal(kept, _counted_directly(pop, R))
    # reading passes keep them; a pass that may change people drops them
    sim.people.map(passes.identity)
    assert shard.counted_cells is not None
    sim.people.map(passes.regularise)
    assert shard.counted_cells is None
    np.testing.assert_array_equal(sim.people.sum(passes.cell_counts, R), _counted_directly(pop, R))


def test_counts_kept_before_a_step_are_dropped_when_the_step_changes_people_itself():
    sim = build_simulation(40_000, seed=3)
    sim.step()
    pop, R = sim.population, sim.world.n_regions
    shard = sim.people.shards[0]
    assert shard.counted_cells is not None
    pop.status[: pop.n][pop.status[: pop.n] == 0] = 4  # changed without a pass
    sim.people.map(passes.forget_cell_counts)  # what the yearly loop does before each step
    np.testing.assert_array_equal(sim.people.sum(passes.cell_counts, R), _counted_directly(pop, R))
