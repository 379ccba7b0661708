"""Simulation: the yearly loop. Data flows one way through the year:

    World(t) -> demography -> the configured steps (by default education, migration,
             economy) -> aggregation -> World(t+1), and rows for year t in the output tables.

The base-year state is recorded as `base_year` before any decision. Steps other than
demography are `Step` objects (`migsim.steps.registry`) listed by the `steps` setting; they
hand each other the typed year state `sim.state` (`migsim.runtime.state.YearState`) and add
the `regions` columns they declare.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from migsim.core.errors import InputError, own_code, plugin_code
from migsim.core.labels import AGE_BANDS, SEXES, SKILLS, STATUSES
from migsim.core.threads import set_threads  # noqa: F401  (re-exported)
from migsim.core.world import MAX_AGE, World
from migsim.kernels import cellsums
from migsim.kernels import demography as demo
from migsim.kernels.bundles import ID_LIMIT
from migsim.people import passes
from migsim.people.population import Population
from migsim.people.shards import LocalPeople, Shard
from migsim.runtime.columns import CORE_COLUMNS
from migsim.runtime.state import LazyCells, YearState
from migsim.steps.registry import Column, Step  # noqa: F401  (Step re-exported)

ESTATE_AGE = 18  # the youngest heirs of the year's estates [A]
# the ages of the heirs of each bequest rule (docs/model.md 5.10) [A]
HEIRS = {"coming_of_age": (ESTATE_AGE, ESTATE_AGE), "adults": (ESTATE_AGE, MAX_AGE)}


def estate_shares(left: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Dollars per share of the estates `left` (R,) by location: (2, R), the heirs' where an
    heir lives (`shares[0]` > 0), else every adult's there (the estate is lost only where no
    adult lives)."""
    heirs = shares[0] > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(heirs, left / shares[0], 0.0)
        second = np.where(~heirs & (shares[1] > 0.0), left / shares[1], 0.0)
    return np.stack([first, second])


