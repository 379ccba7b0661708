"""Migration kernel: each person stays, moves, or returns; one pass over people.

Probabilities are computed per cell by the behaviour module (engine/behaviour.py) and
only the draws, the liquidity check and the individual term are per person:

* at home (location == origin; status native or intra-regional): with probability
  p_move[h] (h = home cell of origin, skill, sex, age band), adjusted by the individual
  log-odds term, the person wants to move; the destination is drawn from dest_cdf[h]. The
  move happens if wealth + borrowing * home income covers the up-front cost F[o, d] and the
  quota lottery admits them (accept[d, s]); the entry channel (temporary visa, irregular or
  permanent) is drawn from channel shares of the corridor.
* abroad: a temporary visa counts down and at expiry the person returns home unless they
  overstay (then irregular). Otherwise the person leaves with the return hazard
  hazard[status, years abroad]; a share `onward_share` of leavers moves on to another
  destination drawn from their home cell's destination distribution instead of going home.

Moves are counted in per-chunk integer histograms (origin, source, destination, skill), so
counts are identical for any number of threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from kernels._config import JIT, PARALLEL_JIT
from kernels.rng import Stream, normal, uniform

N_CHUNKS = 64
NATIVE, PERMANENT, TEMPORARY, IRREGULAR, INTRA_REGIONAL = 0, 1, 2, 3, 4


@nb.njit(inline="always", **JIT)
def productivity(key, person_id, sigma):
    """Individual productivity, lognormal with mean 1: a pure function of (key, id)."""
    z = normal(key, person_id, 0, Stream.PRODUCTIVITY)
    return np.exp(sigma * z - 0.5 * sigma * sigma)


@nb.njit(inline="always", **JIT)
def draw_index(cdf, u):
    """First index k with u < cdf[k] (cdf increasing, last entry 1)."""
    n = cdf.shape[0]
    for k in range(n):
        if u < cdf[k]:
            return k
    return n - 1


@nb.njit(**JIT)
def _decide_person(i, c, shift, key, year, person_id, alive, age, sex, skill, origin,
                   location, status, years_abroad, visa_years_left, wealth, band_of_age,
                   n_bands, p_move, dest_cdf, upfront_cost, home_income, borrowing, accept,
                   temporary_share, irregular_share, visa_years, overstay, hazard,
                   onward_share, intra_rate, intra_return, productivity_sigma, moves_out,
                   blocked_out, intra_moves_out):
    """Decision of person i (chunk c); `shift` moves the log-odds of moving from home."""
    pid = person_id[i]
    o = origin[i]
    loc = location[i]
    s = skill[i]
    st = status[i]
    b = band_of_age[age[i]]
    if loc == o:
        h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
        p = p_move[h]
        if shift != 0.0 and 0.0 < p < 1.0:
            p = 1.0 / (1.0 + np.exp(-(np.log(p / (1.0 - p)) + shift)))
        if uniform(key, pid, year, Stream.MIGRATE_NEST) < p:
            d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
            if d == o:
                return
            income = home_income[o, s] * productivity(key, pid, productivity_sigma)
            if wealth[i] + borrowing * income < upfront_cost[o, d]:
                blocked_out[c, o] += 1
                return
            if accept[d, s] < 1.0:
                if uniform(key, pid, year, Stream.QUOTA_LOTTERY) >= accept[d, s]:
                    return
            v = uniform(key, pid, year, Stream.VISA)
            if v < temporary_share[o, d, s]:
                status[i] = TEMPORARY
                visa_years_left[i] = visa_years[d]
            elif v < temporary_share[o, d, s] + irregular_share[o, d, s]:
                status[i] = IRREGULAR
                visa_years_left[i] = 0
            else:
                status[i] = PERMANENT
                visa_years_left[i] = 0
            wealth[i] = max(wealth[i] - upfront_cost[o, d], 0.0)
            location[i] = d
            years_abroad[i] = 0
            moves_out[c, o, o, d, s] += 1
        else:
            # within-region moves between countries of the same region
            r = uniform(key, pid, year, Stream.RETURN)
            if st == NATIVE and r < intra_rate[o, b]:
                status[i] = INTRA_REGIONAL
                intra_moves_out[c, o] += 1
            elif st == INTRA_REGIONAL and r < intra_return[o, b]:
                status[i] = NATIVE
        return
    # abroad
    leave = False
    if st == TEMPORARY:
        if visa_years_left[i] > 0:
            visa_years_left[i] -= 1
        if visa_years_left[i] == 0:
            if uniform(key, pid, year, Stream.VISA) < overstay[loc]:
                status[i] = IRREGULAR
            else:
                leave = True
    if not leave:
        leave = uniform(key, pid, year, Stream.RETURN) < hazard[status[i], years_abroad[i]]
    if not leave:
        return
    dest = o
    if uniform(key, pid, year, Stream.MIGRATE_NEST) < onward_share:
        h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
        d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
        if d != o and d != loc:
            dest = d
    location[i] = dest
    years_abroad[i] = 0
    visa_years_left[i] = 0
    status[i] = NATIVE if dest == o else PERMANENT
    moves_out[c, o, loc, dest, s] += 1


@nb.njit(**PARALLEL_JIT)
def decide(key, year, n, person_id, alive, age, sex, skill, origin, location, status,
           years_abroad, visa_years_left, wealth, band_of_age, n_bands,
           p_move, dest_cdf, upfront_cost, home_income, borrowing, accept,
           temporary_share, irregular_share, visa_years, overstay, hazard, onward_share,
           intra_rate, intra_return, productivity_sigma, moves_out, blocked_out,
           intra_moves_out):
    """One year of stay / move / return decisions for rows [0, n). See module docstring.

    p_move: (H,) with H = R * 2 * 2 * n_bands home cells; dest_cdf: (H, R);
    upfront_cost: (R, R) PPP $; home_income: (R, 2) PPP $ per year; accept: (R, 2)
    admission probability by destination and skill (quota lottery, 1 = no quota);
    temporary_share, irregular_share: (R, R, 2); visa_years (uint8), overstay: (R,) by
    destination; hazard: (5, 256) annual leaving probability by status and years abroad;
    intra_rate, intra_return: (R, n_bands) within-region migration in and out;
    moves_out: (N_CHUNKS, R, R, R, 2) int64 zeroed [origin, source, destination, skill];
    blocked_out, intra_moves_out: (N_CHUNKS, R) int64.
    """
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            _decide_person(i, c, 0.0, key, year, person_id, alive, age, sex, skill, origin,
                           location, status, years_abroad, visa_years_left, wealth,
                           band_of_age, n_bands, p_move, dest_cdf, upfront_cost, home_income,
                           borrowing, accept, temporary_share, irregular_share, visa_years,
                           overstay, hazard, onward_share, intra_rate, intra_return,
                           productivity_sigma, moves_out, blocked_out, intra_moves_out)


@nb.njit(parallel=True, nogil=True, fastmath=PARALLEL_JIT["fastmath"], error_model="numpy")
def decide_with_term(key, year, n, person_id, alive, age, sex, skill, origin, location,
                     status, years_abroad, visa_years_left, wealth, band_of_age, n_bands,
                     p_move, dest_cdf, upfront_cost, home_income, borrowing, accept,
                     temporary_share, irregular_share, visa_years, overstay, hazard,
                     onward_share, intra_rate, intra_return, productivity_sigma, term,
                     term_params, moves_out, blocked_out, intra_moves_out):
    """`decide` with a plug-in individual term (not cached: it takes a function).

    term(age, sex, skill, wealth, productivity, years_abroad, origin, params) -> float is
    added to the log-odds of moving of each person at home; params is a float64 array.
    """
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            shift = 0.0
            if location[i] == origin[i]:
                shift = term(age[i], sex[i], skill[i], wealth[i],
                             productivity(key, person_id[i], productivity_sigma),
                             years_abroad[i], origin[i], term_params)
            _decide_person(i, c, shift, key, year, person_id, alive, age, sex, skill, origin,
                           location, status, years_abroad, visa_years_left, wealth,
                           band_of_age, n_bands, p_move, dest_cdf, upfront_cost, home_income,
                           borrowing, accept, temporary_share, irregular_share, visa_years,
                           overstay, hazard, onward_share, intra_rate, intra_return,
                           productivity_sigma, moves_out, blocked_out, intra_moves_out)


@nb.njit(**PARALLEL_JIT)
def count_applicants(key, year, n, person_id, alive, age, sex, skill, origin, location,
                     band_of_age, n_bands, p_move, dest_cdf, out):
    """Would-be movers by (origin, destination, skill) before quotas, int64 (N_CHUNKS, R, R, 2)."""
    R = out.shape[1]
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0 or location[i] != origin[i]:
                continue
            pid = person_id[i]
            o = origin[i]
            s = skill[i]
            h = ((o * 2 + s) * 2 + sex[i]) * n_bands + band_of_age[age[i]]
            if uniform(key, pid, year, Stream.MIGRATE_NEST) < p_move[h]:
                d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
                if d != o and d < R:
                    out[c, o, d, s] += 1
