"""NumPy twins of `migsim.kernels.income`: labour supply and incomes.

Per-person values are computed for all rows at once; money sums are then added chunk by
chunk (the kernel's chunks of person ids, `bounds`) with `np.add.at`, which adds in row
order, and the chunks are combined in chunk order, as the engine combines the kernel's
per-chunk partials. The kernel may still fuse a multiply and an add (numba's `contract`
flag), so sums can differ from these in the last bits: the tests compare sums with a
relative tolerance of 1e-12 and everything else exactly.
"""

from __future__ import annotations

import numpy as np

from migsim.kernels.bundles import TERTIARY
from migsim.kernels.grid import MONEY_SCALE, PEOPLE_SCALE, UNITS_SCALE, on_grid_array
from migsim.kernels.income import (
    EXPERIENCE_START,
    EXPERIENCE_WIDTH,
    HIST_BINS,
    HIST_SAMPLE_MASK,
    HIST_SPAN,
    MAX_WORK_AGE,
    MIN_WORK_AGE,
    N_CHUNKS,
    N_EXPERIENCE,
)
from migsim.kernels.migration import INTRA_REGIONAL, IRREGULAR, TEMPORARY
from migsim.kernels.reference.rng import uniform
from migsim.kernels.rng import Stream


def _chunk_sums(bounds, shape, index, values) -> np.ndarray:
    """Sum of `values` into `shape` at `index` (a tuple of row-aligned index arrays, with
    -1 in the first for rows to skip), chunk by chunk, combined in chunk order."""
    total = np.zeros(shape)
    for c in range(N_CHUNKS):
        lo, hi = bounds[c], bounds[c + 1]
        part = np.zeros(shape)
        keep = index[0][lo:hi] >= 0
        np.add.at(part, tuple(ix[lo:hi][keep] for ix in index), values[lo:hi][keep])
        total += part
    return total


def experience_band(age, education):
    """Twin of `experience_band` for arrays."""
    start = np.asarray(EXPERIENCE_START)[education.astype(np.int64)]
    x = (age.astype(np.int64) - start) // EXPERIENCE_WIDTH
    return np.clip(x, 0, N_EXPERIENCE - 1)


def credential_factor(skill_class, years_abroad, work):
    """kappa of people abroad: the credential transfer on arrival of their skill class (0
    non-tertiary, 1 tertiary) times the regime's scale, rising to 1 over `work.kappa_years`
    years abroad (1 at once if 0), at most 1."""
    skill_class = np.asarray(skill_class, dtype=np.int64)
    if work.kappa_years <= 0.0:
        return np.ones(skill_class.shape)
    k = work.kappa0[skill_class] * work.credential_scale
    tau = np.asarray(years_abroad, dtype=np.float64)
    return np.minimum(k + (1.0 - k) * np.minimum(tau / work.kappa_years, 1.0), 1.0)


def units_abroad(productivity, skill_class, years_abroad, status, work):
    """Efficiency units of employed people abroad, as `labour_supply` counts them:
    productivity x `credential_factor` x the irregular wage factor for irregular migrants."""
    units = np.asarray(productivity, dtype=np.float64) * credential_factor(
        skill_class, years_abroad, work
    )
    return np.where(np.asarray(status) == IRREGULAR, units * work.irregular_wage_factor, units)


def downgrade(kappa, w_own, w_below):
    """Twin of `migsim.kernels.credentials.downgrade` for arrays: (q, f)."""
    kappa, w_own, w_below = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (kappa, w_own, w_below))
    )
    ok = (kappa < 1.0) & (w_below > 0.0) & (w_own > w_below)
    q = np.where(ok, (1.0 - kappa) * w_own / np.where(ok, w_own - w_below, 1.0), 0.0)
    full = q >= 1.0
    f = np.where(full, kappa * w_own / np.where(full, w_below, 1.0), 1.0)
    return np.minimum(q, 1.0), f


def _shares(kappa, loc, e, age, work):
    """(q, f, x, below, xb): `downgrade`'s share and factor at `work.downgrade_wage`, the
    own cell's experience band, the education level below and its band there."""
    x = experience_band(age, e)
    below = np.maximum(e - 1, 0)
    xb = experience_band(age, below)
    dw = work.downgrade_wage
    q, f = downgrade(kappa, dw[loc, e, x], dw[loc, below, xb])
    return q, f, x, below, xb


