"""Population synthesis kernel: draw age, sex, skill and wealth for each new person.

People arrive grouped: rows [group_start[g], group_start[g+1]) belong to group g, which has
an origin, a location and a status, a cumulative age-sex distribution over 2 * N_AGES
entries, a tertiary share for adults, the secondary share among the adults without a
degree, and a mean wealth. Education codes: 0 primary or less, 1 secondary, 2 tertiary;
everyone younger than TERTIARY_MIN_AGE is 0 (their schooling is decided at that age by the
education kernel). Each draw is keyed on the
person's id, so synthesis gives the same people for any thread count.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import EXACT_JIT, JIT, PARALLEL_JIT
from migsim.kernels.bundles import PRIMARY, SECONDARY, TERTIARY
from migsim.kernels.rng import Stream, normal, uniform

TERTIARY_MIN_AGE = 22  # youngest age at which a person can hold a tertiary degree
ARRIVAL_MIN_AGE = 16  # youngest age at which a migrant of the base-year stock arrived


@nb.njit(**EXACT_JIT)
def draw_years_abroad(u, a, weight, hazard, factor):
    """Years abroad t = 0..a - ARRIVAL_MIN_AGE of a migrant aged a, drawn by inverse CDF with
    uniform u from P(t | a) ∝ weight[a - t] x prod_{k < t} (1 - min(hazard[k] factor, 1))
    (arrivals' age profile times survival under the return hazard, migsim.model.durations);
    0 below that age or when no arrivals can explain the age. Plain IEEE arithmetic, so
    that its NumPy twin draws the same years."""
    last = a - ARRIVAL_MIN_AGE
    if last < 0:
        return 0
    total = 0.0
    s = 1.0
    for t in range(last + 1):
        total += weight[a - t] * s
        p = hazard[t] * factor
        s *= 1.0 - (p if p < 1.0 else 1.0)
    if not total > 0.0:
        return 0
    target = u * total
    cum = 0.0
    s = 1.0
    for t in range(last + 1):
        cum += weight[a - t] * s
        if cum > target:
            return min(t, 255)
        p = hazard[t] * factor
        s *= 1.0 - (p if p < 1.0 else 1.0)
    return min(last, 255)


@nb.njit(**PARALLEL_JIT)
def synthesise(
    key,
    group_start,
    group_origin,
    group_location,
    group_status,
    group_cdf,
    group_tertiary,
    group_secondary,
    group_wealth,
    group_return,
    return_hazard,
    arrival_weight,
    wealth_sigma,
    n_ages,
    people,
):
    """Fill the columns of `people` (a `People` bundle whose person ids are set) for every
    group (see module docstring): age, sex, skill, origin, location, status, years abroad
    and wealth.

    group_cdf: (G, 2 * n_ages) cumulative distribution over (sex, age), sex-major.
    years_abroad of a migrant (arrival dates are not in the stock data) is drawn by
    `draw_years_abroad` from the steady state of arrivals under the return hazard:
    return_hazard (5, >= n_ages) by status and years abroad, group_return (G,) the
    group's corridor factor of that hazard, arrival_weight (R, n_ages) arrivals from each
    origin by age.
    """
    person_id = people.person_id
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    wealth = people.wealth
    n_groups = group_start.shape[0] - 1
    for g in nb.prange(n_groups):
        cdf = group_cdf[g]
        for i in range(group_start[g], group_start[g + 1]):
            pid = person_id[i]
            u = uniform(key, pid, 0, Stream.SYNTH_AGE)
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
            elif uniform(key, pid, 0, Stream.SYNTH_SKILL) < group_tertiary[g]:
                skill[i] = TERTIARY
            elif uniform(key, pid, 0, Stream.SYNTH_EDUCATION) < group_secondary[g]:
                skill[i] = SECONDARY
            else:
                skill[i] = PRIMARY
            if group_origin[g] != group_location[g] and a >= ARRIVAL_MIN_AGE:
                years_abroad[i] = draw_years_abroad(
                    uniform(key, pid, 0, Stream.SYNTH_LOCATION),
                    a,
                    arrival_weight[group_origin[g]],
                    return_hazard[group_status[g]],
                    group_return[g],
                )
            else:
                years_abroad[i] = 0
            z = normal(key, pid, 0, Stream.SYNTH_WEALTH)
            scale = 1.0 if a >= 18 else 0.2
            wealth[i] = group_wealth[g] * scale * np.exp(wealth_sigma * z - 0.5 * wealth_sigma**2)


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
