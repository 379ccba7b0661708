"""Kernel argument bundles: the named tuples of arrays every kernel takes.

A kernel reads people, cell inputs and levers through these bundles instead of a long
positional list, so adding a per-person column or a lever changes the bundle's definition
here and the kernels that use it, and nothing else (a kernel that does not read a field
never names it). The bundles are `typing.NamedTuple`s of NumPy arrays and scalars, which
numba types by their fields and caches on disk like plain tuples.

A numba pitfall: inside a `prange` loop, writes to an array reached through a tuple can be
lost. Every kernel therefore unpacks the arrays it uses into local names before its
parallel loop; the reference tests (`tests/test_kernels_reference*.py`) check every written
array for exact equality, which is what catches such a miscompile.

Index conventions: o origin, d destination, s skill class (0 non-tertiary, 1 tertiary; a
person's class is `skill_class(skill)` of their education code), sex (0 female, 1 male), b
age band, R regions, B = n_bands age bands. A home cell is
h = ((o * 2 + s) * 2 + sex) * n_bands + b.
"""

from typing import NamedTuple

import numba as nb
import numpy as np

from migsim.kernels._config import JIT

# Education codes of the `skill` column, and the number of education groups.
PRIMARY, SECONDARY, TERTIARY = 0, 1, 2
N_EDUCATION = 3


@nb.njit(inline="always", **JIT)
def skill_class(code):
    """The decision model's skill class of an education code: 1 tertiary, 0 otherwise."""
    return 1 if code == TERTIARY else 0


# No `from __future__ import annotations` here: the annotations of `People` are the dtypes
# of its columns and are read at import time.


class People(NamedTuple):
    """The per-person columns of a population, rows [0, capacity); rows [0, n) are in use.

        Each field's annotation is its dtype: a new column is one line here, and
        `migsim.people.population.Population` allocates, grows, compacts, splits, merges and
        saves it with the others.

        Layout, 24 bytes per row: person_id uint32 (4), alive, age, sex, skill (1 each),
        origin and location uint16 (2 each: worlds of up to 65,535 regions), status,
        years_abroad, visa_years_left, family (1 each), wealth and productivity float32
        (4 each).
        person_id is 4 bytes because the draws are keyed on `np.uint64(person_id)`, which is
        the same number from a uint32 as from an int64 while ids stay below 2^32 (`ID_LIMIT`;
        the run refuses a year whose births would cross it), so the narrower column changes no
        output. `skill` is the education group, a whole byte: 0 primary or less, 1 secondary,
    2 tertiary (`PRIMARY`, `SECONDARY`, `TERTIARY`); the decision model and every
    "skilled/unskilled" quantity read the two classes of `skill_class`.
        Why each byte is there, and what else a run allocates per person: docs/memory.md.
    """

    person_id: np.uint32  # unique in the run, increasing with the row within a shard
    alive: np.uint8  # 1 alive, 0 dead (the row stays until compaction)
    age: np.uint8  # years, 0..MAX_AGE
    sex: np.uint8  # 0 female, 1 male
    skill: np.uint8  # education: 0 primary or less, 1 secondary, 2 tertiary
    origin: np.uint16  # region of birth (never changes)
    location: np.uint16  # region of residence
    status: np.uint8  # 0 native, 1 permanent, 2 temporary, 3 irregular, 4 intra-regional
    years_abroad: np.uint8  # years since the last move abroad (capped at 255)
    visa_years_left: np.uint8  # years left on a temporary visa
    family: np.uint8  # 1 close family (partner, children) left at origin, 0 otherwise
    wealth: np.float32  # PPP $
    productivity: np.float32  # lognormal, mean 1, a pure function of (seed, person id)


# Ids run from 0 to ID_LIMIT - 1 (`person_id` is a uint32).
ID_LIMIT = 2**32

PEOPLE_DTYPES: dict[str, np.dtype] = {
    name: np.dtype(dtype) for name, dtype in People.__annotations__.items()
}


def empty_people(capacity: int) -> People:
    """A People bundle of zeroed columns of `capacity` rows."""
    return People(*(np.zeros(capacity, dtype=dt) for dt in PEOPLE_DTYPES.values()))


class Cells(NamedTuple):
    """Per-home-cell inputs of a decision pass, computed once a year by the behaviour module.

    band_of_age: (N_AGES,) int64 age band of each age; n_bands: B;
    p_move: (H,) float64 probability of moving from home cell h (H = R * 2 * 2 * B);
    dest_cdf: (H, R) float64 cumulative destination distribution of a mover from h (last 1).
    """

    band_of_age: np.ndarray
    n_bands: int
    p_move: np.ndarray
    dest_cdf: np.ndarray


