"""Assembly of a run's simulation: world, calibration, people and steps, in one place.

Every way of starting a run goes through `start_simulation`: `migsim run`, the Python API
(`migsim.run`, `migsim.build_simulation`), the validation experiments and the benchmarks. It
gives the base-year state (synthesised, or taken from `start_from`) with the configured
steps built and the base year recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from migsim.config import validate
from migsim.core.errors import InputError
from migsim.core.world import World, check_base_year, load_world
from migsim.kernels.rng import run_key
from migsim.people import shards
from migsim.people.population import agents_per_origin, synthesise_population
from migsim.regimes import apply_regime, initial_irregular_share, status_quo
from migsim.regimes.timeline import PolicyTimeline
from migsim.runtime import checkpoint, checkpoint_origin, memory
from migsim.runtime.simulation import HEIRS, Simulation
from migsim.scenarios.exogenous import Exogenous
from migsim.steps import registry


@dataclass
class Inputs:
    """What a run reads before any person exists: its world and calibration (None when
    migration is off)."""

    world: World
    calibration: Any


def prepare(cfg: Any, before_calibration: Any = None) -> Inputs:
    """Validate the config and load what the run needs, failing early (one line, exit 2) on
    a bad value, world table, plug-in or step name. `before_calibration(world)`: a last
    check (the memory) that should refuse the run before a calibration is computed."""
    world = precheck(cfg)
    checkpoint_origin.check_file(cfg, world)  # the resumed checkpoint's world and version
    calibration = None
    if cfg.behaviour.migration:
        from migsim.model.calibration import load_calibration
    if before_calibration is not None:
        before_calibration(world)
    if cfg.behaviour.migration:
        calibration = load_calibration(
            world, cfg.behaviour, cfg.population, wealth_age_of(cfg, world)
        )
    checkpoint_origin.check_file(cfg, world, calibration)  # and its calibration
    return Inputs(world, calibration)


def wealth_age_of(cfg: Any, world: World):
    """The run's base-year wealth by age (`population.wealth_profile`), None when flat."""
    from migsim.model.wealth_profile import profile_of

    return profile_of(world, cfg.population, cfg.economy.savings_rate)


def precheck(cfg: Any, worlds: dict | None = None) -> World:
    """The checks a run makes before it computes anything (its world loaded; `worlds`, a
    cache of loaded worlds by name and path, for a sweep's jobs): the config, the steps, the
    base year, the shard count, the scenario and regime against the world, and the behaviour
    plug-in's name. Returns the world."""
    validate(cfg)
    registry.check_steps(cfg.steps)
    key = (str(cfg.world.name), str(cfg.world.path or "") or None)
    world = (worlds or {}).get(key) or load_world(*key)
    if worlds is not None:
        worlds[key] = world
    check_base_year(world, cfg.base_year)
    check_shard_count(cfg, world)
    check_world_inputs(cfg, world)
    if cfg.behaviour.migration:
        from migsim.model.behaviour import load_behaviour

        load_behaviour(cfg.behaviour)  # fail early on a bad plug-in name
    return world


def check_shard_count(cfg: Any, world: World) -> None:
    """A shard holds the people of whole origins: no more shards than the world's regions."""
    R = world.n_regions
    if cfg.shards.count > R:
        raise InputError(
            f"shards.count={cfg.shards.count}",
            f"is more than the {R} regions of world '{world.name}' (a shard holds whole origins)",
            f"1 to {R}",
        )


def check_world_inputs(cfg: Any, world: World) -> None:
    """What needs the world's files but no calibration, checked before one is computed
    (minutes for the 232-country world): the scenario table is read against the world, and
    the regime's timing keys and components are applied to the uncalibrated status quo (a
    region code, a country mapping the world lacks)."""
    path = str(cfg.scenario.path or "")
    if path:
        from migsim.scenarios.paths import load_scenario

        load_scenario(scenario_file(path), world, int(cfg.base_year), str(cfg.scenario.name))
    R = world.n_regions
    base = status_quo(world, np.zeros((R, R, 2)))
    PolicyTimeline(cfg.regime, world, base, int(cfg.base_year))  # the timing keys
    apply_regime(cfg.regime, world, base)


def regime_policy(cfg: Any, world: World, calibration: Any):
    """The regime's policy arrays: its components applied to the calibrated status quo (those
    in force in the first simulated year, when components have timing keys)."""
    policy, _ = regime_timeline(cfg, world, calibration)
    return policy


