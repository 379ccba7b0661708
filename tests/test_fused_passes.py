"""The fused fast paths of the yearly loop give the bytes of the modular passes they replace:
ageing and graduation in the mortality pass (`Simulation.fused_ageing`) against
`births_and_ageing` ageing the survivors after the births and the education step's own
`graduate` pass, with and without compaction, on 1 and 2 threads."""

from __future__ import annotations

import numba
import pytest

import migsim
from migsim.runtime.assemble import start_simulation

THREADS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def _run(world: str, size: int, years: int, threads: int, spare: float, fused: bool):
    cfg = migsim.compose(
        [
            f"world={world}",
            "progress=false",
            f"population.size={size}",
            f"population.spare_capacity={spare}",
            "seed=3",
        ]
    )
    numba.set_num_threads(threads)
    try:
        sim = start_simulation(cfg)
        sim.fused_ageing = fused
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
