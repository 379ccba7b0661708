"""Run configuration: dataclass schemas registered in Hydra's ConfigStore, and validation.

Every parameter is declared once, with its default, allowed values and meaning
(`migsim.core.params.param`); `migsim params` lists them. The YAML files under configs/ are
checked against these schemas at composition time (types), and `validate` checks the
declared values and the rules between fields before any work is done.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from migsim.core.errors import InputError
from migsim.core.params import check, describe, param
from migsim.model.behaviour import BehaviourConf
from migsim.steps.economy import EconomyConf


def _backends() -> tuple[str, ...]:
    from migsim.people.shards import BACKENDS

    return tuple(BACKENDS)


def _step_names() -> tuple[str, ...]:
    from migsim.steps.registry import available

    return tuple(available())


@dataclass
class WorldConf:
    name: str = param(
        "default",
        doc="a world in engine/data (default, toy, twins, regions12, ...; "
        "`migsim world report` lists them)",
    )
    path: str = param("", doc="directory holding the world's CSV tables; empty: the shipped one")
    base_year: int = param(
        2013,
        range=(1900, 2100),
        doc="the year the world's tables describe (2010 for the worlds built from data); "
        "the run's base_year follows it",
    )


@dataclass
class PopulationConf:
    size: int = param(
        1_000_000,
        range=(1_000, 2_000_000_000),
        problem="{value} people cannot be simulated",
        allowed="1,000 to 2,000,000,000",
        doc="agents simulated at the start",
    )
    stratification: float = param(
        0.7,
        range=(0.0, 1.0),
        doc="agents per origin ~ (people born there)^stratification; 1: equal weights",
    )
    spare_capacity: float = param(
        0.15, range=(0.0, 10.0), doc="rows preallocated for births, share of the initial size"
    )
    productivity_sigma: float = param(
        0.4, range=(0.0, 3.0), doc="lognormal dispersion of productivity (log points)"
    )
    wealth_sigma: float = param(
        1.0, range=(0.0, 3.0), doc="lognormal dispersion of wealth around the regional mean"
    )
    wealth_to_income: float = param(
        1.0,
        range=(0.0, 100.0),
        low_open=True,
        allowed="(0, 100]",
        doc="mean wealth as a multiple of GDP per capita",
    )
    wealth_profile: str = param(
        "flat",
        choices=("flat", "steady_state"),
        problem="{value} is not a wealth profile",
        doc="base-year wealth by age: flat (every adult the mean, children a fifth) or "
        "steady_state (the profile the model's own saving, consumption and bequests keep)",
    )
    bequests: str = param(
        "coming_of_age",
        choices=("coming_of_age", "adults", "none"),
        problem="{value} is not a bequest rule",
        doc="the year's dead leave their wealth where they died to those turning 18 "
        "(coming_of_age) or to every adult (adults); none: it is lost, as in migsim 0.2",
    )


@dataclass
class RegimeConf:
    name: str = param("status_quo", doc="the regime's name (configs/regime/NAME.yaml)")
    components: list[Any] = param(
        factory=list, doc="policy components applied to the status quo, in order"
    )
    add: list[Any] = param(
        factory=list, doc="more components, or names of regimes whose components are added"
    )


@dataclass
class ScenarioConf:
    name: str = param(
        "none", doc="the scenario's name (configs/scenario/NAME.yaml); none: no paths"
    )
    path: str = param(
        "",
        doc="table of exogenous paths (year, region, variable, value), CSV or Parquet; "
        "relative paths are looked up in configs/scenario/ too; empty: none",
    )


@dataclass
class ShardsConf:
    count: int = param(
        1,
        range=(1, 4096),
        doc="shards one run is split into by origin (1: one process; at most the world's regions)",
    )
    backend: str = param(
        "local",
        choices=_backends,
        problem="{value} is not a backend",
        doc="local: shards in this process one after the other; ray: one Ray actor each",
    )
    address: str = param("", doc="Ray cluster address (auto joins a running one); empty: local")
    cpus_per_shard: int = param(
        0,
        range=(0, 1_000_000),
        problem="{value} is negative",
        allowed="0 (auto) or a count",
        doc="numba threads and Ray CPUs per shard; 0: cores // count",
    )


@dataclass
class MigsimConf:
    world: WorldConf = field(default_factory=WorldConf)
    population: PopulationConf = field(default_factory=PopulationConf)
    regime: RegimeConf = field(default_factory=RegimeConf)
    scenario: ScenarioConf = field(default_factory=ScenarioConf)
    behaviour: BehaviourConf = field(default_factory=BehaviourConf)
    economy: EconomyConf = field(default_factory=EconomyConf)
    experiment: Any = param(
        None, doc="validation experiment settings (configs/experiment/, migsim validate)"
    )
    steps: list[str] = param(
        factory=lambda: list(DEFAULT_STEPS),
        doc="steps of the year after demography, in order (a switched-off step is skipped)",
    )
    seed: int = param(
        1,
        range=(0, 2**63 - 1),
        allowed="an integer in [0, 2**63)",
        doc="seed of every random draw",
    )
    years: int = param(
        30,
        range=(1, 500),
        problem="{value} is not a valid number of years",
        doc="years simulated after the base year",
    )
    base_year: int = param(2013, range=(1900, 2100), doc="calendar year of the world tables")
    threads: int = param(
        0,
        range=(0, 1_000_000),
        problem="{value} is negative",
        allowed="0 (all) or a positive count",
        doc="numba threads; 0: every available thread",
    )
    progress: bool = param(True, doc="show a progress bar over years")
    snapshot: bool = param(False, doc="write people.parquet, one row per living person")
    memory_check: bool = param(
        True, doc="refuse a population that would not fit in the available memory"
    )
    checkpoint_every: int = param(
        0,
        range=(0, 1_000_000),
        problem="{value} is negative",
        allowed="0 (never) or a number of years",
        doc="save the whole state every K years as checkpoint-YEAR.npz (0: never)",
    )
    resume: str = param("", doc="continue the run of this checkpoint")
    start_from: str = param("", doc="start a new run (any regime) from a base-year checkpoint")
    shards: ShardsConf = field(default_factory=ShardsConf)


SCHEMAS = (MigsimConf,)
DEFAULT_STEPS = ("education", "migration", "economy")


def register() -> None:
    """Register the schema so `configs/config.yaml` can use it in its defaults list."""
    cs = ConfigStore.instance()
    cs.store(name="migsim_schema", node=MigsimConf)
    cs.store(group="behaviour", name="base_behaviour", node=BehaviourConf)


def validate(cfg: Any) -> None:
    """Check values that types alone cannot; raise InputError naming the field.

    Every declared range and choice first (`migsim.core.params.check`), then the rules that
    involve several fields. Called before any work (population synthesis, files) is done.
    """
    check_keys(MigsimConf, cfg)
    check(MigsimConf, cfg)
    from migsim.steps.registry import check_steps

    check_steps(cfg.steps)
    if cfg.resume and cfg.start_from:
        raise InputError("resume", "cannot be combined with start_from", "one of the two")
    if cfg.shards.backend == "ray":
        for name in ("checkpoint_every", "resume", "start_from", "snapshot"):
            if getattr(cfg, name):
                raise InputError(
                    name,
                    "is not available with shards.backend=ray (people stay on the workers)",
                    f"{name} with shards.backend=local, or a Ray run without it",
                )
    check_scenario(cfg)
    from migsim.regimes.registry import check_components

    check_components(cfg.regime)
    profile = list(cfg.behaviour.age_profile)
    if len(profile) != 9 or any(
        (not isinstance(v, (int, float))) or not math.isfinite(v) or v <= 0 for v in profile
    ):
        raise InputError(
            "behaviour.age_profile",
            f"{profile}",
            "9 positive numbers, one per age band 0-14 ... 65+",
        )
    left = list(cfg.behaviour.family_left_share)
    if len(left) != 9 or any(
        (not isinstance(v, (int, float))) or not math.isfinite(v) or not 0 <= v <= 1 for v in left
    ):
        raise InputError(
            "behaviour.family_left_share",
            f"{left}",
            "9 numbers from 0 to 1, one per age band 0-14 ... 65+",
        )


def check_scenario(cfg: Any) -> None:
    """A scenario named with no table, or a world's table chosen by `world.name` for a world
    given by a `world.path` of another name (`world.name` still the default's), is refused:
    either would run without the paths, or with another world's, and say nothing."""
    from pathlib import Path

    name, path = str(cfg.scenario.name), str(cfg.scenario.path or "")
    if name != "none" and not path:
        raise InputError(
            "scenario.name",
            f"'{name}' with no scenario.path selects no paths",
            "scenario=NAME (the config group, configs/scenario/NAME.yaml) or scenario.path=TABLE",
        )
    world_path = Path(str(cfg.world.path or ""))
    if (
        cfg.world.path
        and world_path.name != str(cfg.world.name)
        and Path(path).name
        in (
            f"projection_{cfg.world.name}.csv",
            f"history_{cfg.world.name}.csv",
        )
    ):
        raise InputError(
            "scenario",
            f"'{name}' reads the table of world '{cfg.world.name}' ({Path(path).name}), and "
            f"world.path gives another world",
            "scenario.path=TABLE for the world of world.path (`migsim world projection` "
            "writes one)",
        )


def plugin_param_overrides(overrides: list[str]) -> list[str]:
    """`behaviour.params.NAME=V`, with or without a leading `+`, as
    `++behaviour.params.NAME=V` (set, adding the key if the config lacks it: `+` alone fails
    when the behaviour's config sets NAME, plain `NAME=V` when it does not). A plug-in's
    parameters are checked against its declaration once it is loaded
    (migsim.model.plugin_params), which names the declared ones; Hydra alone would refuse a
    name the behaviour's config does not set without saying which names exist."""
    check_switches(overrides)
    return [
        f"++{str(o).lstrip('+')}" if str(o).lstrip("+").startswith("behaviour.params.") else o
        for o in overrides
    ]


def check_switches(overrides: list[str]) -> None:
    """A declared on/off parameter given anything but true or false is refused: OmegaConf
    would turn `behaviour.migration=-1` or `economy.enabled=2` into true before any check
    sees the number."""
    switches = {row["name"] for row in parameters() if isinstance(row["default"], bool)}
    for override in overrides:
        key, sep, value = str(override).lstrip("+~").partition("=")
        if not sep or key not in switches or "(" in value:
            continue
        for item in value.split(","):  # a multirun sweeps comma-separated values
            if item.strip().lower() not in ("true", "false"):
                raise InputError(key, f"'{item.strip()}' is not true or false", "true, false")


# Nodes whose keys are free: plug-in parameters, experiment settings, Hydra's own.
FREE_KEYS = ("behaviour.params", "experiment", "hydra")


def check_keys(schema: type, node: Any, prefix: str = "") -> None:
    """Refuse a key the schema does not declare (a `+key=value` override adds keys Hydra
    would otherwise refuse, so a misspelt name would run the default silently)."""
    import dataclasses

    from omegaconf import DictConfig

    if not isinstance(node, DictConfig):
        return
    fields = {f.name: f for f in dataclasses.fields(schema)}
    for key in node.keys():
        where = f"{prefix}{key}"
        if where in FREE_KEYS:
            continue
        f = fields.get(str(key))
        if f is None:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean {prefix}{close[0]}?)" if close else ""
            raise InputError(
                where,
                f"is not a parameter{hint}",
                f"the parameters of {prefix.rstrip('.') or 'the run config'}: " + ", ".join(fields),
            )
        sub = f.type if isinstance(f.type, type) else None
        if f.default_factory is not dataclasses.MISSING:
            sub = type(f.default_factory())
        if sub is not None and dataclasses.is_dataclass(sub):
            check_keys(sub, node.get(key), f"{where}.")


