"""Demography kernel: mortality, births into preallocated rows, ageing.

Order within a year, for people alive at its start:
1. death with probability q[location, sex, age];
2. survivors who are women aged 15-49 give birth to `fertility[location, age] *
   weight[origin] / weight[location]` agent-children in expectation (integer part plus a
   Bernoulli draw for the fraction), since a child's origin, and so its weight, is its
   region of birth; the fraction is decided on step 1's draw u (a survivor's
   (u - q) / (1 - q) is uniform), so a person-year takes one draw;
3. survivors age by one year; years abroad grow for those living outside their origin.
Children are numbered by region of birth: the year's first id goes to the first child born
in region 0, and so on, region after region. A newborn depends on its region of birth and its
id only (see `write_births`), so ids are stable and deterministic, and a run split into
shards by origin creates the same children as a single process from the per-region counts.

Performance: deaths and births are counted by `mortality_and_fertility` itself, in integer
lanes by thread (`births_by_location` remains for callers that hold `children` only). The
yearly loop runs `mortality_fertility_and_ageing` by default: the same draws, then ageing
and graduation at 22 in the same pass over people (three passes in one; at 5M people on one
thread 72 -> 59 ms of CPU time for the three), without the per-person scratch. With vector
draws, a branch-free loop finds the rows that may do more than age (`vital_rows` of
`migsim.kernels.vital`: the MORTALITY draw below a limit by location, sex and age), about 1
row in 20, and only those take the per-row code (at 10M people on two threads, about half
the time).
`births_by_location` and `age_one_year` are serial: they cost ~0.2-0.4 ms per million people
on one thread, less than the fork/join of a parallel region on a shared 2-core machine (where a
region waits a scheduler slice, ~10 ms, for its second thread whenever another process runs).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import BLOCK, JIT, PARALLEL_JIT, VECTOR_DRAWS
from migsim.kernels.bundles import TERTIARY
from migsim.kernels.education import GRADUATION_AGE, graduation_draw
from migsim.kernels.rng import Stream, normal, uniform
from migsim.kernels.vital import (  # noqa: F401 (MOTHER_*: read by the engine and tests here)
    MOTHER_MAX_AGE,
    MOTHER_MIN_AGE,
    VITAL_ROWS,
    _vital,
    _vital_block,
    home_expected,
    vital_limits,
)

SHARE_BORN_FEMALE = 1.0 / 2.05  # sex ratio at birth 1.05 males per female (UN WPP) [K]


def vital_lanes(n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed (deaths_by_pair, born_by_region) lanes for `mortality_and_fertility`: one lane
    per thread numba may run."""
    lanes = nb.config.NUMBA_NUM_THREADS
    R = n_regions
    return np.zeros((lanes, R, R), dtype=np.int64), np.zeros((lanes, R), dtype=np.int64)


@nb.njit(inline="always", **JIT)
def _age_survivor(i, a, loc, alive, age, origin, years_abroad, max_age):
    """Step 3 for survivor i of age a living in loc: removed at max_age (False), else a year
    older, and a year longer abroad if living outside their origin (True)."""
    if a >= max_age:
        alive[i] = 0
        return False
    age[i] = a + 1
    if origin[i] != loc and years_abroad[i] < 255:
        years_abroad[i] += 1
    return True


