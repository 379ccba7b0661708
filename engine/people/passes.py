"""The per-person passes of the yearly loop, one function per pass, run inside a shard.

A pass is a module-level function `fn(shard, *args)` (importable by name, so that a Ray actor
can run it) that hands the shard's people to a kernel as a `People` bundle
(`migsim.kernels.bundles`) together with the small cell and lever arrays the driver sent,
and returns aggregates only: integer counts, money sums, never people. The driver adds the
results of all shards (`migsim.people.shards.add`). Steps call them through
`sim.people.sum(passes.NAME, ...)` or `sim.people.map(...)`.
"""

from __future__ import annotations

import numba
import numpy as np

from migsim.core.errors import PluginOutputError
from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS, MAX_AGE
from migsim.kernels import applicants as ka
from migsim.kernels import cellsums, fused
from migsim.kernels import demography as demo
from migsim.kernels import income as ik
from migsim.kernels import migration as mk
from migsim.kernels.aggregate import (
    CELL_BUDGET,
    adult_shares,
    collect_estates,
    count_cells,
    pay_estates,
)
from migsim.kernels.bundles import (
    Cells,
    Levers,
    Money,
    MoneyTallies,
    Vital,
    Work,
    move_tallies,
    n_move_keys,
    read_only,
)
from migsim.kernels.education import graduate as graduate_kernel
from migsim.kernels.synthesis import fill_productivity
from migsim.people.moves import MoveCounts
from migsim.people.population import STATUSES
from migsim.people.shards import Shard

N_BANDS = len(AGE_BANDS)


def parts(n_regions: int) -> int:
    """How many per-chunk partial sums the float passes keep (labour supply, histogram,
    incomes): one per chunk, or in worlds of more than `DENSE_CELLS_MAX_REGIONS` regions one
    per 4 chunks in order (their partials grow with R and R^2: the histogram's are 114 MB
    at 232 regions with one per chunk, and a fresh array each year cost its page faults).
    A function of the world only, so the sums are the same for any thread count."""
    if n_regions > cellsums.DENSE_CELLS_MAX_REGIONS:
        return ik.N_CHUNKS // 4
    return ik.N_CHUNKS


def _sum_chunks(partial: np.ndarray) -> np.ndarray:
    """Combine per-chunk float partials in chunk order (thread-count invariant)."""
    out = np.zeros(partial.shape[1:])
    for c in range(partial.shape[0]):
        out += partial[c]
    return out


# ------------------------------------------------------------------ simulation
def identity(shard: Shard) -> tuple:
    """(weights by origin, next person id, productivity sigma) of the shard's population."""
    pop = shard.population
    return pop.weight, int(pop.next_id), float(pop.productivity_sigma)


def mortality_and_fertility(
    shard: Shard, key, year, death_probability, fertility, age: bool = False, graduation=None
) -> tuple:
    """Deaths by (origin, location) and agent-children by region of birth (int64). age: the
    survivors also age by a year in the same pass (`births_and_ageing` is then called with
    aged=True), the same people as ageing them there, and no per-person scratch is written.
    graduation: None, or (ex_ante_share, secondary_share) of `graduate` (age must be True):
    those turning 22 graduate in the same pass too, and a third entry, `graduate`'s
    (origin, [deciders, graduates]), is returned."""
    pop = shard.population
    n, R = pop.n, pop.weight.shape[0]
    vital = Vital(death_probability, fertility, pop.weight)
    deaths, born = demo.vital_lanes(R)
    if not age:
        children = shard.buffer("children")
        died = shard.buffer("deaths")
        demo.mortality_and_fertility(key, year, n, pop.people, vital, children, died, deaths, born)
        return deaths.sum(axis=0), born.sum(axis=0)
    none = np.zeros(0)
    ex_ante, secondary = graduation if graduation is not None else (none, none)
    graduates = np.zeros((deaths.shape[0], R, 2), dtype=np.int64)
    demo.mortality_fertility_and_ageing(
        key,
        year,
        n,
        pop.people,
        vital,
        MAX_AGE,
        deaths,
        born,
        np.asarray(ex_ante, dtype=np.float64),
        np.asarray(secondary, dtype=np.float64),
        graduates,
    )
    if graduation is None:
        return deaths.sum(axis=0), born.sum(axis=0)
    return deaths.sum(axis=0), born.sum(axis=0), graduates.sum(axis=0)


