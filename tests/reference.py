"""Plain vectorised NumPy reference implementations of the hot kernels.

They are the oracle for `tests/test_kernels_reference.py` (kernel == reference, exactly) and
the in-run baseline of `benches/` (the numba kernel's speed is reported as a ratio to these,
which survives a noisy machine). They follow the kernels' semantics line by line, drawing
every random number with `migsim.kernels.rng.uniform_reference` (same (key, id, year, stream)
counters), and never modify their inputs: they return new arrays.
"""

from __future__ import annotations

import numpy as np

from migsim.kernels.demography import MOTHER_MAX_AGE, MOTHER_MIN_AGE
from migsim.kernels.migration import INTRA_REGIONAL, IRREGULAR, NATIVE, PERMANENT, TEMPORARY
from migsim.kernels.rng import Stream, uniform_reference


def normal_reference(key, person_id: np.ndarray, year: int, stream: int) -> np.ndarray:
    """NumPy port of `migsim.kernels.rng.normal` (Box-Muller on sub-streams 2s+1000, 2s+1001)."""
    u1 = uniform_reference(key, person_id, year, 2 * int(stream) + 1000)
    u2 = uniform_reference(key, person_id, year, 2 * int(stream) + 1001)
    u1 = np.maximum(u1, 1e-300)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def productivity_reference(key, person_id: np.ndarray, sigma: float) -> np.ndarray:
    """NumPy port of `migsim.kernels.migration.productivity`: lognormal with mean 1."""
    z = normal_reference(key, person_id, 0, Stream.PRODUCTIVITY)
    return np.exp(sigma * z - 0.5 * sigma * sigma)


