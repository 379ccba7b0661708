"""Population (engine/people/population.py): synthesis reproduces the base year; layout."""

from __future__ import annotations

import numpy as np
import pytest

from migsim.core.world import FEMALE, load_world
from migsim.kernels.rng import run_key
from migsim.people.population import (
    BYTES_PER_PERSON,
    COLUMNS,
    INTRA_REGIONAL,
    NATIVE,
    PERMANENT,
    Population,
    largest_remainder,
    synthesise_population,
)

SIZE = 300_000  # large enough that sampled shares have sd well under the tolerances


@pytest.fixture(scope="module")
def toy():
    return load_world("toy")


@pytest.fixture(scope="module")
def pop(toy):
    return synthesise_population(toy, SIZE, run_key(1))


def _live(pop):
    v = pop.view()
    alive = v["alive"].astype(bool)
    return {k: a[alive] for k, a in v.items()}


def _migrants(pop):
    v = _live(pop)
    mig = v["origin"] != v["location"]
    return {k: a[mig] for k, a in v.items()}


# ------------------------------------------------------------------ base-year totals


def test_population_per_region_matches_regions_csv(toy, pop):
    v = _live(pop)
    residents = np.bincount(v["location"], weights=pop.weight[v["origin"]], minlength=toy.n_regions)
    np.testing.assert_allclose(residents, toy.population, rtol=0.01)


def test_people_born_per_origin_match_the_data(toy, pop):
    # every agent of origin o stands for weight[o]: born in o = natives at home + emigrants
    v = _live(pop)
    born = np.bincount(v["origin"], minlength=toy.n_regions) * pop.weight
    want = toy.population - toy.immigrants + toy.emigrants
    np.testing.assert_allclose(born, want, rtol=1e-9)


def test_migrant_stock_per_large_corridor(toy, pop):
    m = _migrants(pop)
    R = toy.n_regions
    stock = np.zeros((R, R))
    np.add.at(stock, (m["origin"], m["location"]), pop.weight[m["origin"]])
    large = toy.migrant_stock > 1e6
    assert large.sum() == 2  # MID->NTH 9M, STH->NTH 3M
    np.testing.assert_allclose(stock[large], toy.migrant_stock[large], rtol=0.02)
    # the total (all corridors) also within 2%
    assert stock.sum() == pytest.approx(toy.migrant_stock.sum(), rel=0.02)


def test_intra_regional_migrants_per_region(toy, pop):
    v = _live(pop)
    intra = v["status"] == INTRA_REGIONAL
    assert np.all(v["origin"][intra] == v["location"][intra])
    got = np.bincount(
        v["location"][intra], weights=pop.weight[v["origin"][intra]], minlength=toy.n_regions
    )
    np.testing.assert_allclose(got, toy.intra_migrants, rtol=0.03)


def test_status_codes_follow_location(pop):
    v = _live(pop)
    abroad = v["origin"] != v["location"]
    assert np.all(v["status"][abroad] == PERMANENT)
    assert set(np.unique(v["status"][~abroad]).tolist()) <= {NATIVE, INTRA_REGIONAL}
    assert np.all(v["years_abroad"][~abroad] == 0)
    # years abroad of a migrant lies in [0, max(age - 15, 0)]
    assert np.all(
        v["years_abroad"][abroad].astype(int) <= np.maximum(v["age"][abroad].astype(int) - 15, 0)
    )


def test_female_share_of_migrants_matches_data(toy, pop):
    m = _migrants(pop)
    w = pop.weight[m["origin"]]
    got = np.sum(w * (m["sex"] == FEMALE)) / np.sum(w)
    want = np.sum(toy.migrant_stock * toy.migrant_female_share) / toy.migrant_stock.sum()
    assert abs(got - want) < 0.015


def test_share_of_migrants_aged_20_to_64(pop):
    m = _migrants(pop)
    w = pop.weight[m["origin"]]
    share = np.sum(w * ((m["age"] >= 20) & (m["age"] <= 64))) / np.sum(w)
    assert share == pytest.approx(0.74, abs=0.02)


def test_natives_follow_the_region_age_structure(toy, pop):
    # residents aged 0-14 per region close to share_0_14 of regions.csv (migrants are few)
    v = _live(pop)
    w = pop.weight[v["origin"]]
    for r in range(toy.n_regions):
        here = v["location"] == r
        child = np.sum(w[here] * (v["age"][here] < 15)) / np.sum(w[here])
        assert child == pytest.approx(toy.share_0_14[r], abs=0.015)


def _groups(pop):
    """(start, stop) of each synthesised group: runs of rows of one origin, location and
    status (the base year, before any move)."""
    v = pop.view()
    key = (v["origin"].astype(np.int64) * 1000 + v["location"]) * 10 + v["status"]
    edges = np.flatnonzero(np.diff(key)) + 1
    return v, list(zip(np.r_[0, edges], np.r_[edges, key.size]))


