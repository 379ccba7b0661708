"""NumPy twins of `migsim.kernels.migration` (decide, decide_with_term, catch_up) and of
`migsim.kernels.applicants` (count_applicants, expected_applicants), vectorised over people.

Each returns the new values of the person columns the kernel writes (a dict of arrays of
rows [0, n), input dtypes) and its counts summed over chunks.
"""

from __future__ import annotations

import numpy as np

from migsim.kernels.bundles import TERTIARY
from migsim.kernels.migration import INTRA_REGIONAL, IRREGULAR, NATIVE, PERMANENT, TEMPORARY
from migsim.kernels.reference.rng import draw_index, productivity, uniform
from migsim.kernels.rng import Stream, rest_below_reference

WRITTEN = ("status", "location", "years_abroad", "visa_years_left", "family", "wealth")


def home_cells(origin, skill, sex, age, band_of_age, n_bands):
    """(o, s, b, h) per person as the kernels index them: origin, skill class (1 tertiary),
    age band and home cell h = ((o * 2 + s) * 2 + sex) * n_bands + b (the row of
    `Cells.p_move` and `Cells.dest_cdf`)."""
    o = origin.astype(np.int64)
    s = (skill == TERTIARY).astype(np.int64)
    b = band_of_age[age].astype(np.int64)
    h = ((o * 2 + s) * 2 + sex.astype(np.int64)) * n_bands + b
    return o, s, b, h


def _home_cell(people, cells, n):
    return home_cells(
        people.origin[:n],
        people.skill[:n],
        people.sex[:n],
        people.age[:n],
        cells.band_of_age,
        cells.n_bands,
    )


def _enter(new, go, o, d, s, b, u_visa, u_family, levers, moves):
    """Movers `go` enter d by the channel u_visa draws, leaving close family at origin
    when u_family < family_left[b]; counted as moves from home."""
    ts = levers.temporary_share[o, d, s]
    irr = levers.irregular_share[o, d, s]
    temp = go & (u_visa < ts)
    irreg = go & ~temp & (u_visa < ts + irr)
    perm = go & ~temp & ~irreg
    new["status"][temp] = TEMPORARY
    new["visa_years_left"][temp] = levers.visa_years[d[temp]]
    new["status"][irreg] = IRREGULAR
    new["status"][perm] = PERMANENT
    new["visa_years_left"][irreg | perm] = 0
    new["location"][go] = d[go]
    new["years_abroad"][go] = 0
    new["family"][go] = (u_family < levers.family_left[b])[go]
    np.add.at(moves, (o[go], o[go], d[go], s[go]), 1)