def draw_index_reference(cdf_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise `migsim.kernels.migration.draw_index`: first k with u < cdf[k], else the last."""
    k = (cdf_rows <= u[:, None]).sum(axis=1)
    return np.minimum(k, cdf_rows.shape[1] - 1)


def decide_reference(
    key,
    year,
    n,
    person_id,
    alive,
    age,
    sex,
    skill,
    origin,
    location,
    status,
    years_abroad,
    visa_years_left,
    wealth,
    band_of_age,
    n_bands,
    p_move,
    dest_cdf,
    upfront_cost,
    home_income,
    borrowing,
    accept,
    temporary_share,
    irregular_share,
    visa_years,
    overstay,
    hazard,
    onward_share,
    intra_rate,
    intra_return,
    productivity_sigma,
):
    """`migsim.kernels.migration.decide` on rows [0, n), vectorised.

    Returns (people, moves, blocked, intra): people is a dict with the new status,
    location, years_abroad, visa_years_left and wealth of rows [0, n) (input dtypes);
    moves is int64 (R, R, R, 2) [origin, source, destination, skill]; blocked and intra
    are int64 (R,).
    """
    R = upfront_cost.shape[0]
    pid = person_id[:n]
    live = alive[:n] != 0
    o = origin[:n].astype(np.int64)
    loc = location[:n].astype(np.int64)
    s = skill[:n].astype(np.int64)
    st = status[:n].copy()
    b = band_of_age[age[:n]].astype(np.int64)
    h = ((o * 2 + s) * 2 + sex[:n].astype(np.int64)) * n_bands + b
    new_status = status[:n].copy()
    new_location = location[:n].copy()
    new_years = years_abroad[:n].copy()
    new_visa = visa_years_left[:n].copy()
    new_wealth = wealth[:n].copy()
    moves = np.zeros((R, R, R, 2), dtype=np.int64)
    blocked = np.zeros(R, dtype=np.int64)
    intra = np.zeros(R, dtype=np.int64)

    u_nest = uniform_reference(key, pid, year, Stream.MIGRATE_NEST)
    u_return = uniform_reference(key, pid, year, Stream.RETURN)
    u_dest = uniform_reference(key, pid, year, Stream.MIGRATE_DEST)
    u_visa = uniform_reference(key, pid, year, Stream.VISA)
    u_quota = uniform_reference(key, pid, year, Stream.QUOTA_LOTTERY)
    d = draw_index_reference(dest_cdf[h], u_dest)

    # --- at home
    home = live & (loc == o)
    want = home & (u_nest < p_move[h])
    go = want & (d != o)
    income = home_income[o, s] * productivity_reference(key, pid, productivity_sigma)
    cost = upfront_cost[o, d]
    poor = go & (wealth[:n].astype(np.float64) + borrowing * income < cost)
    np.add.at(blocked, o[poor], 1)
    go &= ~poor
    go &= ~((accept[d, s] < 1.0) & (u_quota >= accept[d, s]))
    ts = temporary_share[o, d, s]
    irr = irregular_share[o, d, s]
    temp = go & (u_visa < ts)
    irreg = go & ~temp & (u_visa < ts + irr)
    perm = go & ~temp & ~irreg
    new_status[temp] = TEMPORARY
    new_visa[temp] = visa_years[d[temp]]
    new_status[irreg] = IRREGULAR
    new_status[perm] = PERMANENT
    new_visa[irreg | perm] = 0
    new_wealth[go] = np.maximum(wealth[:n][go].astype(np.float64) - cost[go], 0.0)
    new_location[go] = d[go]
    new_years[go] = 0
    np.add.at(moves, (o[go], o[go], d[go], s[go]), 1)

    stay = home & ~want
    to_intra = stay & (st == NATIVE) & (u_return < intra_rate[o, b])
    from_intra = stay & (st == INTRA_REGIONAL) & (u_return < intra_return[o, b])
    new_status[to_intra] = INTRA_REGIONAL
    new_status[from_intra] = NATIVE
    np.add.at(intra, o[to_intra], 1)

    # --- abroad
    abroad = live & (loc != o)
    temp_abroad = abroad & (st == TEMPORARY)
    count_down = temp_abroad & (new_visa > 0)
    new_visa[count_down] -= 1
    expired = temp_abroad & (new_visa == 0)
    overstays = expired & (u_visa < overstay[loc])
    new_status[overstays] = IRREGULAR
    leave = expired & ~overstays
    hazard_leave = abroad & ~leave & (u_return < hazard[new_status, years_abroad[:n], b])
    leave |= hazard_leave
    onward = leave & (u_nest < onward_share) & (d != o) & (d != loc)
    dest = np.where(onward, d, o)
    new_location[leave] = dest[leave]
    new_years[leave] = 0
    new_visa[leave] = 0
    new_status[leave] = np.where(dest[leave] == o[leave], NATIVE, PERMANENT)
    np.add.at(moves, (o[leave], loc[leave], dest[leave], s[leave]), 1)

    people = {
        "status": new_status,
        "location": new_location,
        "years_abroad": new_years,
        "visa_years_left": new_visa,
        "wealth": new_wealth,
    }
    return people, moves, blocked, intra


def mortality_fertility_reference(
    key, year, n, person_id, alive, age, sex, origin, location, death_probability, fertility, weight
):
    """`migsim.kernels.demography.mortality_and_fertility` on rows [0, n), vectorised.

    Returns (alive, children, deaths): the new alive flags (uint8), agent-children per row
    (uint8) and 1 for rows that died this year (uint8).
    """
    pid = person_id[:n]
    live = alive[:n] != 0
    a = age[:n].astype(np.int64)
    loc = location[:n].astype(np.int64)
    sx = sex[:n].astype(np.int64)
    u_die = uniform_reference(key, pid, year, Stream.MORTALITY)
    u_birth = uniform_reference(key, pid, year, Stream.FERTILITY)
    dies = live & (u_die < death_probability[loc, sx, a])
    mothers = live & ~dies & (sx == 0) & (a >= MOTHER_MIN_AGE) & (a <= MOTHER_MAX_AGE)
    expected = fertility[loc, a] * weight[origin[:n]] / weight[loc]
    whole = expected.astype(np.int64)
    whole += u_birth < expected - whole
    children = np.where(mothers, np.minimum(whole, 255), 0).astype(np.uint8)
    new_alive = alive[:n].copy()
    new_alive[dies] = 0
    return new_alive, children, dies.astype(np.uint8)


__all__ = [
    "decide_reference",
    "draw_index_reference",
    "mortality_fertility_reference",
    "normal_reference",
    "productivity_reference",
]