class Levers(NamedTuple):
    """Policy levers and behavioural constants the migration kernels read.

    upfront_cost: (R, R) [o, d] PPP $; home_income: (R, 2) [o, s] PPP $ per year;
    borrowing: share of home income that can be borrowed;
    accept: (R, 2) [d, s] admission probability (quota lottery, 1 = no quota);
    temporary_share, irregular_share: (R, R, 2) [o, d, s] entry channel shares;
    visa_years: (R,) uint8 length of a temporary visa by destination;
    overstay: (R,) probability that an expiring visa holder stays irregularly;
    hazard: (5, 256, B) [status, years abroad, band] yearly probability of leaving;
    onward_share: share of leavers who move on to a third region;
    intra_rate, intra_return: (R, B) within-region moves out of and back to native status;
    productivity_sigma: sigma of the lognormal individual productivity;
    return_factor: (R, R) [o, location] multiplier of the return hazard (destination scale
    and income gap; 1 = none);
    family_left: (B,) probability that a mover from home leaves close family at origin, by
    age band; family_reunify: (R,) yearly probability that a migrant's family joins them, by
    location (temporary visa holders never); family_return: multiplier of the return hazard
    while family is at origin, exp(b_fam).
    """

    upfront_cost: np.ndarray
    home_income: np.ndarray
    borrowing: float
    accept: np.ndarray
    temporary_share: np.ndarray
    irregular_share: np.ndarray
    visa_years: np.ndarray
    overstay: np.ndarray
    hazard: np.ndarray
    onward_share: float
    intra_rate: np.ndarray
    intra_return: np.ndarray
    productivity_sigma: float
    return_factor: np.ndarray
    family_left: np.ndarray
    family_reunify: np.ndarray
    family_return: float


class MoveTallies(NamedTuple):
    """Integer counts of a decision pass, one slice per fixed chunk of rows (combined over
    chunks by the caller, so the totals do not depend on the number of threads).

    Moves are a per-chunk list of events, not a dense histogram: a dense
    (chunk, origin, source, destination, skill) array grows as R^3 per chunk (12.8 GB for
    64 chunks of 232 regions), while a chunk of rows records at most one move per row.

    moves: (N_CHUNKS, capacity) int64; moves[c, :n_moves[c]] are the move keys of chunk c,
    key = ((origin * R + source) * R + destination) * 2 + skill (`move_key`);
    n_moves: (N_CHUNKS,) int64 moves recorded by chunk c (more than `capacity` means some
    were dropped, which the engine reports as an error);
    n_regions: R;
    blocked: (N_CHUNKS, R) int64 would-be movers stopped by the up-front cost, by origin;
    intra: (N_CHUNKS, R) int64 within-region moves, by origin.
    Record a move with `add_move(moves, n_moves, n_regions, c, origin, source,
    destination, skill)`.
    """

    moves: np.ndarray
    n_moves: np.ndarray
    n_regions: int
    blocked: np.ndarray
    intra: np.ndarray


def n_move_keys(n_regions: int) -> int:
    """How many distinct move keys a world of `n_regions` has (keys run from 0 to this - 1)."""
    return int(n_regions) ** 3 * 2


@nb.njit(inline="always", **JIT)
def move_key(n_regions, origin, source, destination, skill):
    """The int64 key of a move: ((origin * R + source) * R + destination) * 2 + skill."""
    R = np.int64(n_regions)
    return ((np.int64(origin) * R + source) * R + destination) * 2 + skill


@nb.njit(inline="always", **JIT)
def add_move(moves, n_moves, n_regions, c, origin, source, destination, skill):
    """Record one move in chunk c of a `MoveTallies` (its arrays passed unpacked, as a
    kernel must inside `prange`)."""
    k = n_moves[c]
    if k < moves.shape[1]:
        moves[c, k] = move_key(n_regions, origin, source, destination, skill)
    n_moves[c] = k + 1


