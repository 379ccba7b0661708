"""Simulation: the yearly loop. Kernels are called in a fixed order; data flows one way.

    World(t) -> demography -> education -> migration -> income -> aggregation -> markets
             -> World(t+1), and rows for year t in the output tables.

The base-year state is recorded as `base_year` before any decision. Steps other than
demography plug in through `Step` objects (see `engine.steps`); a step that is not
configured simply does not run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numba
import numpy as np
import polars as pl
from migsim.core.world import AGE_BANDS, SEXES, SKILLS, World
from migsim.kernels import demography as demo
from migsim.people import passes
from migsim.people.population import STATUSES, Population
from migsim.people.shards import LocalPeople, Shard


class Step(Protocol):
    """A module of the yearly loop (education, migration, income, markets...)."""

    name: str

    def run(self, sim: Simulation, year: int) -> None: ...


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
    # per-year scratch shared between steps
    moves: np.ndarray | None = None  # (R, R, R, 2) agents by origin, source, destination, skill
    records: dict = field(default_factory=lambda: {"regions": [], "stocks": [], "flows": []})
    region_extra: dict = field(default_factory=dict)  # column -> (R,) values for this year
    stock_matrix: np.ndarray | None = None  # (R, R) people born in o living in d, last record
    wages: np.ndarray | None = None  # (R, 2, 2) set by a market step; None = base wages

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

    @property
    def sharded(self) -> bool:
        return self.population is None

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
        deaths, born = self.people.sum(
            passes.mortality_and_fertility, self.key, year, w.death_probability, w.fertility
        )
        id_start = self.next_id + demo.exclusive_scan(born)
        self.next_id += int(born.sum())
        self.people.map(passes.births_and_ageing, self.key, year, born, id_start, self.next_id)
        births = np.zeros((R, R), dtype=np.int64)
        births[np.arange(R), np.arange(R)] = born
        return deaths, births

    def step(self) -> None:
        """Advance one year and record it."""
        year = self.year + 1
        R = self.world.n_regions
        self.moves = np.zeros((R, R, R, 2), dtype=np.int64)
        self.region_extra = {}
        deaths, births = self._timed("demography", self.demography, year)
        for step in self.steps:
            self._timed(step.name, step.run, self, year)
        self.year = year
        self._timed("aggregate", self.record, year, deaths, births, self.moves)

    # ------------------------------------------------------------------ records
    def cell_people(self) -> np.ndarray:
        """Real people per cell, shape (R, R, 2, 2, B, S) [origin, location, skill, sex, band,
        status]."""
        R = self.world.n_regions
        counts = self.people.sum(passes.cell_counts, R)
        counts = counts.reshape(R, R, 2, 2, len(AGE_BANDS), len(STATUSES))
        return counts * self.weight[:, None, None, None, None, None]

    def record(self, year: int, deaths=None, births=None, moves=None) -> None:
        w = self.world
        R = w.n_regions
        people = self.cell_people()
        self.cells = people  # (origin, location, skill, sex, band, status), real people
        by_pair = people.sum(axis=(2, 3, 4))  # (origin, location, status)
        residents = by_pair.sum(axis=(0, 2))
        diag = np.arange(R)
        intra = by_pair[diag, diag, 4]
        natives = by_pair[diag, diag, :].sum(axis=1) - intra
        abroad = by_pair.sum(axis=2)
        np.fill_diagonal(abroad, 0.0)
        self.stock_matrix = abroad  # people born in o living in d != o
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
            moved = moves.sum(axis=3) * weight[:, None, None]  # origin, source, destination
            regions["arrivals"] = moved.sum(axis=(0, 1))
            regions["departures"] = moved.sum(axis=(0, 2))
        else:
            for col in ("births", "deaths", "arrivals", "departures"):
                regions[col] = zero
        adults = people[:, :, :, :, 3:, :].sum(axis=(0, 3, 4, 5))  # location, skill
        regions["tertiary_share_25plus"] = adults[:, 1] / np.maximum(adults.sum(axis=1), 1.0)
        for col, values in self.region_extra.items():
            regions[col] = values
        self.records["regions"].append(pl.DataFrame(regions))

        # label columns are gathered from small String series (no per-row Python strings)
        o, loc, s, g, b, st = np.nonzero(people)
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
                    "people": people[o, loc, s, g, b, st],
                }
            )
        )
        if moves is not None:
            o, src, dst, s = np.nonzero(moves)
            self.records["flows"].append(
                pl.DataFrame(
                    {
                        "year": np.full(o.size, year, dtype=np.int64),
                        "origin": codes.gather(o),
                        "source": codes.gather(src),
                        "destination": codes.gather(dst),
                        "skill": _labels(SKILLS).gather(s),
                        "people": moves[o, src, dst, s] * weight[o],
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


def set_threads(threads: int) -> int:
    """Use `threads` numba threads (0 = all available); returns the count in use."""
    available = numba.config.NUMBA_NUM_THREADS
    n = available if threads in (0, None) else min(int(threads), available)
    numba.set_num_threads(n)
    return n
