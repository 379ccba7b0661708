"""The fused fast paths of the yearly loop give the bytes of the modular passes they replace:
ageing and graduation in the mortality pass (`Simulation.fused_ageing`) against
`births_and_ageing` ageing the survivors after the births and the education step's own
`graduate` pass, and the record's cell counts taken in the economy's income pass
(`Simulation.fused_counts`) against the record's own `cell_counts` pass, with and without
compaction, on 1 and 2 threads and in 2 shards; and the labour supply taken in the
migration's decision pass (`Simulation.fused_supply`) against the economy's own pass."""

from __future__ import annotations

import numba
import polars as pl
import pytest

import migsim
from migsim.people import passes
from migsim.people.exchange import count_exchange
from migsim.runtime.assemble import start_simulation
from migsim.steps.registry import Step, step

THREADS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def _run(world: str, size: int, years: int, threads: int, spare: float, fused: bool, **opts):
    """A run of `years` years; fused sets `fused_ageing`, opts other attributes of the
    simulation (fused_counts); "overrides" adds config overrides."""
    cfg = migsim.compose(
        [
            f"world={world}",
            "progress=false",
            f"population.size={size}",
            f"population.spare_capacity={spare}",
            "seed=3",
            *opts.pop("overrides", []),
        ]
    )
    numba.set_num_threads(threads)
    try:
        sim = start_simulation(cfg)
        sim.fused_ageing = fused
        for name, value in opts.items():
            setattr(sim, name, value)
        for _ in range(years):
            sim.step()
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return sim


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize(("world", "spare"), [("toy", 0.0), ("default", 0.15)])
def test_fused_ageing_gives_the_modular_bytes(world, spare, threads):
    fused = _run(world, 40_000, 4, threads, spare, True)
    modular = _run(world, 40_000, 4, threads, spare, False)
    a, b = fused.tables(), modular.tables()
    for name in ("regions", "stocks", "flows"):
        assert a[name].height > 0 and a[name].equals(b[name]), name
    # every living person's columns, row by row (a compaction may have dropped more dead rows)
    assert fused.population.table().equals(modular.population.table())
    assert fused.population.alive[: fused.population.n].sum() > 0
    assert modular.graduated is None
    if world == "default":  # education is on: the last year's graduates came from the pass
        year, counts = fused.graduated
        assert year == fused.year and counts[:, 1].sum() > 0
        graduates = a["regions"].filter(a["regions"]["year"] == year)["graduates"]
        assert (graduates.to_numpy() == counts[:, 1] * fused.weight).all()


def _same_run(a, b) -> None:
    ta, tb = a.tables(), b.tables()
    for name in ("regions", "stocks", "flows", "fiscal", "welfare", "earnings"):
        assert ta[name].height > 0 and ta[name].equals(tb[name]), name
    for pa, pb in zip(_populations(a), _populations(b), strict=True):
        assert pa.table().equals(pb.table())


def _populations(sim) -> list:
    return [shard.population for shard in sim.people.shards]


MODULAR = {"fused_counts": False, "fused_supply": False}


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize(("world", "spare"), [("toy", 0.0), ("default", 0.15)])
def test_supply_and_counts_in_the_migration_and_income_passes(world, spare, threads):
    fused = _run(world, 40_000, 4, threads, spare, True)
    counter = count_exchange(fused)
    fused.step()
    # the labour supply came from the decision pass, the record's counts from the income pass
    calls = counter.calls
    assert "labour_supply" not in calls and "decide" not in calls and "cell_counts" not in calls
    assert calls["decide_and_supply"] == 1 and calls["incomes"] == 1
    modular = _run(world, 40_000, 5, threads, spare, True, **MODULAR)
    _same_run(fused, modular)


@pytest.mark.parametrize("threads", THREADS)
def test_the_fused_passes_with_shards(threads):
    shards = ["shards.count=2"]
    fused = _run("default", 40_000, 3, threads, 0.15, True, overrides=shards)
    modular = _run("default", 40_000, 3, threads, 0.15, False, **MODULAR)
    assert len(fused.people.shards) == 2
    ta, tb = fused.tables(), modular.tables()
    # people are counted (integers): the same bytes; money sums add shards in another order
    assert ta["stocks"].height > 0 and ta["stocks"].equals(tb["stocks"])
    people = ["year", "population", "natives", "immigrants", "emigrants", "tertiary_share"]
    assert ta["regions"].select(people).equals(tb["regions"].select(people))


@step("regularise_after_economy")
class _RegulariseAfterEconomy(Step):
    """A step after the economy that changes people: every irregular migrant is regularised."""

    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        sim.people.map(passes.regularise)


def test_a_step_after_the_economy_makes_the_record_count_again():
    steps = "steps=[education,migration,economy,regularise_after_economy]"
    sim = _run("default", 40_000, 2, THREADS[-1], 0.15, True, overrides=[steps])
    assert sim.counted is None  # the record did not keep the income pass's counts
    stocks = sim.tables()["stocks"].filter(pl.col("year") == sim.year)
    assert stocks.height > 0 and stocks.filter(pl.col("status") == "irregular").height == 0
    before = sim.tables()["stocks"].filter(pl.col("year") == sim.base_year)
    assert before.filter(pl.col("status") == "irregular").height > 0


def test_a_step_between_migration_and_the_economy_makes_the_economy_supply_again():
    steps = "steps=[education,migration,regularise_after_economy,economy]"
    fused = _run("default", 40_000, 2, THREADS[-1], 0.15, True, overrides=[steps])
    counter = count_exchange(fused)
    fused.step()
    assert counter.calls["labour_supply"] == 1 and "decide_and_supply" not in counter.calls
    modular = _run("default", 40_000, 3, THREADS[-1], 0.15, True, overrides=[steps], **MODULAR)
    _same_run(fused, modular)
