"""NumPy twins of `migsim.kernels.synthesis`: the base-year people of each group, and the
productivity column."""

from __future__ import annotations

import numpy as np

from migsim.kernels.reference.rng import normal, productivity, uniform
from migsim.kernels.rng import Stream
from migsim.kernels.synthesis import ARRIVAL_MIN_AGE, TERTIARY_MIN_AGE
from migsim.model.returns import family_chain


def years_abroad(u, a, weight, hazard, factor, left=0.0, reunify=0.0, family_return=1.0):
    """Twin of `draw_years_abroad` for one group: u and a (n,) of its people (age at least
    ARRIVAL_MIN_AGE), the same running sums per age (survival of the family chain,
    `family_chain`), then the first t with cum > u x total."""
    out = np.zeros(u.shape, dtype=np.int64)
    for age in np.unique(a):
        rows = a == age
        last = int(age) - ARRIVAL_MIN_AGE
        apart, together = family_chain(hazard[:last], factor, left, reunify, family_return)
        cum = np.cumsum(weight[int(age) - np.arange(last + 1)] * (apart + together))
        if not cum[-1] > 0.0:
            continue
        t = np.searchsorted(cum, u[rows] * cum[-1], side="right")
        out[rows] = np.minimum(np.minimum(t, last), 255)
    return out


def apart_given_years(t, hazard, factor, left, reunify, family_return):
    """Twin of `apart_given_years` for t (n,) years abroad of one group."""
    if t.size == 0:
        return np.zeros(0)
    apart, together = family_chain(hazard[: int(t.max())], factor, left, reunify, family_return)
    total = (apart + together)[t]
    return np.where(total > 0, apart[t] / np.where(total > 0, total, 1.0), 0.0)


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
    person_id,
):
    """Twin of `synthesise`: the columns it fills for rows [0, group_start[-1]), as a dict,
    from the person ids already in place."""
    size = int(group_start[-1])
    g = np.repeat(np.arange(group_start.shape[0] - 1), np.diff(group_start))
    pid = person_id[:size]
    # stratified: the k-th of a group's n agents draws within [k / n, (k + 1) / n)
    place = np.arange(size) - group_start[:-1][g]
    u = (place + uniform(key, pid, 0, Stream.SYNTH_AGE)) / np.diff(group_start)[g]
    # inverse CDF over (sex, age), group by group: first k with u < cdf[g, k]
    k = (group_cdf[g] <= u[:, None]).sum(axis=1)
    k = np.minimum(k, 2 * n_ages - 1)
    a = k % n_ages
    o, loc = group_origin[g], group_location[g]
    share = np.where(group_aged[g] != 0, group_tertiary[g] * age_profile[o, a], group_tertiary[g])
    tertiary = (a >= TERTIARY_MIN_AGE) & (uniform(key, pid, 0, Stream.SYNTH_SKILL) < share)
    secondary = (
        (a >= TERTIARY_MIN_AGE)
        & ~tertiary
        & (uniform(key, pid, 0, Stream.SYNTH_EDUCATION) < group_secondary[g])
    )
    migrant = (o != loc) & (a >= ARRIVAL_MIN_AGE)
    u_years = uniform(key, pid, 0, Stream.SYNTH_LOCATION)
    u_family = uniform(key, pid, 0, Stream.SYNTH_FAMILY)
    years = np.zeros(size, dtype=np.int64)
    family = np.zeros(size, dtype=np.uint8)
    for j in range(group_start.shape[0] - 1):
        rows = np.flatnonzero(migrant & (g == j))
        if rows.size:
            st = group_status[j]
            chain = (group_left[j], family_reunify[st], family_return)
            hazard = return_hazard[st]
            years[rows] = years_abroad(
                u_years[rows],
                a[rows],
                arrival_weight[group_origin[j]],
                hazard,
                group_return[j],
                *chain,
            )
            q = apart_given_years(years[rows], hazard, group_return[j], *chain)
            family[rows] = u_family[rows] < q
    z = normal(key, pid, 0, Stream.SYNTH_WEALTH)
    scale = wealth_age[loc, a]
    wealth = group_wealth[g] * scale * np.exp(wealth_sigma * z - 0.5 * wealth_sigma**2)
    columns = {
        "age": a.astype(np.uint8),
        "sex": (k // n_ages).astype(np.uint8),
        "skill": np.where(tertiary, 2, np.where(secondary, 1, 0)).astype(np.uint8),
        "origin": o.astype(np.uint16),
        "location": loc.astype(np.uint16),
        "status": group_status[g].astype(np.uint8),
        "years_abroad": np.where(migrant, years, 0).astype(np.uint8),
        "family": family,
        "wealth": wealth.astype(np.float32),
    }
    # within each group, rows ordered by (sex, age, education), equals in row order
    order = np.lexsort((columns["skill"], a, k // n_ages, g))
    return {name: column[order] for name, column in columns.items()}


def fill_productivity(key, person_id, start, stop, sigma):
    """Twin of `fill_productivity`: productivity of rows [start, stop) (float32)."""
    return productivity(key, person_id[start:stop], sigma).astype(np.float32)
