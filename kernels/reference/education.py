"""NumPy twin of `migsim.kernels.education.graduate`."""

from __future__ import annotations

import numpy as np

from migsim.kernels.education import GRADUATION_AGE
from migsim.kernels.reference.rng import uniform
from migsim.kernels.rng import Stream


def graduate(key, year, n, people, ex_ante_share, secondary_share, n_regions):
    """Returns (skill of rows [0, n), counts (R, 2) int64 [origin, deciders/graduates])."""
    o = people.origin[:n].astype(np.int64)
    deciders = (people.alive[:n] != 0) & (people.age[:n] == GRADUATION_AGE)
    deciders &= people.skill[:n] != 2
    draws = uniform(key, people.person_id[:n], year, Stream.EDUCATION)
    graduates = deciders & (draws < ex_ante_share[o])
    second = uniform(key, people.person_id[:n], year, Stream.EDUCATION_SECONDARY)
    secondary = deciders & ~graduates & (people.skill[:n] == 0) & (second < secondary_share[o])
    skill = people.skill[:n].copy()
    skill[graduates] = 2
    skill[secondary] = 1
    counts = np.stack(
        [
            np.bincount(o[deciders], minlength=n_regions),
            np.bincount(o[graduates], minlength=n_regions),
        ],
        axis=1,
    ).astype(np.int64)
    return skill, counts