@nb.njit(**PARALLEL_JIT)
def mortality_and_fertility(
    key, year, n, people, vital, children, deaths_out, deaths_by_pair, born_by_region
):
    """Draw deaths and count each woman's agent-children this year.

    people: `People` (alive is written); vital: `Vital` (death probabilities, fertility,
    weights). children[i] (uint8) receives the number of agent-children of person i;
    deaths_out[i] is 1 for someone who died this year (their row stays, alive = 0).
    deaths_by_pair (L, R, R) [lane, origin, location] and born_by_region (L, R) [lane,
    location] add up the deaths and the agent-children in lane `numba.get_thread_id()` (L at
    least the most threads numba may run, `vital_lanes`): their sum over lanes is what
    counting `deaths_out` and `children` would give, for any number of threads (integer
    counts), without two more passes over people.
    """
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    origin = people.origin
    location = people.location
    death_probability = vital.death_probability
    fertility = vital.fertility
    weight = vital.weight
    home = home_expected(fertility, weight)
    for i in nb.prange(n):
        children[i] = 0
        deaths_out[i] = 0
        if alive[i] == 0:
            continue
        loc = location[i]
        dies, born = _vital(
            key,
            person_id[i],
            year,
            age[i],
            sex[i],
            origin[i],
            loc,
            death_probability,
            fertility,
            weight,
            home,
        )
        if dies:
            alive[i] = 0
            deaths_out[i] = 1
            deaths_by_pair[nb.get_thread_id(), origin[i], loc] += 1
        elif born:
            children[i] = born
            born_by_region[nb.get_thread_id(), loc] += born


@nb.njit(**PARALLEL_JIT)
def mortality_fertility_and_ageing(
    key,
    year,
    n,
    people,
    vital,
    max_age,
    deaths_by_pair,
    born_by_region,
    ex_ante_share,
    secondary_share,
    graduates,
):
    """`mortality_and_fertility`, then `age_one_year` for the survivors, then (unless
    ex_ante_share is empty) `migsim.kernels.education.graduate` for those who turn
    GRADUATION_AGE, in one pass over people (the arguments and outputs are those of the
    three kernels but for the per-person `children` and `deaths_out`, of which the counts
    in lanes are all the loop uses: two bytes a person neither written nor held; graduates
    (L, R, 2) [lane, origin, (deciders, graduates)] is counted in lanes by thread like the
    vital counts). Nothing between the three reads the people (the
    driver numbers the children from the counts; the newborn rows written in between are
    neither aged nor of age to graduate), so the year's people are the same; the rows of
    those removed at max_age are dead one step earlier, which a compaction then may drop.
    With vector draws (`migsim.kernels._config.VECTOR_DRAWS`) the rows go VITAL_ROWS at a
    time through `_vital_block`: only the rows a vectorised mask marks (about 1 in 20)
    take the per-row code; the others just age, the same bytes."""
    graduation = ex_ante_share.shape[0] > 0
    home = home_expected(vital.fertility, vital.weight)
    if VECTOR_DRAWS:
        limits = vital_limits(vital.death_probability, home, max_age, graduation)
        n_blocks = (n + VITAL_ROWS - 1) // VITAL_ROWS
        for k in nb.prange(n_blocks):
            _vital_block(
                k * VITAL_ROWS,
                min(n, (k + 1) * VITAL_ROWS),
                nb.get_thread_id(),
                key,
                year,
                people.person_id,
                people.alive,
                people.age,
                people.sex,
                people.skill,
                people.origin,
                people.location,
                people.years_abroad,
                vital.death_probability,
                vital.fertility,
                vital.weight,
                home,
                limits,
                max_age,
                graduation,
                ex_ante_share,
                secondary_share,
                deaths_by_pair,
                born_by_region,
                graduates,
            )
        return
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    origin = people.origin
    location = people.location
    years_abroad = people.years_abroad
    skill = people.skill
    death_probability = vital.death_probability
    fertility = vital.fertility
    weight = vital.weight
    for row in nb.prange(n):
        i = np.uint64(row)  # unsigned: no negative-index wraparound per column's load
        if alive[i] == 0:
            continue
        pid = person_id[i]
        a = age[i]
        loc = location[i]
        o = origin[i]
        dies, born = _vital(
            key, pid, year, a, sex[i], o, loc, death_probability, fertility, weight, home
        )
        if dies:
            alive[i] = 0
            deaths_by_pair[nb.get_thread_id(), o, loc] += 1
            continue
        if born:
            born_by_region[nb.get_thread_id(), loc] += born
        if not _age_survivor(i, a, loc, alive, age, origin, years_abroad, max_age):
            continue
        sk = skill[i]
        if graduation and a + 1 == GRADUATION_AGE and sk != TERTIARY:
            lane = nb.get_thread_id()
            graduates[lane, o, 0] += 1
            new = graduation_draw(key, pid, year, o, sk, ex_ante_share, secondary_share)
            if new == TERTIARY:
                graduates[lane, o, 1] += 1
            if new != sk:
                skill[i] = new


