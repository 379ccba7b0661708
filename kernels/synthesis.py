"""Population synthesis kernel: draw age, sex, skill, wealth, years abroad and the family
flag for each new person.

People arrive grouped: rows [group_start[g], group_start[g+1]) belong to group g, which has
an origin, a location and a status, a cumulative age-sex distribution over 2 * N_AGES
entries, a tertiary share for adults, the secondary share among the adults without a
degree, and a mean adult wealth (times the location's wealth profile by age). Education
codes: 0 primary or less, 1 secondary, 2 tertiary; everyone younger than TERTIARY_MIN_AGE
is 0 (their schooling is decided at that age by the education kernel). Each draw is keyed
on the person's id and its place in its group, so synthesis gives the same people for any thread
count and any split into shards (a group is never split). Age and sex are sampled by strata
(`stratum_draw`): the k-th of a group's n agents takes its quantile of the group's age-sex
distribution from [k / n, (k + 1) / n), so each group's rows run from the youngest woman to
the oldest man; within one sex and age they are then ordered by education
(`sort_by_education`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import EXACT_JIT, JIT, PARALLEL_JIT
from migsim.kernels.bundles import PRIMARY, SECONDARY, TERTIARY
from migsim.kernels.rng import Stream, normal, uniform

TERTIARY_MIN_AGE = 22  # youngest age at which a person can hold a tertiary degree
ARRIVAL_MIN_AGE = 16  # youngest age at which a migrant of the base-year stock arrived


@nb.njit(inline="always", **EXACT_JIT)
def _chain_step(apart, together, h, factor, left_factor, reunify):
    """One year of the family chain of `migsim.model.returns.family_chain`: (apart,
    together) after hazard h x factor, times `left_factor` while apart, then reunification."""
    p = h * factor
    pf = h * factor * left_factor
    stay_apart = apart * (1.0 - (pf if pf < 1.0 else 1.0))
    return (
        stay_apart * (1.0 - reunify),
        together * (1.0 - (p if p < 1.0 else 1.0)) + stay_apart * reunify,
    )


@nb.njit(**EXACT_JIT)
def draw_years_abroad(u, a, weight, hazard, factor, left, reunify, family_return):
    """Years abroad t = 0..a - ARRIVAL_MIN_AGE of a migrant aged a, drawn by inverse CDF with
    uniform u from P(t | a) ∝ weight[a - t] x S(t), S(t) the share of an arrival cohort
    still abroad after t years under the return hazard (hazard[k] x factor, capped at 1),
    a share `left` of it apart from close family at arrival, whose hazard is times
    `family_return` until reunified (yearly probability `reunify`): arrivals' age profile
    times survival, migsim.model.durations. 0 below that age or when no arrivals can explain
    the age. Plain IEEE arithmetic, so that its NumPy twin draws the same years."""
    last = a - ARRIVAL_MIN_AGE
    if last < 0:
        return 0
    total = 0.0
    apart, together = left, 1.0 - left
    for t in range(last + 1):
        total += weight[a - t] * (apart + together)
        apart, together = _chain_step(apart, together, hazard[t], factor, family_return, reunify)
    if not total > 0.0:
        return 0
    target = u * total
    cum = 0.0
    apart, together = left, 1.0 - left
    for t in range(last + 1):
        cum += weight[a - t] * (apart + together)
        if cum > target:
            return min(t, 255)
        apart, together = _chain_step(apart, together, hazard[t], factor, family_return, reunify)
    return min(last, 255)


@nb.njit(**EXACT_JIT)
def apart_given_years(t, hazard, factor, left, reunify, family_return):
    """Probability that a migrant abroad t years is apart from close family: apart(t) /
    S(t) of the chain `draw_years_abroad` runs (0 when S(t) is 0)."""
    apart, together = left, 1.0 - left
    for k in range(t):
        apart, together = _chain_step(apart, together, hazard[k], factor, family_return, reunify)
    total = apart + together
    return apart / total if total > 0.0 else 0.0


@nb.njit(**JIT)
def sort_by_education(start, stop, age, sex, skill, years_abroad, family, wealth):
    """Order rows [start, stop) of one group, sorted by sex and age, by education within each
    run of one sex and age, keeping the order of equals (a counting sort; the rows' person
    ids stay where they are, so each row keeps its id and takes the drawn person's other
    columns). The person drawn is the same, only the id it is filed under changes; a group's
    rows then run in cells of (sex, age, education), which keeps the yearly passes' branches
    and their running sums by cell predictable."""
    i = start
    while i < stop:
        j = i + 1
        while j < stop and age[j] == age[i] and sex[j] == sex[i]:
            j += 1
        if j - i > 1:
            count = np.zeros(4, dtype=np.int64)
            for k in range(i, j):
                count[skill[k] + 1] += 1
            for e in range(1, 4):
                count[e] += count[e - 1]
            keep_skill = skill[i:j].copy()
            keep_years = years_abroad[i:j].copy()
            keep_family = family[i:j].copy()
            keep_wealth = wealth[i:j].copy()
            for k in range(j - i):
                e = keep_skill[k]
                row = i + count[e]
                count[e] += 1
                skill[row] = e
                years_abroad[row] = keep_years[k]
                family[row] = keep_family[k]
                wealth[row] = keep_wealth[k]
        i = j


@nb.njit(inline="always", **EXACT_JIT)
def tertiary_at(share, aged, profile):
    """The probability of a degree at one age: the group's share, times the origin's
    profile by age where the group follows it (natives; `migsim.core.world_education`)."""
    return share * profile if aged else share


@nb.njit(inline="always", **EXACT_JIT)
def stratum_draw(u, k, size):
    """The age-sex quantile of the k-th of `size` agents of a group: uniform within its own
    stratum [k / size, (k + 1) / size), u the agent's own uniform. The group's agents then
    follow its distribution more closely than independent draws would (stratified sampling:
    each age-sex cell gets its expected count to within two agents) and come in rows sorted
    by sex and age, which keeps the yearly passes' branches on age predictable."""
    return (k + u) / size