def parameters() -> list[dict]:
    """Every declared parameter of the run config: name, default, allowed values, meaning."""
    return describe(MigsimConf)


def config_error_hint(text: str) -> str:
    """A Hydra/OmegaConf error line with what is allowed added (`config_error_allowed`)."""
    allowed = config_error_allowed(text)
    return f"{text} (allowed: {allowed})" if allowed else text


def config_error_allowed(text: str) -> str | None:
    """What is allowed, for a Hydra/OmegaConf error line: the keys of the node for an
    unknown key (`Key 'sise' not in 'PopulationConf'`), the items there are for an index
    past a list's end (`regime.components.3.rate=0.2`), the declared values for a value
    of the wrong type (`population.size=abc`); None when the line is none of those."""
    import re

    rows = parameters()
    unknown = re.search(r"override '\+*([^']+)'.*Key '([^']+)' not in '", text)
    if unknown:
        parent = unknown.group(1).rpartition(".")[0]
        prefix = f"{parent}." if parent else ""
        keys = sorted(
            {r["name"][len(prefix) :].split(".")[0] for r in rows if r["name"].startswith(prefix)}
        )
        if keys:
            return ", ".join(keys)
    index = re.search(r"override \+*([^=\s]+)=.*list index out of range", text)
    if index:  # `regime.components.3.rate=0.2` where the regime has fewer components
        parts = index.group(1).split(".")
        at = next((i for i, p in enumerate(parts) if p.isdigit()), len(parts))
        listed = ".".join(parts[:at])
        allowed = f"an index below the number of items in {listed} (`--cfg job` prints them)"
        if listed == "regime.components":
            allowed += "; regime.add=[{kind: ...}] adds a component"
        return allowed
    typed = re.search(r"override \+*([^=\s]+)=.*could not be converted to (\w+)", text)
    if typed:
        row = next((r for r in rows if r["name"] == typed.group(1)), None)
        if row is not None:
            return row["allowed"] or f"a value of type {typed.group(2)}"
    return None
