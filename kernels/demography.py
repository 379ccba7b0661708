"""Demography kernel: mortality, births into preallocated rows, ageing.

Order within a year, for people alive at its start:
1. death with probability q[location, sex, age];
2. survivors who are women aged 15-49 give birth to `fertility[location, age] *
   weight[origin] / weight[location]` agent-children in expectation (integer part plus a
   Bernoulli draw for the fraction), since a child's origin, and so its weight, is its
   region of birth;
3. survivors age by one year; years abroad grow for those living outside their origin.
Children are written after row `n` in person order, so ids are stable and deterministic.

Performance: `write_births_counted` counts the births by (origin, location) while writing
them (saving a pass and a parallel region); counts are
integers, so the result equals `count_pairs` over the new rows for any number of threads.
`block_totals` and `age_one_year` are serial: they cost ~0.2-0.4 ms per million people on
one thread, less than the fork/join of a parallel region on a shared 2-core machine (where a
region waits a scheduler slice, ~10 ms, for its second thread whenever another process runs).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from kernels._config import BLOCK, JIT, PARALLEL_JIT
from kernels.rng import Stream, uniform

MOTHER_MIN_AGE, MOTHER_MAX_AGE = 15, 49
SHARE_BORN_FEMALE = 1.0 / 2.05  # sex ratio at birth 1.05 males per female (UN WPP) [K]


@nb.njit(**PARALLEL_JIT)
def mortality_and_fertility(
    key,
    year,
    n,
    person_id,
    alive,
    age,
    sex,
    origin,
    location,
    death_probability,
    fertility,
    weight,
    children,
    deaths_out,
):
    """Draw deaths and count each woman's agent-children this year.

    children[i] (uint8) receives the number of agent-children of person i;
    deaths_out[i] is 1 for someone who died this year (their row stays, alive = 0).
    """
    for i in nb.prange(n):
        children[i] = 0
        deaths_out[i] = 0
        if alive[i] == 0:
            continue
        pid = person_id[i]
        a = age[i]
        loc = location[i]
        if uniform(key, pid, year, Stream.MORTALITY) < death_probability[loc, sex[i], a]:
            alive[i] = 0
            deaths_out[i] = 1
            continue
        if sex[i] == 0 and MOTHER_MIN_AGE <= a <= MOTHER_MAX_AGE:
            expected = fertility[loc, a] * weight[origin[i]] / weight[loc]
            whole = int(expected)
            if uniform(key, pid, year, Stream.FERTILITY) < expected - whole:
                whole += 1
            children[i] = min(whole, 255)


@nb.njit(**JIT)
def block_totals(counts, n, block):
    """Sum of `counts[:n]` per fixed block (integer). Serial on purpose (see module doc)."""
    n_blocks = (n + block - 1) // block
    out = np.zeros(n_blocks, dtype=np.int64)
    for b in nb.prange(n_blocks):
        s = 0
        for i in range(b * block, min(n, (b + 1) * block)):
            s += counts[i]
        out[b] = s
    return out


@nb.njit(**PARALLEL_JIT)
def write_births_counted(
    key,
    year,
    n,
    next_id,
    block,
    block_offset,
    children,
    location,
    person_id,
    alive,
    age,
    sex,
    skill,
    origin,
    loc_out,
    status,
    years_abroad,
    visa_years_left,
    wealth,
    n_regions,
):
    """Write every agent-child into rows n + offset, in mother order, and return the births
    by (origin, location) of the child (int64 R x R;
    a child's origin and location are its mother's location)."""
    n_blocks = block_offset.shape[0]
    partial = np.zeros((n_blocks, n_regions), dtype=np.int64)
    for b in nb.prange(n_blocks):
        slot = block_offset[b]
        for i in range(b * block, min(n, (b + 1) * block)):
            k = children[i]
            if k == 0:
                continue
            loc = location[i]
            partial[b, loc] += k
            for _ in range(k):
                row = n + slot
                pid = next_id + slot
                person_id[row] = pid
                alive[row] = 1
                age[row] = 0
                sex[row] = 0 if uniform(key, pid, year, Stream.BIRTH_SEX) < SHARE_BORN_FEMALE else 1
                skill[row] = 0
                origin[row] = loc
                loc_out[row] = loc
                status[row] = 0
                years_abroad[row] = 0
                visa_years_left[row] = 0
                wealth[row] = 0.0
                slot += 1
    births = np.zeros((n_regions, n_regions), dtype=np.int64)
    for b in range(n_blocks):
        for r in range(n_regions):
            births[r, r] += partial[b, r]
    return births


@nb.njit(**JIT)
def age_one_year(n, alive, age, origin, location, years_abroad, max_age):
    """Survivors age by a year; those at max_age are removed (alive = 0). Serial on
    purpose (see module doc)."""
    for i in nb.prange(n):
        if alive[i] == 0:
            continue
        if age[i] >= max_age:
            alive[i] = 0
            continue
        age[i] += 1
        if origin[i] != location[i] and years_abroad[i] < 255:
            years_abroad[i] += 1


def exclusive_scan(totals: np.ndarray) -> tuple[np.ndarray, int]:
    """Offsets of each block and the grand total (serial, over a few blocks)."""
    offsets = np.zeros_like(totals)
    if totals.size > 1:
        np.cumsum(totals[:-1], out=offsets[1:])
    return offsets, int(totals.sum())


__all__ = [
    "BLOCK",
    "age_one_year",
    "block_totals",
    "exclusive_scan",
    "mortality_and_fertility",
    "write_births_counted",
]