@nb.njit(**PARALLEL_JIT)
def synthesise(
    key,
    group_start,
    group_origin,
    group_location,
    group_status,
    group_cdf,
    group_tertiary,
    group_aged,
    age_profile,
    group_secondary,
    group_wealth,
    wealth_age,
    group_return,
    return_hazard,
    arrival_weight,
    group_left,
    family_reunify,
    family_return,
    wealth_sigma,
    n_ages,
    people,
):
    """Fill the columns of `people` (a `People` bundle whose person ids are set) for every
    group (see module docstring): age, sex, skill, origin, location, status, years abroad
    and wealth.

    group_cdf: (G, 2 * n_ages) cumulative distribution over (sex, age), sex-major.
    group_wealth (G,): the group's mean adult wealth, times wealth_age (R, n_ages) of its
    location at the person's age (`migsim.model.wealth_profile`).
    group_tertiary (G,): the share holding a degree (from 22); where group_aged (G,) is set,
    times age_profile (R, n_ages) of the group's origin at the person's age.
    years_abroad of a migrant (arrival dates are not in the stock data) is drawn by
    `draw_years_abroad` from the steady state of arrivals under the return hazard:
    return_hazard (5, >= n_ages) by status and years abroad, group_return (G,) the
    group's corridor factor of that hazard, arrival_weight (R, n_ages) arrivals from each
    origin by age. A migrant's `family` flag is drawn from the same steady state given
    their years abroad (`apart_given_years`): group_left (G,) the share of arrivals apart
    from close family, family_reunify (5,) yearly reunification by status, family_return
    the hazard multiplier while apart.
    """
    person_id = people.person_id
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    family = people.family
    wealth = people.wealth
    n_groups = group_start.shape[0] - 1
    for g in nb.prange(n_groups):
        cdf = group_cdf[g]
        first = group_start[g]
        size = group_start[g + 1] - first
        for i in range(first, group_start[g + 1]):
            pid = person_id[i]
            u = stratum_draw(uniform(key, pid, 0, Stream.SYNTH_AGE), i - first, size)
            k = np.searchsorted(cdf, u, side="right")
            if k >= 2 * n_ages:
                k = 2 * n_ages - 1
            sex[i] = k // n_ages
            a = k % n_ages
            age[i] = a
            origin[i] = group_origin[g]
            location[i] = group_location[g]
            status[i] = group_status[g]
            if a < TERTIARY_MIN_AGE:
                skill[i] = PRIMARY
            elif uniform(key, pid, 0, Stream.SYNTH_SKILL) < tertiary_at(
                group_tertiary[g], group_aged[g], age_profile[group_origin[g], a]
            ):
                skill[i] = TERTIARY
            elif uniform(key, pid, 0, Stream.SYNTH_EDUCATION) < group_secondary[g]:
                skill[i] = SECONDARY
            else:
                skill[i] = PRIMARY
            family[i] = 0
            if group_origin[g] != group_location[g] and a >= ARRIVAL_MIN_AGE:
                st = group_status[g]
                t = draw_years_abroad(
                    uniform(key, pid, 0, Stream.SYNTH_LOCATION),
                    a,
                    arrival_weight[group_origin[g]],
                    return_hazard[st],
                    group_return[g],
                    group_left[g],
                    family_reunify[st],
                    family_return,
                )
                years_abroad[i] = t
                q = apart_given_years(
                    t,
                    return_hazard[st],
                    group_return[g],
                    group_left[g],
                    family_reunify[st],
                    family_return,
                )
                if q > 0.0 and uniform(key, pid, 0, Stream.SYNTH_FAMILY) < q:
                    family[i] = 1
            else:
                years_abroad[i] = 0
            z = normal(key, pid, 0, Stream.SYNTH_WEALTH)
            scale = wealth_age[group_location[g], a]
            wealth[i] = group_wealth[g] * scale * np.exp(wealth_sigma * z - 0.5 * wealth_sigma**2)
        sort_by_education(first, first + size, age, sex, skill, years_abroad, family, wealth)


@nb.njit(**PARALLEL_JIT)
def fill_productivity(key, person_id, start, stop, sigma, out):
    """out[i] = productivity of person_id[i] for rows [start, stop): lognormal with mean 1,
    keyed on (key, id) exactly as `migsim.kernels.migration.productivity`."""
    for i in nb.prange(start, stop):
        z = normal(key, person_id[i], 0, Stream.PRODUCTIVITY)
        out[i] = np.exp(sigma * z - 0.5 * sigma * sigma)


@nb.njit(**JIT)
def fill_ids(person_id, global_start, selected):
    """Number the rows group by group: the rows of selected group g (in order) get the ids
    [global_start[g], global_start[g + 1]). Written in place: building the ids as NumPy
    ranges and joining them held 16 bytes a person at the synthesis' peak."""
    row = 0
    for g in selected:
        for pid in range(global_start[g], global_start[g + 1]):
            person_id[row] = pid
            row += 1
    return row
