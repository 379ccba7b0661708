"""NumPy twins of `migsim.kernels.synthesis`: the base-year people of each group, and the
productivity column."""

from __future__ import annotations

import numpy as np

from migsim.kernels.reference.rng import normal, productivity, uniform
from migsim.kernels.rng import Stream
from migsim.kernels.synthesis import TERTIARY_MIN_AGE


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
    person_id,
):
    """Twin of `synthesise`: the columns it fills for rows [0, group_start[-1]), as a dict,
    from the person ids already in place."""
    size = int(group_start[-1])
    g = np.repeat(np.arange(group_start.shape[0] - 1), np.diff(group_start))
    pid = person_id[:size]
    u = uniform(key, pid, 0, Stream.SYNTH_AGE)
    # inverse CDF over (sex, age), group by group: first k with u < cdf[g, k]
    k = (group_cdf[g] <= u[:, None]).sum(axis=1)
    k = np.minimum(k, 2 * n_ages - 1)
    a = k % n_ages
    o, loc = group_origin[g], group_location[g]
    tertiary = (a >= TERTIARY_MIN_AGE) & (
        uniform(key, pid, 0, Stream.SYNTH_SKILL) < group_tertiary[g]
    )
    secondary = (
        (a >= TERTIARY_MIN_AGE)
        & ~tertiary
        & (uniform(key, pid, 0, Stream.SYNTH_EDUCATION) < group_secondary[g])
    )
    migrant = (o != loc) & (a > 15)
    years = np.minimum(
        (uniform(key, pid, 0, Stream.SYNTH_LOCATION) * np.maximum(a - 15, 0)).astype(np.int64), 255
    )
    z = normal(key, pid, 0, Stream.SYNTH_WEALTH)
    scale = np.where(a >= 18, 1.0, 0.2)
    wealth = group_wealth[g] * scale * np.exp(wealth_sigma * z - 0.5 * wealth_sigma**2)
    return {
        "age": a.astype(np.uint8),
        "sex": (k // n_ages).astype(np.uint8),
        "skill": np.where(tertiary, 2, np.where(secondary, 1, 0)).astype(np.uint8),
        "origin": o.astype(np.uint16),
        "location": loc.astype(np.uint16),
        "status": group_status[g].astype(np.uint8),
        "years_abroad": np.where(migrant, years, 0).astype(np.uint8),
        "wealth": wealth.astype(np.float32),
    }


def fill_productivity(key, person_id, start, stop, sigma):
    """Twin of `fill_productivity`: productivity of rows [start, stop) (float32)."""
    return productivity(key, person_id[start:stop], sigma).astype(np.float32)