@nb.njit(**JIT)
def births_by_location(children, location, n, n_regions):
    """Agent-children born this year per region of birth (int64 R). Serial on purpose (see
    module doc)."""
    out = np.zeros(n_regions, dtype=np.int64)
    for i in range(n):
        k = children[i]
        if k != 0:
            out[location[i]] += k
    return out


@nb.njit(**PARALLEL_JIT)
def write_births(key, year, regions, row_start, id_start, counts, people, sigma=-1.0):
    """Write the children born in each region r of `regions`: `counts[r]` rows from
    `row_start[r]`, with ids from `id_start[r]`. A newborn is a native of its region of birth
    with nothing but its id and sex of its own, so it does not depend on its mother: a shard
    holding origin r can create every child born in r from the count alone. Columns of
    `people` other than those written here are the caller's; productivity too unless sigma
    >= 0, when it is written as `migsim.kernels.synthesis.fill_productivity` writes it (the
    same expression; one parallel region instead of two)."""
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    visa_years_left = people.visa_years_left
    family = people.family
    wealth = people.wealth
    productivity = people.productivity
    n_seg = regions.shape[0]
    ends = np.zeros(n_seg, dtype=np.int64)
    total = 0
    for j in range(n_seg):
        total += counts[regions[j]]
        ends[j] = total
    for k in nb.prange(total):
        j = np.searchsorted(ends, k, side="right")
        r = regions[j]
        within = k - (ends[j] - counts[r])
        row = np.uint64(row_start[r] + within)  # unsigned: no wraparound per store
        pid = id_start[r] + within
        person_id[row] = pid
        alive[row] = 1
        age[row] = 0
        sex[row] = 0 if uniform(key, pid, year, Stream.BIRTH_SEX) < SHARE_BORN_FEMALE else 1
        skill[row] = 0
        origin[row] = r
        location[row] = r
        status[row] = 0
        years_abroad[row] = 0
        visa_years_left[row] = 0
        family[row] = 0
        wealth[row] = 0.0
        if sigma >= 0.0:
            z = normal(key, pid, 0, Stream.PRODUCTIVITY)
            productivity[row] = np.exp(sigma * z - 0.5 * sigma * sigma)


@nb.njit(**JIT)
def age_one_year(n, people, max_age):
    """Survivors age by a year; those at max_age are removed (alive = 0); years abroad
    grow by one for those living outside their origin (capped at 255). This is the only
    place years_abroad grows; the migration kernels reset it to 0 on a move. Serial on
    purpose (see module doc)."""
    alive = people.alive
    age = people.age
    origin = people.origin
    location = people.location
    years_abroad = people.years_abroad
    for i in nb.prange(n):
        if alive[i] != 0:
            _age_survivor(i, age[i], location[i], alive, age, origin, years_abroad, max_age)


def exclusive_scan(totals: np.ndarray) -> np.ndarray:
    """Start of each entry when `totals` are laid end to end (int64)."""
    offsets = np.zeros(totals.shape, dtype=np.int64)
    if totals.size > 1:
        np.cumsum(totals[:-1], out=offsets[1:])
    return offsets


__all__ = [
    "BLOCK",
    "age_one_year",
    "births_by_location",
    "exclusive_scan",
    "home_expected",
    "mortality_and_fertility",
    "mortality_fertility_and_ageing",
    "vital_lanes",
    "write_births",
]


@nb.njit(**JIT)
def compact_column(alive, n, column):
    """Move the living rows of `column` (rows [0, n)) to its front, in order, and zero the
    rest; returns how many live. In place and serial: compaction is rare, and a gather with
    an index array would allocate 8 bytes a row for the index plus a copy of the column (the
    peak memory of a large run). Pass `alive` itself last."""
    j = 0
    for i in range(n):
        if alive[i]:
            column[j] = column[i]
            j += 1
    for i in range(j, n):
        column[i] = 0
    return j
