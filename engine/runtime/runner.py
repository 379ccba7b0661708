"""One run from a composed config to its tables, summary and manifest.

`simulate` runs the years in memory; `run_simulation` does the same and commits a run
directory (tables and `manifest.json` staged next to it, then renamed into place together).
Ctrl-C stops after the current year (with a checkpoint when the run writes a directory) and
leaves no table of the interrupted run behind; a Ctrl-C during the last year or while the
tables are written lets the run finish writing.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from migsim.core.errors import InputError
from migsim.core.threads import set_threads, threading_layer
from migsim.kernels.rng import run_key
from migsim.people import shards
from migsim.people.population import BYTES_PER_PERSON
from migsim.runtime import checkpoint, columns
from migsim.runtime.assemble import prepare, start_simulation
from migsim.runtime.firstcontact import compile_notice
from migsim.runtime.memory import check_memory
from migsim.runtime.outputs import RunWriter, config_digest, git_sha, package_versions
from migsim.runtime.plugin_sources import run_plugins

VOLATILE_KEYS = ("progress", "threads", "memory_check")
log = logging.getLogger("migsim.run")


@dataclass
class RunResult:
    """A finished run: its directory (None for a run kept in memory), summary and manifest;
    `tables` holds the tables of a run kept in memory."""

    run_dir: Path | None
    summary: dict
    manifest: dict
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    people: Any = None  # the living people at the end, when `snapshot=true` and in memory
    interrupted: bool = False  # Ctrl-C came during the last year: written in full, then stop


def hashed_config(cfg: Any) -> tuple[str, str]:
    return config_digest(cfg, VOLATILE_KEYS)


def run_simulation(
    cfg: Any, run_dir: str | Path, progress: bool | None = None, explicit: list | None = None
) -> RunResult:
    """Validate, synthesise, simulate `cfg.years` years and commit the run directory.
    `explicit`: the config keys the user typed (a resumed run names those that differ from
    its checkpoint)."""
    return simulate(cfg, run_dir, progress, explicit)


def simulate(
    cfg: Any,
    run_dir: str | Path | None = None,
    progress: bool | None = None,
    explicit: list | None = None,
):
    """Run `cfg`; with `run_dir`, write the run directory as `migsim run` does, otherwise
    keep the tables in memory (`RunResult.tables`; no progress log and no checkpoints)."""
    t_start = time.perf_counter()
    if cfg.resume:
        checkpoint.check_resume_config(cfg.resume, cfg, explicit)
    inputs = prepare(cfg, before_calibration=lambda world: check_memory(cfg, world))
    world, calibration = inputs.world, inputs.calibration
    _log_start(cfg, world, calibration)
    threads = set_threads(cfg.threads)
    key = run_key(cfg.seed)
    writer = None
    if run_dir is not None:
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        writer = RunWriter(run_dir)
    elif cfg.checkpoint_every or cfg.resume:
        raise InputError(
            "resume" if cfg.resume else "checkpoint_every",
            "needs a run directory",
            "out=DIR (or migsim run)",
        )
    had_progress = run_dir is not None and (run_dir / "progress.jsonl").exists()
    timings: dict[str, float] = {}
    stop = _StopRequest()
    sim = None
    try:
        t0 = time.perf_counter()
        compiled = compile_notice()
        if cfg.resume:
            sim = checkpoint.load(cfg.resume, cfg, world=world, calibration=calibration)
        else:
            sim = start_simulation(cfg, world, key, calibration)
            if cfg.checkpoint_every:
                checkpoint.save(run_dir / checkpoint.file_name(sim.year), sim, cfg)
        timings["synthesis"] = time.perf_counter() - t0
        log.info("synthesis: %.2f s, year %d", timings["synthesis"], sim.year)
        stop.__enter__()  # Ctrl-C from here on: finish the year, or the writing of the run
        t_first = _years(cfg, sim, run_dir, progress, stop, t_start)
        stop.phase = "writing"
        t0 = time.perf_counter()
        tables = sim.tables()
        people = None
        if writer is not None:
            writer.columns = columns.declared(sim.steps)
            for name, frame in tables.items():
                writer.table(name, frame)
        if cfg.snapshot:
            people = sim.population or shards.merge(sim.people.map(shards.population))
            if writer is not None:
                writer.file("people.parquet", lambda path: columns.save_people(people, path))
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
            "threading_layer": threading_layer(),
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
                else {
                    k: calibration.provenance.get(k)
                    for k in ("key", "source", "iterations", "path", "seconds")
                }
            ),
            "numba_compiled_kernels": compiled,  # a cold cache: this run compiled them
            "plugins": run_plugins(cfg, sim.steps),
            "base_year": int(cfg.base_year),
            "years": int(cfg.years),
            "scenario": scenario_record(cfg),
            "summary": summary,
            "config": config_yaml,
        }
        log.info(
            "done: %.2f s in all (write %.2f s, first year after %.2f s)",
            timings["total"],
            timings["write"],
            t_first or 0.0,
        )
        if writer is not None:
            writer.commit(manifest)
    except BaseException as exc:
        if type(exc) is KeyboardInterrupt and run_dir is not None and run_dir.is_dir():
            # stopped mid-year (a second Ctrl-C): the run resumes from its last checkpoint
            exc.checkpoint, exc.earlier = checkpoint.latest(run_dir), True
        if writer is not None:
            writer.abort()
            # bad input found during the years (a plug-in that fails): the progress log this
            # run began is all it wrote, and a refused run leaves no directory (app.py)
            progress_log = run_dir / "progress.jsonl"
            if isinstance(exc, InputError) and not had_progress and progress_log.is_file():
                progress_log.unlink()
        raise
    finally:
        stop.__exit__(None, None, None)
        if sim is not None:
            sim.people.close()
    if stop.requested:
        print("migsim: the last year was done: the run was written in full", file=sys.stderr)
    if writer is not None:
        manifest = dict(manifest, tables=sorted(writer.written))
    return RunResult(run_dir, summary, manifest, tables, people, stop.requested)


def _log_start(cfg: Any, world: Any, calibration: Any) -> None:
    """run.log: what the run is (world, regime, size, seed) and where its calibration came
    from (stored: which file; computed: on the fly, and how long it took)."""
    from migsim.regimes.registry import regime_name

    log.info(
        "world %s, regime %s, %d agents, %d years from %d, seed %d, steps %s",
        world.name,
        regime_name(cfg.regime),
        cfg.population.size,
        cfg.years,
        cfg.base_year,
        cfg.seed,
        list(cfg.steps),
    )
    if cfg.resume:
        log.info("resumed from %s", cfg.resume)
    if calibration is None:
        log.info("calibration: none (migration off)")
        return
    p = calibration.provenance
    if p.get("source") == "stored":
        log.info("calibration: stored, %s", p.get("path"))
    else:
        log.info(
            "calibration: computed on the fly in %.1f s (%s iterations)",
            p.get("seconds") or 0.0,
            p.get("iterations"),
        )


def _years(cfg, sim, run_dir, progress, stop, t_start) -> float | None:
    """Simulate the remaining years; returns the seconds from start to the first year."""
    t_first = None
    show = cfg.progress if progress is None else progress
    remaining = cfg.base_year + cfg.years - sim.year
    if remaining < 0:
        raise InputError(
            "years",
            f"{cfg.years} is before the checkpoint's year {sim.year}",
            f"at least {sim.year - cfg.base_year}",
        )
    bar = YearBar(remaining) if show else None
    log_file = open(run_dir / "progress.jsonl", "a") if run_dir is not None else _NoLog()
    last = remaining - 1
    with log_file, _closing(bar):
        for i in range(remaining):
            t_year = time.perf_counter()
            before = dict(sim.timings)
            sim.step()
            if t_first is None:
                t_first = time.perf_counter() - t_start
            if bar is not None:
                bar.year_done()
            summary = sim.world_summary()
            record = {
                "year": sim.year,
                "seconds": time.perf_counter() - t_year,
                "population": summary["population"],
                "migrants": summary["migrants"],
            }
            log_file.write(json.dumps(record) + "\n")
            log_file.flush()
            steps = ", ".join(f"{k} {v - before.get(k, 0.0):.3f}" for k, v in sim.timings.items())
            log.info("year %d: %.3f s (%s)", sim.year, record["seconds"], steps)
            # a stop requested during the last year waits for the run to be written
            stopping = stop.requested and i != last
            if run_dir is None:
                if stopping:
                    raise Interrupted(None)
                continue
            due = cfg.checkpoint_every and (sim.year - cfg.base_year) % cfg.checkpoint_every == 0
            path = None
            # people on Ray workers are not saved (checkpoint_every is refused with Ray)
            if (due or stopping) and sim.people.backend == "local":
                path = checkpoint.save(run_dir / checkpoint.file_name(sim.year), sim, cfg)
            if stopping:
                raise Interrupted(path)
    return t_first


class _closing:
    """Closes the progress bar (if any) however the years end."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def __enter__(self):
        return self.bar

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False


