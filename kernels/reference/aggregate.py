"""NumPy twins of `migsim.kernels.aggregate`: integer counts of people by cell."""

from __future__ import annotations

import numpy as np

from migsim.kernels.bundles import TERTIARY


def count_cells(n, people, band_of_age, n_regions, n_bands, n_status):
    """Living agents per (origin, location, skill, sex, band, status) cell, flat int64."""
    live = people.alive[:n] != 0
    index = np.ravel_multi_index(
        (
            people.origin[:n][live].astype(np.int64),
            people.location[:n][live].astype(np.int64),
            (people.skill[:n][live] == TERTIARY).astype(np.int64),
            people.sex[:n][live].astype(np.int64),
            band_of_age[people.age[:n][live]].astype(np.int64),
            people.status[:n][live].astype(np.int64),
        ),
        (n_regions, n_regions, 2, 2, n_bands, n_status),
    )
    return np.bincount(index, minlength=n_regions * n_regions * 4 * n_bands * n_status)


def count_pairs(n, flag, a, b, n_a, n_b):
    """Rows i < n with flag[i] != 0 by (a[i], b[i]), int64 (n_a, n_b)."""
    on = flag[:n] != 0
    index = a[:n][on].astype(np.int64) * n_b + b[:n][on].astype(np.int64)
    return np.bincount(index, minlength=n_a * n_b).reshape(n_a, n_b)


def estate_factor(key, person_id: np.ndarray, year: int, sigma: float) -> np.ndarray:
    """Twin of `migsim.kernels.aggregate.estate_factor`: lognormal, mean 1 (ESTATE_SHARE)."""
    from migsim.kernels.reference.rng import normal
    from migsim.kernels.rng import Stream

    z = normal(key, np.asarray(person_id, dtype=np.uint64), year, Stream.ESTATE_SHARE)
    return np.exp(sigma * z - 0.5 * sigma * sigma)


def collect_estates(n, people, weight, n_regions, ages, key, year, sigma, adults=True):
    """Twin of `migsim.kernels.aggregate.collect_estates` (zeroes the dead's wealth too)."""
    from migsim.kernels.grid import MONEY_SCALE, PEOPLE_SCALE, on_grid_array

    alive = people.alive[:n] != 0
    loc = people.location[:n].astype(np.int64)
    w = weight[people.origin[:n]]
    wealth = people.wealth[:n]
    dead = ~alive & (wealth != 0.0)
    counted = dead & np.isfinite(wealth)
    left = on_grid_array(wealth[counted].astype(np.float64) * w[counted], MONEY_SCALE)
    estates = np.bincount(loc[counted], weights=left, minlength=n_regions).astype(np.float64)
    age = people.age[:n]
    shares = np.zeros((2, n_regions))
    for k in range(2 if adults else 1):
        heir = alive & (ages[k][0] <= age) & (age <= ages[k][1])
        f = estate_factor(key, people.person_id[:n][heir], year, sigma) if k == 0 else 1.0
        held = on_grid_array(w[heir] * f, PEOPLE_SCALE)
        shares[k] = np.bincount(loc[heir], weights=held, minlength=n_regions)
    wealth[dead] = 0.0
    return estates, shares


def adult_shares(n, people, weight, n_regions, ages):
    """Twin of `migsim.kernels.aggregate.adult_shares`."""
    from migsim.kernels.grid import PEOPLE_SCALE, on_grid_array

    alive = people.alive[:n] != 0
    age = people.age[:n]
    adult = alive & (ages[1][0] <= age) & (age <= ages[1][1])
    held = on_grid_array(weight[people.origin[:n]][adult], PEOPLE_SCALE)
    return np.bincount(
        people.location[:n][adult].astype(np.int64), weights=held, minlength=n_regions
    ).astype(np.float64)


def pay_estates(n, people, ages, key, year, sigma, per_share):
    """Twin of `migsim.kernels.aggregate.pay_estates`."""
    alive = people.alive[:n] != 0
    age = people.age[:n]
    loc = people.location[:n]
    first = alive & (ages[0][0] <= age) & (age <= ages[0][1])
    a = np.where(first, per_share[0][loc], 0.0)
    drawn = a > 0.0
    a[drawn] *= estate_factor(key, people.person_id[:n][drawn], year, sigma)
    second = alive & (a == 0.0) & (ages[1][0] <= age) & (age <= ages[1][1])
    a = np.where(second, per_share[1][loc], a)
    paid = alive & (a > 0.0)
    got = people.wealth[:n][paid].astype(np.float64) + a[paid]
    people.wealth[:n][paid] = got.astype(np.float32)
