"""One large run in this process: synthesis time, time per year, peak RSS and every
per-person byte (the population's columns and the passes' scratch arrays).

    .venv/bin/python -m benches.scale 500_000_000 --years 2 --threads 2

prints one JSON line (the last line of stdout). 500M agents are the world's 7.2 billion
people at about 1:14. `benches/test_bench_scale.py` runs it in a fresh process (marked
`huge`); docs/memory.md explains the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(size: int, years: int, threads: int | None = None, shards: int = 1) -> dict:
    import numba

    from benches.common import compose
    from migsim.core.world import load_world
    from migsim.kernels.rng import run_key
    from migsim.model.calibration import load_calibration
    from migsim.runtime.assemble import start_simulation

    if threads:
        numba.set_num_threads(threads)
    overrides = ["progress=false", f"population.size={int(size)}", "seed=1"]
    if shards > 1:
        overrides.append(f"shards.count={shards}")
    cfg = compose(*overrides)
    world = load_world(cfg.world.name, cfg.world.path or None)
    calibration = load_calibration(world, cfg.behaviour, cfg.population)
    rss_before = peak_rss_bytes()
    t = time.perf_counter()
    sim = start_simulation(cfg, world, run_key(1), calibration)
    synthesis_s = time.perf_counter() - t
    rss_synthesis = peak_rss_bytes()
    year_s = []
    for _ in range(years):
        t = time.perf_counter()
        sim.step()
        year_s.append(time.perf_counter() - t)
    shards_ = sim.people.shards
    pops = [s.population for s in shards_]
    rows = sum(p.capacity for p in pops)
    people = sum(int(p.alive[: p.n].sum()) for p in pops)
    state = sum(p.nbytes for p in pops)
    scratch: dict[str, int] = {}
    for s in shards_:
        for name, arr in s.scratch.items():
            scratch[name] = scratch.get(name, 0) + int(arr.nbytes)
    peak = peak_rss_bytes()
    return {
        "people": people,
        "rows": rows,
        "threads": numba.get_num_threads(),
        "shards": len(shards_),
        "synthesis_s": synthesis_s,
        "year_s": year_s,
        "year_s_min": min(year_s) if year_s else None,
        "person_years_per_s": people / min(year_s) if year_s else None,
        "state_bytes": state,
        "state_bytes_per_row": state / rows,
        "scratch_bytes": scratch,
        "scratch_bytes_per_person": {k: v / people for k, v in scratch.items()},
        "rss_before_synthesis_bytes": rss_before,
        "peak_rss_after_synthesis_bytes": rss_synthesis,
        "peak_rss_bytes": peak,
        "peak_rss_gib": peak / 2**30,
        "peak_rss_bytes_per_person": (peak - rss_before) / people,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=lambda s: int(s.replace("_", "")))
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--shards", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.size, args.years, args.threads, args.shards)))


if __name__ == "__main__":
    main()
