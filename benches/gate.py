"""Benchmark regression gate: kernel speed as a ratio to the plain-NumPy reference.

`python -m benches.gate` measures, in one process, each numba kernel and its NumPy reference
(tests/reference.py) on the same synthesised default-world population, interleaved, best of
several runs, both on ONE thread (so a busy 2-core machine slows both alike), and compares
the ratios reference_time / kernel_time with benches/baseline.json. It fails (exit 1) only
when a ratio falls by more than `--tolerance` (default 40 %) below the baseline: a tripwire
for gross regressions, not a precision instrument. `--update` rewrites the baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BASELINE = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = 0.40


def compare(result: dict, baseline: dict, tolerance: float = TOLERANCE) -> list[str]:
    """Failure messages: every ratio of `baseline["ratios"]` that `result` misses by more
    than `tolerance` (relative). A ratio missing from `result` is a failure too."""
    failures = []
    for name, base in baseline.get("ratios", {}).items():
        got = result.get("ratios", {}).get(name)
        if got is None:
            failures.append(f"{name}: not measured (baseline {base:.2f})")
        elif got < base * (1.0 - tolerance):
            failures.append(
                f"{name}: ratio {got:.2f} is {100 * (1 - got / base):.0f}% below "
                f"baseline {base:.2f} (tolerance {100 * tolerance:.0f}%)"
            )
    return failures


def measure(size: int = 500_000, repeat: int = 5) -> dict:
    """Ratios reference_time / kernel_time for the decision and the mortality steps."""
    import numba
    import numpy as np

    from benches.common import (
        build_simulation,
        decide_runner,
        mortality_inputs,
        restore,
        snapshot,
        time_min,
    )
    from migsim.kernels import demography as demo
    from tests.reference import decide_reference, mortality_fertility_reference

    sim = build_simulation(size)
    run, setup, args = decide_runner(sim)
    pop = sim.population
    saved = snapshot(pop, ["alive"])
    children = np.zeros(pop.capacity, dtype=np.uint8)
    deaths = np.zeros(pop.capacity, dtype=np.uint8)
    demo_in = mortality_inputs(sim)

    def mortality():
        demo.mortality_and_fertility(*demo_in, children, deaths)

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        setup()
        run()  # JIT / cache load
        times = {"decide": [], "decide_numpy": [], "mortality": [], "mortality_numpy": []}
        for _ in range(2):  # interleave kernel and reference
            times["decide"].append(time_min(run, setup, repeat))
            times["decide_numpy"].append(
                time_min(lambda: decide_reference(*args[:31]), repeat=max(2, repeat // 2))
            )
            times["mortality"].append(time_min(mortality, lambda: restore(pop, saved), repeat))
            times["mortality_numpy"].append(
                time_min(
                    lambda: mortality_fertility_reference(*demo_in),
                    lambda: restore(pop, saved),
                    max(2, repeat // 2),
                )
            )
    finally:
        numba.set_num_threads(threads)
    best = {k: min(v) for k, v in times.items()}
    n = int(pop.alive[: pop.n].sum())
    return {
        "size": size,
        "people": n,
        "threads": 1,
        "seconds": best,
        "ratios": {
            "decide_vs_numpy": best["decide_numpy"] / best["decide"],
            "mortality_vs_numpy": best["mortality_numpy"] / best["mortality"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    parser.add_argument("--size", type=int, default=500_000)
    parser.add_argument("--update", action="store_true", help="write the baseline")
    ns = parser.parse_args(argv)
    result = measure(ns.size)
    print(json.dumps(result, indent=2))
    if ns.update or not ns.baseline.exists():
        ns.baseline.write_text(json.dumps(result, indent=2) + "\n")
        print(f"bench-gate: baseline written to {ns.baseline}")
        return 0
    failures = compare(result, json.loads(ns.baseline.read_text()), ns.tolerance)
    for msg in failures:
        print(f"bench-gate: REGRESSION {msg}", file=sys.stderr)
    if not failures:
        print(
            "bench-gate: ok (no ratio more than "
            f"{100 * ns.tolerance:.0f}% below {ns.baseline.name})"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
