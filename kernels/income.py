"""Income kernels: labour supply, then earnings, taxes, transfers and remittances.

Two passes over people per year:

1. `labour_supply`: efficiency units by (location, education, experience band, nativity).
   Experience is years since the end of schooling: age minus `EXPERIENCE_START[education]`,
   in `N_EXPERIENCE` bands of `EXPERIENCE_WIDTH` years (the last open). A person aged 20-64
   is employed with probability employment[location] (draw keyed on the person); their
   efficiency units are productivity x kappa, where kappa = 1 for natives and, for people
   abroad, the credential-transfer factor rising from kappa_s on arrival to 1 after
   `kappa_years` years (at once if kappa_years = 0), times `irregular_wage_factor` for
   irregular migrants (`migsim.kernels.credentials`). With downgrading, the discount of a
   person abroad with more than primary education is instead a share of their units
   supplied in the cell one education level below, worth the same at last year's wages;
   the income pass pays each unit its cell's wage.
2. `incomes`: with the year's wages per efficiency unit, each person's earnings, taxes,
   cash transfers and age-related public spending (profiles by age band, in units of the
   location's GDP per capita), remittances for people abroad, and the emigrant levy.

By default the first runs inside the migration's decision pass (`migsim.kernels.fused`,
through `supply_rows`) and the second also counts people by cell for the record
(`cells_out`); the passes here are the modular path, the same bytes.

Float sums are accumulated per chunk and the chunks are combined in order by the caller.
Chunks are ranges of person ids (`bounds`, from `id_chunk_bounds`), not of rows, so the
sums are identical for any thread count and whether or not dead rows were compacted. The
per-chunk arrays may have P parts instead of N_CHUNKS (P divides N_CHUNKS, the same P for
all of a pass's arrays): part p holds chunks p * N_CHUNKS / P onwards, added in order by
one thread (less memory in worlds of many regions, the order still fixed).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import JIT, PARALLEL_JIT, VECTOR_DRAWS
from migsim.kernels.aggregate import cell_index, id_chunk_bounds, wealth_by_location  # noqa: F401
from migsim.kernels.bundles import skill_class
from migsim.kernels.credentials import credential, downgrade, efficiency
from migsim.kernels.experience import (  # noqa: F401 (EXPERIENCE_*: read here by callers)
    EXPERIENCE_START,
    EXPERIENCE_WIDTH,
    N_EXPERIENCE,
    experience_band,
    experience_bands,
)
from migsim.kernels.grid import MONEY_SCALE, PEOPLE_SCALE, UNITS_SCALE, on_grid
from migsim.kernels.histogram import (  # noqa: F401 (HIST_*: the histogram's shape, read here)
    HIST_BINS,
    HIST_SAMPLE_MASK,
    HIST_SPAN,
    hist_bin,
    hist_bin_fast,
    histogram_bins,
)
from migsim.kernels.migration import INTRA_REGIONAL, IRREGULAR, SUB, TEMPORARY
from migsim.kernels.rng import Stream, block_draws, seeded_uniform, stream_seed, uniform

N_CHUNKS = 64


MIN_WORK_AGE, MAX_WORK_AGE = 20, 64


@nb.njit(**PARALLEL_JIT)
def labour_supply(key, year, bounds, people, weight, work, units_out, out, hist_out):
    """Efficiency units of real people per chunk: out (N_CHUNKS, R, 3, N_EXPERIENCE, 2)
    [location, education, experience band, nativity]; units_out[i] (float32 scratch) keeps
    each person's units for `incomes` (productivity x kappa x the irregular factor, whether
    downgraded or not: `incomes` splits them again) (or P parts: module doc).
    hist_out (N_CHUNKS, R, 2, 2, HIST_BINS): workers by
    [location, nativity, skill class, bin of log(units x work.relative_wage[location,
    education, experience, nativity])], from the 1-in-8 sample of person ids weighted up;
    earnings percentiles are the class wage times its quantiles.
    people: `People` (productivity is read); work: `Work`; weight: (R,) by origin."""
    bands = experience_bands()
    bins = histogram_bins()
    n_parts = out.shape[0]  # N_CHUNKS, or fewer: chunks in order per part
    per_part = N_CHUNKS // n_parts
    for part in nb.prange(n_parts):
        for c in range(part * per_part, (part + 1) * per_part):
            supply_rows(
                bounds[c],
                bounds[c + 1],
                part,
                key,
                year,
                people,
                weight,
                work,
                bands,
                bins,
                units_out,
                out,
                hist_out,
            )


@nb.njit(inline="always", **JIT)
def supply_rows(
    start, stop, c, key, year, people, weight, work, bands, bins, units_out, out, hist_out
):
    """`labour_supply` of rows [start, stop), added to chunk c of out and hist_out in row
    order (inlined: `labour_supply` and the fused migration pass, `migsim.kernels.fused`,
    call it per chunk; as a call of its own it took 40% longer). bands:
    `experience_bands()`; bins: `histogram_bins()` (the sample's bins without a call to the
    logarithm in the loop)."""
    hist_cells, hist_lowest, hist_edges = bins
    person_id = people.person_id
    alive = people.alive
    age = people.age
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    productivity = people.productivity
    employment = work.employment
    kappa0 = work.kappa0
    kappa_years = work.kappa_years
    irregular_wage_factor = work.irregular_wage_factor
    credential_scale = work.credential_scale
    relative_wage = work.relative_wage
    below = work.downgrade_wage
    u_work = np.empty(SUB, dtype=np.float64)
    supply = out[c].reshape(-1)
    cell_now = -1
    units_now = 0.0
    for block in range(start, stop, SUB):
        end = min(stop, block + SUB)
        # with AVX-512DQ the employment draws of a block of the decisions' SUB rows in a
        # branch-free loop that LLVM vectorises; elsewhere one by one, for working ages only
        # (the draw is a pure function of the person: the same number either way)
        if VECTOR_DRAWS:
            block_draws(key, year, Stream.EMPLOYMENT, person_id, block, end, u_work)
        for row in range(block, end):
            # an unsigned index: with a signed one numba makes every column's load select
            # a negative index's wraparound, two more loads from the stack each
            i = np.uint64(row)
            units_out[i] = 0.0
            a = age[i]
            # the dead and those outside working ages supply nothing: 0 units would add
            # exactly nothing to their cell's non-negative sum, and they are outside the
            # histogram, so they are skipped (rows come in runs of one age)
            if alive[i] == 0 or a < MIN_WORK_AGE or a > MAX_WORK_AGE:
                continue
            loc = location[i]
            o = origin[i]
            st = status[i]
            if VECTOR_DRAWS:
                u = u_work[row - block]
            else:
                u = uniform(key, person_id[i], year, Stream.EMPLOYMENT)
            units = efficiency(
                u,
                loc,
                o,
                skill_class(skill[i]),
                st,
                years_abroad[i],
                employment,
                kappa0,
                kappa_years,
                irregular_wage_factor,
                productivity[i],
                credential_scale,
            )
            units_out[i] = units
            # everyone alive is added to their cell's sum, non-workers with 0 units (x + 0.0
            # is x for the non-negative sums here): no branch on being employed
            e = skill[i]
            x = bands[e, age[i]]
            j = 1 if (loc != o or st == INTRA_REGIONAL) else 0
            if (person_id[i] & HIST_SAMPLE_MASK) == 0 and units > 0.0:
                rel = units * relative_wage[loc, e, x, j]
                k = hist_bin_fast(rel, hist_cells, hist_lowest, hist_edges)
                hist_out[c, loc, j, skill_class(e), k] += on_grid(
                    weight[o] * (HIST_SAMPLE_MASK + 1), PEOPLE_SCALE
                )
            cell = ((loc * 3 + e) * N_EXPERIENCE + x) * 2 + j
            if cell != cell_now:  # rows come in runs of one cell: its sum in a register
                if cell_now >= 0:
                    supply[cell_now] = units_now
                cell_now = cell
                units_now = supply[cell]
            if loc != o and e > 0 and units > 0.0:  # downgrading (kernels.credentials)
                k = credential(
                    skill_class(e), years_abroad[i], kappa0, kappa_years, credential_scale
                )
                xb = bands[e - 1, a]
                q, f = downgrade(k, below[loc, e, x], below[loc, e - 1, xb])
                if q > 0.0:
                    base = units / k
                    supply[((loc * 3 + e - 1) * N_EXPERIENCE + xb) * 2 + 1] += on_grid(
                        base * q * f * weight[o], UNITS_SCALE
                    )
                    units_now += on_grid(base * (1.0 - q) * weight[o], UNITS_SCALE)
                    continue
            units_now += on_grid(units * weight[o], UNITS_SCALE)
    if cell_now >= 0:
        supply[cell_now] = units_now


@nb.njit(**PARALLEL_JIT)
def incomes(
    key,
    year,
    elapsed,
    bounds,
    people,
    band_of_age,
    weight,
    units_in,
    money,
    tallies,
    cells_out=None,
    n_status=0,
    pair_slot=None,
    misses=None,
):
    """Per-chunk (or per-part: module doc) money sums in real-people PPP $ (weights applied
    per person).

    people: `People` (wealth is written); money: `Money`; tallies: `MoneyTallies`, whose
    fields are:
    fiscal_out (N_CHUNKS, R, 2, 2, B, 4): [location, nativity, skill, band] x
        (earnings, taxes, transfers and age-related spending, people).
    remit_out (N_CHUNKS, R, R): sent from location to origin (PPP $ of the location).
    group_out (N_CHUNKS, 5, 3): welfare groups x (people, private income, public income):
        0 natives in developed regions, 1 earlier migrants there (abroad since the base
        year), 2 natives in developing regions, 3 new migrants (moved after the base
        year), 4 earlier migrants in developing regions.
    levy_out (N_CHUNKS, R): emigrant levy paid to each origin, in the origin's PPP $ (each
        payment, in PPP $ of the location, times levy_value[location, origin]).
    levy_value: (R, R) [location, origin] what a PPP $ paid where the emigrant lives is
        worth at the origin: the location's price level over the origin's.
    spending_profile: (B, 2) transfers per person by age band as a share of GDP per capita,
        [:, 0] for regular residents, [:, 1] for irregular migrants.
    public_goods: (R,) cost of pure public goods charged per resident (0 = marginal cost).
    remit_scale: (R, R) [location, origin]: the global scale times the corridor's response to
    its fee (1 at status-quo fees).
    units_in: each person's efficiency units this year, from `labour_supply` (0 outside
    working ages, MIN_WORK_AGE to MAX_WORK_AGE: the pass skips those rows' earnings); the
    units of a downgraded person abroad are split again as `labour_supply` split them
    (money.kappa0, kappa_years, credential_scale and downgrade_wage, `Work`'s), and each
    part is paid the wage of its cell (`migsim.kernels.credentials`).
    cells_out: None, or (L, R*R*2*2*B*n_status) int64 lanes, L at least the most threads
    numba may run: the living agents are also counted by cell [origin, location, skill,
    sex, band, status] (the index of `migsim.kernels.aggregate.count_cells`) in lane
    `numba.get_thread_id()`, a run of rows in one cell at once; the lanes' sum is
    `count_cells`'s result for any number of threads (integer counts), without its pass.
    pair_slot: None (cells_out holds every cell), or (R*R,) int64, each (origin, location)
    pair's block of 2*2*B*n_status cells in cells_out (-1: none): cells_out (L, P*2*2*B*
    n_status) then counts the pairs given a block only, in that block's order, and the
    agents of rows in other pairs in misses (L,) int64 (lane by thread, as cells_out).
    money.wages: (R, 3, N_EXPERIENCE, 2) wage per efficiency unit by [location, education,
    experience band, nativity].
    Wealth depreciates (is consumed) at wealth_depreciation[location] and grows by
    savings_rate x net earnings (the liquidity constraint loosens as people
    earn). The other fields of `money` are named as in `Money`.
    """
    person_id = people.person_id
    alive = people.alive
    age = people.age
    skill = people.skill
    origin = people.origin
    location = people.location
    status = people.status
    years_abroad = people.years_abroad
    wealth = people.wealth
    wages = money.wages
    tax_rate = money.tax_rate
    irregular_tax_factor = money.irregular_tax_factor
    spending_profile = money.spending_profile
    gdp_per_capita = money.gdp_per_capita
    developed = money.developed
    remit_share = money.remit_share
    remit_p0 = money.remit_p0
    remit_decay = money.remit_decay
    temporary_remit_factor = money.temporary_remit_factor
    keep_without_family = 1.0 - money.remit_family_drop
    family = people.family
    subsistence = money.subsistence
    remit_scale = money.remit_scale
    levy = money.levy
    levy_years = money.levy_years
    levy_value = money.levy_value
    savings_rate = money.savings_rate
    wealth_depreciation = money.wealth_depreciation
    public_goods = money.public_goods
    kappa0 = money.kappa0
    kappa_years = money.kappa_years
    credential_scale = money.credential_scale
    downgrade_wage = money.downgrade_wage
    fiscal_out = tallies.fiscal
    remit_out = tallies.remit
    group_out = tallies.groups
    levy_out = tallies.levy
    bands = experience_bands()
    sex = people.sex
    n_regions = weight.shape[0]
    n_bands = spending_profile.shape[0]
    per_pair = 2 * 2 * n_bands * n_status
    remit_seed = stream_seed(key, year, Stream.REMIT)
    # the probability of remitting by years abroad, each entry the same expression as a
    # person's (a call of exp in the loop made every sender's row save and restore the
    # running sums)
    remit_p = np.empty(256)
    for t in range(256):
        remit_p[t] = remit_p0 * np.exp(-remit_decay * np.uint8(t))
    n_parts = fiscal_out.shape[0]  # N_CHUNKS, or fewer: chunks in order per part
    per_part = N_CHUNKS // n_parts
    for part in nb.prange(n_parts):
        for c in range(part * per_part, (part + 1) * per_part):
            # the running sums of the last welfare group seen, added in row order exactly as
            # group_out[c, g] += ... would add them (no view of group_out: a view's reference
            # count is an atomic both threads write, which cost a third of the pass)
            g_now = -1
            people_g = private_g = public_g = 0.0
            # the running sums of the last fiscal cell seen, likewise (rows come in runs of one
            # cell: synthesis sorts each group's rows by sex, age and education)
            fiscal = fiscal_out[part].reshape((-1, 4))
            f_now = -1
            earnings_f = tax_f = public_f = people_f = 0.0
            # the remittances of the last (location, origin) seen, likewise
            remit = remit_out[part].reshape(-1)
            r_now = -1
            remit_r = 0.0
            lane = nb.get_thread_id()
            last = -1  # the cell of the current run of rows, and its length
            run = 0
            # what a run of rows of one (origin, location, education, status, age, sex) shares,
            # looked up once per run: rows come in such runs (synthesis sorts each group's rows
            # by sex, age and education), and the same values give the same bytes
            key_now = np.uint64(0xFFFFFFFFFFFFFFFF)  # no row's key (sex is 0 or 1)
            w = w_people = public_w = wage = tr = public = remit_scale_share = subs = keep = 0.0
            wage_below = w_own = w_low = 0.0  # a downgraded worker's cells (0: none)
            abroad = sends = irregular = works = False
            s = g_fixed = g_old = 0
            for row in range(bounds[c], bounds[c + 1]):
                i = np.uint64(row)  # unsigned: no negative-index wraparound per load
                if alive[i] == 0:
                    continue
                loc = location[i]
                o = origin[i]
                e = skill[i]
                st = status[i]
                a = age[i]
                sx = sex[i]
                # the run's key packs the six columns' bits (compared for equality only):
                # shifts and ors instead of a chain of multiplies
                key_i = (
                    (np.uint64(o) << np.uint64(48))
                    | (np.uint64(loc) << np.uint64(32))
                    | (np.uint64(e) << np.uint64(24))
                    | (np.uint64(st) << np.uint64(16))
                    | (np.uint64(a) << np.uint64(8))
                    | np.uint64(sx)
                )
                if key_i != key_now:
                    key_now = key_i
                    s = skill_class(e)
                    b = band_of_age[a]
                    if cells_out is not None:
                        cell = cell_index(o, loc, s, sx, b, st, n_regions, n_bands, n_status)
                        if pair_slot is not None:  # the pair's block, or -2: not counted here
                            pair = np.int64(o) * n_regions + loc
                            slot = pair_slot[pair]
                            cell = slot * per_pair + (cell - pair * per_pair) if slot >= 0 else -2
                        if cell != last:
                            if last >= 0:
                                cells_out[lane, last] += run
                            elif last == -2:
                                if misses is not None:
                                    misses[lane] += run
                            last = cell
                            run = 0
                    w = weight[o]
                    w_people = on_grid(w, PEOPLE_SCALE)
                    abroad = loc != o
                    sends = abroad or st == INTRA_REGIONAL
                    j = 1 if sends else 0
                    x_own, x_below = bands[e, a], bands[e - 1, a] if e > 0 else 0
                    wage = wages[loc, e, x_own, j]
                    # downgraded units abroad are paid the wage of the cell below
                    wage_below = wages[loc, e - 1, x_below, 1] if abroad and e > 0 else 0.0
                    w_own = downgrade_wage[loc, e, x_own] if wage_below > 0.0 else 0.0
                    w_low = downgrade_wage[loc, e - 1, x_below] if wage_below > 0.0 else 0.0
                    # outside working ages the labour supply gave 0 units: no earnings, taxes,
                    # levy or remittance, and their sums would only add exact zeros
                    works = MIN_WORK_AGE <= a <= MAX_WORK_AGE
                    tr = tax_rate[loc]
                    irregular = st == IRREGULAR
                    public = (
                        spending_profile[b, 1 if irregular else 0] * gdp_per_capita[loc]
                        + public_goods[loc]
                    )
                    public_w = on_grid(public * w, MONEY_SCALE)  # the same for the run's rows
                    share = remit_share[s] * (temporary_remit_factor if st == TEMPORARY else 1.0)
                    remit_scale_share = remit_scale[loc, o] * share
                    if sends:
                        r = loc * n_regions + o
                        if r != r_now:
                            if r_now >= 0:
                                remit[r_now] = remit_r
                            r_now = r
                            remit_r = remit[r]
                    subs = subsistence[loc]
                    keep = 1.0 - wealth_depreciation[loc]
                    # abroad, the welfare group also depends on the years abroad (per person)
                    g_fixed = -1 if abroad else (0 if developed[loc] else 2)
                    g_old = 1 if developed[loc] else 4
                    f = ((loc * 2 + j) * 2 + s) * n_bands + b
                    if f != f_now:  # neighbours share a cell: its four sums stay in registers
                        if f_now >= 0:
                            fiscal[f_now, 0] = earnings_f
                            fiscal[f_now, 1] = tax_f
                            fiscal[f_now, 2] = public_f
                            fiscal[f_now, 3] = people_f
                        f_now = f
                        earnings_f = fiscal[f, 0]
                        tax_f = fiscal[f, 1]
                        public_f = fiscal[f, 2]
                        people_f = fiscal[f, 3]
                run += 1
                net = 0.0
                sent = 0.0
                if works:
                    earnings = units_in[i] * wage
                    if w_low > 0.0 and units_in[i] > 0.0:
                        k = credential(s, years_abroad[i], kappa0, kappa_years, credential_scale)
                        q, f = downgrade(k, w_own, w_low)
                        if q > 0.0:
                            base = units_in[i] / k
                            earnings = base * ((1.0 - q) * wage + q * f * wage_below)
                    tax = earnings * tr
                    if irregular:
                        tax *= irregular_tax_factor
                    paid_levy = 0.0
                    if abroad and years_abroad[i] < levy_years:
                        paid_levy = earnings * levy[o, s]
                        levy_out[part, o] += on_grid(
                            paid_levy * levy_value[loc, o] * w, MONEY_SCALE
                        )
                    net = earnings - tax - paid_levy
                    if sends:  # the same for a whole run of rows
                        # whether this person sends is a coin flip on the draw and on being
                        # employed (net > 0): selects, not branches, and a non-sender adds 0 to
                        # the run's non-negative sum, which leaves it as it was
                        p = remit_p[years_abroad[i]]
                        if family[i] == 0:  # no close family at origin: remits less often
                            p *= keep_without_family
                        u = seeded_uniform(remit_seed, person_id[i])
                        amount = remit_scale_share * max(net - subs, 0.0)
                        if amount > net:
                            amount = net
                        sent = amount if (net > 0.0) & (u < p) else 0.0
                        remit_r += on_grid(sent * w, MONEY_SCALE)
                    earnings_f += on_grid(earnings * w, MONEY_SCALE)
                    tax_f += on_grid(tax * w, MONEY_SCALE)
                public_f += public_w
                people_f += w_people
                g = g_fixed
                if g < 0:
                    g = 3 if years_abroad[i] < elapsed else g_old
                if g != g_now:  # most neighbours share a group: its sums stay in registers
                    if g_now >= 0:
                        group_out[part, g_now, 0] = people_g
                        group_out[part, g_now, 1] = private_g
                        group_out[part, g_now, 2] = public_g
                    g_now = g
                    people_g = group_out[part, g, 0]
                    private_g = group_out[part, g, 1]
                    public_g = group_out[part, g, 2]
                people_g += w_people
                private_g += on_grid((net - sent) * w, MONEY_SCALE)
                public_g += public_w
                wealth[i] = wealth[i] * keep + savings_rate * max(net - sent, 0.0)
            if f_now >= 0:
                fiscal[f_now, 0] = earnings_f
                fiscal[f_now, 1] = tax_f
                fiscal[f_now, 2] = public_f
                fiscal[f_now, 3] = people_f
            if r_now >= 0:
                remit[r_now] = remit_r
            if g_now >= 0:
                group_out[part, g_now, 0] = people_g
                group_out[part, g_now, 1] = private_g
                group_out[part, g_now, 2] = public_g
            if cells_out is not None and last >= 0:
                cells_out[lane, last] += run
            elif cells_out is not None and last == -2:
                if misses is not None:
                    misses[lane] += run
