"""Benchmark regression gate: kernel speed as a ratio to the plain-NumPy reference.

`python -m benches.gate` measures, in one process, each numba kernel and its NumPy twin
(`migsim.kernels.reference`) on the same synthesised default-world population, interleaved,
best of several runs, both on ONE thread (so a busy 2-core machine slows both alike), and
the whole-year throughput (person-years/s of `Simulation.step` on the default world, all
threads) as a ratio to the yardstick probe of `benches/probe.py` run in the same process
with the same threads (as many as the baseline's record was measured with, `year_threads`,
when this machine has them; where it has fewer, the full-year ratio is reported and not
compared). It compares the ratios with benches/baseline.json and fails (exit 1) only when a
ratio falls by more than `--tolerance` (default 40 %) below the baseline, or is not a
positive finite number: a tripwire for gross regressions, not a precision instrument. A
missing or unreadable baseline is one line and exit 2, before anything is measured.
`--update` rewrites this kind's record (with when, where and from which commit it was
measured, under "recorded"); a ratio the baseline does not have yet is added to it (the
others are kept). The baseline is written whole or not at all (a temporary file renamed).

Kernels and their NumPy twins do not scale alike from one processor to another (the
mortality kernel runs about 15 times its twin's speed on a Zen 3 and 8-9 times on a Zen 5,
the NumPy side being about as fast on both), so the baseline keeps one record per kind of
CPU, by LLVM's name for the host (`NUMBA_CPU_NAME` if set): a run is compared with its own
kind's record, and on a kind without one with the lowest ratio any kind has recorded.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

BASELINE = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = 0.40


class BaselineError(Exception):
    """The baseline file cannot be used (missing, not JSON, or without ratios)."""


def cpu_kind() -> str:
    """LLVM's name for this machine's CPU, as numba compiles for it (`NUMBA_CPU_NAME` wins)."""
    from llvmlite import binding

    return os.environ.get("NUMBA_CPU_NAME") or binding.get_host_cpu_name()


def baseline_for(baseline: dict, kind: str) -> tuple[dict, str]:
    """(the record to compare with, what it is): `baseline["kinds"][kind]`, or where that
    kind has none the lowest of each ratio over the recorded kinds. A baseline of one record
    (top-level "ratios") applies to every kind."""
    kinds = baseline.get("kinds")
    if kinds is None:
        return baseline, "the baseline"
    if kind in kinds:
        return kinds[kind], f"the {kind} baseline"
    names = sorted({r for rec in kinds.values() for r in rec.get("ratios", {})})
    lowest = {
        r: min(rec["ratios"][r] for rec in kinds.values() if r in rec.get("ratios", {}))
        for r in names
    }
    threads = [rec["year_threads"] for rec in kinds.values() if "year_threads" in rec]
    record = {"ratios": lowest}
    if threads:
        record["year_threads"] = min(threads)
    return record, f"the lowest of the {', '.join(sorted(kinds))} baselines"


def compare(
    result: dict, baseline: dict, tolerance: float = TOLERANCE, skip: frozenset = frozenset()
) -> list[str]:
    """Failure messages: every ratio of `baseline["ratios"]` that `result` misses by more
    than `tolerance` (relative). A ratio missing from `result`, or that is not a positive
    finite number (a failed or empty measurement), is a failure too; `skip` names ratios
    not compared (measured under other conditions than the baseline's)."""
    failures = []
    for name, base in baseline.get("ratios", {}).items():
        got = result.get("ratios", {}).get(name)
        if name in skip:
            continue
        if got is None:
            failures.append(f"{name}: not measured (baseline {base:.2f})")
        elif not (isinstance(got, int | float) and math.isfinite(got) and got > 0):
            failures.append(f"{name}: {got!r} is not a measured ratio (baseline {base:.2f})")
        elif got < base * (1.0 - tolerance):
            failures.append(
                f"{name}: ratio {got:.2f} is {100 * (1 - got / base):.0f}% below "
                f"baseline {base:.2f} (tolerance {100 * tolerance:.0f}%)"
            )
    return failures


def measure(
    size: int = 500_000, repeat: int = 5, year_size: int = 2_000_000, year_threads: int = 0
) -> dict:
    """Ratios reference_time / kernel_time for the decision and the mortality steps (one
    thread), and the full year's person-years/s over the probe's (on `year_threads` threads,
    at most numba's; 0: all of numba's threads)."""
    import numba

    best, people_alive = kernel_times(size, repeat)
    threads = numba.get_num_threads()
    year_threads = min(year_threads or threads, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(year_threads)
    try:
        year_rate, probe_rate = full_year_vs_probe(year_size)
    finally:
        numba.set_num_threads(threads)
    best["full_year_person_years_per_s"] = year_rate
    best["probe_person_years_per_s"] = probe_rate
    return {
        "size": size,
        "people": people_alive,
        "threads": 1,
        "year_size": year_size,
        "year_threads": year_threads,
        "seconds": best,
        "ratios": {
            "decide_vs_numpy": best["decide_numpy"] / best["decide"],
            "mortality_vs_numpy": best["mortality_numpy"] / best["mortality"],
            "full_year_vs_probe": year_rate / probe_rate,
        },
    }


def kernel_times(size: int, repeat: int) -> tuple[dict, int]:
    """Best seconds of `decide`, mortality and their NumPy twins on one thread, and the
    number of living people they ran on."""
    import numba
    import numpy as np

    from benches.common import build_simulation, decide_runner, mortality_inputs, time_min
    from migsim.kernels import demography as demo
    from migsim.kernels import reference as ref

    sim = build_simulation(size)
    run, setup, args = decide_runner(sim)
    key, year, n, people, cells, levers, _ = args
    pop = sim.population
    alive = pop.alive.copy()
    children = np.zeros(pop.capacity, dtype=np.uint8)
    deaths = np.zeros(pop.capacity, dtype=np.uint8)
    demo_in = mortality_inputs(sim)
    lanes = demo.vital_lanes(sim.world.n_regions)  # counts only add up: reused across runs

    def mortality():
        demo.mortality_and_fertility(*demo_in, children, deaths, *lanes)

    def revive():
        pop.alive[:] = alive

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        setup()
        run()  # JIT / cache load
        times = {"decide": [], "decide_numpy": [], "mortality": [], "mortality_numpy": []}
        for _ in range(2):  # interleave kernel and reference
            times["decide"].append(time_min(run, setup, repeat))
            times["decide_numpy"].append(
                time_min(
                    lambda: ref.migration.decide(key, year, n, people, cells, levers),
                    repeat=max(2, repeat // 2),
                )
            )
            times["mortality"].append(time_min(mortality, revive, repeat))
            times["mortality_numpy"].append(
                time_min(
                    lambda: ref.demography.mortality_and_fertility(*demo_in),
                    revive,
                    max(2, repeat // 2),
                )
            )
    finally:
        numba.set_num_threads(threads)
    return {k: min(v) for k, v in times.items()}, int(pop.alive[: pop.n].sum())


def year_and_probe_rounds(size: int = 2_000_000, years: int = 2, rounds: int = 2) -> list:
    """[(person-years/s of `years` full simulated years of the default world at `size`
    people, person-years/s of the probe on the same number of people right after them)] for
    each of `rounds` interleaved rounds, with the numba threads set by the caller."""
    import time

    from benches import probe
    from benches.common import SimulationState, alive_count, build_simulation

    sim = build_simulation(size)
    state = SimulationState(sim)
    sim.step()  # JIT / cache load of every kernel of the year
    state.restore()
    people = alive_count(sim)
    pairs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(years):
            sim.step()
        year_rate = people * years / (time.perf_counter() - t0)
        state.restore()
        pairs.append((year_rate, probe.person_years_per_s(size, years=years)))
    return pairs


def full_year_vs_probe(size: int = 2_000_000, years: int = 2, rounds: int = 2) -> tuple:
    """(person-years/s of the full year, of the probe), each the best of
    `year_and_probe_rounds`' rounds."""
    pairs = year_and_probe_rounds(size, years, rounds)
    return max(y for y, _ in pairs), max(p for _, p in pairs)


def read_baseline(path: Path, update: bool) -> dict:
    """The stored baseline as {"kinds": {kind: record}} (a one-record baseline becomes the
    record of kind "any"). Missing, unreadable or without a ratio: BaselineError, except
    that `update` starts an empty one."""
    if not path.is_file():
        if update:
            return {"kinds": {}}
        raise BaselineError(f"{path}: no such file (make bench-gate ARGS=--update writes one)")
    try:
        stored = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(stored, dict):
        raise BaselineError(f"{path}: not a JSON object")
    if "kinds" not in stored:  # one record for every kind
        stored = {"kinds": {"any": stored} if "ratios" in stored else {}}
    kinds = stored["kinds"]
    bad = [
        k
        for k, rec in (kinds.items() if isinstance(kinds, dict) else [])
        if not isinstance(rec, dict)
        or not isinstance(rec.get("ratios"), dict)
        or not all(isinstance(v, int | float) and v > 0 for v in rec["ratios"].values())
    ]
    if not isinstance(kinds, dict) or bad:
        raise BaselineError(f"{path}: records without positive ratios: {bad or 'kinds'}")
    if not kinds and not update:
        raise BaselineError(f"{path}: no record (make bench-gate ARGS=--update writes one)")
    return stored


def write_baseline(path: Path, stored: dict) -> None:
    """Write the baseline whole: a temporary file beside it, then renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(stored, indent=2) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def provenance() -> dict:
    """Where and when a record was measured: UTC date, commit, numba, cores."""
    import datetime
    import subprocess

    import numba

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASELINE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        "commit": commit,
        "numba": numba.__version__,
        "cpu_count": os.cpu_count(),
        "command": "make bench-gate ARGS=--update",
    }


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text}: allowed a fraction between 0 and 1 (0.4: 40%)")
    return value


def main(argv: list[str] | None = None) -> int:
    import numba

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--tolerance", type=_fraction, default=TOLERANCE)
    parser.add_argument("--size", type=int, default=500_000)
    parser.add_argument("--update", action="store_true", help="write the baseline")
    ns = parser.parse_args(argv)
    kind = cpu_kind()
    try:
        stored = read_baseline(ns.baseline, ns.update)
    except BaselineError as exc:
        print(f"bench-gate: baseline {exc}", file=sys.stderr)
        return 2
    kinds = stored["kinds"]
    if ns.update or not kinds:
        result = measure(ns.size)
        print(json.dumps(result, indent=2))
        kinds[kind] = dict(result, cpu=kind, recorded=provenance())
        write_baseline(ns.baseline, stored)
        print(f"bench-gate: {kind} baseline written to {ns.baseline}")
        return 0
    baseline, label = baseline_for(stored, kind)
    wanted = baseline.get("year_threads", 0)
    result = measure(ns.size, year_threads=wanted)
    print(json.dumps(result, indent=2))
    skip = frozenset()
    if wanted and result.get("year_threads") != wanted:
        skip = frozenset({"full_year_vs_probe"})
        print(
            f"bench-gate: full_year_vs_probe not compared: measured on "
            f"{result.get('year_threads')} threads (NUMBA_NUM_THREADS="
            f"{numba.config.NUMBA_NUM_THREADS}), {label} on {wanted}"
        )
    new = {k: v for k, v in result["ratios"].items() if k not in baseline.get("ratios", {})}
    if new and kind in kinds:  # a newly gated ratio: record it, keep the existing ones
        baseline.setdefault("ratios", {}).update(new)
        for k, v in result.get("seconds", {}).items():
            baseline.setdefault("seconds", {}).setdefault(k, v)
        for k in ("year_size", "year_threads"):
            if k in result:
                baseline.setdefault(k, result[k])
        write_baseline(ns.baseline, stored)
        print(f"bench-gate: new ratios {sorted(new)} added to {ns.baseline}")
    for name, base in sorted(baseline.get("ratios", {}).items()):
        got = result.get("ratios", {}).get(name)
        shown = f"{got:.2f}" if isinstance(got, int | float) else repr(got)
        print(
            f"bench-gate: {name} {shown} ({label} {base:.2f}, fails below "
            f"{base * (1 - ns.tolerance):.2f}{'; not compared' if name in skip else ''})"
        )
    failures = compare(result, baseline, ns.tolerance, skip)
    for msg in failures:
        print(f"bench-gate: REGRESSION {msg} ({label})", file=sys.stderr)
    if not failures:
        print(
            "bench-gate: ok (no ratio more than "
            f"{100 * ns.tolerance:.0f}% below {label}, {ns.baseline.name})"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
