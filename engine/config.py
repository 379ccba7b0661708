"""Run configuration: dataclass schemas registered in Hydra's ConfigStore, and validation.

The YAML files under configs/ are validated against these schemas at composition time
(types), and `validate` checks values and cross-field rules before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from migsim.model.behaviour import BehaviourConf
from migsim.steps.economy import EconomyConf
from migsim.core.errors import InputError
from migsim.people.shards import BACKENDS


@dataclass
class WorldConf:
    name: str = "default"
    # Directory holding the world's CSV tables; empty means engine/data/<name>.
    path: str = ""


@dataclass
class PopulationConf:
    size: int = 1_000_000
    # Agents per origin are proportional to (people born there)^stratification, so small
    # regions keep enough agents; 1.0 gives every agent the same weight.
    stratification: float = 0.7
    # Rows preallocated beyond the initial size, as a share of it (births fill them).
    spare_capacity: float = 0.15
    # Lognormal dispersion of individual productivity (log points), drawn per person id.
    productivity_sigma: float = 0.4
    # Lognormal dispersion of wealth around the regional mean (log points).
    wealth_sigma: float = 1.0
    # Mean wealth as a multiple of GDP per capita.
    wealth_to_income: float = 1.0


@dataclass
class RegimeConf:
    name: str = "status_quo"
    components: list[Any] = field(default_factory=list)
    # More components, or names of other regimes whose components are added, e.g.
    # `regime=regional_blocs 'regime.add=[bhagwati_tax]'`.
    add: list[Any] = field(default_factory=list)


@dataclass
class ShardsConf:
    # One run split by origin into `count` shards that exchange only cell aggregates each
    # year (engine/people/shards.py). 1 = an ordinary single-process run.
    count: int = 1
    # local: shards in this process, one after the other (checks the split; no speed-up);
    # ray: one Ray actor per shard, on this machine or the cluster at `address`.
    backend: str = "local"
    # Ray cluster address ("auto" joins a running cluster); empty starts a local Ray.
    address: str = ""
    # numba threads (and Ray CPUs) per shard; 0 = this machine's cores // count.
    cpus_per_shard: int = 0


@dataclass
class MigsimConf:
    world: WorldConf = field(default_factory=WorldConf)
    population: PopulationConf = field(default_factory=PopulationConf)
    regime: RegimeConf = field(default_factory=RegimeConf)
    behaviour: BehaviourConf = field(default_factory=BehaviourConf)
    economy: EconomyConf = field(default_factory=EconomyConf)
    experiment: Any = None
    seed: int = 1
    years: int = 30
    base_year: int = 2013
    # numba threads; 0 uses every available thread.
    threads: int = 0
    progress: bool = True
    # Write people.parquet (one row per living person) at the end of the run.
    snapshot: bool = False
    # Save the whole state every K simulated years (0 = never) as checkpoint-YEAR.pkl in
    # the run directory (the base year included); `resume=PATH` continues such a run;
    # `start_from=PATH` starts a new run (any regime) from a base-year checkpoint.
    checkpoint_every: int = 0
    resume: str = ""
    start_from: str = ""
    shards: ShardsConf = field(default_factory=ShardsConf)


def register() -> None:
    """Register the schema so `configs/config.yaml` can use it in its defaults list."""
    cs = ConfigStore.instance()
    cs.store(name="migsim_schema", node=MigsimConf)
    cs.store(group="behaviour", name="base_behaviour", node=BehaviourConf)


def validate(cfg: Any) -> None:
    """Check values that types alone cannot; raise InputError naming the field.

    Called before any work (population synthesis, files) is done.
    """
    if cfg.seed < 0 or cfg.seed >= 2**63:
        raise InputError("seed", f"{cfg.seed} is out of range", "an integer in [0, 2**63)")
    if cfg.years < 1 or cfg.years > 500:
        raise InputError("years", f"{cfg.years} is not a valid number of years", "1 to 500")
    if not 1900 <= cfg.base_year <= 2100:
        raise InputError("base_year", f"{cfg.base_year} is out of range", "1900 to 2100")
    if cfg.checkpoint_every < 0:
        raise InputError(
            "checkpoint_every",
            f"{cfg.checkpoint_every} is negative",
            "0 (never) or a number of years",
        )
    if cfg.resume and cfg.start_from:
        raise InputError("resume", "cannot be combined with start_from", "one of the two")
    sh = cfg.shards
    if not 1 <= sh.count <= 4096:
        raise InputError("shards.count", f"{sh.count} is out of range", "1 to 4096")
    if sh.backend not in BACKENDS:
        raise InputError("shards.backend", f"'{sh.backend}' is not a backend", ", ".join(BACKENDS))
    if sh.cpus_per_shard < 0:
        raise InputError(
            "shards.cpus_per_shard", f"{sh.cpus_per_shard} is negative", "0 (auto) or a count"
        )
    if sh.backend == "ray":
        for name in ("checkpoint_every", "resume", "start_from", "snapshot"):
            if getattr(cfg, name):
                raise InputError(
                    name,
                    "is not available with shards.backend=ray (people stay on the workers)",
                    f"{name} with shards.backend=local, or a Ray run without it",
                )
    if cfg.threads < 0:
        raise InputError("threads", f"{cfg.threads} is negative", "0 (all) or a positive count")
    b = cfg.behaviour
    checks = {
        "income_elasticity": (0.0, 10.0),
        "nest_dissimilarity": (0.05, 1.0),
        "network_elasticity_low": (0.0, 3.0),
        "network_elasticity_high": (0.0, 3.0),
        "network_max_ratio": (1.0, 1e6),
        "credential_transfer_low": (0.0, 1.5),
        "credential_transfer_high": (0.0, 1.5),
        "return_hazard_scale": (0.0, 1.0),
        "return_hazard_shape": (0.1, 3.0),
        "temporary_return_multiplier": (0.0, 20.0),
        "irregular_return_multiplier": (0.0, 20.0),
        "onward_share": (0.0, 1.0),
        "borrowing": (0.0, 20.0),
        "upfront_cost_months": (0.0, 120.0),
        "stock_growth": (-0.2, 0.2),
        "intra_return_hazard": (0.0, 1.0),
        "free_mobility_extra_share": (0.0, 1.0),
    }
    for name, (lo, hi) in checks.items():
        value = getattr(b, name)
        if not lo <= value <= hi:
            raise InputError(f"behaviour.{name}", f"{value} is out of range", f"{lo} to {hi}")
    profile = list(b.age_profile)
    if len(profile) != 9 or any((not isinstance(v, (int, float))) or v <= 0 for v in profile):
        raise InputError(
            "behaviour.age_profile",
            f"{profile}",
            "9 positive numbers, one per age band 0-14 ... 65+",
        )
    e = cfg.economy
    if e.closure not in ("short_run", "long_run", "partial"):
        raise InputError(
            "economy.closure", f"'{e.closure}' is not a closure", "short_run, long_run, partial"
        )
    for name, (lo, hi) in {
        "sigma_skill": (1.0001, float("inf")),
        "sigma_nativity": (1.0001, float("inf")),
        "capital_adjustment": (0.0, 1.0),
        "externality": (0.0, 2.0),
        "credential_years": (0.0, 100.0),
        "remit_probability": (0.0, 1.0),
        "savings_rate": (0.0, 1.0),
        "remittances_world_usd_bn": (0.0, 1e5),
        "brain_gain_elasticity": (0.0, 1.0),
        "public_goods_share": (0.0, 0.5),
    }.items():
        value = getattr(e, name)
        if not lo <= value <= hi:
            raise InputError(f"economy.{name}", f"{value} is out of range", f"{lo} to {hi}")
    if e.public_goods_cost not in ("average", "marginal"):
        raise InputError(
            "economy.public_goods_cost", f"'{e.public_goods_cost}'", "average, marginal"
        )
    p = cfg.population
    if p.size < 1000 or p.size > 2_000_000_000:
        raise InputError(
            "population.size", f"{p.size} people cannot be simulated", "1,000 to 2,000,000,000"
        )
    if not 0.0 <= p.stratification <= 1.0:
        raise InputError("population.stratification", f"{p.stratification}", "0.0 to 1.0")
    if not 0.0 <= p.spare_capacity <= 10.0:
        raise InputError("population.spare_capacity", f"{p.spare_capacity}", "0.0 to 10.0")
    for name in ("productivity_sigma", "wealth_sigma"):
        value = getattr(p, name)
        if not 0.0 <= value <= 3.0:
            raise InputError(f"population.{name}", f"{value}", "0.0 to 3.0")
    if not 0.0 < p.wealth_to_income <= 100.0:
        raise InputError("population.wealth_to_income", f"{p.wealth_to_income}", "(0, 100]")