def estates(shard: Shard, key, year, ages, sigma) -> tuple:
    """The wealth the year's dead leave, by location, and the shares of the living heirs
    there (`migsim.kernels.aggregate.collect_estates`; ages (2, 2): the heirs', then the
    adults' who inherit where no heir lives, whose shares `adults` counts); the dead's
    wealth is zeroed."""
    pop = shard.population
    R = pop.weight.shape[0]
    return collect_estates(pop.n, pop.people, pop.weight, R, ages, key, year, sigma, adults=False)


def adults(shard: Shard, ages) -> np.ndarray:
    """The shares of the adults (ages[1]) by location, who inherit where no heir lives
    (`migsim.kernels.aggregate.adult_shares`)."""
    pop = shard.population
    return adult_shares(pop.n, pop.people, pop.weight, pop.weight.shape[0], ages)


def inherit(shard: Shard, key, year, ages, sigma, per_share) -> None:
    """The living heirs receive their share of their location's estates (`pay_estates`)."""
    pop = shard.population
    pay_estates(pop.n, pop.people, ages, key, year, sigma, per_share)


def births_and_ageing(shard: Shard, key, year, born, id_start, next_id, aged: bool = False) -> None:
    """Write the children born in this shard's regions (numbered by the driver), then age
    (unless `mortality_and_fertility` aged the survivors already: aged=True)."""
    pop = shard.population
    mine = shard.origins
    n_new = int(born[mine].sum())
    pop.make_room(n_new)  # drops the dead first when short of rows
    n = pop.n
    row_start = np.zeros_like(born)
    row_start[mine] = n + demo.exclusive_scan(born[mine])
    if aged:  # the fused path: productivity written with the rows (one parallel region)
        sigma = float(pop.productivity_sigma)
        demo.write_births(key, year, mine, row_start, id_start, born, pop.people, sigma)
    else:
        demo.write_births(key, year, mine, row_start, id_start, born, pop.people)
        fill_productivity(
            key, pop.person_id, n, n + n_new, pop.productivity_sigma, pop.productivity
        )
    pop.n = n + n_new
    pop.next_id = next_id
    if not aged:
        demo.age_one_year(n, pop.people, MAX_AGE)


def cell_counts(shard: Shard, R: int) -> np.ndarray:
    """Living agents per (origin, location, skill, sex, band, status) cell, flat (int64)."""
    pop = shard.population
    return count_cells(pop.n, pop.people, AGE_BAND_OF_AGE, R, N_BANDS, len(STATUSES))


# ------------------------------------------------------------------ migration
def regularise(shard: Shard) -> None:
    """Irregular migrants become permanent residents (a regime's one-off regularisation)."""
    pop = shard.population
    irregular = pop.status[: pop.n] == mk.IRREGULAR
    pop.status[: pop.n][irregular] = mk.PERMANENT


def settle(shard: Shard, corridors: np.ndarray) -> None:
    """Holders of employer-tied permits (temporary, no fixed term: `visa_years_left` 0) on
    the (R, R) [origin, location] `corridors` become permanent residents (a regime's route to
    settlement, `migsim.regimes.components` "settlement")."""
    pop = shard.population
    n = pop.n
    people = pop.people
    status = people.status[:n]
    hit = (status == mk.TEMPORARY) & (people.visa_years_left[:n] == 0)
    hit &= corridors[people.origin[:n], people.location[:n]]
    status[hit] = mk.PERMANENT


