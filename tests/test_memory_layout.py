"""Memory-saving rewrites give the numbers of the code they replaced, exactly: the wealth
by location without masked copies, the chunk bounds searched in the ids' own dtype, and
compaction in place."""

from __future__ import annotations

import numpy as np
import pytest

from migsim.kernels import income as ik
from migsim.kernels.bundles import empty_people
from migsim.kernels.grid import MONEY_SCALE, on_grid_array
from migsim.people.population import Population
from migsim.people.shards import Shard


def _people(n: int, R: int = 5, seed: int = 3):
    rng = np.random.default_rng(seed)
    people = empty_people(n + 7)
    people.person_id[:n] = np.sort(rng.choice(10 * n, size=n, replace=False))
    people.alive[:n] = rng.random(n) < 0.9
    people.origin[:n] = rng.integers(0, R, n)
    people.location[:n] = rng.integers(0, R, n)
    people.wealth[:n] = rng.lognormal(8.0, 2.0, n).astype(np.float32)
    weight = rng.uniform(100.0, 5000.0, R)
    return people, weight


def test_wealth_by_location_equals_the_bincount_bit_for_bit():
    n, R = 20_011, 5
    people, weight = _people(n, R)
    alive = people.alive[:n].astype(bool)
    want = np.bincount(
        people.location[:n][alive],
        weights=on_grid_array(
            people.wealth[:n][alive].astype(np.float64) * weight[people.origin[:n][alive]],
            MONEY_SCALE,
        ),
        minlength=R,
    )
    got = ik.wealth_by_location(n, people, weight, R)
    assert got.tobytes() == want.tobytes()
    # the same bits in any order of the rows (as shards add their parts in another order)
    values = on_grid_array(
        people.wealth[:n][alive].astype(np.float64) * weight[people.origin[:n][alive]],
        MONEY_SCALE,
    )
    order = np.random.default_rng(3).permutation(values.size)
    shuffled = np.bincount(people.location[:n][alive][order], weights=values[order], minlength=R)
    assert shuffled.tobytes() == got.tobytes()


@pytest.mark.parametrize("next_id", [1, 64, 99_991, 2**32])
def test_chunk_bounds_equal_the_int64_search(next_id):
    n = 5_000
    rng = np.random.default_rng(next_id % 97)
    ids = np.sort(rng.choice(next_id, size=min(n, next_id), replace=False)).astype(np.uint32)
    step = -(-max(next_id, 1) // ik.N_CHUNKS)
    edges = np.arange(ik.N_CHUNKS + 1, dtype=np.int64) * step
    want = np.searchsorted(ids.astype(np.int64), edges)
    assert np.array_equal(ik.id_chunk_bounds(ids, ids.size, next_id), want)


def test_compaction_in_place_keeps_the_living_in_order():
    n = 1_000
    people, weight = _people(n)
    pop = Population(people, weight=weight, n=n, next_id=10 * n)
    before = {k: v[:n][people.alive[:n] == 1].copy() for k, v in pop.columns().items()}
    pop.compact()
    assert pop.n == before["alive"].size
    for name, values in before.items():
        assert np.array_equal(getattr(pop, name)[: pop.n], values), name
        assert not getattr(pop, name)[pop.n : n].any(), name


def test_a_growing_scratch_buffer_gets_headroom():
    people, weight = _people(100)
    shard = Shard(Population(people, weight=weight, n=100, next_id=1000))
    first = shard.buffer("move_keys", 1600)
    assert first.shape[0] == 1700
    assert shard.buffer("move_keys", 1650) is first  # within the headroom: reused
    assert shard.buffer("units").shape[0] == shard.population.capacity


def test_births_past_the_uint32_ids_are_refused_in_one_line():
    import migsim
    from migsim.core.errors import InputError
    from migsim.runtime.assemble import start_simulation

    sim = start_simulation(migsim.compose(["world=toy", "population.size=2000", "progress=false"]))
    sim.next_id = 2**32 - 1
    with pytest.raises(InputError, match="person ids beyond 2\\^32"):
        sim.demography(sim.year + 1)