@dataclass
class Simulation:
    """The yearly loop. `population` is the run's people (a `Population`, run in this process
    as one shard) or a shard backend from `migsim.people.shards` (`LocalPeople`, `RayPeople`)."""

    world: World
    population: Any
    key: np.uint64
    base_year: int
    steps: list = field(default_factory=list)
    year: int = 0
    timings: dict = field(default_factory=dict)
    records: dict = field(default_factory=lambda: {"regions": [], "stocks": [], "flows": []})
    state: YearState = field(default_factory=YearState)  # what the year's steps share
    # a scenario's paths and the regime's timeline (migsim.scenarios.exogenous); None: the
    # base year's world and one policy for the whole run
    exogenous: Any = None
    # the survivors age in the mortality pass (one pass over people fewer), and when the
    # first step offers `graduation_levers` (education), those turning 22 graduate there too
    # (one more); False: ageing and graduation in passes of their own, as the steps are
    # written (the same bytes, tests/test_fused_passes.py)
    fused_ageing: bool = True
    # (year, graduate counts by origin) of the graduation done in this year's demography pass
    graduated: Any = None
    # the economy's income pass also counts people by cell, and the record takes those counts
    # when no step ran after it this year (one pass over people fewer); False: the record
    # counts in a pass of its own (the same bytes, tests/test_fused_passes.py)
    fused_counts: bool = True
    # (year, pairs, agents by cell, flat int64) counted by a pass of this year's last step
    # (pairs: None, every cell; or the (origin, location) pairs counted, each a block of
    # cells, `pairs_to_count`); a step that starts clears it, since it may change people
    counted: Any = None
    # the (origin, location) pairs, origin * R + location, peopled at the last record
    cell_pairs: Any = None
    # the step before the economy (migration) takes the labour supply in its last pass over
    # people (one pass fewer): `supply_levers` is what the next step's supply pass needs
    # (None: no step after offers it), the step leaves (year, its results) in `supply_taken`,
    # and the next step, and only it, finds them in `supplied`; False: a pass of its own
    fused_supply: bool = True
    supply_levers: Any = None
    supply_taken: Any = None
    supplied: Any = None
    # the world data, calibration and migsim version the run started from, as a checkpoint's
    # header records them (migsim.runtime.checkpoint_origin); None: not recorded
    origin: dict | None = None
    # estates (docs/model.md 5.10): None, the dead's wealth is lost; or the (youngest,
    # oldest) ages of the heirs the year's dead leave their wealth to where they died, each
    # a share lognormal with dispersion `estate_sigma` (HEIRS)
    estate_heirs: tuple | None = None
    estate_sigma: float = 1.0

    def __post_init__(self):
        self.year = self.base_year
        if isinstance(self.population, Population):
            self.people = LocalPeople([Shard(self.population)])
        else:
            self.people, self.population = self.population, None
        info = self.people.map(passes.identity)
        self.weight = info[0][0]  # (R,) real people per agent, by origin
        self.next_id = info[0][1]  # the next person id, the same in every shard
        self.productivity_sigma = info[0][2]

    def estate_ages(self) -> np.ndarray:
        """(youngest, oldest) age of the heirs, then of the adults who inherit where none of
        the heirs lives: int64 (2, 2)."""
        return np.array([self.estate_heirs, (ESTATE_AGE, MAX_AGE)], dtype=np.int64)

    @property
    def sharded(self) -> bool:
        return self.population is None

    # the year state's fields, readable and settable on the simulation as before
    moves = property(lambda self: self.state.moves, lambda self, v: setattr(self.state, "moves", v))
    region_extra = property(
        lambda self: self.state.region_columns,
        lambda self, v: setattr(self.state, "region_columns", v),
    )
    cells = property(lambda self: self.state.cells, lambda self, v: setattr(self.state, "cells", v))
    stock_matrix = property(
        lambda self: self.state.stock_matrix,
        lambda self, v: setattr(self.state, "stock_matrix", v),
    )
    wages = property(lambda self: self.state.wages, lambda self, v: setattr(self.state, "wages", v))

    def columns(self) -> dict[str, Column]:
        """Every column of `regions` this run records: the loop's, then each step's."""
        out = dict(CORE_COLUMNS)
        for step in self.steps:
            out.update(getattr(step, "columns", {}) or {})
        return out

    def tables(self) -> dict[str, pl.DataFrame]:
        """The tables recorded so far (base year included), as polars frames."""
        records = dict(self.records)
        for step in self.steps:
            records.update(getattr(step, "records", {}))
        columns = self.columns()
        return {name: _table(name, frames, columns) for name, frames in records.items()}

    # ------------------------------------------------------------------ timing
    def _timed(self, name, fn, *args):
        t0 = time.perf_counter()
        out = fn(*args)
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
        return out

    # ------------------------------------------------------------------ the year
    def demography(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Deaths and births this year in agents, by (origin, location).

        Two passes over people with one exchange between them: every shard draws deaths and
        counts its women's children by region of birth; the driver numbers the year's
        children region by region from those counts; each shard then writes the children born
        in its own regions and ages its people."""
        w = self.world
        R = w.n_regions
        vital = self.exogenous.vital if self.exogenous is not None else None
        death_probability, fertility = vital or (w.death_probability, w.fertility)
        aged = self.fused_ageing
        first = self.steps[0] if self.steps else None
        levers = None
        if aged and hasattr(first, "graduation_levers"):
            levers = first.graduation_levers(self, year)  # None: it graduates in its own pass
        out = self.people.sum(
            passes.mortality_and_fertility,
            self.key,
            year,
            death_probability,
            fertility,
            aged,
            levers,
        )
        deaths, born = out[0], out[1]
        per_share = None
        if self.estate_heirs is not None:  # before births, which may drop the dead's rows
            heirs = self.estate_ages()
            # heirs are counted before the survivors age unless the mortality pass aged them
            # (ageing removes those at MAX_AGE, so every age counted is one year younger)
            now = heirs if aged else heirs - 1
            sigma = self.estate_sigma
            left, shares = self.people.sum(passes.estates, self.key, year, now, sigma)
            if ((left > 0.0) & (shares[0] == 0.0)).any():  # a place with estates, no heir
                shares[1] = self.people.sum(passes.adults, now)
            per_share = estate_shares(left, shares)
        self.graduated = (year, out[2]) if levers is not None else None
        if self.next_id + int(born.sum()) > ID_LIMIT:
            raise InputError(
                "population.size",
                f"the people born by {year} would need person ids beyond 2^32 (uint32 ids)",
                "a population whose base year plus births stays under 4,294,967,296 people",
            )
        id_start = self.next_id + demo.exclusive_scan(born)
        self.next_id += int(born.sum())
        self.people.map(
            passes.births_and_ageing, self.key, year, born, id_start, self.next_id, aged
        )
        if per_share is not None:
            heirs = self.estate_ages()
            self.people.map(passes.inherit, self.key, year, heirs, self.estate_sigma, per_share)
        births = np.zeros((R, R), dtype=np.int64)
        births[np.arange(R), np.arange(R)] = born
        return deaths, births

    def step(self) -> None:
        """Advance one year and record it."""
        year = self.year + 1
        self.state.begin_year(self.world.n_regions)
        if self.exogenous is not None:
            self.exogenous.begin_year(self, year)
        deaths, births = self._timed("demography", self.demography, year)
        taken = None
        for i, step in enumerate(self.steps):
            self.counted = None  # counts taken before this step may be stale after it
            self.supplied, self.supply_taken = taken, None  # only the step before's results
            after = self.steps[i + 1] if i + 1 < len(self.steps) else None
            offers = self.fused_supply and hasattr(after, "supply_levers")
            self.supply_levers = after.supply_levers(self, year) if offers else None
            before = set(self.state.region_columns)
            fields = {k: id(v) for k, v in vars(self.state).items()}
            # a plug-in's step: what its code raises names it (exit 2), not migsim
            with plugin_code(step.run, f"step '{step.name}' in {year}"):
                self._timed(step.name, step.run, self, year)
            _check_writes(step, fields, self.state)
            added = set(self.state.region_columns) - before
            _check_columns(step, added)
            if not own_code(step.run):
                _check_values(step, added, self.state.region_columns, self.world.n_regions)
            taken = self.supply_taken
        self.supplied = self.supply_taken = self.supply_levers = None
        self.year = year
        self._timed("aggregate", self.record, year, deaths, births, self.state.moves)

    # ------------------------------------------------------------------ records
    def cell_people(self, counts: np.ndarray | None = None) -> np.ndarray:
        """Real people per cell, shape (R, R, 2, 2, B, S) [origin, location, skill, sex, band,
        status]. counts: the agents by cell (flat int64) when a pass already counted them."""
        R = self.world.n_regions
        if counts is None:
            counts = self.people.sum(passes.cell_counts, R)
        people = cellsums.weighted_cells(counts.reshape(-1), self.weight)
        return people.reshape(R, R, 2, 2, len(AGE_BANDS), len(STATUSES))

    def pairs_to_count(self) -> np.ndarray:
        """The (origin, location) pairs, origin * R + location ascending, where people can
        live at this year's record: the last record's peopled pairs, everyone's home, and
        the pairs this year's moves went to. A pass counting these pairs' cells only counts
        everyone unless something moved people without recording the move (it then says so:
        `passes.incomes`' "cell_misses")."""
        R = self.world.n_regions
        known = self.cell_pairs if self.cell_pairs is not None else np.zeros(0, np.int64)
        found = [known, np.arange(R, dtype=np.int64) * (R + 1)]
        if self.state.moves is not None and self.state.moves.keys.size:
            o, _, d, _ = self.state.moves.indices()
            found.append(o * R + d)
        return np.unique(np.concatenate(found))

    def _blocks(self, counted, year: int) -> tuple[cellsums.CellBlocks, np.ndarray | None]:
        """The record's cells from this year's counts (a pass's, or a count of its own) as
        the blocks of the peopled pairs, and as dense cells when they were counted so (else
        None)."""
        R = self.world.n_regions
        shape = (R, R, 2, 2, len(AGE_BANDS), len(STATUSES))
        per_pair = int(np.prod(shape[2:]))
        if counted and counted[0] == year and counted[1] is not None:
            pairs, counts = counted[1], counted[2]
            block = cellsums.weighted_cells(counts, self.weight[pairs // R])
            block = block.reshape(-1, per_pair)
            peopled = block.any(axis=1)
            people = None
            pairs, block = pairs[peopled], block[peopled]
        else:
            people = self.cell_people(counted[2] if counted and counted[0] == year else None)
            pairs = np.flatnonzero(people.reshape(R * R, per_pair).any(axis=1))
            block = people.reshape(R * R, per_pair)[pairs]
        return cellsums.CellBlocks(shape, pairs, block.reshape(-1, *shape[2:])), people

    def record(self, year: int, deaths=None, births=None, moves=None) -> None:
        w = self.world
        R = w.n_regions
        counted, self.counted = self.counted, None
        blocks, people = self._blocks(counted, year)
        self.cell_pairs = blocks.pairs
        many = R > cellsums.DENSE_CELLS_MAX_REGIONS
        n_bands = len(AGE_BANDS)
        # (origin, location, skill, sex, band, status), real people; in a world of many
        # regions the blocks, made dense when read (`migsim.runtime.state.LazyCells`)
        if many:
            self.state.cells = LazyCells(blocks, people)
        else:
            self.state.cells = people = people if people is not None else blocks.dense()
        if many:  # the peopled pairs' cells (docs/performance.md, "Worlds of many regions")
            by_pair = blocks.band_sums(0, n_bands).sum(axis=2)
        else:
            by_pair = people.sum(axis=(2, 3, 4))  # (origin, location, status)
        residents = by_pair.sum(axis=(0, 2))
        diag = np.arange(R)
        intra = by_pair[diag, diag, 4]
        natives = by_pair[diag, diag, :].sum(axis=1) - intra
        abroad = by_pair.sum(axis=2)
        np.fill_diagonal(abroad, 0.0)
        self.state.stock_matrix = abroad  # people born in o living in d != o
        regions = {
            "year": np.full(R, year, dtype=np.int64),
            "region": w.codes,
            "developed": w.developed,
            "population": residents,
            "natives": natives,
            "immigrants": residents - natives,
            "emigrants": abroad.sum(axis=1) + intra,
        }
        weight = self.weight
        zero = np.zeros(R)
        if deaths is not None:
            regions["births"] = (births * weight[:, None]).sum(axis=0)
            regions["deaths"] = (deaths * weight[:, None]).sum(axis=0)
            regions["arrivals"], regions["departures"] = _arrivals_departures(moves, weight)
        else:
            for col in ("births", "deaths", "arrivals", "departures"):
                regions[col] = zero
        if many:
            adults = blocks.band_sums(3, n_bands).sum(axis=(0, 3))
        else:
            adults = people[:, :, :, :, 3:, :].sum(axis=(0, 3, 4, 5))  # location, skill
        regions["tertiary_share"] = adults[:, 1] / np.maximum(adults.sum(axis=1), 1.0)
        exo = self.exogenous
        if exo is not None and exo.scenario is not None and exo.scenario.has("population"):
            regions["scenario_population"] = exo.scenario.value("population", year)
        for col, values in self.state.region_columns.items():
            regions[col] = values
        self.records["regions"].append(pl.DataFrame(regions))

        # label columns are gathered from small String series (no per-row Python strings)
        # np.nonzero's cells in its order: the blocks' (pairs ascending, cells in order)
        per_pair = int(np.prod(blocks.shape[2:]))
        flat_blocks = blocks.people.reshape(-1)
        inside = cellsums.nonzero_cells(flat_blocks, max(blocks.pairs.size, 1))
        where = blocks.pairs[inside // per_pair] * per_pair + inside % per_pair
        o, loc, s, g, b, st = np.unravel_index(where, blocks.shape)
        codes = _labels(w.codes)
        self.records["stocks"].append(
            pl.DataFrame(
                {
                    "year": np.full(o.size, year, dtype=np.int64),
                    "origin": codes.gather(o),
                    "location": codes.gather(loc),
                    "skill": _labels(SKILLS).gather(s),
                    "sex": _labels(SEXES).gather(g),
                    "age_band": _labels(AGE_BANDS).gather(b),
                    "status": _labels(STATUSES).gather(st),
                    "people": flat_blocks[inside],
                }
            )
        )
        if moves is not None:
            o, src, dst, s = moves.indices()
            self.records["flows"].append(
                pl.DataFrame(
                    {
                        "year": np.full(o.size, year, dtype=np.int64),
                        "origin": codes.gather(o),
                        "source": codes.gather(src),
                        "destination": codes.gather(dst),
                        "skill": _labels(SKILLS).gather(s),
                        "people": moves.counts * weight[o],
                    },
                    schema=FLOWS_SCHEMA,
                )
            )

    def residents(self) -> np.ndarray:
        """Residents per region (R,) from the last record's cells."""
        return self.cells.sum(axis=(0, 2, 3, 4, 5))

    def world_summary(self) -> dict:
        frame = self.records["regions"][-1]
        population = float(frame["population"].sum())
        migrants = float(frame["immigrants"].sum())
        return {
            "year": self.year,
            "population": population,
            "migrants": migrants,
            "migrant_share": migrants / population,
        }


def _check_writes(step: Any, before: dict[str, int], state: YearState) -> None:
    """A step replaces only the year-state fields it declares in `writes`."""
    writes = set(getattr(step, "writes", ()) or ())
    for name, value in vars(state).items():
        if before.get(name) != id(value) and name not in writes:
            raise InputError(
                f"step '{step.name}'",
                f"set the year-state field '{name}', which its `writes` does not declare",
                ", ".join(sorted(writes)) or "none (it declares no writes)",
            )


def _check_columns(step: Any, added: set) -> None:
    """A step adds only the columns it declares (so the declarations are the schema)."""
    declared = getattr(step, "columns", {}) or {}
    for name in sorted(added):
        if name not in declared:
            raise InputError(
                f"step '{step.name}'",
                f"wrote the undeclared column '{name}'",
                ", ".join(declared) or "no columns (it declares none)",
            )


def _check_values(step: Any, added: set, columns: dict, R: int) -> None:
    """A plug-in step's columns hold one finite number per region."""
    for name in sorted(added):
        arr = np.asarray(columns[name])
        numbers = arr.shape == (R,) and arr.dtype.kind in "biuf"
        if not (numbers and np.isfinite(arr).all()):
            got = "a value that is not finite" if numbers else f"{arr.dtype} of shape {arr.shape}"
            raise InputError(
                f"step '{step.name}'", f"wrote column '{name}' as {got}", f"{R} finite numbers"
            )


def _table(name: str, frames: list, columns: dict[str, Column]) -> pl.DataFrame:
    """One table from its yearly frames: a column missing in some years is 0 there; columns
    declared with `derive` are computed from the finished table."""
    if not frames:
        return pl.DataFrame(schema=FLOWS_SCHEMA)
    frame = pl.concat(frames, how="diagonal_relaxed")
    frame = frame.with_columns(pl.col(pl.Float64).fill_null(0.0))
    if name == "regions":
        derived = {
            col: c.derive
            for col, c in columns.items()
            if c.derive is not None and col not in frame.columns
        }
        if derived:
            frame = frame.with_columns(**derived)
    return frame


def _labels(values) -> pl.Series:
    """Labels as a polars String series, to gather output label columns from."""
    return pl.Series(list(values), dtype=pl.String)


FLOWS_SCHEMA = {
    "year": pl.Int64,
    "origin": pl.String,
    "source": pl.String,
    "destination": pl.String,
    "skill": pl.String,
    "people": pl.Float64,
}


# Worlds up to this many regions sum arrivals and departures over the dense (R, R, R) array
# of moves (4 MB at 64 regions), as migsim always has, so their outputs keep their bytes;
# larger worlds sum the non-empty cells only (equal up to rounding in the last bit).
DENSE_MOVES_MAX_REGIONS = 64


def _arrivals_departures(moves, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """People who moved into and out of each region this year (R,) each, from `MoveCounts`
    and the agent weight by origin."""
    R = moves.n_regions
    if R <= DENSE_MOVES_MAX_REGIONS:
        moved = moves.dense().sum(axis=3) * weight[:, None, None]  # origin, source, destination
        return moved.sum(axis=(0, 1)), moved.sum(axis=(0, 2))
    _, src, dst, moved = moves.weighted_moves(weight)
    return np.bincount(dst, weights=moved, minlength=R), np.bincount(
        src, weights=moved, minlength=R
    )