def split_abroad(units, kappa, location, education, age, work):
    """Each abroad worker's units (`units_abroad`) split by downgrading: (units in their own
    cell, units in the cell one education level below, that cell's experience band), as
    `labour_supply` adds them (`migsim.kernels.credentials`)."""
    units = np.asarray(units, dtype=np.float64)
    e = np.asarray(education, dtype=np.int64)
    loc = np.asarray(location, dtype=np.int64)
    q, f, _, _, xb = _shares(kappa, loc, e, age, work)
    q = np.where((e > 0) & (units > 0.0), q, 0.0)
    base = np.where(q > 0.0, units / np.where(q > 0.0, kappa, 1.0), 0.0)
    own = np.where(q > 0.0, base * (1.0 - q), units)
    return own, base * q * f, xb


def paid(units, wages, work, people, m):
    """Earnings of rows [0, m) with `units` (float32, as `labour_supply` keeps them) at
    `wages` (R, 3, N_EXPERIENCE, 2): units x their cell's wage, a downgraded worker's units
    split again (`split_abroad` with `work`'s credential fields and downgrade wages) and each
    part paid its cell's wage, as `incomes` pays them. work: a `Work` or a `Money`."""
    units = np.asarray(units, dtype=np.float32)[:m].astype(np.float64)
    o = people.origin[:m].astype(np.int64)
    loc = people.location[:m].astype(np.int64)
    st = people.status[:m]
    e = people.skill[:m].astype(np.int64)
    a = people.age[:m]
    abroad = loc != o
    j = (abroad | (st == INTRA_REGIONAL)).astype(np.int64)
    s = (e == TERTIARY).astype(np.int64)
    kappa = np.where(abroad, credential_factor(s, people.years_abroad[:m], work), 1.0)
    q, f, x, below, xb = _shares(kappa, loc, e, a, work)
    wage, wage_below = wages[loc, e, x, j], wages[loc, below, xb, 1]
    split = abroad & (e > 0) & (wage_below > 0.0) & (units > 0.0) & (q > 0.0)
    base = units / np.where(split, kappa, 1.0)
    # the kernel's expression, for the same bits
    return np.where(split, base * ((1.0 - q) * wage + q * f * wage_below), units * wage)


def labour_supply(key, year, bounds, people, weight, work, n_regions):
    """Twin of `labour_supply`: (units (float32, rows [0, bounds[-1])), supply
    (R, 3, N_EXPERIENCE, 2) [location, education, experience, nativity], earnings histogram
    (R, 2, 2, HIST_BINS))."""
    m = int(bounds[N_CHUNKS])
    R = n_regions
    pid = people.person_id[:m]
    a = people.age[:m]
    o = people.origin[:m].astype(np.int64)
    loc = people.location[:m].astype(np.int64)
    s = (people.skill[:m] == TERTIARY).astype(np.int64)
    st = people.status[:m]
    employed = (people.alive[:m] != 0) & (a >= MIN_WORK_AGE) & (a <= MAX_WORK_AGE)
    employed &= uniform(key, pid, year, Stream.EMPLOYMENT) < work.employment[loc]
    units = people.productivity[:m].astype(np.float64)
    abroad = loc != o
    units = np.where(abroad, units_abroad(units, s, people.years_abroad[:m], st, work), units)
    units = np.where(employed, units, 0.0)
    working = units > 0.0
    j = (abroad | (st == INTRA_REGIONAL)).astype(np.int64)
    w = weight[o]
    e = people.skill[:m].astype(np.int64)
    x = experience_band(a, e)
    kappa = np.where(abroad, credential_factor(s, people.years_abroad[:m], work), 1.0)
    own, down, xb = split_abroad(units, kappa, loc, e, a, work)
    own = np.where(abroad, own, units)
    down = np.where(abroad, down, 0.0)
    supply = _chunk_sums(
        bounds,
        (R, 3, N_EXPERIENCE, 2),
        (np.where(working, loc, -1), e, x, j),
        on_grid_array(own * w, UNITS_SCALE),
    )
    moved = working & (down > 0.0)
    supply += _chunk_sums(
        bounds,
        (R, 3, N_EXPERIENCE, 2),
        (np.where(moved, loc, -1), np.maximum(e - 1, 0), xb, np.ones_like(j)),
        on_grid_array(down * w, UNITS_SCALE),
    )
    sampled = working & ((pid & HIST_SAMPLE_MASK) == 0)
    logs = np.log(np.where(working, units * work.relative_wage[loc, e, x, j], 1.0))
    bins = ((logs + HIST_SPAN) * (HIST_BINS / (2.0 * HIST_SPAN))).astype(np.int64)
    bins = np.clip(bins, 0, HIST_BINS - 1)
    hist = _chunk_sums(
        bounds,
        (R, 2, 2, HIST_BINS),
        (np.where(sampled, loc, -1), j, s, bins),
        on_grid_array(w * (HIST_SAMPLE_MASK + 1), PEOPLE_SCALE),
    )
    return units.astype(np.float32), supply, hist


