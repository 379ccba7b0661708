"""Population: people as a struct of NumPy arrays, their synthesis, capacity and storage.

Columns are defined once, with their dtypes, by the `People` bundle
(`migsim.kernels.bundles`, whose docstring gives the 23-byte layout; every byte a run
allocates per person, and where the peak memory comes from: docs/memory.md). Productivity
is a pure function of (seed, person id) (`migsim.kernels.migration.productivity`), stored
once at synthesis or birth so the yearly income passes do not redraw it.

Each agent of origin o stands for `weight[o]` real people; agents per origin are stratified
(`PopulationConf.stratification`) so small regions keep enough agents. A child's origin is
its region of birth and its weight that region's weight, so births by a mother whose weight
differs are produced at the rate `fertility * weight[mother origin] / weight[birth region]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from migsim.core.labels import (  # noqa: F401  (legal status codes, part of a person's state)
    INTRA_REGIONAL,
    IRREGULAR,
    NATIVE,
    PERMANENT,
    STATUSES,
    TEMPORARY,
)
from migsim.core.world import AGE_BAND_OF_AGE, MAX_AGE, N_AGES, World
from migsim.core.world_education import migrant_secondary_matrix, secondary_shares
from migsim.kernels.bundles import PEOPLE_DTYPES, People, empty_people
from migsim.kernels.demography import compact_column
from migsim.kernels.synthesis import fill_ids, fill_productivity, synthesise
from migsim.model.wealth_profile import wealth_by_age
from migsim.regimes.policy import tied_corridors

# One dtype per column, defined once with the `People` bundle the kernels take.
COLUMNS = PEOPLE_DTYPES
BYTES_PER_PERSON = sum(np.dtype(t).itemsize for t in COLUMNS.values())


def capacity_for(size: int, spare_capacity: float) -> int:
    """Rows allocated for `size` base-year people: `spare_capacity` more for births."""
    return int(size * (1.0 + spare_capacity)) + 16


@dataclass
class Population:
    """People in rows [0, n); rows [n, capacity) are free for births.

    The columns live in `people`, a `migsim.kernels.bundles.People` bundle, which is what
    every kernel and per-person pass receives; each column is also an attribute
    (`pop.age`), read and replaced through the bundle.
    """

    people: People
    weight: np.ndarray  # (R,) real people per agent, by origin
    n: int = 0
    next_id: int = 0
    productivity_sigma: float = 0.4  # sigma of the lognormal `productivity` column

    @classmethod
    def empty(cls, capacity: int, weight: np.ndarray) -> Population:
        return cls(empty_people(capacity), weight=np.asarray(weight, dtype=np.float64))

    @property
    def capacity(self) -> int:
        return self.person_id.shape[0]

    def columns(self) -> dict[str, np.ndarray]:
        return self.people._asdict()

    def view(self) -> dict[str, np.ndarray]:
        """The rows in use, as a dict of array views."""
        return {name: arr[: self.n] for name, arr in self.columns().items()}

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.columns().values())

    def make_room(self, extra: int) -> None:
        """Make room for `extra` rows after row n: first drop dead rows, then grow if still
        short, column by column: each old column is freed once copied, so growing holds the
        old columns and one new one at most (not two copies of every column)."""
        if self.n + extra <= self.capacity:
            return
        self.compact()
        needed = self.n + extra
        if needed > self.capacity:
            new_capacity = max(needed, int(self.capacity * 1.25) + 1)
            columns, self.people = list(self.people), None  # the list holds the only refs
            for i, dtype in enumerate(PEOPLE_DTYPES.values()):
                new = np.zeros(new_capacity, dtype=dtype)
                new[: self.n] = columns[i][: self.n]
                columns[i] = new  # the old column is freed here
                del new
            self.people = People(*columns)

    def compact(self) -> None:
        """Remove dead rows, keeping the order (and so the ids) of the living."""
        alive = self.alive
        live = self.n
        for name, arr in self.columns().items():
            if name != "alive":
                live = compact_column(alive, self.n, arr)
        live = compact_column(alive, self.n, alive)
        self.n = int(live)

    def table(self) -> pa.Table:
        """Living people as a pyarrow table (the weights and next id as metadata)."""
        alive = self.alive[: self.n].astype(bool)
        # person_id is written as int64, as before the column was narrowed to uint32
        table = pa.table(
            {
                k: (v[: self.n][alive].astype(np.int64) if k == "person_id" else v[: self.n][alive])
                for k, v in self.columns().items()
                if k != "alive"
            }
        )
        meta = {
            b"migsim.weight": ",".join(repr(float(w)) for w in self.weight).encode(),
            b"migsim.next_id": str(self.next_id).encode(),
        }
        return table.replace_schema_metadata(meta)

    def save(self, path: str | Path) -> None:
        """Write living people to a Parquet file (with the weights as metadata)."""
        pq.write_table(self.table(), path)


def _column(name: str) -> property:
    def get(self: Population) -> np.ndarray:
        return getattr(self.people, name)

    def put(self: Population, value: np.ndarray) -> None:
        self.people = self.people._replace(**{name: value})

    return property(get, put, doc=f"The `{name}` column (rows [0, capacity)).")


for _name in PEOPLE_DTYPES:
    setattr(Population, _name, _column(_name))


def largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Integers summing to `total`, proportional to `shares` (Hamilton's method)."""
    shares = np.asarray(shares, dtype=np.float64)
    if total <= 0 or shares.sum() <= 0:
        return np.zeros(shares.shape, dtype=np.int64)
    quota = total * shares / shares.sum()
    base = np.floor(quota).astype(np.int64)
    left = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:left]] += 1
    return base


