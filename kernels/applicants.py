"""Quota applicants: who would move before quotas, for the quota lottery's odds.

`expected_applicants` is what the lottery uses: the expected number of would-be movers who
can pay, by destination and skill, summed in fixed point, and of the migrants who leave
their destination for a third one (onward movers, whom the lottery admits too, with no
up-front cost). `count_applicants` draws them as `decide` would (the same draws and
liquidity test); the tests use it to show that the expected count is the drawn count's
mean.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import JIT, PARALLEL_JIT
from migsim.kernels.bundles import add_move, return_hazard, skill_class
from migsim.kernels.migration import IRREGULAR, N_CHUNKS, TEMPORARY, draw_index, means
from migsim.kernels.rng import Stream, uniform


@nb.njit(inline="always", **JIT)
def _hazard(st, years, b, o, loc, apart, levers):
    """`return_hazard` on the levers' arrays."""
    return return_hazard(
        levers.hazard, levers.return_factor, levers.family_return, st, years, b, o, loc, apart
    )


@nb.njit(inline="always", **JIT)
def leave_probability(st, visa_left, years, b, o, loc, apart, levers):
    """The probability that a person abroad leaves this year, as `decide` draws it: a visa
    expiring this year (one year left) sends its holder away unless they overstay, who then
    face the irregular hazard; everyone else faces their status' hazard."""
    if st == TEMPORARY and visa_left == 1:
        stay = levers.overstay[loc]
        h = min(max(_hazard(IRREGULAR, years, b, o, loc, apart, levers), 0.0), 1.0)
        return (1.0 - stay) + stay * h
    return min(max(_hazard(st, years, b, o, loc, apart, levers), 0.0), 1.0)


@nb.njit(inline="always", **JIT)
def leaves(key, pid, year, st, visa_left, years, b, o, loc, apart, levers):
    """Whether a person abroad leaves this year, on `decide`'s draws (nothing is written)."""
    if st == TEMPORARY and visa_left == 1:
        if uniform(key, pid, year, Stream.VISA) >= levers.overstay[loc]:
            return True
        st = IRREGULAR
    h = _hazard(st, years, b, o, loc, apart, levers)
    return uniform(key, pid, year, Stream.RETURN) < h


@nb.njit(**PARALLEL_JIT)
def count_applicants(key, year, n, people, cells, levers, tallies):
    """Would-be movers who can pay the up-front cost, before quotas, recorded as moves from
    home (origin, origin, destination, skill) in `tallies` (a `MoveTallies`; nobody moves),
    and onward movers as moves (origin, location, destination, skill). The same draws and
    liquidity test as `decide`: the drawn applicants whose mean `expected_applicants` is
    (the quota lottery uses the latter). Reads levers.upfront_cost, what `means` reads and
    the return levers."""
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    wealth = people.wealth
    band_of_age = cells.band_of_age
    n_bands = cells.n_bands
    p_move = cells.p_move
    dest_cdf = cells.dest_cdf
    upfront_cost = levers.upfront_cost
    moves_out = tallies.moves
    n_moves = tallies.n_moves
    R = tallies.n_regions
    status = people.status
    visa_left = people.visa_years_left
    years_abroad = people.years_abroad
    family = people.family
    onward_share = levers.onward_share
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            pid = person_id[i]
            o = origin[i]
            loc = location[i]
            s = skill_class(skill[i])
            b = band_of_age[age[i]]
            h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
            if loc != o:
                # an onward mover: leaves, moves on (the draw `decide` takes), to d != o, loc
                if uniform(key, pid, year, Stream.MIGRATE_NEST) >= onward_share:
                    continue
                st, v, yrs, fam = status[i], visa_left[i], years_abroad[i], family[i]
                if leaves(key, pid, year, st, v, yrs, b, o, loc, fam, levers):
                    d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
                    if d != o and d != loc and d < R:
                        add_move(moves_out, n_moves, R, c, o, loc, d, s)
                continue
            if uniform(key, pid, year, Stream.MIGRATE_NEST) < p_move[h]:
                d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
                if d != o and d < R:
                    if means(key, pid, wealth[i], o, s, levers) >= upfront_cost[o, d]:
                        add_move(moves_out, n_moves, R, c, o, o, d, s)


# expected applicants are summed in fixed point (people x 2**EXPECTED_SCALE_BITS, int64), so
# their totals do not depend on the order of summation (threads, chunks, shards)
EXPECTED_SCALE_BITS = 20


@nb.njit(**PARALLEL_JIT)
def expected_applicants(key, year, n, people, cells, levers, weight, out):
    """Expected would-be movers who can pay, before quotas, in real people by destination and
    skill: out (N_CHUNKS, R, 2) int64 [chunk, destination, skill class] in units of
    2**-EXPECTED_SCALE_BITS people. Each person at home adds weight[origin] times their
    probability of wanting to move to d (p_move[h] times d's share of dest_cdf[h]) for every
    destination d != origin whose up-front cost they can pay (the liquidity test of `decide`).
    The draws of wanting to move and of the destination are replaced by their probabilities,
    so the total carries no sampling noise from them: a quota's lottery odds quota / applicants
    computed from it admit min(expected applicants, quota) in expectation, whatever the
    number of agents (with realised counts the odds admit E[min(count, quota)], which is lower
    where the count's noise straddles the quota, the more so the fewer the agents). Each
    person abroad adds weight[origin] times their probability of leaving
    (`leave_probability`), of moving on (onward_share) and of d's share, for every d other
    than their origin and location: onward movers pay no up-front cost."""
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    wealth = people.wealth
    band_of_age = cells.band_of_age
    n_bands = cells.n_bands
    p_move = cells.p_move
    dest_cdf = cells.dest_cdf
    upfront_cost = levers.upfront_cost
    R = dest_cdf.shape[1]
    scale = float(2**EXPECTED_SCALE_BITS)
    status = people.status
    visa_left = people.visa_years_left
    years_abroad = people.years_abroad
    family = people.family
    onward_share = levers.onward_share
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            o = origin[i]
            loc = location[i]
            s = skill_class(skill[i])
            b = band_of_age[age[i]]
            h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
            if loc != o:  # an onward mover pays no up-front cost
                q = leave_probability(
                    status[i], visa_left[i], years_abroad[i], b, o, loc, family[i], levers
                )
                p = q * onward_share
                budget = np.inf
            else:
                p = p_move[h]
                budget = means(key, person_id[i], wealth[i], o, s, levers) if p > 0.0 else 0.0
            if p <= 0.0:
                continue
            mass = p * weight[o] * scale
            below = 0.0
            for d in range(R):
                share = dest_cdf[h, d] - below
                below = dest_cdf[h, d]
                if d == o or d == loc or share <= 0.0:
                    continue
                if budget >= upfront_cost[o, d]:
                    out[c, d, s] += np.int64(np.round(mass * share))
