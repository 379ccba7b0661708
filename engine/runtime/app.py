"""`migsim run`: one simulation run (or a Hydra sweep with -m).

`run_simulation(cfg, run_dir)` is the programmatic entry point used by the Hydra task, the
`migsim` command and the tests. Bad input ends the process with one line on stderr and exit
code 2; Ctrl-C ends it with code 130 and leaves no table of the interrupted run behind.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import polars as pl
from omegaconf import DictConfig

from migsim.runtime import checkpoint
from migsim.people import shards
from migsim.model.behaviour import load_behaviour
from migsim.model.calibration import load_calibration
from migsim.config import register, validate
from migsim.steps.economy import EconomyStep, EducationStep
from migsim.core.errors import InputError
from migsim.core.resources import config_dir
from migsim.steps.migration import MigrationStep
from migsim.runtime.outputs import RunWriter, config_digest, git_sha, package_versions
from migsim.people.population import BYTES_PER_PERSON, agents_per_origin, synthesise_population
from migsim.regimes import apply_regime, initial_irregular_share, status_quo
from migsim.runtime.simulation import FLOWS_SCHEMA, Simulation, set_threads
from migsim.core.world import load_world
from migsim.kernels.rng import run_key

register()

CONFIG_DIR = str(config_dir())

VOLATILE_KEYS = ("progress", "threads")


@dataclass
class RunResult:
    run_dir: Path
    summary: dict
    manifest: dict


def hashed_config(cfg: DictConfig) -> tuple[str, str]:
    return config_digest(cfg, VOLATILE_KEYS)


def build_steps(cfg: DictConfig, sim: Simulation, calibration=None) -> list:
    """Modules of the yearly loop, in their fixed order (demography always runs first)."""
    steps = []
    R = sim.world.n_regions
    policy_cost = calibration.policy_cost if calibration is not None else np.zeros((R, R, 2))
    policy = apply_regime(cfg.regime, sim.world, status_quo(sim.world, policy_cost))
    if cfg.economy.enabled and cfg.economy.education:
        steps.append(EducationStep(sim, cfg.economy, cfg.behaviour, policy))
    if cfg.behaviour.migration:
        behaviour = load_behaviour(cfg.behaviour)
        steps.append(
            MigrationStep(sim, cfg.behaviour, cfg.population, behaviour, calibration, policy)
        )
    if cfg.economy.enabled:
        steps.append(EconomyStep(sim, cfg.economy, cfg.behaviour, cfg.population, policy))
    return steps


def run_simulation(cfg: DictConfig, run_dir: str | Path, progress: bool | None = None) -> RunResult:
    """Validate, synthesise, simulate `cfg.years` years and commit the run directory."""
    t_start = time.perf_counter()
    validate(cfg)
    world = load_world(cfg.world.name, cfg.world.path or None)
    calibration = None
    if cfg.behaviour.migration:
        load_behaviour(cfg.behaviour)  # fail early on a bad plug-in name
        calibration = load_calibration(world, cfg.behaviour, cfg.population)
    threads = set_threads(cfg.threads)
    key = run_key(cfg.seed)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    writer = RunWriter(run_dir)
    timings: dict[str, float] = {}
    stop = _StopRequest()
    sim = None
    try:
        t0 = time.perf_counter()
        if cfg.resume:
            sim = checkpoint.load(cfg.resume, cfg)
        else:
            sim = _start(cfg, world, key, calibration)
            if cfg.checkpoint_every:
                checkpoint.save(run_dir / f"checkpoint-{sim.year}.pkl", sim, cfg)
        timings["synthesis"] = time.perf_counter() - t0
        t_first = None
        show = cfg.progress if progress is None else progress
        remaining = cfg.base_year + cfg.years - sim.year
        if remaining < 0:
            raise InputError(
                "years",
                f"{cfg.years} is before the checkpoint's year {sim.year}",
                f"at least {sim.year - cfg.base_year}",
            )
        years = range(remaining)
        if show:
            from tqdm import tqdm

            years = tqdm(years, desc="migsim years", unit="yr", file=sys.stderr)
        log = open(run_dir / "progress.jsonl", "a")
        with stop, log:
            for _ in years:
                t_year = time.perf_counter()
                sim.step()
                if t_first is None:
                    t_first = time.perf_counter() - t_start
                summary = sim.world_summary()
                log.write(
                    json.dumps(
                        {
                            "year": sim.year,
                            "seconds": time.perf_counter() - t_year,
                            "population": summary["population"],
                            "migrants": summary["migrants"],
                        }
                    )
                    + "\n"
                )
                log.flush()
                due = (
                    cfg.checkpoint_every and (sim.year - cfg.base_year) % cfg.checkpoint_every == 0
                )
                path = None
                # people on Ray workers are not saved (checkpoint_every is refused with Ray)
                if (due or stop.requested) and sim.people.backend == "local":
                    path = checkpoint.save(run_dir / f"checkpoint-{sim.year}.pkl", sim, cfg)
                if stop.requested:
                    raise Interrupted(path)
        t0 = time.perf_counter()
        records = dict(sim.records)
        for step in sim.steps:
            records.update(getattr(step, "records", {}))
        for name, frames in records.items():
            if not frames:
                frame = pl.DataFrame(schema=FLOWS_SCHEMA)
            else:
                frame = pl.concat(frames, how="diagonal_relaxed")
                frame = frame.with_columns(pl.col(pl.Float64).fill_null(0.0))
            if name == "regions":
                frame = frame.rename({"tertiary_share_25plus": "tertiary_share"})
                if "gdp" in frame.columns:
                    frame = frame.with_columns(gdp_per_capita=pl.col("gdp") / pl.col("population"))
            writer.table(name, frame)
        if cfg.snapshot:
            pop = sim.population or shards.merge(sim.people.map(shards.population))
            writer.file("people.parquet", pop.save)
        timings["write"] = time.perf_counter() - t0
        timings.update({f"year.{k}": v for k, v in sim.timings.items()})
        summary = sim.world_summary()
        base = sim.records["regions"][0]
        summary["base_migrants"] = float(base["immigrants"].sum())
        summary["base_population"] = float(base["population"].sum())
        timings["total"] = time.perf_counter() - t_start
        timings["start_to_first_year"] = t_first
        config_yaml, digest = hashed_config(cfg)
        living = sim.people.map(shards.living)  # agents alive per shard
        manifest = {
            "seed": int(cfg.seed),
            "config_hash": digest,
            "git_sha": git_sha(),
            "packages": package_versions(),
            "numba_threads": threads,
            "threading_layer": _threading_layer(),
            "timings_s": timings,
            "agents": int(cfg.population.size),
            "agents_at_end": sum(living),
            "bytes_per_person": BYTES_PER_PERSON,
            "population_bytes": int(sim.people.sum(shards.population_bytes)),
            "shards": {"count": len(living), "backend": sim.people.backend},
            "world": world.name,
            "calibration": (
                None
                if calibration is None
                else {k: calibration.provenance.get(k) for k in ("key", "source", "iterations")}
            ),
            "base_year": int(cfg.base_year),
            "years": int(cfg.years),
            "summary": summary,
            "config": config_yaml,
        }
        writer.commit(manifest)
    except BaseException:
        writer.abort()
        raise
    finally:
        if sim is not None:
            sim.people.close()
    return RunResult(run_dir, summary, manifest)


def _start(cfg: DictConfig, world, key, calibration) -> Simulation:
    """The base-year state: synthesised, or taken from `start_from`, with its steps."""
    if cfg.start_from:
        saved = checkpoint.load(cfg.start_from, cfg, field="start_from", any_regime=True)
        if saved.year != cfg.base_year:
            raise InputError(
                f"start_from={cfg.start_from}",
                f"holds year {saved.year}, not the base year {cfg.base_year}",
                "a checkpoint of the base year (checkpoint_every > 0 saves one)",
            )
        pop = saved.population or shards.merge(saved.people.map(shards.population))
        people = _shard(cfg, world, pop) if _is_sharded(cfg) else pop
    elif _is_sharded(cfg):
        people = _shard(cfg, world, None, key)
    else:
        size = cfg.population.size
        people = synthesise_population(world, size, key, **_synthesis_args(cfg, world))
    sim = Simulation(world, people, key, cfg.base_year)
    sim.record(cfg.base_year)
    sim.steps = build_steps(cfg, sim, calibration)
    # the base year again, now with the economy's base-year values
    for frames in sim.records.values():
        frames.clear()
    for step in sim.steps:
        if hasattr(step, "base_year_values"):
            step.base_year_values(sim)
    sim.record(cfg.base_year)
    return sim


def _synthesis_args(cfg: DictConfig, world) -> dict:
    p = cfg.population
    return dict(
        irregular_share=initial_irregular_share(world),
        stratification=p.stratification,
        spare_capacity=p.spare_capacity,
        wealth_sigma=p.wealth_sigma,
        wealth_to_income=p.wealth_to_income,
        productivity_sigma=p.productivity_sigma,
    )


def _is_sharded(cfg: DictConfig) -> bool:
    return cfg.shards.count > 1 or cfg.shards.backend != "local"


def _shard(cfg: DictConfig, world, pop=None, key=None):
    """The run's people split by origin into `shards.count` shards (engine/people/shards.py):
    `pop` split in this process, or each shard synthesised where it lives."""
    sh = cfg.shards
    _, agents = agents_per_origin(world, cfg.population.size, cfg.population.stratification)
    origin_sets = shards.assign_origins(agents, sh.count)
    synthesis = _synthesis_args(cfg, world)
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
        import ray  # noqa: F401
    except ImportError:
        raise InputError(
            "shards.backend=ray",
            "needs the ray package, which is not installed",
            "local, or install ray",
        ) from None
    cpus = sh.cpus_per_shard or shards.default_cpus_per_shard(len(origin_sets))
    return shards.RayPeople(
        shards.synthesise_shard,
        (world, int(cfg.population.size), int(key), synthesis),
        origin_sets,
        address=sh.address or None,
        cpus_per_shard=cpus,
    )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C: the current year finished and a checkpoint was written (not with Ray shards,
    whose people stay on the workers: then `checkpoint` is None)."""

    def __init__(self, path):
        super().__init__(str(path))
        self.checkpoint = path


