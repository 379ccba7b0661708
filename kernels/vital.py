"""A person's vital events of a year, for the demography kernels (`migsim.kernels.demography`,
whose module doc gives the order of the year): the death and birth draws (`_vital`), the
expected children of a native woman by location and age (`home_expected`), and, on the
vector-draw path, the rows that may do more than age found 64 at a time (`vital_rows`,
`_vital_block`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import EXACT_JIT, JIT
from migsim.kernels.bundles import TERTIARY
from migsim.kernels.education import GRADUATION_AGE, graduation_draw
from migsim.kernels.quiet import cttz
from migsim.kernels.rng import Stream, rest_below, uniform

MOTHER_MIN_AGE, MOTHER_MAX_AGE = 15, 49


@nb.njit(inline="always", **JIT)
def _vital(key, pid, year, a, s, o, loc, death_probability, fertility, weight, home):
    """(dies this year, agent-children born) of one person alive at the year's start: steps 1
    and 2 of the module doc, the draws keyed on the person. home: `home_expected`, the
    expected agent-children of a woman living where she was born (the same expression,
    computed once per location and age)."""
    u = uniform(key, pid, year, Stream.MORTALITY)
    q = death_probability[loc, s, a]
    if u < q:
        return True, 0
    born = 0
    if s == 0 and MOTHER_MIN_AGE <= a <= MOTHER_MAX_AGE:
        if o == loc:
            expected = home[loc, a]
        else:
            expected = fertility[loc, a] * weight[o] / weight[loc]
        whole = int(expected)
        # the same draw: a survivor's (u - q) / (1 - q) is uniform on [0, 1)
        if rest_below(u, q, expected - whole):
            whole += 1
        born = min(whole, 255)
    return False, born


@nb.njit(**EXACT_JIT)
def home_expected(fertility, weight):
    """(R, MOTHER_MAX_AGE + 1): `_vital`'s expected agent-children of a woman living in her
    region of birth, by location and age (0 below MOTHER_MIN_AGE). Plain IEEE arithmetic
    (no reciprocal for the repeated divisor), so each entry is the bits `_vital`'s own
    product and division give."""
    R = weight.shape[0]
    out = np.zeros((R, MOTHER_MAX_AGE + 1))
    for loc in range(R):
        for a in range(MOTHER_MIN_AGE, MOTHER_MAX_AGE + 1):
            out[loc, a] = fertility[loc, a] * weight[loc] / weight[loc]
    return out


# Rows per call of `_vital_block` (the vector-draw path of `mortality_fertility_and_ageing`).
VITAL_ROWS = 4096


@nb.njit(**JIT)
def vital_limits(death_probability, home, max_age, graduation):
    """(R * 2 * ages,) flat by [location, sex, age]: the MORTALITY draw at or above which a
    person living in their region of birth, alive at the year's start, only ages this year
    (`_vital_block`). Below it they may die (u < q), or give birth: a survivor's children
    are more than 0 when u - q < expected (1 - q) (`_vital`: with expected >= 1 always), so
    for a woman of child-bearing age the limit is q + home_expected (1 - q); 2 (everyone)
    at max_age and above, and at the age before graduation when graduation is drawn. The
    margins (1e-12, 1e-9) cover the rounding of the exact comparisons, which the rows
    below their limit then make one by one."""
    R, S, A = death_probability.shape
    out = np.empty(R * S * A, dtype=np.float64)
    for loc in range(R):
        for s in range(S):
            for a in range(A):
                q = death_probability[loc, s, a]
                limit = q + 1e-12
                if s == 0 and MOTHER_MIN_AGE <= a <= MOTHER_MAX_AGE:
                    limit = q + home[loc, a] * (1.0 - q) + 1e-9
                if a >= max_age or (graduation and a + 1 == GRADUATION_AGE):
                    limit = 2.0
                out[(loc * S + s) * A + a] = limit
    return out


@nb.njit(inline="always", **JIT)
def vital_rows(i0, n, key, year, person_id, alive, age, sex, origin, location, limits, n_ages):
    """A uint64 whose bit k (k < n <= 64) is set unless row i0 + k certainly only ages (or
    is dead): alive, and with its MORTALITY draw below its `vital_limits`, or a woman of
    child-bearing age living outside her region of birth (whose expected children depend on
    her origin too). No stores, unsigned indices (see `migsim.kernels.quiet.busy_rows`):
    LLVM vectorises the loop, draws included."""
    busy = np.uint64(0)
    base = np.uint64(i0)
    for k in range(n):
        i = base + np.uint64(k)
        a = np.uint64(age[i])
        s = np.uint64(sex[i])
        loc = location[i]
        u = uniform(key, person_id[i], year, Stream.MORTALITY)
        limit = limits[(np.uint64(loc) * np.uint64(2) + s) * np.uint64(n_ages) + a]
        mother_abroad = (
            (origin[i] != loc)
            & (s == np.uint64(0))
            & (a >= np.uint64(MOTHER_MIN_AGE))
            & (a <= np.uint64(MOTHER_MAX_AGE))
        )
        acting = (alive[i] != 0) & ((u < limit) | mother_abroad)
        busy |= np.uint64(acting) << np.uint64(k)
    return busy


@nb.njit(**JIT)
def _vital_block(
    start,
    stop,
    lane,
    key,
    year,
    person_id,
    alive,
    age,
    sex,
    skill,
    origin,
    location,
    years_abroad,
    death_probability,
    fertility,
    weight,
    home,
    limits,
    max_age,
    graduation,
    ex_ante_share,
    secondary_share,
    deaths_by_pair,
    born_by_region,
    graduates,
):
    """`mortality_fertility_and_ageing` of rows [start, stop), counted in lane `lane`: the
    rows `vital_rows` marks go through the per-row code (`_vital`, removal at max_age,
    graduation), which kills some; then everyone still alive ages in two branch-free loops
    (age, then years abroad), which is what `_age_survivor` does for a survivor under
    max_age. Never inlined into the parallel loop (see `migsim.kernels.quiet`)."""
    n_ages = death_probability.shape[2]
    i0 = start
    while i0 < stop:
        m = min(64, stop - i0)
        busy = vital_rows(
            i0, m, key, year, person_id, alive, age, sex, origin, location, limits, n_ages
        )
        while busy != 0:
            i = np.uint64(i0) + cttz(busy)  # unsigned: no negative-index wraparound
            busy &= busy - np.uint64(1)
            pid = person_id[i]
            a = age[i]
            loc = location[i]
            o = origin[i]
            dies, born = _vital(
                key, pid, year, a, sex[i], o, loc, death_probability, fertility, weight, home
            )
            if dies:
                alive[i] = 0
                deaths_by_pair[lane, o, loc] += 1
                continue
            if born:
                born_by_region[lane, loc] += born
            if a >= max_age:
                alive[i] = 0
                continue
            sk = skill[i]
            if graduation and a + 1 == GRADUATION_AGE and sk != TERTIARY:
                graduates[lane, o, 0] += 1
                new = graduation_draw(key, pid, year, o, sk, ex_ante_share, secondary_share)
                if new == TERTIARY:
                    graduates[lane, o, 1] += 1
                if new != sk:
                    skill[i] = new
        i0 += m
    living = alive[start:stop]
    ages = age[start:stop]
    for j in range(stop - start):
        ages[j] += living[j] != 0
    abroad = years_abroad[start:stop]
    origins = origin[start:stop]
    locations = location[start:stop]
    for j in range(stop - start):
        y = abroad[j]
        abroad[j] = y + ((living[j] != 0) & (origins[j] != locations[j]) & (y < 255))