def native_pyramids(world: World) -> np.ndarray:
    """Base-year natives at home by (region, sex, age): residents minus immigrants.

    Immigrants (inter- and intra-regional) follow the migrant age profile and the corridor
    female shares. Where the subtraction would go negative the natives' cell is floored
    at 2% of the residents' cell and the pyramid rescaled to the native total.
    """
    R = world.n_regions
    out = np.zeros((R, 2, N_AGES))
    for r in range(R):
        female_immigrants = (world.migrant_stock[:, r] * world.migrant_female_share[:, r]).sum()
        female_immigrants += world.intra_migrants[r] * 0.48
        male_immigrants = world.immigrants[r] - female_immigrants
        immigrant = np.stack(
            [female_immigrants * world.migrant_age_share, male_immigrants * world.migrant_age_share]
        )
        residents = world.resident_pyramid[r]
        natives = np.maximum(residents - immigrant, 0.02 * residents)
        target = world.population[r] - world.immigrants[r] + world.intra_migrants[r]
        out[r] = natives * target / natives.sum()
    return out


# every origin with at least FLOOR_PEOPLE people born there gets at least FLOOR_AGENTS agents
# (when the population is large enough to give every such origin its floor), so that a
# small country keeps enough agents to be represented; its weight rises to match
FLOOR_AGENTS = 300
FLOOR_PEOPLE = 50_000
# and every smaller origin at least SMALL_FLOOR_AGENTS, so that an island of a few thousand
# people, most of them abroad (Cook Islands, Niue, Tokelau in the 232-country world), keeps
# some workers at home for its labour market
SMALL_FLOOR_AGENTS = 30


def stratified_agents(size: int, born: np.ndarray, stratification: float) -> np.ndarray:
    """Agents per origin: proportional to born^stratification, at least 1 each, and at
    least FLOOR_AGENTS for origins of FLOOR_PEOPLE or more and SMALL_FLOOR_AGENTS for the
    others (the rest is split among the others in proportion, so the total stays `size`)."""
    weight = born**stratification
    counts = largest_remainder(size, weight)
    need = np.where(born >= FLOOR_PEOPLE, FLOOR_AGENTS, SMALL_FLOOR_AGENTS)
    if (counts >= need).all() or need.sum() > size:
        return np.maximum(counts, 1)
    fixed = np.zeros(born.shape, dtype=bool)
    while True:  # water-filling: floor the origins below it, re-split the rest
        free = ~fixed
        counts = need.copy()
        counts[free] = largest_remainder(size - int(need[fixed].sum()), weight[free])
        below = free & (counts < need)
        if not below.any():
            return np.maximum(counts, 1)
        fixed |= below


