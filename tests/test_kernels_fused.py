"""The fused decision pass (`migsim.kernels.fused.decide_and_supply`) gives the bytes of
`decide` followed by `labour_supply` (each checked against its NumPy twin in
tests/test_kernels_reference*.py): every person column, the moves, the blocked and
intra-regional counts, each person's efficiency units and the chunks' supply and earnings
histogram sums, on 1 and 2 numba threads, on a default-world population after a year."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from benches.common import build_simulation, capture_decide_args, restore, snapshot
from migsim.people import passes
from migsim.people.moves import MoveCounts

THREADS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


@pytest.fixture(scope="module")
def year_inputs():
    sim = build_simulation(60_000, "default", 4)
    sim.step()
    economy = next(s for s in sim.steps if s.name == "economy")
    key, year, _, _, cells, levers, _ = capture_decide_args(sim)
    return sim, key, year, cells, levers, economy.supply_levers(sim, year)


def _state(sim, shard) -> dict:
    pop = sim.population
    return {**snapshot(pop), "units": shard.scratch["units"][: pop.n].copy()}


@pytest.mark.parametrize("threads", THREADS)
def test_decide_and_supply_equals_decide_then_labour_supply(year_inputs, threads):
    sim, key, year, cells, levers, supply = year_inputs
    shard = sim.people.shards[0]
    start = snapshot(sim.population)
    numba.set_num_threads(threads)
    try:
        restore(sim.population, start)
        moves, blocked, intra, _, _ = passes.decide(shard, key, year, cells, levers, None, None, ())
        units_by_cell, hist = passes.labour_supply(shard, key, year, *supply)
        modular = _state(sim, shard)
        restore(sim.population, start)
        got = passes.decide_and_supply(shard, key, year, cells, levers, supply)
        fused = _state(sim, shard)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        restore(sim.population, start)
    assert isinstance(got[0], MoveCounts) and moves.counts.sum() > 0
    np.testing.assert_array_equal(got[0].keys, moves.keys)
    np.testing.assert_array_equal(got[0].counts, moves.counts)
    np.testing.assert_array_equal(got[1], blocked)
    np.testing.assert_array_equal(got[2], intra)
    assert got[3] == 0 and got[4] == 0
    assert units_by_cell.sum() > 0 and hist.sum() > 0
    np.testing.assert_array_equal(
        got[5], units_by_cell
    )  # float sums in the same order: the same bits
    np.testing.assert_array_equal(got[6], hist)
    assert fused.keys() == modular.keys()
    for name, column in modular.items():
        np.testing.assert_array_equal(fused[name], column, err_msg=name)
    # the decisions moved people: the comparison is not of an unchanged population
    assert not np.array_equal(modular["location"], start["location"])
