"""Helpers shared by the benchmarks and the profiling scripts: build a synthesised
population of the default world, and capture the exact inputs of each kernel the way the
engine builds them (so a kernel can be timed alone)."""

from __future__ import annotations

from migsim.core.world import load_world
from migsim.kernels import migration as mk
from migsim.kernels.bundles import Vital
from migsim.kernels.rng import run_key
from migsim.model.calibration import load_calibration
from migsim.people.moves import MoveCounts
from migsim.people.population import synthesise_population
from migsim.runtime.simulation import Simulation

_CFG_CACHE: dict = {}


def compose(*overrides: str):
    """The validated run config for `overrides` (the public `migsim.compose`)."""
    import migsim

    return migsim.compose(list(overrides))


def world_and_calibration(world_name: str = "default"):
    if world_name not in _CFG_CACHE:
        cfg = compose(f"world={world_name}", "progress=false")
        world = load_world(cfg.world.name, cfg.world.path or None)
        calibration = load_calibration(world, cfg.behaviour, cfg.population)
        _CFG_CACHE[world_name] = (cfg, world, calibration)
    return _CFG_CACHE[world_name]


def build_population(
    size: int, world_name: str = "default", seed: int = 1, spare_capacity: float | None = None
):
    cfg, world, _ = world_and_calibration(world_name)
    p = cfg.population
    spare = p.spare_capacity if spare_capacity is None else spare_capacity
    return synthesise_population(
        world, int(size), run_key(seed), p.stratification, spare, p.wealth_sigma, p.wealth_to_income
    )


def build_simulation(
    size: int, world_name: str = "default", seed: int = 1, migration: bool = True
) -> Simulation:
    """A Simulation in its base year with the configured steps (`migration=False`: none),
    from the one assembly every run goes through (`start_simulation`); the world and its
    calibration are loaded once per world."""
    from migsim.runtime.assemble import start_simulation

    _, world, calibration = world_and_calibration(world_name)
    extra = [] if migration else ["steps=[]"]
    cfg = compose(
        f"world={world_name}",
        "progress=false",
        f"population.size={int(size)}",
        f"seed={seed}",
        *extra,
    )
    return start_simulation(cfg, world, run_key(seed), calibration)


def capture_decide_args(sim: Simulation, year: int | None = None) -> tuple:
    """The exact arguments the migration step passes to migsim.kernels.migration.decide:
    (key, year, n, people, cells, levers, tallies), bundles of migsim.kernels.bundles."""
    step = next(s for s in sim.steps if s.name == "migration")
    year = sim.year + 1 if year is None else year
    captured = {}
    original = mk.decide

    def fake(*args):
        captured["args"] = args

    saved_moves, saved_extra = sim.moves, dict(sim.region_extra)
    sim.moves = MoveCounts.empty(sim.world.n_regions)
    mk.decide = fake
    try:
        step.run(sim, year)
    finally:
        mk.decide = original
        sim.moves, sim.region_extra = saved_moves, saved_extra
    return captured["args"]


def snapshot(pop, names=None) -> dict:
    cols = pop.columns()
    names = names or list(cols)
    return {k: cols[k][: pop.n].copy() for k in names}


def restore(pop, saved: dict) -> None:
    cols = pop.columns()
    for k, v in saved.items():
        cols[k][: v.shape[0]] = v


def zero_move_counts(tallies) -> None:
    """Zero a `MoveTallies`' counts, so that a decision pass can run again on them."""
    for counts in (tallies.n_moves, tallies.blocked, tallies.intra):
        counts[...] = 0


class SimulationState:
    """Saved population + year of a Simulation, to run the same year again (bench setup)."""

    def __init__(self, sim: Simulation):
        pop = sim.population
        self.sim = sim
        self.n, self.next_id, self.year = pop.n, pop.next_id, sim.year
        self.columns = {k: v.copy() for k, v in pop.columns().items()}
        self.stock_matrix = None if sim.stock_matrix is None else sim.stock_matrix.copy()

    def restore(self) -> None:
        sim, pop = self.sim, self.sim.population
        for k, v in self.columns.items():
            if getattr(pop, k).shape != v.shape:
                setattr(pop, k, v.copy())
            else:
                getattr(pop, k)[:] = v
        pop.n, pop.next_id, sim.year = self.n, self.next_id, self.year
        sim.next_id = self.next_id
        if self.stock_matrix is not None:
            sim.stock_matrix = self.stock_matrix.copy()
        for frames in sim.records.values():
            del frames[1:]  # keep the base year only: no growth across rounds
        for step in sim.steps:
            for frames in getattr(step, "records", {}).values():
                del frames[1:]


def decide_runner(sim: Simulation):
    """(run, setup, args) for timing migsim.kernels.migration.decide alone on `sim`'s next
    year; args = (key, year, n, people, cells, levers, tallies)."""
    args = capture_decide_args(sim)
    pop = sim.population
    saved = snapshot(pop, ["status", "location", "visa_years_left", "years_abroad", "wealth"])
    tallies = args[-1]

    def setup():
        restore(pop, saved)
        zero_move_counts(tallies)

    def run():
        mk.decide(*args)

    return run, setup, args


def mortality_inputs(sim: Simulation) -> tuple:
    """Arguments of `migsim.kernels.demography.mortality_and_fertility` for next year
    without the two output arrays, (key, year, n, people, vital): shared by the kernel and
    its NumPy twin."""
    pop, w = sim.population, sim.world
    vital = Vital(w.death_probability, w.fertility, pop.weight)
    return (sim.key, sim.year + 1, pop.n, pop.people, vital)


def time_min(fn, setup=None, repeat: int = 5) -> float:
    """Best wall time of `repeat` calls (setup untimed)."""
    import time

    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def alive_count(sim: Simulation) -> int:
    pop = sim.population
    return int(pop.alive[: pop.n].sum())