def _tallies(shard: Shard):
    """Empty move tallies for a pass over the shard's rows, keyed into a reused scratch."""
    pop = shard.population
    capacity = -(-max(pop.n, 1) // mk.N_CHUNKS)
    keys = shard.buffer("move_keys", mk.N_CHUNKS * capacity)
    return move_tallies(mk.N_CHUNKS, pop.weight.shape[0], pop.n, keys)


def expected_applicants(shard: Shard, key, year, cells: Cells, levers: Levers) -> np.ndarray:
    """Expected would-be movers who can pay, in real people by (destination, skill) as int64
    fixed point (`migsim.kernels.applicants.expected_applicants`; the driver divides the sum of
    the shards by 2**EXPECTED_SCALE_BITS)."""
    pop = shard.population
    R = pop.weight.shape[0]
    out = np.zeros((mk.N_CHUNKS, R, 2), dtype=np.int64)
    ka.expected_applicants(key, year, pop.n, pop.people, cells, levers, pop.weight, out)
    return out.sum(axis=0)


def catch_up(shard: Shard, key, year, cells: Cells, levers: Levers) -> np.ndarray:
    """The regime's pent-up moves (MigrationStep.catch_up_probabilities; `cells.p_move` holds
    the catch-up probabilities), in agents by (origin, source, destination, skill)
    (`MoveCounts`)."""
    pop = shard.population
    tallies = _tallies(shard)
    mk.catch_up(key, year, pop.n, pop.people, cells, levers, tallies)
    return MoveCounts.from_tallies(tallies)


def decide(shard: Shard, key, year, cells: Cells, levers: Levers, kernel, term, params) -> tuple:
    """Everyone's decision this year: moves (`MoveCounts` by origin, source, destination,
    skill), people blocked by liquidity and intra-regional moves (by region), the number of
    invalid plug-in terms and the number of moves a plug-in kernel recorded beyond one per
    row (all in agents, int64). kernel, term: a behaviour plug-in's kernel or individual
    term (None: the default); params: `behaviour.params` values (float64)."""
    pop = shard.population
    tallies = _tallies(shard)
    invalid = 0
    if kernel is not None:
        before = _read_only_digest(pop), pop.location[: pop.n].copy()
        cells, levers = read_only(cells), read_only(levers)  # as compiled by check_behaviour
        kernel(key, year, pop.n, pop.people, cells, levers, tallies, params)
        _check_kernel_output(pop, tallies, *before)
    elif term is not None:
        bad = np.zeros(mk.N_CHUNKS, dtype=np.int64)
        mk.decide_with_term(key, year, pop.n, pop.people, cells, levers, term, params, tallies, bad)
        invalid = int(bad.sum())
    else:
        mk.decide(key, year, pop.n, pop.people, cells, levers, tallies)
    excess = int(np.maximum(tallies.n_moves - tallies.moves.shape[1], 0).sum())
    moves = MoveCounts.empty(tallies.n_regions) if excess else MoveCounts.from_tallies(tallies)
    return moves, tallies.blocked.sum(axis=0), tallies.intra.sum(axis=0), invalid, excess


def decide_and_supply(shard: Shard, key, year, cells: Cells, levers: Levers, supply) -> tuple:
    """`decide` (the default decision, no plug-in) and then, in the same pass, the labour
    supply of the decided people (`labour_supply`'s results and units scratch); supply: the
    arguments of `labour_supply` after the year, in order. Returns `decide`'s five results
    and `labour_supply`'s two."""
    pop = shard.population
    R = pop.weight.shape[0]
    bounds = ik.id_chunk_bounds(pop.person_id, pop.n, pop.next_id)
    rows = int(np.diff(bounds).max()) * mk.N_CHUNKS  # room for the largest chunk's moves
    keys = shard.buffer("move_keys", rows)
    tallies = move_tallies(mk.N_CHUNKS, R, rows, keys)
    out = np.zeros((parts(R), R, 3, ik.N_EXPERIENCE, 2))
    hist = np.zeros((parts(R), R, 2, 2, ik.HIST_BINS))
    units = shard.buffer("units")
    weight = pop.weight
    work = Work(*supply)
    fused.decide_and_supply(
        key, year, bounds, pop.people, cells, levers, tallies, weight, work, units, out, hist
    )
    moves = MoveCounts.from_tallies(tallies)
    blocked, intra = tallies.blocked.sum(axis=0), tallies.intra.sum(axis=0)
    return moves, blocked, intra, 0, 0, _sum_chunks(out), _sum_chunks(hist)


# the columns a kernel plug-in may only read (docs/plugins.md, "What it may write")
READ_ONLY = ("person_id", "alive", "age", "sex", "skill", "origin", "productivity")


def _read_only_digest(pop) -> np.ndarray:
    """Each read-only column's hash by chunk of the rows in use (one parallel pass)."""
    from migsim.kernels.plugin_checks import read_only_digest

    n = pop.n
    columns = [getattr(pop, name)[:n] for name in READ_ONLY]
    columns[-1] = columns[-1].view(np.uint32)  # productivity (float32) by its bits
    return read_only_digest(n, *columns)


def _check_kernel_output(pop, tallies, read_only=None, location_before=None) -> None:
    """What a kernel plug-in leaves must be usable by the rest of the year: the read-only
    columns unchanged, counts not negative, every location a region, every status one of
    STATUSES and consistent with where the person lives, wealth a finite number, `family` 0
    or 1, and one
    recorded move per person whose location changed (docs/plugins.md, "A kernel plug-in").
    Parallel passes over fixed chunks (`migsim.kernels.plugin_checks`); the details of a
    fault are looked up only once one is found."""
    from migsim.kernels.plugin_checks import output_faults

    n, R = pop.n, pop.weight.shape[0]
    if read_only is not None:
        changed = (_read_only_digest(pop) != read_only).any(axis=0)
        if changed.any():
            name = READ_ONLY[int(np.argmax(changed))]
            raise PluginOutputError(
                f"kernel changed people.{name}, which is read-only (allowed: writes to "
                "location, status, years_abroad, visa_years_left, family, wealth)"
            )
    for name, counts in tallies._asdict().items():
        if isinstance(counts, np.ndarray) and counts.size and counts.min() < 0:
            raise PluginOutputError(f"kernel left negative counts in tallies.{name}")
    used = np.arange(tallies.moves.shape[1]) < np.asarray(tallies.n_moves)[:, None]
    keys = tallies.moves[used]
    if keys.size and keys.max() >= n_move_keys(R):
        raise PluginOutputError(
            "kernel recorded a move outside the world's regions in tallies.moves "
            "(allowed: moves recorded with add_move)"
        )
    before = location_before if location_before is not None else pop.location[:n]
    faults = output_faults(
        n,
        pop.alive,
        pop.origin,
        pop.location,
        before,
        pop.status,
        pop.wealth,
        pop.family,
        R,
        len(STATUSES),
    ).sum(axis=0)
    alive = pop.alive[:n].astype(bool)
    if faults[0]:
        worst = int(pop.location[:n][alive].max())
        raise PluginOutputError(f"kernel set people.location to {worst} (allowed: 0 to {R - 1})")
    if faults[1]:
        worst = int(pop.status[:n][alive].max())
        raise PluginOutputError(
            f"kernel set people.status to {worst} "
            f"(allowed: 0 to {len(STATUSES) - 1}, {', '.join(STATUSES)})"
        )
    if faults[2]:
        raise PluginOutputError("kernel set people.wealth to NaN or infinity (allowed: finite)")
    if faults[5]:
        worst = int(pop.family[:n][alive].max())
        raise PluginOutputError(
            f"kernel set people.family to {worst} (allowed: 0, or 1 while close family is at "
            "origin)"
        )
    if faults[3]:
        location, status = pop.location[:n][alive], pop.status[:n][alive]
        home = location == pop.origin[:n][alive]
        i = int(np.argmax(home != ((status == 0) | (status == 4))))
        where = "in their origin" if home[i] else "abroad"
        raise PluginOutputError(
            f"kernel left someone {where} with status {STATUSES[int(status[i])]} (allowed: "
            "NATIVE or INTRA_REGIONAL at home; PERMANENT, TEMPORARY or IRREGULAR abroad)"
        )
    capacity = tallies.moves.shape[1]
    if location_before is not None and (np.asarray(tallies.n_moves) <= capacity).all():
        # (more than one move per row is refused with its own message after this check)
        recorded = int(np.asarray(tallies.n_moves).sum())
        if int(faults[4]) != recorded:
            raise PluginOutputError(
                f"kernel moved {int(faults[4])} people and recorded {recorded} moves (allowed: "
                "one add_move for every change of location)"
            )


# ------------------------------------------------------------------ economy
def wealth_by_location(shard: Shard, R: int) -> np.ndarray:
    """Wealth held by the living, in real-people dollars, by location (R,)."""
    pop = shard.population
    return ik.wealth_by_location(pop.n, pop.people, pop.weight, R)


def labour_supply(shard: Shard, key, year, *levers) -> tuple:
    """Efficiency units (R, 3, N_EXPERIENCE, 2) and the earnings histogram of this shard's
    workers; each person's units stay in the shard's `units` scratch for the income pass.
    levers: the fields of `migsim.kernels.bundles.Work` in order."""
    pop = shard.population
    R = pop.weight.shape[0]
    out = np.zeros((parts(R), R, 3, ik.N_EXPERIENCE, 2))
    hist = np.zeros((parts(R), R, 2, 2, ik.HIST_BINS))
    bounds = ik.id_chunk_bounds(pop.person_id, pop.n, pop.next_id)
    work = Work(*levers)
    units = shard.buffer("units")
    ik.labour_supply(key, year, bounds, pop.people, pop.weight, work, units, out, hist)
    return _sum_chunks(out), _sum_chunks(hist)


def incomes(shard: Shard, key, year, elapsed, params, count: bool = False) -> dict:
    """This shard's money sums of the year (and its people's wealth updated). params: the
    fields of `migsim.kernels.bundles.Money` in order (a tuple or a Money). count: False;
    True: the pass also counts the living agents by cell, returned as "cells"
    (`cell_counts`'s result); or the (origin, location) pairs to count, (P,) int64 origin *
    R + location, ascending: "cells" is then the blocks of those pairs only, (P * 2*2*B*S,)
    int64, each in `cell_counts`'s order, and "cell_misses" the agents living in other
    pairs (the count is whole when it is 0). Neither is returned when the threads' lanes
    would exceed `CELL_BUDGET` cells."""
    pop = shard.population
    R = pop.weight.shape[0]
    per_pair = 2 * 2 * N_BANDS * len(STATUSES)
    pairs = None if isinstance(count, bool) else np.asarray(count, dtype=np.int64)
    n_cells = per_pair * (R * R if pairs is None else pairs.size)
    lanes = numba.config.NUMBA_NUM_THREADS
    cells = slot = misses = None
    if count is not False and lanes * n_cells <= CELL_BUDGET:
        cells = np.zeros((lanes, n_cells), dtype=np.int64)
        if pairs is not None:
            slot = np.full(R * R, -1, dtype=np.int64)
            slot[pairs] = np.arange(pairs.size)
            misses = np.zeros(lanes, dtype=np.int64)
    n_groups = 5  # welfare groups, see migsim.kernels.income.incomes
    tallies = MoneyTallies(
        np.zeros((parts(R), R, 2, 2, N_BANDS, 4)),
        np.zeros((parts(R), R, R)),
        np.zeros((parts(R), n_groups, 3)),
        np.zeros((parts(R), R)),
    )
    bounds = ik.id_chunk_bounds(pop.person_id, pop.n, pop.next_id)
    units = shard.buffer("units")
    money = Money(*params)
    bands, n_status = AGE_BAND_OF_AGE, len(STATUSES)
    ik.incomes(
        key,
        year,
        elapsed,
        bounds,
        pop.people,
        bands,
        pop.weight,
        units,
        money,
        tallies,
        cells,
        n_status,
        slot,
        misses,
    )
    out = {name: _sum_chunks(t) for name, t in tallies._asdict().items()}
    if cells is not None:
        out["cells"] = cellsums.sum_lanes(cells)
    if misses is not None:
        out["cell_misses"] = int(misses.sum())
    return out


def graduate(shard: Shard, key, year, h_ex, secondary_share) -> np.ndarray:
    """(origin, [deciders, graduates]) in agents (int64); secondary_share: (R,) secondary
    schooling among those without a degree."""
    pop = shard.population
    out = np.zeros((64, pop.weight.shape[0], 2), dtype=np.int64)
    graduate_kernel(key, year, pop.n, pop.people, h_ex, secondary_share, out)
    return out.sum(axis=0)