def agents_per_origin(
    world: World, size: int, stratification: float, natives: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Base-year people born in each origin (home + abroad) and their agents (the
    stratified split of `size`). `natives`: `native_pyramids(world)` if already at hand."""
    natives = native_pyramids(world) if natives is None else natives
    born = natives.sum(axis=(1, 2)) + world.migrant_stock.sum(axis=1)
    return born, stratified_agents(size, born, stratification)


def synthesise_population(
    world: World,
    size: int,
    key: np.uint64,
    stratification: float = 0.7,
    spare_capacity: float = 0.35,
    wealth_sigma: float = 1.0,
    wealth_to_income: float = 1.0,
    irregular_share: np.ndarray | None = None,
    productivity_sigma: float = 0.4,
    origins=None,
    durations=None,
    wealth_age: np.ndarray | None = None,
) -> Population:
    """Create the base-year population reproducing the world's stocks.

    `origins` (optional): create only the people born in these regions, with the ids they
    have in the whole population (the people of one shard of a sharded run).
    `durations`: the years-abroad model of the migrants (`migsim.model.durations`), that of
    the default behaviour parameters unless given.
    `wealth_age` (R, N_AGES): mean wealth by age over the location's mean adult wealth
    (`migsim.model.wealth_profile`); None: the flat profile (adults 1, children 0.2).

    Groups, per origin o: natives at home (status native), intra-regional migrants at home
    (status intra_regional), and per destination d the migrants[o, d], split into an
    irregular group (share irregular_share[o, d]) and a permanent one. Group sizes are
    integer agent counts by largest remainder, so every origin's agents sum exactly to its
    stratified count.
    """
    R = world.n_regions
    if durations is None:
        from migsim.model.behaviour import BehaviourConf
        from migsim.model.durations import durations as duration_model

        durations = duration_model(world, BehaviourConf())
    natives = native_pyramids(world)  # includes intra-regional migrants
    home = natives.sum(axis=(1, 2))
    born, agents = agents_per_origin(world, size, stratification, natives)
    weight = born / agents
    secondary = world.secondary_share
    if secondary is None:
        secondary, _ = secondary_shares(world.name, world.codes, world.base_year)
    # natives' degrees by age (Barro-Lee's age groups, mean 1 over adults; flat without data)
    age_profile = world.tertiary_age_profile
    if age_profile is None:
        age_profile = np.ones((R, N_AGES))
    age_profile = np.ascontiguousarray(age_profile, dtype=np.float64)
    if wealth_age is None:
        wealth_age = wealth_by_age(world, "flat", 0.0, wealth_to_income)
    migrants_secondary = world.migrant_secondary_share
    if migrants_secondary is None:
        migrants_secondary = migrant_secondary_matrix(secondary, None)

    g_origin, g_location, g_status, g_cdf, g_tertiary, g_secondary, g_wealth, g_count = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    g_aged: list[bool] = []
    # regular migrants: permanent, or temporary where permits are employer-tied
    regular_status = np.where(tied_corridors(world), TEMPORARY, PERMANENT)
    for o in range(R):
        intra_share = world.intra_migrants[o] / home[o]
        irregular = irregular_share[o] if irregular_share is not None else np.zeros(R)
        shares = np.concatenate(
            [
                [home[o] * (1 - intra_share), home[o] * intra_share],
                world.migrant_stock[o] * (1 - irregular),
                world.migrant_stock[o] * irregular,
            ]
        )
        counts = largest_remainder(int(agents[o]), shares)
        native_cdf = np.cumsum(natives[o].ravel()) / natives[o].sum()
        groups = [
            (o, 0, native_cdf, world.tertiary_share[o], counts[0]),
            (o, 4, None, world.tertiary_share[o] * 1.2, counts[1]),
        ]
        for d in range(R):
            if d != o:
                # irregular migrants are a third as likely to hold a degree [A]; regular ones
                # more, so that the corridor keeps its published tertiary share
                t = world.migrant_tertiary_share[o, d]
                regular_t = t / (1.0 - irregular[d] + irregular[d] / 3.0)
                groups.append((d, regular_status[o, d], None, regular_t, counts[2 + d]))
                groups.append((d, 3, None, regular_t / 3.0, counts[2 + R + d]))
        for loc, status, cdf, tertiary, count in groups:
            if count == 0:
                continue
            if cdf is None:
                fem = world.migrant_female_share[o, loc] if loc != o else 0.48
                pyr = np.concatenate(
                    [fem * world.migrant_age_share, (1 - fem) * world.migrant_age_share]
                )
                cdf = np.cumsum(pyr) / pyr.sum()
            g_origin.append(o)
            g_location.append(loc)
            g_status.append(status)
            g_cdf.append(cdf)
            g_tertiary.append(min(tertiary, 1.0))
            g_aged.append(loc == o)  # natives hold degrees by age, as their origin's adults
            # among adults without a degree: the origin's Barro-Lee share at home; abroad the
            # corridor's (the IAB data's into its 20 destinations, else the origin's selected
            # upwards by an assumed factor: engine/core/world_education.py)
            g_secondary.append(secondary[o] if loc == o else migrants_secondary[o, loc])
            g_wealth.append(wealth_to_income * world.gdp_per_capita[loc])
            g_count.append(count)
    global_start = np.concatenate([[0], np.cumsum(g_count)]).astype(np.int64)
    selected = np.arange(len(g_count))
    if origins is not None:
        keep = set(int(o) for o in origins)
        selected = np.array([g for g in selected if g_origin[g] in keep], dtype=np.int64)
    g_origin, g_location, g_status, g_cdf, g_tertiary, g_aged, g_secondary, g_wealth, g_count = (
        [group[g] for g in selected]
        for group in (
            g_origin,
            g_location,
            g_status,
            g_cdf,
            g_tertiary,
            g_aged,
            g_secondary,
            g_wealth,
            g_count,
        )
    )
    total = int(sum(g_count))
    pop = Population.empty(capacity_for(total, spare_capacity), weight)
    pop.n = total
    pop.next_id = int(global_start[-1])
    fill_ids(pop.person_id, global_start, selected.astype(np.int64))
    pop.alive[:total] = 1
    group_start = np.concatenate([[0], np.cumsum(g_count)]).astype(np.int64)
    synthesise(
        np.uint64(key),
        group_start,
        np.array(g_origin, np.int64),
        np.array(g_location, np.int64),
        np.array(g_status, np.int64),
        np.ascontiguousarray(np.array(g_cdf)),
        np.array(g_tertiary),
        np.array(g_aged, dtype=np.uint8),
        age_profile,
        np.array(g_secondary, dtype=np.float64),
        np.array(g_wealth),
        np.ascontiguousarray(wealth_age, dtype=np.float64),
        np.array([durations.factor[o, loc] for o, loc in zip(g_origin, g_location)]),
        durations.hazard,
        durations.arrival_weight,
        np.array([durations.family(o, st)[0] for o, st in zip(g_origin, g_status)]),
        np.array([durations.family(0, st)[1] for st in range(5)]),
        float(durations.family(0, 1)[2]),
        float(wealth_sigma),
        N_AGES,
        pop.people,
    )
    pop.productivity_sigma = float(productivity_sigma)
    fill_productivity(
        np.uint64(key), pop.person_id, 0, total, pop.productivity_sigma, pop.productivity
    )
    return pop


__all__ = [
    "AGE_BAND_OF_AGE",
    "BYTES_PER_PERSON",
    "COLUMNS",
    "MAX_AGE",
    "Population",
    "STATUSES",
    "capacity_for",
    "synthesise_population",
]