def regime_timeline(cfg: Any, world: World, calibration: Any):
    """(the first simulated year's policy, the regime's `PolicyTimeline`)."""
    R = world.n_regions
    policy_cost = calibration.policy_cost if calibration is not None else np.zeros((R, R, 2))
    base = status_quo(world, policy_cost)
    timeline = PolicyTimeline(cfg.regime, world, base, int(cfg.base_year))
    # every component applied (timing aside): the whole run's policy when nothing is timed
    everything = apply_regime(cfg.regime, world, base)
    policy = everything if timeline.static else timeline.at(int(cfg.base_year) + 1)
    name = str(cfg.regime.name)
    # a regime with no components is the status quo on purpose (a game's "none" scenario)
    noop = name != "status_quo" and everything.components and _same_policy(everything, base)
    if noop and (name, world.name) not in _WARNED:
        _WARNED.add((name, world.name))
        logging.getLogger("migsim.regimes").warning(
            f"migsim: warning: regime '{name}' changes nothing in world '{world.name}' "
            "(its policy equals the status quo)"
        )
    # a component that starts after the run ends is probably a slip (`from_year: 2050` in a
    # 30-year run from 2013); one dated before the world's year is a regime's history, skipped
    # on purpose (history_by_country on a 2010 world), and not warned about
    last = int(cfg.base_year) + int(cfg.years)
    added = _inline_added(cfg.regime)
    late = [
        i
        for i, t in enumerate(timeline.timings)
        if i in added and t.first is not None and t.first > last
    ]
    if late and (name, "late", tuple(late), last) not in _WARNED:
        _WARNED.add((name, "late", tuple(late), last))
        logging.getLogger("migsim.regimes").warning(
            f"migsim: warning: regime '{name}': {len(late)} component(s) start after the run's "
            f"last year {last} and never apply (regime.components[{late[0]}] from_year "
            f"{timeline.timings[late[0]].first})"
        )
    return policy, timeline


def _inline_added(conf: Any) -> set[int]:
    """Indices, in `regime_components(conf)`'s order, of the components given inline in
    `regime.add` (what a user types; a shipped regime's dated components are its history)."""
    from types import SimpleNamespace

    from migsim.regimes.registry import regime_components

    shipped = len(conf.components or [])
    out, i = set(), shipped
    for item in getattr(conf, "add", None) or []:
        if isinstance(item, str):  # a named regime: its components, as shipped
            i += len(regime_components(SimpleNamespace(components=[], add=[item])))
        else:
            out.add(i)
            i += 1
    return out


def attach_exogenous(cfg: Any, sim: Simulation, calibration: Any, timeline: Any = None) -> None:
    """Give the simulation the scenario's paths and the regime's timeline (built here unless
    given), when there is either (`sim.exogenous`; None keeps the base year's world and one
    policy)."""
    scenario = None
    path = str(cfg.scenario.path or "")
    if path:
        from migsim.scenarios.paths import load_scenario

        scenario = load_scenario(
            scenario_file(path), sim.world, int(cfg.base_year), str(cfg.scenario.name)
        )
    if timeline is None:
        _, timeline = regime_timeline(cfg, sim.world, calibration)
    closure = str(cfg.economy.closure) if cfg.economy.enabled else "long_run"
    exo = Exogenous(sim.world, scenario, timeline, closure)
    sim.exogenous = exo if exo.active else None


def scenario_file(path: str):
    """A scenario path as given, or under configs/scenario/ when it is not a file here."""
    from pathlib import Path

    from migsim.core.resources import config_dir

    p = Path(path)
    if p.is_file() or p.is_absolute():
        return p
    shipped = config_dir() / "scenario" / path
    return shipped if shipped.is_file() else p


_WARNED: set = set()  # (regime, world) pairs already warned about in this process


def _same_policy(a: Any, b: Any) -> bool:
    """Every policy array and setting equal (the list of applied components aside)."""
    for f in fields(a):
        if f.name == "components":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if x is None or y is None or not np.array_equal(x, y, equal_nan=True):
                return False
        elif x != y:
            return False
    return True


def configure_estates(cfg: Any, sim: Simulation) -> None:
    """The bequest rule of `population.bequests` on a simulation, started or resumed (a
    checkpoint holds no state of it: the estates of a year are paid out within the year)."""
    rule = cfg.population.bequests
    sim.estate_heirs = None if rule == "none" else HEIRS[rule]
    sim.estate_sigma = float(cfg.population.wealth_sigma)


def build_steps(cfg: Any, sim: Simulation, calibration: Any = None) -> list:
    """The configured steps, in the `steps` order (demography always runs first)."""
    policy, timeline = regime_timeline(cfg, sim.world, calibration)
    attach_exogenous(cfg, sim, calibration, timeline)
    return registry.build_steps(cfg, sim, calibration, policy)