def _shifted(p: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """P(move) with `shift` added to its log-odds (unchanged where shift is 0 or p is 0/1)."""
    use = (shift != 0.0) & (p > 0.0) & (p < 1.0)
    out = p.copy()
    q = p[use]
    out[use] = 1.0 / (1.0 + np.exp(-(np.log(q / (1.0 - q)) + shift[use])))
    return out


def decide(key, year, n, people, cells, levers, shift=None):
    """Twin of `decide`: returns (new columns, moves (R, R, R, 2), blocked (R,), intra (R,)).

    shift: optional (n,) log-odds shift of each person at home (`decide_with_term`).
    """
    R = levers.upfront_cost.shape[0]
    pid = people.person_id[:n]
    live = people.alive[:n] != 0
    o, s, b, h = _home_cell(people, cells, n)
    loc = people.location[:n].astype(np.int64)
    st = people.status[:n]
    new = {k: getattr(people, k)[:n].copy() for k in WRITTEN}
    moves = np.zeros((R, R, R, 2), dtype=np.int64)
    blocked = np.zeros(R, dtype=np.int64)
    intra = np.zeros(R, dtype=np.int64)

    u_nest = uniform(key, pid, year, Stream.MIGRATE_NEST)
    u_return = uniform(key, pid, year, Stream.RETURN)
    u_visa = uniform(key, pid, year, Stream.VISA)
    u_quota = uniform(key, pid, year, Stream.QUOTA_LOTTERY)
    d = draw_index(cells.dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))

    # at home: move (liquidity, quota lottery, entry channel) or within-region moves
    home = live & (loc == o)
    p = cells.p_move[h]
    if shift is not None:
        p = np.where(home, _shifted(p, np.where(home, shift, 0.0)), p)
    want = home & (u_nest < p)
    go = want & (d != o)
    income = levers.home_income[o, s] * productivity(key, pid, levers.productivity_sigma)
    cost = levers.upfront_cost[o, d]
    wealth = people.wealth[:n]
    poor = go & (wealth + levers.borrowing * income < cost)
    np.add.at(blocked, o[poor], 1)
    go &= ~poor
    accept = levers.accept[d, s]
    go &= ~((accept < 1.0) & (u_quota >= accept))
    new["wealth"][go] = np.maximum(wealth[go] - cost[go], 0.0)
    u_family = uniform(key, pid, year, Stream.FAMILY_LEFT)
    _enter(new, go, o, d, s, b, u_visa, u_family, levers, moves)
    stay = home & ~want
    # the same draw as the move: u_nest >= p is uniform on [p, 1)
    to_intra = stay & (st == NATIVE) & rest_below_reference(u_nest, p, levers.intra_rate[o, b])
    from_intra = (
        stay & (st == INTRA_REGIONAL) & rest_below_reference(u_nest, p, levers.intra_return[o, b])
    )
    new["status"][to_intra] = INTRA_REGIONAL
    new["status"][from_intra] = NATIVE
    np.add.at(intra, o[to_intra], 1)

    # abroad: visas count down and expire (leave or overstay), return hazard, onward moves
    abroad = live & (loc != o)
    temp_abroad = abroad & (st == TEMPORARY)
    visa = new["visa_years_left"]
    counting = temp_abroad & (visa > 0)  # 0 from entry: a renewed permit, never expiring
    visa[counting] -= 1
    expired = counting & (visa == 0)
    overstays = expired & (u_visa < levers.overstay[loc])
    new["status"][overstays] = IRREGULAR
    leave = expired & ~overstays
    apart = people.family[:n] != 0
    hazard = _hazards(people, levers, n, o, b, loc, new["status"])
    leave |= abroad & ~leave & (u_return < hazard)
    joined = (
        abroad
        & ~leave
        & apart
        & (new["status"] != TEMPORARY)
        & (uniform(key, pid, year, Stream.FAMILY_REUNIFY) < levers.family_reunify[loc])
    )
    new["family"][joined] = 0
    refused = (accept < 1.0) & (u_quota >= accept)  # the quota's lottery, as at a first entry
    onward = leave & (u_nest < levers.onward_share) & (d != o) & (d != loc) & ~refused
    dest = np.where(onward, d, o)
    new["location"][leave] = dest[leave]
    new["years_abroad"][leave] = 0
    visa[leave] = 0
    tied = (levers.visa_years[dest] == 0) & (levers.temporary_share[o, dest, s] > 0)
    settled = np.where(tied, TEMPORARY, PERMANENT)
    new["status"][leave] = np.where(dest[leave] == o[leave], NATIVE, settled[leave])
    new["family"][leave & (dest == o)] = 0
    np.add.at(moves, (o[leave], loc[leave], dest[leave], s[leave]), 1)
    return new, moves, blocked, intra


def decide_with_term(key, year, n, people, cells, levers, term, params):
    """Twin of `decide_with_term`: returns decide's four results and the number of people
    whose term is not finite. `term` is called as term(age, sex, skill, wealth,
    productivity, years_abroad, origin, params) on whole arrays (rows at home), so it must
    accept arrays: a NumPy version of the plug-in's term."""
    live_home = (people.alive[:n] != 0) & (people.location[:n] == people.origin[:n])
    rows = np.flatnonzero(live_home)
    shift = np.zeros(n)
    value = np.asarray(
        term(
            people.age[rows],
            people.sex[rows],
            (people.skill[rows] == TERTIARY).astype(np.uint8),
            people.wealth[rows],
            productivity(key, people.person_id[rows], levers.productivity_sigma),
            people.years_abroad[rows],
            people.origin[rows],
            params,
        ),
        dtype=np.float64,
    )
    finite = np.isfinite(value)
    shift[rows] = np.where(finite, value, 0.0)
    return (*decide(key, year, n, people, cells, levers, shift), int((~finite).sum()))


def _hazards(people, levers, n, o, b, loc, status):
    """The return hazard of `decide` for rows [0, n) with `status`, before clipping."""
    years = people.years_abroad[:n]
    h = levers.hazard[status, years, b] * levers.return_factor[o, loc]
    return np.where(people.family[:n] != 0, h * levers.family_return, h)


def _expiring(people, n):
    """Rows on a temporary visa with one year left: it expires this year."""
    return (people.status[:n] == TEMPORARY) & (people.visa_years_left[:n] == 1)


