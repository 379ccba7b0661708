"""Education kernel: at age 22 a person completes tertiary education or not, and someone
without a degree has completed secondary school or not.

The probability of a degree is the ex-ante skilled share of their origin's cohort, H_ex[o],
computed per origin by the education step (engine/steps/education.py) from expected returns
at home and abroad; the probability of secondary school among those without a degree is the
origin's share, secondary_share[o] (Barro-Lee, `World.secondary_share`). The draws are keyed
on the person, so the choice is thread-count invariant.
"""

from __future__ import annotations

import numba as nb

from migsim.kernels._config import JIT, PARALLEL_JIT
from migsim.kernels.bundles import PRIMARY, SECONDARY, TERTIARY
from migsim.kernels.rng import Stream, uniform

GRADUATION_AGE = 22


@nb.njit(inline="always", **JIT)
def graduation_draw(key, pid, year, o, sk, ex_ante_share, secondary_share):
    """The education a person of origin o and education sk (not tertiary) leaves school with
    at GRADUATION_AGE: tertiary with probability ex_ante_share[o], else secondary with
    probability secondary_share[o] if still primary, else sk."""
    if uniform(key, pid, year, Stream.EDUCATION) < ex_ante_share[o]:
        return TERTIARY
    if sk == PRIMARY and uniform(key, pid, year, Stream.EDUCATION_SECONDARY) < secondary_share[o]:
        return SECONDARY
    return sk


@nb.njit(**PARALLEL_JIT)
def graduate(key, year, n, people, ex_ante_share, secondary_share, out):
    """People turning GRADUATION_AGE without a degree become tertiary (2) with probability
    ex_ante_share[origin]; the others who are still primary (0) become secondary (1) with
    probability secondary_share[origin].

    people: `People` (skill is written); out: (N_CHUNKS, R, 2) int64 zeroed; counts
    deciders [o, 0] and graduates [o, 1].
    """
    person_id = people.person_id
    alive = people.alive
    age = people.age
    origin = people.origin
    skill = people.skill
    n_chunks = out.shape[0]
    chunk = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0 or age[i] != GRADUATION_AGE or skill[i] == TERTIARY:
                continue
            o = origin[i]
            sk = skill[i]
            out[c, o, 0] += 1
            new = graduation_draw(key, person_id[i], year, o, sk, ex_ante_share, secondary_share)
            if new == TERTIARY:
                out[c, o, 1] += 1
            if new != sk:
                skill[i] = new