def start_simulation(
    cfg: Any, world: World | None = None, key: Any = None, calibration: Any = None
) -> Simulation:
    """The base-year state: synthesised, or taken from `start_from`, with its steps and the
    base year recorded. Without `world`, the config is validated and the world and
    calibration loaded here (`prepare`)."""
    if world is None:
        inputs = prepare(cfg)
        world, calibration = inputs.world, inputs.calibration
    key = run_key(cfg.seed) if key is None else key
    if cfg.start_from:
        year, saved = checkpoint.load_people(cfg.start_from, cfg, world, calibration=calibration)
        if year != cfg.base_year:
            raise InputError(
                f"start_from={cfg.start_from}",
                f"holds year {year}, not the base year {cfg.base_year}",
                "a checkpoint of the base year (checkpoint_every > 0 saves one)",
            )
        pop = saved[0] if len(saved) == 1 else shards.merge(saved)
        people = _shard(cfg, world, pop) if _is_sharded(cfg) else pop
    elif _is_sharded(cfg):
        people = _shard(cfg, world, None, key)
    else:
        size = cfg.population.size
        people = synthesise_population(world, size, key, **synthesis_args(cfg, world))
    sim = Simulation(world, people, key, cfg.base_year)
    configure_estates(cfg, sim)
    sim.origin = checkpoint_origin.origin(world, calibration)
    sim.record(cfg.base_year)
    sim.steps = build_steps(cfg, sim, calibration)
    # the base year again, now with the steps' base-year values
    for frames in sim.records.values():
        frames.clear()
    for step in sim.steps:
        if hasattr(step, "base_year_values"):
            step.base_year_values(sim)
    sim.record(cfg.base_year)
    return sim


def synthesis_args(cfg: Any, world: World) -> dict:
    """Keyword arguments of `synthesise_population` from the population settings."""
    from migsim.model.durations import durations

    p = cfg.population
    return dict(
        durations=durations(world, cfg.behaviour),
        wealth_age=wealth_age_of(cfg, world),
        irregular_share=initial_irregular_share(world),
        stratification=p.stratification,
        spare_capacity=p.spare_capacity,
        wealth_sigma=p.wealth_sigma,
        wealth_to_income=p.wealth_to_income,
        productivity_sigma=p.productivity_sigma,
    )


def _is_sharded(cfg: Any) -> bool:
    return cfg.shards.count > 1 or cfg.shards.backend != "local"


def _shard(cfg: Any, world: World, pop=None, key=None):
    """The run's people split by origin into `shards.count` shards (engine/people/shards.py):
    `pop` split in this process, or each shard synthesised where it lives."""
    sh = cfg.shards
    _, agents = agents_per_origin(world, cfg.population.size, cfg.population.stratification)
    origin_sets = shards.assign_origins(agents, sh.count)
    synthesis = synthesis_args(cfg, world)
    if sh.backend == "local":
        if pop is None:
            parts = [
                synthesise_population(world, cfg.population.size, key, origins=origins, **synthesis)
                for origins in origin_sets
            ]
        else:
            parts = shards.split(pop, origin_sets)
        return shards.LocalPeople(
            [shards.Shard(part, origins) for part, origins in zip(parts, origin_sets)]
        )
    try:
        import ray

        ray.init  # noqa: B018  (a directory named ray, such as Ray's /tmp/ray, imports empty)
    except (ImportError, AttributeError):
        raise InputError(
            "shards.backend=ray",
            "needs the ray package, which is not installed",
            "local, or install ray",
        ) from None
    cpus = sh.cpus_per_shard or shards.default_cpus_per_shard(len(origin_sets))
    spare = cfg.population.spare_capacity
    return shards.RayPeople(
        shards.synthesise_shard,
        (world, int(cfg.population.size), int(key), synthesis),
        origin_sets,
        address=sh.address or None,
        cpus_per_shard=cpus,
        shard_bytes=(
            memory.shard_estimates(agents, origin_sets, spare, world, int(cfg.years))
            if cfg.get("memory_check", True)
            else None
        ),
    )


def reshard(cfg: Any, world: World, sim: Simulation) -> None:
    """The resumed `sim`'s people in the layout `shards.count` asks for: as saved when the
    checkpoint's split is the config's, otherwise merged (the living people, in id order)
    and split again, as `start_from` does (every draw depends on the person id, so the run
    is the same bytes whatever the split)."""
    want = _is_sharded(cfg)
    if not sim.sharded and not want:
        return
    if sim.sharded and want:
        _, agents = agents_per_origin(world, cfg.population.size, cfg.population.stratification)
        wanted = shards.assign_origins(agents, cfg.shards.count)
        saved = [shard.origins for shard in sim.people.shards]
        if len(saved) == len(wanted) and all(map(np.array_equal, saved, wanted)):
            return
    pops = [shard.population for shard in sim.people.shards]
    pop = pops[0] if len(pops) == 1 and not sim.sharded else shards.merge(pops)
    if want:
        sim.people, sim.population = _shard(cfg, world, pop), None
    else:
        sim.people, sim.population = shards.LocalPeople([shards.Shard(pop)]), pop
