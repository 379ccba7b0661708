"""NumPy twins of `migsim.kernels.demography`: deaths and births, newborn rows, ageing."""

from __future__ import annotations

import numpy as np

from migsim.kernels.demography import MOTHER_MAX_AGE, MOTHER_MIN_AGE, SHARE_BORN_FEMALE
from migsim.kernels.reference.rng import uniform
from migsim.kernels.rng import Stream, rest_below_reference


def mortality_and_fertility(key, year, n, people, vital):
    """Twin of `mortality_and_fertility`: returns (alive, children, deaths) of rows [0, n)
    (uint8): the new alive flags, agent-children of each woman, 1 for those who died."""
    pid = people.person_id[:n]
    live = people.alive[:n] != 0
    a = people.age[:n].astype(np.int64)
    loc = people.location[:n].astype(np.int64)
    sex = people.sex[:n].astype(np.int64)
    u = uniform(key, pid, year, Stream.MORTALITY)
    q = vital.death_probability[loc, sex, a]
    dies = live & (u < q)
    mothers = live & ~dies & (sex == 0) & (a >= MOTHER_MIN_AGE) & (a <= MOTHER_MAX_AGE)
    expected = vital.fertility[loc, a] * vital.weight[people.origin[:n]] / vital.weight[loc]
    whole = expected.astype(np.int64)
    # a survivor's (u - q) / (1 - q) is uniform: the fraction of a child on the same draw
    whole += rest_below_reference(u, q, expected - whole)
    children = np.where(mothers, np.minimum(whole, 255), 0).astype(np.uint8)
    alive = people.alive[:n].copy()
    alive[dies] = 0
    return alive, children, dies.astype(np.uint8)


def births_by_location(children, location, n, n_regions):
    """Twin of `births_by_location`: children born per region of birth (int64 R)."""
    return np.bincount(
        location[:n], weights=children[:n].astype(np.float64), minlength=n_regions
    ).astype(np.int64)


def write_births(key, year, regions, row_start, id_start, counts):
    """Twin of `write_births`: (rows, columns) of the newborns of `regions`: the rows they
    go to (int64) and a dict of the columns written there, in row order."""
    r = np.repeat(np.asarray(regions, dtype=np.int64), counts[regions])
    within = np.arange(r.size) - np.repeat(
        np.cumsum(counts[regions]) - counts[regions], counts[regions]
    )
    rows = row_start[r] + within
    pid = (id_start[r] + within).astype(np.int64)
    size = r.size
    female = uniform(key, pid, year, Stream.BIRTH_SEX) < SHARE_BORN_FEMALE
    columns = {
        "person_id": pid,
        "alive": np.ones(size, np.uint8),
        "age": np.zeros(size, np.uint8),
        "sex": np.where(female, 0, 1).astype(np.uint8),
        "skill": np.zeros(size, np.uint8),
        "origin": r.astype(np.uint16),
        "location": r.astype(np.uint16),
        "status": np.zeros(size, np.uint8),
        "years_abroad": np.zeros(size, np.uint8),
        "visa_years_left": np.zeros(size, np.uint8),
        "family": np.zeros(size, np.uint8),
        "wealth": np.zeros(size, np.float32),
    }
    return rows, columns


def age_one_year(n, people, max_age):
    """Twin of `age_one_year`: returns (alive, age, years_abroad) of rows [0, n)."""
    alive = people.alive[:n].copy()
    age = people.age[:n].copy()
    years = people.years_abroad[:n].copy()
    live = alive != 0
    too_old = live & (age >= max_age)
    alive[too_old] = 0
    older = live & ~too_old
    age[older] += 1
    abroad = older & (people.origin[:n] != people.location[:n]) & (years < 255)
    years[abroad] += 1
    return alive, age, years
