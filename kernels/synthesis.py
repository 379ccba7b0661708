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

from migsim.kernels._config import JIT, PARALLEL_JIT
from migsim.kernels.bundles import PRIMARY, SECONDARY, TERTIARY
from migsim.kernels.rng import Stream, normal, uniform

TERTIARY_MIN_AGE = 22  # youngest age at which a person can hold a tertiary degree


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
    wealth_sigma,
    n_ages,
    people,
):
    """Fill the columns of `people` (a `People` bundle whose person ids are set) for every
    group (see module docstring): age, sex, skill, origin, location, status, years abroad
    and wealth.

    group_cdf: (G, 2 * n_ages) cumulative distribution over (sex, age), sex-major.
    years_abroad of a migrant is drawn uniformly between 0 and their age minus 15 (at
    least 0), since arrival dates are not in the stock data.
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
            if group_origin[g] != group_location[g] and a > 15:
                years_abroad[i] = min(
                    int(uniform(key, pid, 0, Stream.SYNTH_LOCATION) * (a - 15)), 255
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