class _StopRequest:
    """First Ctrl-C asks the loop to stop after the current year; a second one stops now."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nmigsim: stopping after this year (Ctrl-C again to stop now)", file=sys.stderr)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return "unknown"


def format_summary(result: RunResult) -> str:
    s = result.summary
    t = result.manifest["timings_s"]["total"]
    return (
        f"migsim: {s['year']}: world population {s['population'] / 1e9:.3f} bn, "
        f"migrant stock {s['migrants'] / 1e6:.1f} M ({100 * s['migrant_share']:.2f}%); "
        f"base year {result.manifest['base_year']}: {s['base_migrants'] / 1e6:.1f} M "
        f"({100 * s['base_migrants'] / s['base_population']:.2f}%); "
        f"run time {t:.1f} s\nmigsim: run directory {result.run_dir}"
    )


def _task(cfg: DictConfig) -> Any:
    from hydra.core.hydra_config import HydraConfig

    run_dir = HydraConfig.get().runtime.output_dir
    try:
        result = run_simulation(cfg, run_dir)
    except InputError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(format_summary(result))
    return result.summary


def one_line(exc: BaseException) -> str:
    """Condense a Hydra/OmegaConf composition error into one line."""
    from hydra.errors import MissingConfigException

    text = str(exc).strip()
    if isinstance(exc, MissingConfigException) and "Could not find" in text:
        first = text.splitlines()[0].replace("In 'config': ", "")
        options = exc.options or []
        name = getattr(exc, "missing_cfg_file", None) or ""
        group = name.split("/")[0] if name else "the group"
        return f"{first}; allowed values for {group}: {', '.join(options)}"
    cause = exc.__cause__ or exc.__context__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    head = lines[0] if lines else type(exc).__name__
    if cause is not None:
        detail = [ln.strip() for ln in str(cause).splitlines() if ln.strip()]
        if detail:
            head += ": " + detail[0]
    elif len(lines) > 1:
        head += ": " + lines[1]
    return head


def guarded(fn) -> int:
    """Run `fn()`; bad input becomes one line on stderr and exit code 2."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        return fn() or 0
    except InputError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (HydraException, OmegaConfBaseException) as exc:
        print(f"migsim: config error: {one_line(exc)}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        where = getattr(exc, "checkpoint", None)
        note = f"; resume with resume={where}" if where else ""
        print(
            f"migsim: interrupted; tables of the interrupted run were not written{note}",
            file=sys.stderr,
        )
        sys.exit(130)


def main(argv: list[str] | None = None) -> None:
    """Entry point of `migsim run` and of `migsim run`."""
    import hydra

    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    # Let composition errors reach us instead of Hydra's multi-line report with exit 1.
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    entry = hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")(_task)
    guarded(entry)


if __name__ == "__main__":
    main()
