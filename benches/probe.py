"""The project's speed yardstick: a naive per-person logit migration step in numba.

migsim's throughput is reported as a ratio to this probe's, measured in the same process,
so that a figure survives a noisy shared machine (both slow down alike). The probe is
deliberately plain and is not part of migsim: per person-year it computes D logit
utilities, draws one counter-based uniform, picks a destination by inverse CDF, checks
liquidity and adds the person to a per-thread (location, skill) count. State per person
(struct of arrays): age u1, skill u1, origin u1, location u1, wealth f4.

`python -m benches.probe [D=10] [N=10_000_000]` prints ms per year and person-years/s.
"""

from __future__ import annotations

import sys
import time

import numba as nb
import numpy as np
from numba import njit, prange


@njit(inline="always")
def mix64(x):
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


@njit(inline="always")
def uniform(seed, i, t):
    h = mix64(seed ^ mix64(np.uint64(i) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(t)))
    return (h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(parallel=True, fastmath=True, cache=True)
def step(age, skill, origin, loc, wealth, logw, cost, beta, seed, t, nthreads, D, S):
    n = age.shape[0]
    acc = np.zeros((nthreads, D, S), np.int64)
    chunk = (n + nthreads - 1) // nthreads
    for th in prange(nthreads):
        lo = th * chunk
        hi = min(n, lo + chunk)
        u = np.empty(D, np.float32)
        for i in range(lo, hi):
            a = age[i]
            s = skill[i]
            o = origin[i]
            here = loc[i]
            agef = np.float32(0.02) * np.float32(a)
            m = np.float32(-1e30)
            for d in range(D):
                v = beta * logw[d, s] - cost[o, d] * (np.float32(1.0) + agef)
                if d == here:
                    v += np.float32(2.0)
                u[d] = v
                if v > m:
                    m = v
            tot = np.float32(0.0)
            for d in range(D):
                e = np.exp(u[d] - m)
                u[d] = e
                tot += e
            r = np.float32(uniform(seed, i, t)) * tot
            c = 0
            run = u[0]
            while run < r and c < D - 1:
                c += 1
                run += u[c]
            if c != here and wealth[i] < cost[o, c]:
                c = here
            loc[i] = c
            age[i] = a + 1 if a < 90 else 18
            acc[th, c, s] += 1
    out = np.zeros((D, S), np.int64)
    for th in range(nthreads):
        out += acc[th]
    return out


def person_years_per_s(n: int = 10_000_000, D: int = 10, S: int = 3, years: int = 5) -> float:
    """Person-years per second of the probe on n people for `years` years (after one
    untimed year that compiles or loads it), with all numba threads."""
    rng = np.random.default_rng(0)
    age = rng.integers(18, 80, n).astype(np.uint8)
    skill = rng.integers(0, S, n).astype(np.uint8)
    origin = rng.integers(0, D, n).astype(np.uint8)
    loc = origin.copy()
    wealth = rng.random(n, dtype=np.float32) * 5
    logw = rng.random((D, S), dtype=np.float32) * 3
    cost = (rng.random((D, D), dtype=np.float32) * 4).astype(np.float32)
    nt = nb.get_num_threads()
    beta, seed = np.float32(0.7), np.uint64(1)
    step(age, skill, origin, loc, wealth, logw, cost, beta, seed, 0, nt, D, S)
    t0 = time.perf_counter()
    for t in range(years):
        step(age, skill, origin, loc, wealth, logw, cost, beta, seed, t + 1, nt, D, S)
    return n * years / (time.perf_counter() - t0)


def main(n: int = 10_000_000, D: int = 10) -> None:
    rate = person_years_per_s(n, D)
    print(
        f"n={n:,} D={D} threads={nb.get_num_threads()}: {n / rate * 1e3:.1f} ms/year, "
        f"{rate / 1e6:.1f} M person-years/s"
    )


if __name__ == "__main__":
    _usage = "usage: python -m benches.probe [DESTINATIONS [PEOPLE]] (default 10 and 1e7)"
    if sys.argv[1:2] in (["--help"], ["-h"]):
        print(_usage)
        sys.exit(0)
    try:
        _n = int(float(sys.argv[2])) if len(sys.argv) > 2 else 10_000_000
        _d = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    except (ValueError, OverflowError):
        _n = _d = 0
    if _n < 1 or _d < 2:
        print(
            f"benches.probe: {' '.join(sys.argv[1:])}: not usable (allowed: DESTINATIONS >= 2 "
            "and PEOPLE >= 1, numbers)",
            file=sys.stderr,
        )
        sys.exit(2)
    main(n=_n, D=_d)
