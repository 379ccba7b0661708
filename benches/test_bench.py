"""migsim benchmarks. Run with `make bench` (all) or
`.venv/bin/python -m pytest benches --benchmark-only -m "not huge"` (skips 50M/100M and the
long subprocesses). Figures go to `benchmark.extra_info`: person-years per second, ns per
person-year, ratios to the NumPy reference, thread speed-up, bytes per person, RSS, compile
and start-up times. Timings never assert: targets are reported, not tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np
import pytest

from benches.common import (
    SimulationState,
    alive_count,
    decide_runner,
    mortality_inputs,
    restore,
    snapshot,
    time_min,
)
from migsim.kernels import demography as demo
from migsim.kernels import reference as ref
from migsim.people.moves import MoveCounts
from migsim.people.population import BYTES_PER_PERSON, COLUMNS

M = 1_000_000
ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SIZES = [pytest.param(M, id="1M"), pytest.param(10 * M, id="10M")]
SCALING_SIZES = [*SIZES, pytest.param(50 * M, id="50M", marks=pytest.mark.huge)]
KERNEL_MIN: dict = {}  # (name, size) -> best seconds, for ratios within the session
SCALING: dict = {}  # size -> ns per person-year of the full year


def _min(benchmark) -> float:
    return benchmark.stats.stats.min


def _rate(benchmark, people: int, name: str, size: int) -> float:
    t = _min(benchmark)
    KERNEL_MIN[(name, size)] = t
    benchmark.extra_info.update(
        people=people,
        seconds_min=t,
        person_years_per_s=people / t,
        ns_per_person_year=1e9 * t / people,
    )
    return t


# ---------------------------------------------------------------- full year and scaling
@pytest.mark.parametrize("sim_by_size", SCALING_SIZES, indirect=True)
def test_full_year(benchmark, sim_by_size):
    """Simulation.step with every configured module on (demography, migration, economy...)."""
    sim = sim_by_size
    size = int(sim.population.n)
    state = SimulationState(sim)
    people = alive_count(sim)
    benchmark.group = "full-year"
    benchmark.pedantic(sim.step, setup=state.restore, rounds=3, warmup_rounds=1)
    state.restore()
    _rate(benchmark, people, "full_year", size)
    ns = benchmark.extra_info["ns_per_person_year"]
    SCALING[size] = ns
    smallest = SCALING[min(SCALING)]
    benchmark.extra_info["ns_per_person_year_vs_smallest"] = ns / smallest
    benchmark.extra_info["timings_by_module_s"] = dict(sim.timings)
    sim.timings.clear()


# ---------------------------------------------------------------- kernels alone
@pytest.mark.parametrize("sim_by_size", SIZES, indirect=True)
def test_decide(benchmark, sim_by_size):
    """migsim.kernels.migration.decide alone (inputs built as MigrationStep.run builds them)."""
    sim = sim_by_size
    run, setup, _ = decide_runner(sim)
    benchmark.group = "decide"
    benchmark.pedantic(run, setup=setup, rounds=7, warmup_rounds=1)
    setup()
    _rate(benchmark, alive_count(sim), "decide", sim.population.n)


@pytest.mark.parametrize("sim_by_size", SIZES, indirect=True)
def test_demography(benchmark, sim_by_size):
    """Simulation.demography: mortality, fertility, births, ageing (+ counts)."""
    sim = sim_by_size
    state = SimulationState(sim)
    people = alive_count(sim)
    benchmark.group = "demography"
    benchmark.pedantic(
        sim.demography, args=(sim.year + 1,), setup=state.restore, rounds=5, warmup_rounds=1
    )
    state.restore()
    _rate(benchmark, people, "demography", state.n)


@pytest.mark.parametrize("sim_by_size", SIZES, indirect=True)
def test_aggregate(benchmark, sim_by_size):
    """Simulation.record: cell counts, region table, stock and flow frames."""
    sim = sim_by_size
    R = sim.world.n_regions
    moves = MoveCounts.empty(R)
    deaths = births = np.zeros((R, R), dtype=np.int64)
    state = SimulationState(sim)
    benchmark.group = "aggregate"
    benchmark.pedantic(
        sim.record,
        args=(sim.year + 1, deaths, births, moves),
        setup=state.restore,
        rounds=7,
        warmup_rounds=1,
    )
    state.restore()
    _rate(benchmark, alive_count(sim), "aggregate", sim.population.n)


# ---------------------------------------------------------------- NumPy reference, ratios
def test_decide_numpy_reference(benchmark, sim_1m):
    """migsim.kernels.reference.migration.decide at 1M; ratio = twin / kernel (same session)."""
    run, setup, args = decide_runner(sim_1m)
    key, year, n, people, cells, levers, _ = args
    benchmark.group = "decide"
    benchmark.pedantic(
        ref.migration.decide, args=(key, year, n, people, cells, levers), rounds=3, warmup_rounds=0
    )
    people = alive_count(sim_1m)
    t_ref = _rate(benchmark, people, "decide_numpy", sim_1m.population.n)
    t_kernel = KERNEL_MIN.get(("decide", sim_1m.population.n)) or time_min(run, setup, 7)
    benchmark.extra_info["kernel_speedup_vs_numpy"] = t_ref / t_kernel
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        t1 = time_min(run, setup, 7)
    finally:
        numba.set_num_threads(threads)
    benchmark.extra_info["kernel_1_thread_speedup_vs_numpy"] = t_ref / t1
    setup()


def test_mortality_numpy_reference(benchmark, sim_1m):
    """Mortality/fertility kernel vs migsim.kernels.reference.demography.mortality_and_fertility."""
    pop = sim_1m.population
    saved = snapshot(pop, ["alive"])
    children = np.zeros(pop.capacity, dtype=np.uint8)
    deaths = np.zeros(pop.capacity, dtype=np.uint8)
    inputs = mortality_inputs(sim_1m)
    benchmark.group = "mortality"
    benchmark.pedantic(ref.demography.mortality_and_fertility, args=inputs, rounds=3)
    t_ref = _rate(benchmark, alive_count(sim_1m), "mortality_numpy", pop.n)
    lanes = demo.vital_lanes(sim_1m.world.n_regions)  # counts only add up: reused
    t_kernel = time_min(
        lambda: demo.mortality_and_fertility(*inputs, children, deaths, *lanes),
        lambda: restore(pop, saved),
        7,
    )
    restore(pop, saved)
    benchmark.extra_info["kernel_seconds_min"] = t_kernel
    benchmark.extra_info["kernel_speedup_vs_numpy"] = t_ref / t_kernel


# ---------------------------------------------------------------- threads
@pytest.mark.parametrize("sim_by_size", [pytest.param(10 * M, id="10M")], indirect=True)
def test_threads_decide(benchmark, sim_by_size):
    """decide with 2 threads; extra_info: speed-up over 1 thread (interleaved, best of 5)."""
    sim = sim_by_size
    run, setup, _ = decide_runner(sim)
    threads = numba.get_num_threads()
    best = {1: [], threads: []}
    try:
        for _ in range(2):
            for t, times in best.items():
                numba.set_num_threads(t)
                times.append(time_min(run, setup, 5))
    finally:
        numba.set_num_threads(threads)
    benchmark.group = "threads"
    benchmark.pedantic(run, setup=setup, rounds=3)
    setup()
    benchmark.extra_info.update(
        threads=threads,
        seconds_1_thread=min(best[1]),
        seconds_n_threads=min(best[threads]),
        speedup=min(best[1]) / min(best[threads]),
    )


def test_threads_full_year(benchmark, sim_1m):
    """Full year at 1M with all threads; extra_info: speed-up over 1 thread."""
    state = SimulationState(sim_1m)
    threads = numba.get_num_threads()
    best = {1: [], threads: []}
    try:
        for _ in range(2):
            for t, times in best.items():
                numba.set_num_threads(t)
                times.append(time_min(sim_1m.step, state.restore, 3))
    finally:
        numba.set_num_threads(threads)
    benchmark.group = "threads"
    benchmark.pedantic(sim_1m.step, setup=state.restore, rounds=2)
    state.restore()
    benchmark.extra_info.update(
        threads=threads,
        seconds_1_thread=min(best[1]),
        seconds_n_threads=min(best[threads]),
        speedup=min(best[1]) / min(best[threads]),
    )


# ---------------------------------------------------------------- memory
MEMORY_SCRIPT = r"""
import json, resource, sys, time
from benches.common import build_population
size = int(sys.argv[1])
t = time.perf_counter()
pop = build_population(size)
seconds = time.perf_counter() - t
print(json.dumps({"people": int(pop.n), "capacity": int(pop.capacity),
                  "population_bytes": int(pop.nbytes), "synthesis_s": seconds,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _subprocess_json(args, env=None, timeout=1200) -> dict:
    out = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_bytes_per_person(benchmark, sim_1m):
    """Population state per person: dtype layout and measured array bytes / capacity."""
    pop = sim_1m.population
    benchmark.group = "memory"
    benchmark.pedantic(lambda: pop.nbytes, rounds=1)
    benchmark.extra_info.update(
        bytes_per_person_layout=BYTES_PER_PERSON,
        bytes_per_row_measured=pop.nbytes / pop.capacity,
        bytes_per_living_person=pop.nbytes / alive_count(sim_1m),
        columns={k: np.dtype(v).itemsize for k, v in COLUMNS.items()},
    )


@pytest.mark.huge
def test_memory_100m(benchmark):
    """Synthesise 100M people in a fresh process: array bytes and peak RSS (getrusage).
    MIGSIM_BENCH_100M_SIZE overrides the size."""
    size = int(os.environ.get("MIGSIM_BENCH_100M_SIZE", 100 * M))
    result = {}
    benchmark.group = "memory"
    benchmark.pedantic(
        lambda: result.update(_subprocess_json([PY, "-c", MEMORY_SCRIPT, str(size)])), rounds=1
    )
    result["bytes_per_person"] = result["population_bytes"] / result["people"]
    result["peak_rss_gib"] = result["peak_rss_bytes"] / 2**30
    result["peak_rss_bytes_per_person"] = result["peak_rss_bytes"] / result["people"]
    benchmark.extra_info.update(result)


# ---------------------------------------------------------------- compile and start-up
WARMUP_SCRIPT = r"""
import json, time
t0 = time.perf_counter()
from benches.common import build_simulation
t1 = time.perf_counter()
sim = build_simulation(20_000)
sim.step()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_year_s": t2 - t1, "total_s": t2 - t0}))
"""


@pytest.mark.huge
def test_compile_cold_and_warm(benchmark):
    """Import + 20k-person simulation + first year in a new process with an empty
    NUMBA_CACHE_DIR (cold compile), then again with that cache filled (warm)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = {}
        benchmark.group = "compile"
        benchmark.pedantic(
            lambda: cold.update(_subprocess_json([PY, "-c", WARMUP_SCRIPT], env)), rounds=1
        )
        warm = _subprocess_json([PY, "-c", WARMUP_SCRIPT], env)
    benchmark.extra_info.update({f"cold_{k}": v for k, v in cold.items()})
    benchmark.extra_info.update({f"warm_{k}": v for k, v in warm.items()})


def _engine_run(overrides: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as run_dir:
        subprocess.run(
            [
                PY,
                "-m",
                "migsim.runtime.app",
                *overrides,
                "progress=false",
                f"hydra.run.dir={run_dir}",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=1200,
        )
        return json.loads((Path(run_dir) / "manifest.json").read_text())["timings_s"]


def test_startup_to_first_year(benchmark):
    """`migsim run` (1M people, default world) with a warm cache: manifest
    timing start_to_first_year (process start-up before run_simulation not included)."""
    _engine_run(["years=1"])  # fills the cache if needed
    timings = {}
    benchmark.group = "startup"
    benchmark.pedantic(lambda: timings.update(_engine_run(["years=1"])), rounds=1)
    benchmark.extra_info.update(
        start_to_first_year_s=timings["start_to_first_year"],
        process_wall_s=_min(benchmark),
        timings_s=timings,
    )


@pytest.mark.huge
def test_default_run_end_to_end(benchmark):
    """The default job: 1M people, 30 years, `migsim run progress=false`."""
    timings = {}
    benchmark.group = "startup"
    benchmark.pedantic(lambda: timings.update(_engine_run([])), rounds=1)
    benchmark.extra_info.update(
        process_wall_s=_min(benchmark),
        timings_s=timings,
        person_years_per_s=30 * M / timings["total"],
    )


# ---------------------------------------------------------------- sharded runs
def _years_s(timings: dict) -> float:
    return sum(v for k, v in timings.items() if k.startswith("year."))


def test_sharded_run_overhead(benchmark, tmp_path):
    """One run split into 4 local shards against the same run in one shard (1M people, 5
    years, in this process): the cost of routing every per-person pass through shards and
    adding their aggregates. Local shards run one after the other, so this is the overhead
    a Ray run pays on top of its parallelism (`shards.backend=ray`; figures in
    docs/operations.md)."""
    from benches.common import compose
    from migsim.runtime.app import run_simulation

    common = ("population.size=1000000", "years=5", "progress=false")
    run_simulation(compose(*common), tmp_path / "warm")  # compile outside the timing
    one = min(
        _years_s(run_simulation(compose(*common), tmp_path / f"one{i}").manifest["timings_s"])
        for i in range(2)
    )
    sharded = {}
    benchmark.group = "shards"
    benchmark.pedantic(
        lambda: sharded.update(
            run_simulation(compose(*common, "shards.count=4"), tmp_path / "four").manifest[
                "timings_s"
            ]
        ),
        rounds=1,
    )
    four = _years_s(sharded)
    benchmark.extra_info.update(
        years_s_one_shard=one, years_s_four_shards=four, four_over_one=four / one
    )
