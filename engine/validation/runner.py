"""Running the validation experiments: composing their configs, simulating each config once,
and running every selected experiment.

Every simulation validation makes goes through `_simulate` (a run to its end, read back as
`Result`) or `_start_simulation` (a base-year state that an experiment drives itself), so
the assembly behind them is chosen in one place.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from migsim.analysis.runs import Result
from migsim.validation.checks import Check
from migsim.validation.registry import select
from migsim.validation.report import to_frame


def compose(overrides: list[str]):
    """The job config with `overrides`, as `migsim run` would compose it (the public
    `migsim.compose`: a bad override is one InputError naming it)."""
    from migsim.api import compose as _compose

    return _compose(list(overrides))


def _simulate(overrides: list[str], out: Path) -> Result:
    """Simulate the run of `overrides` into the run directory `out` (the public `migsim.run`,
    which records them in `.hydra/overrides.yaml`: `migsim run` with them repeats the run,
    and `migsim collect` and `migsim compare` tell the runs apart)."""
    from migsim.api import run

    return run(overrides, out=out)


def _resolved(overrides: list[str]):
    """The config of `overrides`, its interpolations resolved."""
    from omegaconf import OmegaConf

    cfg = compose(overrides)
    OmegaConf.resolve(cfg)
    return cfg


def _start_simulation(cfg):
    """A Simulation of `cfg` in its base year, with its steps, for an experiment to drive
    (the public `migsim.build_simulation`)."""
    from migsim.api import build_simulation

    return build_simulation(cfg)


class Runner:
    """Runs experiment configs once each and keeps their runs.

    quick: population sizes divided by 8 (at least 20,000 agents); horizons are unchanged.
    scale: population sizes multiplied by this factor (full mode only; 2 checks that the
    verdicts hold with twice the agents); horizons are unchanged.
    seed_offset: added to every config's seed (the k-th of several seeds runs with k - 1), so
    the same experiments repeated give the Monte Carlo spread of every check.
    world: the world every experiment config runs in (`world=<name>`; the default world
    unless given); `base_year` is that world's.
    overrides: Hydra overrides applied to every config after the experiment's own (a model
    variant: `behaviour=...`, `behaviour.*`, `economy.*`, `population.*`; `VARIANT_KEYS`).
    """

    def __init__(
        self,
        root: str | Path,
        quick: bool = False,
        threads: int = 0,
        log: Callable[[str], None] | None = None,
        world: str = "default",
        seed_offset: int = 0,
        scale: float = 1.0,
        overrides: tuple[str, ...] | list[str] = (),
    ):
        self.root = Path(root)
        self.overrides = list(overrides)
        self.scale = float(scale)
        self.seed_offset = int(seed_offset)
        self.quick = quick
        self.world_name = world
        self.threads = threads
        self.runs: dict[str, Result] = {}
        self.seconds: dict[str, float] = {}
        self.log = log or (lambda _msg: None)
        self.cache: dict[str, object] = {}
        self.first_checks: dict[str, dict[str, Check]] = {}  # set by run_all on seed 0

    def size(self, cfg) -> int:
        size = int(cfg.population.size)
        if self.quick:
            return max(20_000, size // 8)
        return size if self.scale == 1.0 else max(20_000, round(size * self.scale))

    def config(
        self,
        experiment: str,
        baseline: bool = False,
        extra: list[str] | None = None,
        world: str | None = None,
    ):
        """The resolved config of configs/experiment/<experiment>.yaml (+ `extra`
        overrides, then the runner's), under the status quo when `baseline`, in the runner's
        world or in `world` (an experiment whose quantity exists only there: a country of the
        232-country world): composed from `overrides_of`, which a run directory records."""
        return _resolved(self.overrides_of(experiment, baseline, extra, world))

    def overrides_of(
        self,
        experiment: str,
        baseline: bool = False,
        extra: list[str] | None = None,
        world: str | None = None,
    ) -> list[str]:
        """The overrides of a run's config, the ones its run directory records: the
        experiment, the world, `extra` and the runner's own, then the runner's size, seed and
        threads, and for a baseline the status quo (the group, then what an experiment's own
        regime keys set)."""
        world = world or self.world_name
        on_world = [] if world == "default" else [f"world={world}"]
        given = [f"+experiment={experiment}", *on_world, *(extra or []), *self.overrides]
        base = compose(given)
        out = given + [
            f"population.size={self.size(base)}",
            f"seed={int(base.seed) + self.seed_offset}",
            f"threads={self.threads}",
            "progress=false",
        ]
        if baseline:
            out += ["regime=status_quo", "regime.name=status_quo", "regime.components=[]"]
        return out

    def run(
        self, experiment: str, baseline: bool = False, extra: list[str] | None = None
    ) -> Result:
        """The run of an experiment config (simulated on first use); a status-quo baseline
        that is the base run's config over fewer years is the base run."""
        name = (
            experiment
            + ("@status_quo" if baseline else "")
            + ("" if not extra else "@" + "_".join(e.replace("/", "-") for e in extra))
        )
        if name in self.runs:
            return self.runs[name]
        recorded = self.overrides_of(experiment, baseline, extra)
        cfg = _resolved(recorded)
        if baseline and self._same_as_base(cfg):
            return self.run("e01_status_quo")
        out = self.root / "runs" / name.replace("=", "-").replace("@", "__")
        if out.exists():
            shutil.rmtree(out)
        t0 = time.perf_counter()
        self.log(f"run {name}: {cfg.population.size:,} agents, {cfg.years} years")
        run = _simulate(recorded, out)
        self.seconds[name] = time.perf_counter() - t0
        self.runs[name] = run
        return run

    def start(
        self,
        experiment: str = "e01_status_quo",
        extra: list[str] | None = None,
        world: str | None = None,
        baseline: bool = False,
    ):
        """A Simulation of the experiment config in its base year (in `world` if given; under
        the status quo when `baseline`), and the config."""
        cfg = self.config(experiment, baseline, extra=extra, world=world)
        return _start_simulation(cfg), cfg

    def _same_as_base(self, cfg) -> bool:
        base = self.config("e01_status_quo")
        return (
            cfg.population.size == base.population.size
            and cfg.seed == base.seed
            and cfg.base_year == base.base_year
            and cfg.years <= base.years
            and cfg.economy == base.economy
            and cfg.world == base.world
            and cfg.behaviour == base.behaviour
        )

    @property
    def base_year(self) -> int:
        """The base year of the runs (the world's: 2013 for the default world)."""
        if "base_year" not in self.cache:
            self.cache["base_year"] = int(self.config("e01_status_quo").base_year)
        return self.cache["base_year"]

    def world(self):
        """The runs' world (loaded once)."""
        if "world" not in self.cache:
            from migsim.core.world import load_world

            self.cache["world"] = load_world(self.world_name)
        return self.cache["world"]


def declared_checks(exp, found, every: bool = True) -> list[Check]:
    """`found`, the checks `exp` returned, refused with one line if one is not a quantity it
    declares, if it gives one twice or (`every`: on the default world) leaves one out: a
    verdict is the declared check's, never one its experiment typed by hand beside it."""
    from migsim.core.errors import InputError

    where = f"experiment '{exp.name}'"
    if not isinstance(found, (list, tuple)):
        raise InputError(where, f"returned a {type(found).__name__}", "a list of checks")
    keys = [c.key if isinstance(c, Check) else repr(c) for c in found]
    for key, check in zip(keys, found):
        if not isinstance(check, Check):
            raise InputError(
                where, f"returned {key}, not a check", "Check rows (point, within, sign)"
            )
        if key not in exp.quantities:
            raise InputError(
                where,
                f"returned the check {key}, which it does not declare",
                "its quantities: " + ", ".join(exp.quantities),
            )
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise InputError(where, f"returned the check {twice[0]} twice", "each quantity once")
    missing = [k for k in exp.quantities if k not in keys]
    if every and missing:
        raise InputError(
            where,
            f"did not return its declared check {missing[0]}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            "a check for every quantity it declares",
        )
    return list(found)


def run_all(
    root: Path,
    quick: bool = False,
    only: list[str] | None = None,
    threads: int = 0,
    log: Callable[[str], None] = print,
    seeds: int = 1,
    world: str = "default",
    scale: float = 1.0,
    max_seeds: int | None = None,
    overrides: tuple[str, ...] | list[str] = (),
) -> tuple[pl.DataFrame, Runner]:
    """Run the experiments `only` names (all when None) in order, `seeds` times (seed offsets
    0, 1, ...), with the population sizes times `scale`; their checks as a frame of per-check
    means, spreads and Monte Carlo errors. Then, up to `max_seeds` seeds in all (never in
    quick mode, whose undecided checks are named in advance), the experiments with a check
    whose verdict is still within Monte Carlo error run again in batches of `seeds` further
    seeds, and those checks are decided on all their seeds. The runner returned is the first
    seed's (its runs feed the figures); the others' run times are added to its list. On a
    world other than the default, experiments declared for the default world only are left
    out unless the world is one of their `runs_on` (`not_run_on` lists them with their
    reasons)."""
    per_seed: list[list[Check]] = []
    runners: list[Runner] = []
    experiments = []
    for exp in select(only):
        if world != "default" and exp.default_world_only and world not in exp.runs_on:
            log(f"{exp.name}: not run on world={world} ({exp.default_world_only})")
            continue
        experiments.append(exp)
    produced: dict[str, str] = {}  # check key -> the experiment that computes it

    def one_seed(k: int, chosen) -> None:
        sub = Path(root) if seeds == 1 and k == 0 else Path(root) / f"seed-offset-{k}"
        runner = Runner(
            sub, quick, threads, log, world, seed_offset=k, scale=scale, overrides=overrides
        )
        checks: list[Check] = []
        for exp in chosen:
            t0 = time.perf_counter()
            found = declared_checks(exp, exp(runner), every=world == "default")
            produced.update({c.key: exp.name for c in found})
            checks += found
            label = f" (seed offset {k})" if seeds > 1 or k > 0 else ""
            log(f"{exp.name}{label}: {time.perf_counter() - t0:.1f} s")
        per_seed.append(checks)
        runners.append(runner)
        if k > 0:
            for name, secs in runner.seconds.items():
                runners[0].seconds[f"{name} (seed offset {k})"] = secs
                runners[0].runs[f"{name} (seed offset {k})"] = runner.runs[name]

    for k in range(seeds):
        one_seed(k, experiments)
    limit = seeds if quick or max_seeds is None else max(int(max_seeds), seeds)
    while len(per_seed) < limit:
        frame = to_frame(per_seed, quick)
        open_keys = [
            f"{e}:{q}"
            for e, q in frame.filter(pl.col("status") == "undecided")
            .select("experiment", "quantity")
            .iter_rows()
        ]
        names = {produced[key] for key in open_keys if key in produced}
        chosen = [exp for exp in experiments if exp.name in names]
        if not chosen:
            break
        batch = min(seeds, limit - len(per_seed))
        log(
            f"{len(open_keys)} verdicts within Monte Carlo error: {', '.join(sorted(names))} "
            f"again with seed offsets {len(per_seed)}-{len(per_seed) + batch - 1}"
        )
        for _ in range(batch):
            one_seed(len(per_seed), chosen)
    first = runners[0]
    # the first seed's checks by experiment (the tests read their notes and bands)
    first.first_checks = {}
    for c in per_seed[0]:
        first.first_checks.setdefault(produced[c.key], {})[c.key] = c
    return to_frame(per_seed, quick), first