def on_money_grid(values):
    """Money addends on their grid (`migsim.kernels.grid`)."""
    return on_grid_array(values, MONEY_SCALE)


def incomes(key, year, elapsed, bounds, people, band_of_age, weight, units, money, n_regions):
    """Twin of `incomes`: (wealth (float32, rows [0, bounds[-1])), sums) with sums a dict of
    fiscal (R, 2, 2, B, 4), remit (R, R), groups (5, 3) and levy (R,), as `MoneyTallies`
    summed over chunks."""
    m = int(bounds[N_CHUNKS])
    R = n_regions
    B = int(band_of_age.max()) + 1
    live = people.alive[:m] != 0
    pid = people.person_id[:m]
    o = people.origin[:m].astype(np.int64)
    loc = people.location[:m].astype(np.int64)
    s = (people.skill[:m] == TERTIARY).astype(np.int64)
    st = people.status[:m]
    years = people.years_abroad[:m]
    b = band_of_age[people.age[:m]].astype(np.int64)
    w = weight[o]
    heads = on_grid_array(w, PEOPLE_SCALE)  # each addend on its grid (migsim.kernels.grid)
    abroad = loc != o
    j = (abroad | (st == INTRA_REGIONAL)).astype(np.int64)
    irregular = st == IRREGULAR
    earnings = paid(units, money.wages, money, people, m)
    tax = earnings * money.tax_rate[loc]
    tax = np.where(irregular, tax * money.irregular_tax_factor, tax)
    public = (
        money.spending_profile[b, irregular.astype(np.int64)] * money.gdp_per_capita[loc]
        + money.public_goods[loc]
    )
    levied = abroad & (years < money.levy_years)
    paid_levy = np.where(levied, earnings * money.levy[o, s], 0.0)
    net = earnings - tax - paid_levy
    p = money.remit_p0 * np.exp(-money.remit_decay * years)
    p = np.where(people.family[:m] == 0, p * (1.0 - money.remit_family_drop), p)
    remits = live & (j == 1) & (net > 0.0) & (uniform(key, pid, year, Stream.REMIT) < p)
    share = money.remit_share[s] * np.where(st == TEMPORARY, money.temporary_remit_factor, 1.0)
    sent = money.remit_scale[loc, o] * share * np.maximum(net - money.subsistence[loc], 0.0)
    sent = np.where(remits, np.minimum(sent, net), 0.0)
    developed = money.developed[loc].astype(bool)
    group = np.where(
        abroad, np.where(years < elapsed, 3, np.where(developed, 1, 4)), np.where(developed, 0, 2)
    )
    only = np.where(live, loc, -1)
    fiscal = np.stack(
        [
            _chunk_sums(bounds, (R, 2, 2, B), (only, j, s, b), on_money_grid(values * w))
            for values in (earnings, tax, public)
        ]
        + [_chunk_sums(bounds, (R, 2, 2, B), (only, j, s, b), heads)],
        axis=-1,
    )
    remit = _chunk_sums(bounds, (R, R), (np.where(remits, loc, -1), o), on_money_grid(sent * w))
    groups = np.stack(
        [
            _chunk_sums(bounds, (5,), (np.where(live, group, -1),), values)
            for values in (heads, on_money_grid((net - sent) * w), on_money_grid(public * w))
        ],
        axis=-1,
    )
    levied_o = np.where(live & levied, o, -1)
    at_home = paid_levy * money.levy_value[loc, o]  # in the origin's PPP $
    levy = _chunk_sums(bounds, (R,), (levied_o,), on_money_grid(at_home * w))
    wealth = people.wealth[:m].astype(np.float64)
    new = wealth * (1.0 - money.wealth_depreciation[loc]) + money.savings_rate * np.maximum(
        net - sent, 0.0
    )
    wealth = np.where(live, new, wealth).astype(np.float32)
    return wealth, {"fiscal": fiscal, "remit": remit, "groups": groups, "levy": levy}