def move_tallies(
    n_chunks: int, n_regions: int, n_rows: int = 0, out: np.ndarray | None = None
) -> MoveTallies:
    """Empty MoveTallies for a pass over `n_rows` rows in `n_chunks` chunks: room for one
    move per row. `out`: a flat int64 scratch array of at least n_chunks * capacity to hold
    the move keys (allocated when None)."""
    R = n_regions
    capacity = max(1, -(-int(n_rows) // n_chunks))
    if out is None:
        out = np.empty(n_chunks * capacity, dtype=np.int64)
    return MoveTallies(
        out[: n_chunks * capacity].reshape(n_chunks, capacity),
        np.zeros(n_chunks, dtype=np.int64),
        int(R),
        np.zeros((n_chunks, R), dtype=np.int64),
        np.zeros((n_chunks, R), dtype=np.int64),
    )


def tallied_keys(tallies: MoveTallies) -> np.ndarray:
    """The move keys of all chunks, in chunk order (int64)."""
    counts = tallies.n_moves
    capacity = tallies.moves.shape[1]
    if (counts > capacity).any():
        raise OverflowError(
            f"a chunk recorded {int(counts.max())} moves, more than its {capacity} rows"
        )
    return np.concatenate([tallies.moves[c, : counts[c]] for c in range(counts.shape[0])])


def read_only(bundle: NamedTuple) -> NamedTuple:
    """`bundle` with each array a read-only view: what a kernel plug-in receives as `cells`
    and `levers`, so that numba refuses a write to them when it compiles the kernel (they are
    migsim's own arrays, shared by the shards and kept from year to year)."""
    fields = []
    for value in bundle:
        if isinstance(value, np.ndarray):
            value = value.view()
            value.flags.writeable = False
        fields.append(value)
    return type(bundle)(*fields)


def sample_bundles(n_regions: int = 2, n_bands: int = 9, n_chunks: int = 64) -> tuple:
    """(People, Cells, Levers, MoveTallies) of the types a decision pass receives, with
    four empty rows and `n_regions` regions: enough to compile a kernel plug-in for migsim's
    argument types, or to call it with n = 0."""
    R, B = n_regions, n_bands
    people = empty_people(4)
    cells = Cells(np.zeros(106, dtype=np.uint8), B, np.zeros(R * 4 * B), np.ones((R * 4 * B, R)))
    levers = Levers(
        np.zeros((R, R)),
        np.ones((R, 2)),
        0.5,
        np.ones((R, 2)),
        np.zeros((R, R, 2)),
        np.zeros((R, R, 2)),
        np.zeros(R, dtype=np.uint8),
        np.zeros(R),
        np.zeros((5, 256, B)),
        0.1,
        np.zeros((R, B)),
        np.zeros((R, B)),
        0.4,
        np.ones((R, R)),
        np.zeros(B),
        np.zeros(R),
        1.0,
    )
    return people, cells, levers, move_tallies(n_chunks, R)


class Vital(NamedTuple):
    """Demographic rates of a year. death_probability: (R, 2, N_AGES) [location, sex, age];
    fertility: (R, N_AGES) [location, age] children per woman; weight: (R,) real people per
    agent, by origin."""

    death_probability: np.ndarray
    fertility: np.ndarray
    weight: np.ndarray


class Work(NamedTuple):
    """Inputs of the labour-supply pass. employment: (R,) probability that a person aged
    20-64 works, by location; kappa0: (2,) credential transfer on arrival by skill;
    kappa_years: years for it to reach 1 (0: at once); irregular_wage_factor: efficiency of
    irregular migrants; credential_scale: the regime's scale of kappa0; relative_wage:
    (R, 3, N_EXPERIENCE, 2) base-year wage of each [location, education, experience band,
    nativity] cell over its skill class's, which places workers in the earnings histogram;
    downgrade_wage: (R, 3, N_EXPERIENCE) last year's wage per efficiency unit of immigrants
    by [location, education, experience band], which places the downgraded share of people
    abroad in the cell below theirs (`migsim.kernels.credentials`; all 0: no downgrading)."""

    employment: np.ndarray
    kappa0: np.ndarray
    kappa_years: float
    irregular_wage_factor: float
    credential_scale: float
    relative_wage: np.ndarray
    downgrade_wage: np.ndarray


class Money(NamedTuple):
    """Inputs of the income pass, in the order the economy step builds them (see
    `migsim.kernels.income.incomes` for units and shapes)."""

    wages: np.ndarray
    tax_rate: np.ndarray
    irregular_tax_factor: float
    spending_profile: np.ndarray
    gdp_per_capita: np.ndarray
    developed: np.ndarray
    remit_share: np.ndarray
    remit_p0: float
    remit_decay: float
    temporary_remit_factor: float
    remit_family_drop: float
    subsistence: np.ndarray
    remit_scale: np.ndarray
    levy: np.ndarray
    levy_years: int
    levy_value: np.ndarray
    savings_rate: float
    wealth_depreciation: np.ndarray
    public_goods: np.ndarray
    kappa0: np.ndarray
    kappa_years: float
    credential_scale: float
    downgrade_wage: np.ndarray


class MoneyTallies(NamedTuple):
    """Float sums of the income pass per chunk of person ids (see `incomes`)."""

    fiscal: np.ndarray
    remit: np.ndarray
    groups: np.ndarray
    levy: np.ndarray


__all__ = [
    "PEOPLE_DTYPES",
    "Cells",
    "Levers",
    "Money",
    "MoneyTallies",
    "MoveTallies",
    "People",
    "Vital",
    "Work",
    "empty_people",
    "add_move",
    "move_key",
    "move_tallies",
    "return_hazard",
    "sample_bundles",
    "tallied_keys",
]


@nb.njit(inline="always", **JIT)
def return_hazard(hazard, return_factor, family_return, st, years, b, o, loc, apart):
    """The yearly probability of leaving of a person abroad (status st, years abroad, age
    band b, origin o, location loc, close family at origin if apart), before it is clipped
    to 1: hazard[st, years, b] x return_factor[o, loc], x family_return while apart (the
    `Levers` arrays, passed as they are so that a loop keeps them in locals)."""
    h = hazard[st, years, b] * return_factor[o, loc]
    if apart != 0:
        h *= family_return
    return h