class YearBar:
    """The progress bar over years. The first year may include numba's compilation (about a
    minute on a cold cache) and would make the time remaining absurd, so the bar shows no
    estimate during it and starts its clock again once it is done."""

    FIRST = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}, first year]"

    def __init__(self, total: int, file: Any = None) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total,
            desc="migsim years",
            unit="yr",
            file=file or sys.stderr,
            bar_format=self.FIRST,
        )
        self.first = True

    def year_done(self) -> None:
        if not self.first:
            self.bar.update(1)
            return
        self.first = False
        self.bar.bar_format = None
        self.bar.reset(total=self.bar.total)  # the clock restarts after the first year
        self.bar.initial = self.bar.n = 1  # the rate counts the years after it only
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


class _NoLog:
    """Stands in for progress.jsonl when a run writes no directory."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Interrupted(KeyboardInterrupt):
    """Ctrl-C: the current year finished and a checkpoint was written (not with Ray shards,
    whose people stay on the workers, nor for a run kept in memory: then `checkpoint` is
    None)."""

    def __init__(self, path):
        super().__init__(str(path))
        self.checkpoint = path


class _StopRequest:
    """First Ctrl-C asks the loop to stop after the current year (after the last year, the
    run is written in full first); a second one stops now."""

    def __init__(self):
        self.requested = False
        self.phase = "years"
        self._previous = None
        self._installed = False

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        what = (
            "finishing the run's tables" if self.phase == "writing" else "stopping after this year"
        )
        print(f"\nmigsim: {what} (Ctrl-C again to stop now)", file=sys.stderr)

    def __enter__(self):
        if not self._installed and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
            self._installed = True
        return self

    def __exit__(self, *exc):
        if self._installed:
            signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)
            self._installed = False
        return False


def format_summary(result: RunResult) -> str:
    """The lines `migsim run` prints at the end of a run."""
    s = result.summary
    t = result.manifest["timings_s"]["total"]
    return (
        f"migsim: {s['year']}: world population {s['population'] / 1e9:.3f} bn, "
        f"migrant stock {s['migrants'] / 1e6:.1f} M ({100 * s['migrant_share']:.2f}%); "
        f"base year {result.manifest['base_year']}: {s['base_migrants'] / 1e6:.1f} M "
        f"({100 * s['base_migrants'] / s['base_population']:.2f}%); "
        f"run time {t:.1f} s\nmigsim: run directory {result.run_dir}"
    )


def scenario_record(cfg: Any) -> dict | None:
    """The run's scenario: name, file and the file's SHA-256 (None without one)."""
    import hashlib

    from migsim.runtime.assemble import scenario_file

    path = str(cfg.scenario.path or "")
    if not path:
        return None
    file = scenario_file(path)
    return {
        "name": str(cfg.scenario.name),
        "path": str(file),
        "sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
    }
