"""The numba kernels equal their plain-NumPy references (tests/reference.py) exactly, and give
identical results with 1 and 2 numba threads. Inputs are built the way
engine/steps/migration.py MigrationStep.run builds them, on small populations of the toy world."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from migsim.model.calibration import load_calibration
from migsim.people.population import synthesise_population
from migsim.runtime.app import build_steps
from migsim.runtime.simulation import Simulation
from migsim.core.world import load_world
from migsim.kernels import demography as demo
from migsim.kernels import migration as mk
from migsim.kernels.rng import run_key
from tests.reference import decide_reference, mortality_fertility_reference

PERSON_ARRAYS = ("status", "location", "years_abroad", "visa_years_left", "wealth")


@pytest.fixture(scope="module")
def toy(compose_cfg):
    cfg = compose_cfg("world=toy", "population.size=6000", "progress=false")
    world = load_world(cfg.world.name, cfg.world.path or None)
    calibration = load_calibration(world, cfg.behaviour, cfg.population)
    return cfg, world, calibration


def _simulation(toy, seed: int) -> Simulation:
    cfg, world, calibration = toy
    p = cfg.population
    key = run_key(seed)
    pop = synthesise_population(
        world, p.size, key, p.stratification, p.spare_capacity, p.wealth_sigma, p.wealth_to_income
    )
    sim = Simulation(world, pop, key, cfg.base_year)
    sim.record(cfg.base_year)
    sim.steps = build_steps(cfg, sim, calibration)
    for step in sim.steps:
        if hasattr(step, "base_year_values"):
            step.base_year_values(sim)
    return sim


def _decide_args(sim: Simulation, year: int) -> list:
    """The positional arguments MigrationStep.run passes to migsim.kernels.migration.decide."""
    step = next(s for s in sim.steps if s.name == "migration")
    captured = {}
    original = mk.decide
    R = sim.world.n_regions
    sim.moves = np.zeros((R, R, R, 2), dtype=np.int64)
    mk.decide = lambda *args: captured.setdefault("args", args)
    try:
        step.run(sim, year)
    finally:
        mk.decide = original
    return list(captured["args"][:31])  # without the three output arrays


def _scramble(sim: Simulation, args: list, rng: np.random.Generator) -> None:
    """Put people in every branch: temporary visas about to expire, irregulars, quotas."""
    pop, R = sim.population, sim.world.n_regions
    n = pop.n
    abroad = np.flatnonzero(pop.location[:n] != pop.origin[:n])
    pick = rng.choice(abroad, size=abroad.size // 2, replace=False)
    pop.status[pick] = rng.choice([1, 2, 3], size=pick.size).astype(np.uint8)
    pop.visa_years_left[pick] = rng.integers(0, 3, size=pick.size).astype(np.uint8)
    pop.wealth[:n] *= rng.uniform(0.0, 2.0, size=n).astype(np.float32)
    pop.alive[rng.choice(n, size=n // 20, replace=False)] = 0
    accept = np.ones((R, 2))
    accept[rng.choice(R, size=max(1, R // 2), replace=False)] = 0.5
    args[21] = accept  # admission probability by destination and skill (quota lottery)
    args[26] = np.full_like(args[26], 0.3)  # hazard: plenty of returns
    args[27] = 0.4  # onward_share: plenty of onward moves


def _run_kernel(sim: Simulation, args: list, threads: int):
    pop, R = sim.population, sim.world.n_regions
    saved = {k: getattr(pop, k)[: pop.n].copy() for k in PERSON_ARRAYS}
    moves = np.zeros((mk.N_CHUNKS, R, R, R, 2), dtype=np.int64)
    blocked = np.zeros((mk.N_CHUNKS, R), dtype=np.int64)
    intra = np.zeros((mk.N_CHUNKS, R), dtype=np.int64)
    numba.set_num_threads(threads)
    try:
        mk.decide(*args, moves, blocked, intra)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    out = {k: getattr(pop, k)[: pop.n].copy() for k in PERSON_ARRAYS}
    for k, v in saved.items():  # restore the inputs
        getattr(pop, k)[: pop.n] = v
    return out, moves.sum(axis=0), blocked.sum(axis=0), intra.sum(axis=0)


@pytest.mark.parametrize("seed,scramble", [(1, False), (2, True), (3, True)])
def test_decide_equals_numpy_reference(toy, seed, scramble):
    sim = _simulation(toy, seed)
    year = sim.year + 1
    args = _decide_args(sim, year)
    if scramble:
        _scramble(sim, args, np.random.default_rng(seed))
    people, moves, blocked, intra = decide_reference(*args)
    assert moves.sum() > 0
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        k_people, k_moves, k_blocked, k_intra = _run_kernel(sim, args, threads)
        for name in PERSON_ARRAYS:
            np.testing.assert_array_equal(k_people[name], people[name], err_msg=name)
        np.testing.assert_array_equal(k_moves, moves)
        np.testing.assert_array_equal(k_blocked, blocked)
        np.testing.assert_array_equal(k_intra, intra)


def test_decide_identical_for_1_and_2_threads(toy):
    sim = _simulation(toy, 4)
    args = _decide_args(sim, sim.year + 1)
    _scramble(sim, args, np.random.default_rng(4))
    one = _run_kernel(sim, args, 1)
    two = _run_kernel(sim, args, min(2, numba.config.NUMBA_NUM_THREADS))
    for name in PERSON_ARRAYS:
        np.testing.assert_array_equal(one[0][name], two[0][name])
    for a, b in zip(one[1:], two[1:], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [1, 2])
def test_mortality_fertility_equals_numpy_reference(toy, seed):
    sim = _simulation(toy, seed)
    pop, w = sim.population, sim.world
    n, year = pop.n, sim.year + 1
    pop.age[:n] = np.random.default_rng(seed).integers(0, 106, size=n).astype(np.uint8)
    inputs = (
        sim.key,
        year,
        n,
        pop.person_id,
        pop.alive,
        pop.age,
        pop.sex,
        pop.origin,
        pop.location,
        w.death_probability,
        w.fertility,
        pop.weight,
    )
    ref_alive, ref_children, ref_deaths = mortality_fertility_reference(*inputs)
    assert ref_deaths.sum() > 0 and ref_children.sum() > 0
    alive0 = pop.alive[:n].copy()
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        pop.alive[:n] = alive0
        children = np.zeros(pop.capacity, dtype=np.uint8)
        deaths = np.zeros(pop.capacity, dtype=np.uint8)
        numba.set_num_threads(threads)
        try:
            demo.mortality_and_fertility(*inputs, children, deaths)
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        np.testing.assert_array_equal(pop.alive[:n], ref_alive)
        np.testing.assert_array_equal(children[:n], ref_children)
        np.testing.assert_array_equal(deaths[:n], ref_deaths)