def test_rows_run_by_sex_age_and_education_within_each_group(pop):
    v, groups = _groups(pop)
    order = (v["sex"].astype(np.int64) * 256 + v["age"]) * 4 + v["skill"]
    for start, stop in groups:
        assert (np.diff(order[start:stop]) >= 0).all(), (start, stop)


def test_age_and_sex_are_sampled_by_strata(toy, pop):
    """Each migrant group's agents per (sex, age) are its expected count to within two
    agents (the two strata at a cell's edges may fall either side); independent draws would
    scatter the large cells by their binomial spread, several agents at these sizes."""
    from migsim.core.world import N_AGES

    v, groups = _groups(pop)
    checked = 0
    for start, stop in groups:
        o, loc = int(v["origin"][start]), int(v["location"][start])
        if o == loc or stop - start < 300:
            continue
        fem = toy.migrant_female_share[o, loc]
        p = np.concatenate([fem * toy.migrant_age_share, (1 - fem) * toy.migrant_age_share])
        p = p / p.sum()
        k = v["sex"][start:stop].astype(np.int64) * N_AGES + v["age"][start:stop]
        counts = np.bincount(k, minlength=2 * N_AGES)
        assert np.abs(counts - (stop - start) * p).max() <= 2.0, (o, loc)
        checked += 1
    assert checked >= 3


def test_skill_only_for_adults_and_close_to_tertiary_share(toy, pop):
    v = _live(pop)
    assert np.all(v["skill"][v["age"] < 22] == 0)
    natives = (v["status"] == NATIVE) & (v["age"] >= 22)
    for r in range(toy.n_regions):
        sel = natives & (v["origin"] == r)
        assert np.mean(v["skill"][sel] == 2) == pytest.approx(toy.tertiary_share[r], abs=0.02)
        # adults without a degree: secondary at the world's Barro-Lee share (no mapping)
        rest = sel & (v["skill"] != 2)
        assert np.mean(v["skill"][rest] == 1) == pytest.approx(toy.secondary_share[r], abs=0.02)


def test_wealth_is_positive_and_scaled_to_income(toy, pop):
    v = _live(pop)
    assert np.all(v["wealth"] > 0)
    assert np.all(np.isfinite(v["wealth"]))
    # adults' mean wealth ~ GDP per capita of the location (lognormal with mean 1)
    for r in range(toy.n_regions):
        sel = (v["location"] == r) & (v["age"] >= 18)
        assert v["wealth"][sel].mean() == pytest.approx(toy.gdp_per_capita[r], rel=0.1)


# ------------------------------------------------------------------ layout and ids


def test_bytes_per_person_within_target():
    assert BYTES_PER_PERSON <= 24
    assert BYTES_PER_PERSON == sum(np.dtype(t).itemsize for t in COLUMNS.values())


def test_population_bytes_match_layout(pop):
    assert pop.nbytes == BYTES_PER_PERSON * pop.capacity
    for name, dtype in COLUMNS.items():
        assert getattr(pop, name).dtype == np.dtype(dtype), name


def test_ids_are_unique_and_zero_to_n(pop):
    assert pop.n == SIZE  # largest remainder gives exactly `size` agents
    assert np.array_equal(pop.person_id[: pop.n], np.arange(pop.n))
    assert pop.next_id == pop.n
    assert np.all(pop.alive[: pop.n] == 1)
    assert np.all(pop.alive[pop.n :] == 0)
    assert pop.capacity >= int(pop.n * 1.35)


def test_uint32_ids_draw_as_int64_ids():
    """Draws are keyed on np.uint64(person id): the uint32 column gives the int64 draws."""
    from migsim.kernels.rng import Stream, uniform_reference

    ids = np.array([0, 1, 2**31 - 1, 2**31, 2**32 - 1], dtype=np.int64)
    wide = uniform_reference(7, ids, 2013, Stream.MORTALITY)
    narrow = uniform_reference(7, ids.astype(np.uint32), 2013, Stream.MORTALITY)
    assert np.array_equal(wide, narrow)


def test_weight_is_per_origin_and_stratified(toy, pop):
    assert pop.weight.shape == (toy.n_regions,)
    v = _live(pop)
    agents = np.bincount(v["origin"], minlength=toy.n_regions)
    born = toy.population - toy.immigrants + toy.emigrants
    # agents per origin proportional to born**0.7 (largest remainder: within 1 agent)
    want = SIZE * born**0.7 / np.sum(born**0.7)
    assert np.all(np.abs(agents - want) <= 1)


