"""Deterministic aggregation of people into cells.

Counts are integers, so partial histograms can be summed in any order and still give the
same result for any thread count. Each kernel splits rows into `lanes` contiguous ranges
(default 8; pass `numba.get_num_threads()` on bigger machines) with a histogram each, then
sums the few histograms: with 64 fixed chunks, allocating, zeroing and summing 64 copies of a
(R*R*2*2*B*S)-cell histogram cost more than counting 1M people. Integer sums make the
result independent of the partition.

Cell index for people: ((((origin * R + location) * 2 + skill) * 2 + sex) * B + band) * S +
status, with R regions, B age bands and S statuses.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import EXACT_JIT, JIT, PARALLEL_JIT
from migsim.kernels.bundles import skill_class
from migsim.kernels.cellsums import sum_lanes
from migsim.kernels.grid import MONEY_SCALE, PEOPLE_SCALE, on_grid
from migsim.kernels.rng import Stream, normal

N_CHUNKS = 64  # kept for callers that size per-chunk scratch (migsim.kernels.migration and others)
# Most cells the lanes' histograms of `count_cells` (and the incomes pass's count by cell,
# a lane a thread) may hold together (256 MB of int64): the cell histogram grows as R^2
# (77 MB at 232 regions), so large worlds count in fewer lanes instead of allocating eight
# copies; two threads' lanes of the countries world fit, so its incomes pass counts them.
CELL_BUDGET = 1 << 25


@nb.njit(inline="always", **JIT)
def cell_index(o, loc, s, sex, b, st, n_regions, n_bands, n_status):
    """The module doc's cell index of a person of origin o, location loc, skill class s, sex,
    age band b and status st."""
    cell = ((np.int64(o) * n_regions + loc) * 2 + s) * 2 + sex
    return (cell * n_bands + b) * n_status + st


@nb.njit(**PARALLEL_JIT)
def count_cells(n, people, band_of_age, n_regions, n_bands, n_status, lanes=8):
    """Living agents of rows [0, n) of `people` per cell (int64 array of R*R*2*2*B*S)."""
    alive = people.alive
    origin = people.origin
    location = people.location
    skill = people.skill
    sex = people.sex
    age = people.age
    status = people.status
    n_cells = n_regions * n_regions * 2 * 2 * n_bands * n_status
    lanes = max(1, min(lanes, (n + 4095) // 4096, CELL_BUDGET // n_cells))
    partial = np.zeros((lanes, n_cells), dtype=np.int64)
    chunk = (n + lanes - 1) // lanes
    for c in nb.prange(lanes):
        # a run of rows in one cell is added at once (no view of `partial`, whose reference
        # count the threads would share)
        last = -1
        run = 0
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            cell = cell_index(
                origin[i],
                location[i],
                skill_class(skill[i]),
                sex[i],
                band_of_age[age[i]],
                status[i],
                n_regions,
                n_bands,
                n_status,
            )
            if cell != last:
                if last >= 0:
                    partial[c, last] += run
                last = cell
                run = 0
            run += 1
        if last >= 0:
            partial[c, last] += run
    return sum_lanes(partial)


@nb.njit(**JIT)
def count_pairs(n, flag, a, b, n_a, n_b, lanes=8):
    """Number of rows i < n with flag[i] != 0 by (a[i], b[i]) (int64 n_a x n_b).

    Serial on purpose (~0.3-0.7 ms per million rows): cheaper than the fork/join of a
    parallel region on a busy 2-core machine. `lanes` is kept for compatibility."""
    lanes = max(1, min(lanes, (n + 4095) // 4096))
    partial = np.zeros((lanes, n_a, n_b), dtype=np.int64)
    chunk = (n + lanes - 1) // lanes
    for c in nb.prange(lanes):
        hist = partial[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if flag[i] != 0:
                hist[a[i], b[i]] += 1
    out = partial[0].copy()
    for c in range(1, lanes):
        out += partial[c]
    return out


def id_chunk_bounds(person_id: np.ndarray, n: int, next_id: int) -> np.ndarray:
    """Row bounds (N_CHUNKS + 1,) of chunks of equal person-id ranges (ids sorted by row)."""
    step = -(-max(next_id, 1) // N_CHUNKS)
    edges = np.arange(N_CHUNKS + 1, dtype=np.int64) * step
    # every id is below next_id, so edges at or past it bound the rows at n; the others are
    # searched in the ids' own dtype (a mixed search would copy the ids, 8 bytes a person)
    bounds = np.full(N_CHUNKS + 1, n, dtype=np.int64)
    below = edges < next_id
    bounds[below] = np.searchsorted(person_id[:n], edges[below].astype(person_id.dtype))
    return bounds


@nb.njit(**EXACT_JIT)
def wealth_by_location(n, people, weight, n_regions):
    """Wealth of the living in real-people dollars by location (R,): the sum of
    float64(wealth) x weight[origin], each on the money grid (`migsim.kernels.grid`: the same
    bits in any order, so whatever the shards), exactly as `np.bincount` over the living
    rows adds them, without the masked copies of four columns (about 20 bytes a person)."""
    alive = people.alive
    location = people.location
    origin = people.origin
    wealth = people.wealth
    out = np.zeros(n_regions)
    for i in range(n):
        if alive[i]:
            out[location[i]] += on_grid(np.float64(wealth[i]) * weight[origin[i]], MONEY_SCALE)
    return out


@nb.njit(inline="always", **JIT)
def estate_factor(key, person_id, year, sigma):
    """An heir's share of its place's estates, relative to the others': lognormal with mean 1
    and the base-year wealth's dispersion (stream ESTATE_SHARE)."""
    z = normal(key, person_id, year, Stream.ESTATE_SHARE)
    return np.exp(sigma * z - 0.5 * sigma * sigma)