def count_applicants(key, year, n, people, cells, levers, n_regions):
    """Twin of `count_applicants`: would-be movers who can pay and onward movers, int64
    (R, R, 2) [o, d, s]."""
    R = n_regions
    pid = people.person_id[:n]
    o, s, b, h = _home_cell(people, cells, n)
    live = people.alive[:n] != 0
    loc = people.location[:n].astype(np.int64)
    home = live & (loc == o)
    u_nest = uniform(key, pid, year, Stream.MIGRATE_NEST)
    want = home & (u_nest < cells.p_move[h])
    d = draw_index(cells.dest_cdf[h], uniform(key, pid, year, Stream.MIGRATE_DEST))
    income = levers.home_income[o, s] * productivity(key, pid, levers.productivity_sigma)
    pays = people.wealth[:n] + levers.borrowing * income >= levers.upfront_cost[o, d]
    ok = want & (d != o) & (d < R) & pays
    # onward movers: the draws of `decide` for leaving (an expiring visa, or the hazard)
    expiring = _expiring(people, n)
    overstays = expiring & (uniform(key, pid, year, Stream.VISA) < levers.overstay[loc])
    status = np.where(overstays, IRREGULAR, people.status[:n]).astype(np.int64)
    hazard = _hazards(people, levers, n, o, b, loc, status)
    leave = (expiring & ~overstays) | (uniform(key, pid, year, Stream.RETURN) < hazard)
    onward = live & (loc != o) & (u_nest < levers.onward_share) & leave
    onward &= (d != o) & (d != loc) & (d < R)
    out = np.zeros((R, R, 2), dtype=np.int64)
    np.add.at(out, (o[ok], d[ok], s[ok]), 1)
    np.add.at(out, (o[onward], d[onward], s[onward]), 1)
    return out


def expected_applicants(key, year, n, people, cells, levers, weight):
    """Twin of `expected_applicants`: expected would-be movers who can pay, int64 (R, 2)
    [d, s] in units of 2**-EXPECTED_SCALE_BITS people (each person's term rounded, as the
    kernel does)."""
    from migsim.kernels.applicants import EXPECTED_SCALE_BITS

    R = cells.dest_cdf.shape[1]
    pid = people.person_id[:n]
    o, s, b, h = _home_cell(people, cells, n)
    home = (people.alive[:n] != 0) & (people.location[:n] == people.origin[:n])
    p = cells.p_move[h]
    keep = home & (p > 0.0)
    income = levers.home_income[o, s] * productivity(key, pid, levers.productivity_sigma)
    budget = people.wealth[:n] + levers.borrowing * income
    cdf = cells.dest_cdf[h]
    share = np.diff(cdf, axis=1, prepend=0.0)
    mass = p * weight[o] * float(2**EXPECTED_SCALE_BITS)
    # onward movers: the probability of leaving (`leave_probability`) times onward_share
    live = people.alive[:n] != 0
    loc = people.location[:n].astype(np.int64)
    abroad = live & (loc != o)
    irregular = np.full(n, IRREGULAR, dtype=np.int64)
    hazard = np.clip(_hazards(people, levers, n, o, b, loc, people.status[:n]), 0.0, 1.0)
    hazard_irr = np.clip(_hazards(people, levers, n, o, b, loc, irregular), 0.0, 1.0)
    stay = levers.overstay[loc]
    q = np.where(_expiring(people, n), (1.0 - stay) + stay * hazard_irr, hazard)
    q = q * levers.onward_share
    on = abroad & (q > 0.0) & (levers.onward_share > 0.0)
    on_mass = q * weight[o] * float(2**EXPECTED_SCALE_BITS)
    out = np.zeros((R, 2), dtype=np.int64)
    for d in range(R):
        ok = keep & (d != o) & (share[:, d] > 0.0) & (budget >= levers.upfront_cost[o, d])
        terms = np.round(mass[ok] * share[ok, d]).astype(np.int64)
        np.add.at(out[d], s[ok], terms)
        ok = on & (d != o) & (d != loc) & (share[:, d] > 0.0)
        terms = np.round(on_mass[ok] * share[ok, d]).astype(np.int64)
        np.add.at(out[d], s[ok], terms)
    return out


def catch_up(key, year, n, people, cells, levers):
    """Twin of `catch_up`: returns (new columns, moves (R, R, R, 2))."""
    R = levers.temporary_share.shape[0]
    pid = people.person_id[:n]
    o, s, b, h = _home_cell(people, cells, n)
    home = (people.alive[:n] != 0) & (people.location[:n] == people.origin[:n])
    q = cells.p_move[h]
    go = home & (q > 0.0) & (uniform(key, pid, year, Stream.CATCH_UP) < q)
    d = draw_index(cells.dest_cdf[h], uniform(key, pid, year, Stream.CATCH_UP_DEST))
    go &= d != o
    new = {k: getattr(people, k)[:n].copy() for k in WRITTEN}
    moves = np.zeros((R, R, R, 2), dtype=np.int64)
    u_visa = uniform(key, pid, year, Stream.CATCH_UP_VISA)
    u_family = uniform(key, pid, year, Stream.FAMILY_LEFT)
    _enter(new, go, o, d, s, b, u_visa, u_family, levers, moves)
    return new, moves