def test_unstratified_population_has_equal_weights(toy):
    pop = synthesise_population(toy, 20_000, run_key(1), stratification=1.0)
    assert pop.weight.max() / pop.weight.min() == pytest.approx(1.0, abs=2e-3)


def test_synthesis_is_deterministic_and_seeded(toy):
    a = synthesise_population(toy, 20_000, run_key(5))
    b = synthesise_population(toy, 20_000, run_key(5))
    c = synthesise_population(toy, 20_000, run_key(6))
    for name in COLUMNS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.age, c.age)
    # same groups (counts are not random), different people
    assert np.array_equal(a.origin, c.origin) and np.array_equal(a.location, c.location)


def test_largest_remainder_sums_exactly():
    counts = largest_remainder(10, np.array([1.0, 1.0, 1.0]))
    assert counts.sum() == 10 and sorted(counts.tolist()) == [3, 3, 4]
    counts = largest_remainder(1000, np.array([0.5, 0.25, 0.25, 0.0]))
    assert counts.tolist() == [500, 250, 250, 0]
    assert largest_remainder(0, np.array([1.0, 2.0])).tolist() == [0, 0]


# ------------------------------------------------------------------ capacity


def _small(n=10, capacity=12):
    pop = Population.empty(capacity, np.array([1.0, 2.0]))
    pop.n = n
    pop.next_id = n
    pop.person_id[:n] = np.arange(n)
    pop.alive[:n] = 1
    pop.age[:n] = np.arange(n) + 20
    pop.origin[:n] = np.arange(n) % 2
    pop.wealth[:n] = np.arange(n) * 1.5
    return pop


def test_compaction_keeps_living_rows_in_id_order():
    pop = _small()
    dead = [0, 3, 4, 9]
    pop.alive[dead] = 0
    pop.compact()
    living = [i for i in range(10) if i not in dead]
    assert pop.n == len(living)
    assert pop.person_id[: pop.n].tolist() == living
    assert pop.age[: pop.n].tolist() == [i + 20 for i in living]
    assert pop.origin[: pop.n].tolist() == [i % 2 for i in living]
    np.testing.assert_array_equal(pop.wealth[: pop.n], np.array(living) * 1.5)
    assert np.all(pop.alive[: pop.n] == 1)
    assert np.all(pop.alive[pop.n :] == 0)
    assert pop.next_id == 10  # ids are never reused
    assert pop.capacity == 12


def test_make_room_grows_and_keeps_rows():
    pop = _small()
    before = {k: v[: pop.n].copy() for k, v in pop.columns().items()}
    pop.make_room(90)
    assert pop.capacity >= 100
    assert pop.n == 10
    for name, arr in pop.columns().items():
        assert arr.dtype == before[name].dtype
        np.testing.assert_array_equal(arr[:10], before[name], err_msg=name)
        assert np.all(arr[10:] == 0), name


def test_make_room_never_holds_two_copies_of_the_columns():
    """Growing allocates the new columns one at a time and frees each old one once copied:
    the allocation peak (tracemalloc, which counts NumPy's buffers) is the new columns plus
    one old column at most, not the old and the new sets together."""
    import tracemalloc

    n = 200_000
    tracemalloc.start()
    try:
        pop = _small(n=n, capacity=n)
        widest = max(arr.dtype.itemsize for arr in pop.columns().values())
        tracemalloc.reset_peak()
        pop.make_room(1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grown = int(n * 1.25) + 1
    assert pop.capacity == grown and pop.n == n
    assert peak <= grown * BYTES_PER_PERSON + n * widest + 2**16
    assert peak < (grown + n) * BYTES_PER_PERSON  # both sets at once: before the change


def test_make_room_first_drops_dead_rows():
    pop = _small()
    pop.alive[[1, 2, 5]] = 0
    pop.make_room(6)  # 16 rows > 12: compact to 7, then grow to fit 13
    assert pop.n == 7
    assert pop.person_id[:7].tolist() == [0, 3, 4, 6, 7, 8, 9]
    assert pop.capacity >= 13


def test_make_room_noop_when_room():
    pop = _small()
    pop.alive[0] = 0
    pop.make_room(2)
    assert pop.capacity == 12 and pop.n == 10  # no compaction needed


def test_save_writes_living_people(tmp_path):
    import pyarrow.parquet as pq

    pop = _small()
    pop.alive[[2, 7]] = 0
    pop.save(tmp_path / "people.parquet")
    table = pq.read_table(tmp_path / "people.parquet")
    assert table.column("person_id").to_pylist() == [0, 1, 3, 4, 5, 6, 8, 9]
    assert "alive" not in table.column_names
    meta = table.schema.metadata
    assert [float(x) for x in meta[b"migsim.weight"].decode().split(",")] == [1.0, 2.0]
    assert int(meta[b"migsim.next_id"]) == 10
