"""Migration kernel: each person stays, moves, or returns; one pass over people.

Probabilities are computed per cell by the behaviour module (engine/model/behaviour.py) and
only the draws, the liquidity check and the individual term are per person:

* at home (location == origin; status native or intra-regional): with probability
  p_move[h] (h = home cell of origin, skill, sex, age band), adjusted by the individual
  log-odds term, the person wants to move; the destination is drawn from dest_cdf[h]. The
  move happens if wealth + borrowing * home income covers the up-front cost F[o, d] and the
  quota lottery admits them (accept[d, s]); the entry channel (temporary visa, irregular or
  permanent) is drawn from channel shares of the corridor, and whether close family stays
  at origin (`family` = 1) with probability family_left[age band].
* abroad: a fixed-term temporary visa counts down and at expiry the person returns home
  unless they overstay (then irregular); a permit of 0 years (employer-tied, renewed while
  the holder stays) never expires. Otherwise the person leaves with the return hazard
  hazard[status, years abroad], times family_return = exp(b_fam) while family is at origin;
  a share `onward_share` of leavers moves on to another destination drawn from their home
  cell's destination distribution instead of going home (returning home resets `family`),
  permanent there unless its regular entrants hold employer-tied permits; where that
  destination rations entry (accept[d, s] < 1) the onward mover enters by the same quota
  lottery as a first entry, and one it refuses goes home.
  A migrant who stays and is not on a temporary visa is joined by their family with
  probability family_reunify[location].

Moves are recorded per chunk of rows as keys of (origin, source, destination, skill)
(`migsim.kernels.bundles.MoveTallies`), combined in chunk order, so counts are identical for
any number of threads and the tallies take one slot per row whatever the number of regions.

Arguments come in bundles (`migsim.kernels.bundles`): `People` (the per-person columns),
`Cells` (per-home-cell probabilities and destination CDFs), `Levers` (policy arrays and
constants) and `MoveTallies` (the per-chunk integer outputs).

Performance: rows are processed in sub-blocks of SUB rows by one non-inlined function call
(`_decide_block`), so the cost of a numba call is paid once per block and not per person;
everyone takes one draw (MIGRATE_NEST): at home it decides both the move (u < p) and,
failing that, a within-region move (u - p < r (1 - p): given u >= p, (u - p) / (1 - p) is
uniform), abroad it decides an onward move. On a CPU with AVX-512DQ
(`migsim.kernels._config.VECTOR_DRAWS`) it is computed for the whole sub-block in a
branch-free loop that LLVM vectorises; elsewhere (AVX2, where that loop emulates 64-bit
multiplies and conversions lane by lane) it is drawn where it is used. The rarer draws
(return, destination, visa, lottery, family, productivity) are made only for the people
who need them. Draws are pure functions of (key, person id, year, stream), so results are
the same bytes either way (tests/test_golden.py runs both). With them, only the rows a
64-row mask marks (`migsim.kernels.quiet`: the living abroad, and those at home whose draw
is below their cell's probability of moving plus its within-region rate) are decided one
by one, about 1 in 32 in the default world.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import JIT, PARALLEL_JIT, VECTOR_DRAWS
from migsim.kernels.bundles import add_move, return_hazard, skill_class
from migsim.kernels.quiet import busy_rows, cttz, quiet_thresholds
from migsim.kernels.rng import Stream, block_draws, normal, rest_below, uniform

N_CHUNKS = 64
NATIVE, PERMANENT, TEMPORARY, IRREGULAR, INTRA_REGIONAL = 0, 1, 2, 3, 4


@nb.njit(inline="always", **JIT)
def productivity(key, person_id, sigma):
    """Individual productivity, lognormal with mean 1: a pure function of (key, id)."""
    z = normal(key, person_id, 0, Stream.PRODUCTIVITY)
    return np.exp(sigma * z - 0.5 * sigma * sigma)


@nb.njit(inline="always", **JIT)
def means(key, pid, wealth, o, s, levers):
    """What a person at home of origin o and skill class s can spend on moving: their wealth
    plus levers.borrowing times their income at home (the liquidity test of `decide`, of
    the quota's applicants and of their expected count: a move to d needs means >=
    levers.upfront_cost[o, d])."""
    income = levers.home_income[o, s] * productivity(key, pid, levers.productivity_sigma)
    return wealth + levers.borrowing * income


@nb.njit(inline="always", **JIT)
def draw_index(cdf, u):
    """First index k with u < cdf[k] (cdf increasing, last entry 1)."""
    n = cdf.shape[0]
    for k in range(n):
        if u < cdf[k]:
            return k
    return n - 1


@nb.njit(inline="always", **JIT)
def entry(v, f, temporary_share, irregular_share, visa_years, family_left):
    """(status, visa years left, family) of a person moving from home: the entry channel
    drawn with the uniform v (temporary visa, irregular or permanent, by the corridor's
    shares temporary_share and irregular_share), close family left at origin with the
    uniform f (probability family_left). Scalars only: arrays passed to an inlined function
    cost a reference count increment and decrement each."""
    fam = 1 if f < family_left else 0
    if v < temporary_share:
        return TEMPORARY, visa_years, fam
    if v < temporary_share + irregular_share:
        return IRREGULAR, 0, fam
    return PERMANENT, 0, fam


# Rows per sub-block: draws for a sub-block are computed together in a vectorisable loop.
SUB = 1024
# Rows per call of `_decide_block` in `decide` and the fused pass: each call takes some 40
# arrays out of the bundles, a reference count increment and decrement each (atomics both
# threads write), so fewer calls cost less (4,096 rows: 0.93-1.01x the fused pass's time
# with 1,024 over four runs, minima 0.92x; 16,384 no better).
DECIDE_ROWS = 4096


@nb.njit(**JIT)
def _decide_block(
    start, stop, c, shifts, u_nest, rows, thresholds, key, year, people, cells, levers, tallies
):
    """Decisions of rows [start, stop) of chunk c.

    shifts[j] moves the log-odds of moving from home of row start + j (an empty array
    means no shift); u_nest and rows (int64) are scratch arrays of at least stop - start;
    thresholds: `quiet_thresholds` (not used with a shift). Never inlined into a parallel
    loop (see `migsim.kernels.quiet`).

    The rows to decide are listed first: with vector draws and no shift, the rows a 64-row
    mask marks as possibly acting (`busy_rows`), found with `cttz`; otherwise every row.
    Then one loop decides them, with the columns taken out of the bundles once per block:
    taken per row (as a function inlined per row did), each of some 40 arrays cost a
    reference count increment and decrement, atomics on counts both threads share.
    """
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    visa_years_left = people.visa_years_left
    family = people.family
    wealth = people.wealth
    band_of_age = cells.band_of_age
    n_bands = cells.n_bands
    p_move = cells.p_move
    dest_cdf = cells.dest_cdf
    upfront_cost = levers.upfront_cost
    accept = levers.accept
    overstay = levers.overstay
    hazard = levers.hazard
    onward_share = levers.onward_share
    intra_rate = levers.intra_rate
    intra_return = levers.intra_return
    return_factor = levers.return_factor
    family_reunify = levers.family_reunify
    family_return = levers.family_return
    temporary_share = levers.temporary_share
    irregular_share = levers.irregular_share
    visa_years = levers.visa_years
    family_left = levers.family_left
    moves_out = tallies.moves
    n_moves = tallies.n_moves
    R = tallies.n_regions
    blocked_out = tallies.blocked
    intra_moves_out = tallies.intra
    with_shift = shifts.shape[0] > 0
    m = 0
    if VECTOR_DRAWS:
        block_draws(key, year, Stream.MIGRATE_NEST, people.person_id, start, stop, u_nest)
    if VECTOR_DRAWS and not with_shift:
        flat = thresholds.reshape(-1)
        n_ages = thresholds.shape[2]
        i0 = start
        while i0 < stop:
            n = min(64, stop - i0)
            busy = busy_rows(
                i0,
                n,
                u_nest,
                i0 - start,
                alive,
                age,
                sex,
                skill,
                origin,
                location,
                status,
                flat,
                n_ages,
                INTRA_REGIONAL,
            )
            while busy != 0:
                rows[m] = i0 + np.int64(cttz(busy))
                m += 1
                busy &= busy - np.uint64(1)
            i0 += n
    else:
        for i0 in range(start, stop):
            rows[m] = i0
            m += 1
    for q in range(m):
        i = np.uint64(rows[q])  # unsigned: no negative-index wraparound per column's load
        j = rows[q] - start
        if alive[i] == 0:
            continue
        pid = person_id[i]
        if VECTOR_DRAWS:
            u = u_nest[j]
        else:
            u = uniform(key, pid, year, Stream.MIGRATE_NEST)
        o = origin[i]
        loc = location[i]
        s = skill_class(skill[i])
        st = status[i]
        b = band_of_age[age[i]]
        if loc == o:
            h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
            p = p_move[h]
            if with_shift:
                shift = shifts[j]
                if shift != 0.0 and 0.0 < p < 1.0:
                    p = 1.0 / (1.0 + np.exp(-(np.log(p / (1.0 - p)) + shift)))
            if u < p:
                d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
                if d == o:
                    continue
                if means(key, pid, wealth[i], o, s, levers) < upfront_cost[o, d]:
                    blocked_out[c, o] += 1
                    continue
                if (
                    accept[d, s] < 1.0
                    and uniform(key, pid, year, Stream.QUOTA_LOTTERY) >= accept[d, s]
                ):
                    continue
                wealth[i] = max(wealth[i] - upfront_cost[o, d], 0.0)
                st_new, visa_new, fam_new = entry(
                    uniform(key, pid, year, Stream.VISA),
                    uniform(key, pid, year, Stream.FAMILY_LEFT),
                    temporary_share[o, d, s],
                    irregular_share[o, d, s],
                    visa_years[d],
                    family_left[b],
                )
                status[i] = st_new
                visa_years_left[i] = visa_new
                location[i] = d
                years_abroad[i] = 0
                family[i] = fam_new
                add_move(moves_out, n_moves, R, c, o, o, d, s)
            else:
                # within-region moves between countries of the same region, on the same
                # draw: given u >= p, (u - p) / (1 - p) is uniform, so a rate r applies as
                # `rest_below(u, p, r)` (no second draw for everyone at home)
                if st == NATIVE and rest_below(u, p, intra_rate[o, b]):
                    status[i] = INTRA_REGIONAL
                    intra_moves_out[c, o] += 1
                elif st == INTRA_REGIONAL and rest_below(u, p, intra_return[o, b]):
                    status[i] = NATIVE
            continue
        # abroad
        leave = False
        if st == TEMPORARY and visa_years_left[i] > 0:
            # a fixed-term visa counts down (0 from entry: a permit renewed while the holder
            # stays, who leaves with the return hazard)
            visa_years_left[i] -= 1
            if visa_years_left[i] == 0:
                if uniform(key, pid, year, Stream.VISA) < overstay[loc]:
                    status[i] = IRREGULAR
                else:
                    leave = True
        if not leave:
            h_leave = return_hazard(
                hazard,
                return_factor,
                family_return,
                status[i],
                years_abroad[i],
                b,
                o,
                loc,
                family[i],
            )
            leave = uniform(key, pid, year, Stream.RETURN) < h_leave
        if not leave:
            # close family left at origin joins the migrant (not on a temporary visa)
            if (
                family[i] != 0
                and status[i] != TEMPORARY
                and uniform(key, pid, year, Stream.FAMILY_REUNIFY) < family_reunify[loc]
            ):
                family[i] = 0
            continue
        dest = o
        if u < onward_share:
            h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
            d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
            # a quota's lottery admits onward movers as it admits first entries (the draw
            # of a person abroad, unused by them otherwise); one it refuses goes home
            if (
                d != o
                and d != loc
                and (
                    accept[d, s] >= 1.0
                    or uniform(key, pid, year, Stream.QUOTA_LOTTERY) < accept[d, s]
                )
            ):
                dest = d
        location[i] = dest
        years_abroad[i] = 0
        visa_years_left[i] = 0
        # an onward mover settles, unless the destination ties its regular entrants to
        # employers (a temporary channel with no fixed term)
        if dest == o:
            status[i] = NATIVE
            family[i] = 0
        elif visa_years[dest] == 0 and temporary_share[o, dest, s] > 0:
            status[i] = TEMPORARY
        else:
            status[i] = PERMANENT
        add_move(moves_out, n_moves, R, c, o, loc, dest, s)


@nb.njit(**PARALLEL_JIT)
def decide(key, year, n, people, cells, levers, tallies):
    """One year of stay / move / return decisions for rows [0, n). See module docstring.

    people: `People`; cells: `Cells`; levers: `Levers`; tallies: `MoveTallies` (zeroed,
    N_CHUNKS chunks), all of `migsim.kernels.bundles`.
    """
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    thresholds = quiet_thresholds(cells, levers)
    for c in nb.prange(N_CHUNKS):
        decide_rows(
            c * chunk,
            min(n, (c + 1) * chunk),
            c,
            key,
            year,
            people,
            cells,
            levers,
            tallies,
            thresholds,
        )


@nb.njit(inline="always", **JIT)
def decide_rows(begin, end, c, key, year, people, cells, levers, tallies, thresholds):
    """`decide` for rows [begin, end) as chunk c of the tallies, block by block.
    thresholds: `quiet_thresholds(cells, levers)`."""
    no_shift = np.empty(0, dtype=np.float64)
    u_nest = np.empty(DECIDE_ROWS, dtype=np.float64)
    rows = np.empty(DECIDE_ROWS, dtype=np.int64)
    for start in range(begin, end, DECIDE_ROWS):
        _decide_block(
            start,
            min(end, start + DECIDE_ROWS),
            c,
            no_shift,
            u_nest,
            rows,
            thresholds,
            key,
            year,
            people,
            cells,
            levers,
            tallies,
        )


@nb.njit(parallel=True, nogil=True, fastmath=PARALLEL_JIT["fastmath"], error_model="numpy")
def decide_with_term(key, year, n, people, cells, levers, term, term_params, tallies, invalid_out):
    """`decide` with a plug-in individual term (not cached: it takes a function).

    term(age, sex, skill, wealth, productivity, years_abroad, origin, params) -> float is
    added to the log-odds of moving of each person at home; params is a float64 array.
    invalid_out (N_CHUNKS,) int64 counts people for whom the term was NaN or infinite
    (their shift is taken as 0; the engine then stops the run).
    """
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    years_abroad = people.years_abroad
    wealth = people.wealth
    productivity_sigma = levers.productivity_sigma
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        u_nest = np.empty(SUB, dtype=np.float64)
        rows = np.empty(SUB, dtype=np.int64)
        no_thresholds = np.empty((0, 0, 0), dtype=np.float64)
        shifts = np.zeros(SUB, dtype=np.float64)
        end = min(n, (c + 1) * chunk)
        for start in range(c * chunk, end, SUB):
            stop = min(end, start + SUB)
            for i in range(start, stop):
                shift = 0.0
                if alive[i] != 0 and location[i] == origin[i]:
                    shift = term(
                        age[i],
                        sex[i],
                        skill_class(skill[i]),
                        wealth[i],
                        productivity(key, person_id[i], productivity_sigma),
                        years_abroad[i],
                        origin[i],
                        term_params,
                    )
                    if not np.isfinite(shift):
                        invalid_out[c] += 1
                        shift = 0.0
                shifts[i - start] = shift
            _decide_block(
                start,
                stop,
                c,
                shifts,
                u_nest,
                rows,
                no_thresholds,
                key,
                year,
                people,
                cells,
                levers,
                tallies,
            )


@nb.njit(**PARALLEL_JIT)
def catch_up(key, year, n, people, cells, levers, tallies):
    """A regime's pent-up moves, once: a person at home moves with probability
    cells.p_move[h] (the catch-up probability) to a destination drawn from cells.dest_cdf[h]
    (h = home cell, as in `decide`). Desired moves are realised without the up-front
    liquidity check (engine/steps/migration.py, `catch_up`); the entry channel is drawn as in
    `decide` from levers.temporary_share, irregular_share and visa_years. Draws use their own
    streams, so the year's other decisions are unchanged. tallies: a `MoveTallies` as in
    `decide` (only its moves are used)."""
    person_id = people.person_id
    alive = people.alive
    age = people.age
    sex = people.sex
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    visa_years_left = people.visa_years_left
    family = people.family
    band_of_age = cells.band_of_age
    n_bands = cells.n_bands
    q_move = cells.p_move
    dest_cdf = cells.dest_cdf
    temporary_share = levers.temporary_share
    irregular_share = levers.irregular_share
    visa_years = levers.visa_years
    family_left = levers.family_left
    moves_out = tallies.moves
    n_moves = tallies.n_moves
    R = tallies.n_regions
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            o = origin[i]
            if location[i] != o:
                continue
            s = skill_class(skill[i])
            b = band_of_age[age[i]]
            h = ((o * 2 + s) * 2 + sex[i]) * n_bands + b
            q = q_move[h]
            if q <= 0.0:
                continue
            pid = person_id[i]
            if uniform(key, pid, year, Stream.CATCH_UP) >= q:
                continue
            d = draw_index(dest_cdf[h], uniform(key, pid, year, Stream.CATCH_UP_DEST))
            if d == o:
                continue
            st_new, visa_new, fam_new = entry(
                uniform(key, pid, year, Stream.CATCH_UP_VISA),
                uniform(key, pid, year, Stream.FAMILY_LEFT),
                temporary_share[o, d, s],
                irregular_share[o, d, s],
                visa_years[d],
                family_left[b],
            )
            status[i] = st_new
            visa_years_left[i] = visa_new
            location[i] = d
            years_abroad[i] = 0
            family[i] = fam_new
            add_move(moves_out, n_moves, R, c, o, o, d, s)
