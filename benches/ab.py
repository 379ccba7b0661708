"""A kernel of this tree against the same kernel of another checkout, in one process.

    .venv/bin/python -m benches.ab OTHER [--size 10_000_000] [--threads 2] [--rounds 9]
                                   [KERNEL ...]

OTHER is the root of another checkout of migsim (e.g. `git worktree add /tmp/before REV`;
it needs no environment of its own). Its kernel modules (`kernels/income.py`, `migration.py`,
`demography.py`, `fused.py`) are loaded under other names beside this tree's, the fused pass
bound to the other tree's decisions and labour supply. One simulated year of the default
world at SIZE people captures each KERNEL's arguments as the engine builds them (by default
the year's four per-person passes: `mortality_fertility_and_ageing`, `decide_and_supply`,
`incomes`, `write_births`); then, ROUNDS times, both versions run on the same arguments, one
after the other, the people restored before each call. The first round is dropped. Prints
one line per kernel (medians and minima in ms, and this tree's median over the other's) and
a JSON line last.

Whole years are too noisy on a shared VM to show a change of a few percent: their
person-years/s move by a quarter from one minute to the next, while the two versions of one
kernel, alternated call by call, meet the same machine. A kernel of the other tree that
calls helpers of other modules (the numba-inlined ones of `migsim.kernels.rng`,
`bundles`, `education`, `aggregate`, `quiet`) gets this tree's: compare trees that differ
in the four modules above only. Both trees' kernels compile afresh, in a numba cache directory of
the run's own (about a minute): numba's on-disk cache keys a kernel by its own file, so a
fused pass would keep an inlined function's old code after the function's module changed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

# the kernels `migsim.people.passes` calls, by the module alias it calls them through
KERNELS = {
    "mortality_fertility_and_ageing": ("demo", "demography"),
    "decide_and_supply": ("fused", "fused"),
    "incomes": ("ik", "income"),
    "write_births": ("demo", "demography"),
}


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def other_kernels(root: Path) -> dict:
    """The other tree's kernel functions by name (its fused pass bound to its own decision
    and supply loops, which numba resolves when the pass is first compiled)."""
    kernels = root / "kernels"
    missing = [
        f
        for f in ("income.py", "migration.py", "demography.py", "fused.py")
        if not (kernels / f).is_file()
    ]
    if missing:
        print(
            f"benches.ab: {root} is not a migsim checkout (no kernels/{missing[0]}); allowed: "
            "the root of another checkout, e.g. one made with git worktree add",
            file=sys.stderr,
        )
        raise SystemExit(2)
    mods = {
        n: _load(kernels / f"{n}.py", f"ab_other_{n}")
        for n in ("income", "migration", "demography", "fused")
    }
    mods["fused"].decide_rows = mods["migration"].decide_rows
    mods["fused"].supply_rows = mods["income"].supply_rows
    return {k: getattr(mods[m], k) for k, (_, m) in KERNELS.items()}


def capture(size: int, names: list[str]):
    """(simulation, {kernel: (function, args, the living rows' columns before the call)})
    from one year of the default world after its first."""
    from benches.common import build_simulation, snapshot
    from migsim.people import passes

    sim = build_simulation(size)
    sim.step()  # compile, and leave the base year
    captured: dict = {}
    saved = {}  # the modules of `passes` replaced by proxies, by alias
    for name in names:
        alias = KERNELS[name][0]
        module = saved.setdefault(alias, getattr(passes, alias))
        proxy = getattr(passes, alias)
        if proxy is module:
            proxy = types.SimpleNamespace(
                **{k: getattr(module, k) for k in dir(module) if not k.startswith("__")}
            )
            setattr(passes, alias, proxy)
        fn = getattr(module, name)

        def spy(*args, _fn=fn, _name=name):
            captured[_name] = (_fn, args, snapshot(sim.population))
            return _fn(*args)

        setattr(proxy, name, spy)
    try:
        sim.step()
    finally:
        for alias, module in saved.items():
            setattr(passes, alias, module)
    return sim, captured


def compare(size: int, threads: int, rounds: int, other: Path, names: list[str]) -> dict:
    import numba

    from benches.common import restore, zero_move_counts

    numba.set_num_threads(threads)
    theirs = other_kernels(other)
    sim, captured = capture(size, names)
    pop = sim.population
    out = {}
    for name in names:
        mine, args, columns = captured[name]
        times: dict[str, list[float]] = {"other": [], "this": []}
        for r in range(rounds + 1):
            for tag, fn in (("other", theirs[name]), ("this", mine)):
                restore(pop, columns)
                if name == "decide_and_supply":
                    zero_move_counts(args[6])  # its MoveTallies
                t0 = time.perf_counter()
                fn(*args)
                if r > 0:  # the first round compiles the other tree's kernel
                    times[tag].append(time.perf_counter() - t0)
        med = {t: statistics.median(v) * 1e3 for t, v in times.items()}
        low = {t: min(v) * 1e3 for t, v in times.items()}
        out[name] = {
            "other_ms": med["other"],
            "this_ms": med["this"],
            "other_min_ms": low["other"],
            "this_min_ms": low["this"],
            "this_over_other": med["this"] / med["other"],
        }
        print(
            f"{name}: other {med['other']:.1f} ms, this {med['this']:.1f} ms (medians of "
            f"{rounds}; minima {low['other']:.1f}, {low['this']:.1f}): this / other "
            f"{med['this'] / med['other']:.3f}"
        )
    return {
        "people": size,
        "threads": threads,
        "rounds": rounds,
        "other": str(other),
        "kernels": out,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the root of another migsim checkout")
    parser.add_argument("kernels", nargs="*", help=f"of {', '.join(KERNELS)} (default: all four)")
    parser.add_argument("--size", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=9)
    ns = parser.parse_args(argv)
    names = ns.kernels or list(KERNELS)
    unknown = [k for k in names if k not in KERNELS]
    if unknown:
        parser.error(f"no kernel {unknown[0]!r}; allowed: {', '.join(KERNELS)}")
    print(json.dumps(compare(ns.size, ns.threads, ns.rounds, ns.other.resolve(), names)))
    return 0


def _cache_set_by_the_caller() -> bool:
    """Whether NUMBA_CACHE_DIR is the caller's own, not the one `import migsim` chose for
    this tree's kernels (`migsim.kernel_cache_dir`)."""
    import migsim

    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if not chosen:
        return False
    return Path(chosen) != migsim.kernel_cache_dir(
        Path(__file__).resolve().parent.parent / "kernels"
    )


if __name__ == "__main__":
    # The other tree's kernels are loaded under names of their own, which numba's cache
    # cannot load back in another process, and this tree's cache is keyed by this tree's
    # kernels only: both trees compile afresh, in a cache directory of this run's own
    # (unless the caller set one); numba is imported with `benches`, so the run starts over
    # with the directory set
    if not _cache_set_by_the_caller():
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="migsim-ab-")
        os.execv(sys.executable, [sys.executable, "-m", "benches.ab", *sys.argv[1:]])
    sys.exit(main())