@nb.njit(inline="always", **JIT)
def estate_lanes(n, lanes):
    """(lanes, chunk): the lanes of the estate passes, at most `lanes` and one per 65,536
    rows (at least one), each over `chunk` consecutive rows."""
    lanes = max(1, min(lanes, (n + 65535) // 65536))
    return lanes, (n + lanes - 1) // lanes


@nb.njit(**PARALLEL_JIT)
def collect_estates(n, people, weight, n_regions, ages, key, year, sigma, lanes=8, adults=True):
    """The year's estates and their heirs' shares, by location: (estates (R,), shares (2, R)).
    estates: the wealth of the dead, in real-people dollars, each on the money grid; a dead
    row's wealth is then set to 0, so an estate is counted once (a non-finite one is not
    counted). shares[0]: the heirs, the living aged ages[0, 0] to ages[0, 1], each
    weight[origin] x `estate_factor`; shares[1]: the adults who inherit where no heir lives
    (ages[1]), each weight[origin] (equal shares), 0 unless `adults` (`adult_shares` counts
    them alone, for the years a place with estates has no heir); on the people grid. Grid
    sums are the same bits in any order, so whatever the lanes, threads and shards."""
    alive = people.alive
    location = people.location
    origin = people.origin
    wealth = people.wealth
    age = people.age
    pid = people.person_id
    lanes, chunk = estate_lanes(n, lanes)
    part_estates = np.zeros((lanes, n_regions))
    part_shares = np.zeros((lanes, 2, n_regions))
    for c in nb.prange(lanes):
        est = part_estates[c]
        sh = part_shares[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i]:
                a = age[i]
                if ages[0, 0] <= a <= ages[0, 1]:
                    f = estate_factor(key, np.uint64(pid[i]), year, sigma)
                    sh[0, location[i]] += on_grid(weight[origin[i]] * f, PEOPLE_SCALE)
                if adults and ages[1, 0] <= a <= ages[1, 1]:  # equal shares: no draw
                    sh[1, location[i]] += on_grid(weight[origin[i]], PEOPLE_SCALE)
            elif wealth[i] != 0.0:
                if np.isfinite(wealth[i]):
                    left = np.float64(wealth[i]) * weight[origin[i]]
                    est[location[i]] += on_grid(left, MONEY_SCALE)
                wealth[i] = 0.0
    return part_estates.sum(axis=0), part_shares.sum(axis=0)


@nb.njit(**PARALLEL_JIT)
def adult_shares(n, people, weight, n_regions, ages, lanes=8):
    """shares[1] of `collect_estates`: the living aged ages[1, 0] to ages[1, 1] by location,
    each weight[origin] on the people grid (the same bits as there, in any lanes)."""
    alive = people.alive
    location = people.location
    origin = people.origin
    age = people.age
    lanes, chunk = estate_lanes(n, lanes)
    part = np.zeros((lanes, n_regions))
    for c in nb.prange(lanes):
        sh = part[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] and ages[1, 0] <= age[i] <= ages[1, 1]:
                sh[location[i]] += on_grid(weight[origin[i]], PEOPLE_SCALE)
    return part.sum(axis=0)


@nb.njit(**PARALLEL_JIT)
def pay_estates(n, people, ages, key, year, sigma, per_share):
    """Each living heir (aged ages[0, 0] to ages[0, 1]) receives per_share[0, location] x
    their `estate_factor` (the draw of `collect_estates`), and each adult (ages[1]) receives
    per_share[1, location] where no heir lives (per_share[1] is 0 elsewhere), in dollars of
    their own."""
    alive = people.alive
    location = people.location
    wealth = people.wealth
    age = people.age
    pid = people.person_id
    for i in nb.prange(n):
        if not alive[i]:
            continue
        a = 0.0
        if ages[0, 0] <= age[i] <= ages[0, 1]:
            a = per_share[0, location[i]]
            if a > 0.0:
                a *= estate_factor(key, np.uint64(pid[i]), year, sigma)
        if a == 0.0 and ages[1, 0] <= age[i] <= ages[1, 1]:
            a = per_share[1, location[i]]
        if a > 0.0:
            wealth[i] = np.float32(np.float64(wealth[i]) + a)
