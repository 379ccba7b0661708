"""One run split into shards by origin (engine/people/shards.py) against the single-process run.

Shards exchange only cell aggregates, so a sharded run must give exactly the same counts
(people by cell, flows, births, deaths) and the same money totals up to float rounding
(each shard adds its own people's money, and the shards' sums are then added).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from migsim.core.world import load_world
from migsim.kernels.rng import run_key
from migsim.people import shards
from migsim.people.population import agents_per_origin, synthesise_population
from migsim.runtime.simulation import Simulation

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLES = ("regions", "stocks", "flows", "fiscal", "remittances", "welfare", "earnings")


def assert_same_run(single: Path, sharded: Path) -> None:
    """Every table the same bytes: counts are agent counts x origin weights, and every float
    sum (money, efficiency units, weighted head counts) adds addends on a grid
    (`migsim.kernels.grid`), so the shards' order of addition changes no bit."""
    for name in TABLES:
        a = (single / f"{name}.parquet").read_bytes()
        b = (sharded / f"{name}.parquet").read_bytes()
        if a != b:  # name the first column that differs
            x = pl.read_parquet(single / f"{name}.parquet")
            y = pl.read_parquet(sharded / f"{name}.parquet")
            differ = [c for c in x.columns if c not in y.columns or not x[c].equals(y[c])]
            raise AssertionError(f"{name}.parquet differs in {differ[:5]}")


REGIMES = [
    ("status_quo",),
    # quotas with a shadow price (applicant counts summed over shards, iterated), Mode-4
    # temporary visas and a regularisation (a per-person status change in every shard)
    (
        "regime=managed_liberalisation",
        "regime.components.0.rationing=shadow_price",
        "regime.add=[regularisation,bhagwati_tax]",
    ),
    # pent-up demand moved at once (its own kernel pass in every shard)
    ("regime=free_mobility_dms",),
]


@pytest.mark.parametrize(
    "overrides", REGIMES, ids=["status_quo", "quotas_regularisation", "catch_up"]
)
def test_sharded_toy_run_equals_single_process(run_toy, tmp_path, overrides):
    overrides = tuple(o for o in overrides if o != "status_quo")
    one = run_toy(tmp_path / "one", *overrides, "snapshot=true")
    three = run_toy(tmp_path / "three", *overrides, "snapshot=true", "shards.count=3")
    assert three.result.manifest["shards"] == {"count": 3, "backend": "local"}
    assert one.result.manifest["shards"] == {"count": 1, "backend": "local"}
    assert one.flows["people"].sum() > 0
    if len(overrides) > 1:  # the shadow price binds and the levy is paid: those paths ran
        assert one.regions["quota_shadow_price_low"].max() > 0.1
        assert one.regions["levy_revenue"].sum() > 1e9
    if overrides == ("regime=free_mobility_dms",):  # the pent-up moves happened
        assert one.regions["pent_up_moves"].sum() > 20e6
    assert_same_run(one.run_dir, three.run_dir)
    # the same people at the end, row for row (the shards' people merged in id order)
    a = pq.read_table(one.run_dir / "people.parquet")
    b = pq.read_table(three.run_dir / "people.parquet")
    assert a.num_rows > 15_000 and a.equals(b)
    assert 0 < sum(a.column("family").to_pylist()) < a.num_rows  # the family flags too
    assert one.result.manifest["agents_at_end"] == three.result.manifest["agents_at_end"]


@pytest.mark.parametrize("profile", ["flat", "steady_state"])
def test_sharded_default_world_equals_single_process(run_toy, tmp_path, profile):
    """12 regions in 5 shards of unequal size (origins balanced by agents); the base-year
    wealth by age of either profile (docs/model.md §5.10)."""
    common = (
        "world=default",
        "population.size=60000",
        "years=3",
        f"population.wealth_profile={profile}",
    )
    one = run_toy(tmp_path / "one", *common)
    five = run_toy(tmp_path / "five", *common, "shards.count=5")
    assert_same_run(one.run_dir, five.run_dir)


@pytest.mark.parametrize("count", [2, 1, 3])
def test_resumed_sharded_run_is_byte_identical(run_toy, compose_cfg, tmp_path, count):
    """Local shards are saved in checkpoints and continue exactly, in the shards the resumed
    run's `shards.count` asks for (the saved people split again when it differs)."""
    from migsim.runtime import checkpoint

    full = run_toy(tmp_path / "full", "shards.count=2", "checkpoint_every=2")
    saved = full.run_dir / "checkpoint-2015.npz"
    cfg = compose_cfg(*full.overrides[:-2], f"shards.count={count}", f"resume={saved}")
    sim = checkpoint.load(saved, cfg)
    assert len(sim.people.shards) == count and sim.sharded == (count > 1)
    assert sorted(np.concatenate([s.origins for s in sim.people.shards])) == [0, 1, 2]
    part = tmp_path / "resumed"
    run_toy(part, f"shards.count={count}", f"resume={saved}")
    for name in TABLES:
        assert (full.run_dir / f"{name}.parquet").read_bytes() == (
            part / f"{name}.parquet"
        ).read_bytes(), name


def test_children_are_numbered_region_by_region():
    """The year's first id goes to region 0's first child, then on through the regions; a
    child is a native of its region of birth."""
    world = load_world("toy")
    key = run_key(3)
    pop = synthesise_population(world, 20_000, key)
    first = pop.next_id
    sim = Simulation(world, pop, key, 2013)
    deaths, births = sim.demography(2014)
    born = np.diag(births)
    assert born.sum() > 200 and (born > 0).all()
    new = pop.person_id[: pop.n] >= first
    ids, origin = pop.person_id[: pop.n][new], pop.origin[: pop.n][new]
    assert np.array_equal(ids, np.arange(first, first + born.sum()))
    assert np.array_equal(origin, np.repeat(np.arange(world.n_regions), born))
    assert (pop.location[: pop.n][new] == origin).all() and (pop.age[: pop.n][new] == 0).all()
    assert sim.next_id == pop.next_id == first + born.sum()


def test_assign_origins_balances_agents_and_covers_each_origin_once():
    world = load_world("default")
    _, agents = agents_per_origin(world, 1_000_000, 0.7)
    sets = shards.assign_origins(agents, 4)
    assert len(sets) == 4
    assert sorted(np.concatenate(sets).tolist()) == list(range(world.n_regions))
    loads = [agents[s].sum() for s in sets]
    # greedy largest-first: no shard exceeds the mean by more than the largest origin
    assert max(loads) - agents.sum() / 4 <= agents.max()
    assert max(loads) / min(loads) < 1.6, loads
    # more shards than origins: one origin each, no empty shard
    assert len(shards.assign_origins(agents, 20)) == world.n_regions


def test_split_and_merge_give_back_the_population():
    world = load_world("default")
    key = run_key(5)
    pop = synthesise_population(world, 30_000, key)
    sets = shards.assign_origins(agents_per_origin(world, 30_000, 0.7)[1], 3)
    parts = shards.split(pop, sets)
    assert sum(p.n for p in parts) == pop.n
    for part, origins in zip(parts, sets):
        assert np.isin(part.origin[: part.n], origins).all()
        assert (np.diff(part.person_id[: part.n]) > 0).all()  # ids stay sorted
        # synthesising only these origins gives the same people
        alone = synthesise_population(world, 30_000, key, origins=origins)
        assert alone.next_id == pop.next_id
        for name, arr in part.view().items():
            np.testing.assert_array_equal(arr, alone.view()[name], err_msg=name)
    whole = shards.merge(parts)
    for name, arr in pop.view().items():
        np.testing.assert_array_equal(whole.view()[name], arr, err_msg=name)


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "migsim.runtime.app",
        "world=toy",
        "population.size=2000",
        "years=1",
        "progress=false",
        *args,
        f"hydra.run.dir={tmp_path / 'run'}",
    ]
    return subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


BAD = [
    (("shards.backend=dask",), ("shards.backend", "local, ray")),
    (("shards.count=0",), ("shards.count", "1 to 4096")),
    (("shards.count=100",), ("shards.count=100", "the 3 regions of world 'toy'", "1 to 3")),
    (("shards.backend=ray", "checkpoint_every=1"), ("checkpoint_every", "shards.backend=ray")),
]


@pytest.mark.parametrize(
    "args, needles", BAD, ids=["backend", "count", "beyond_regions", "ray_checkpoint"]
)
def test_bad_shard_settings_exit_2_with_one_line(tmp_path, args, needles):
    proc = _cli(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not (tmp_path / "run" / "manifest.json").exists()


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is not None, reason="ray is installed in this environment"
)
def test_ray_backend_without_ray_exits_2(tmp_path):
    proc = _cli(tmp_path, "shards.backend=ray", "shards.count=2")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        "migsim: error: shards.backend=ray: needs the ray package, which is not installed "
        "(allowed: local, or install ray)"
    ]
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_start_from_a_saved_state_into_shards(run_toy, tmp_path):
    """A base-year state saved by a single-process run, started again in 3 shards."""
    base = run_toy(tmp_path / "base", "years=1", "checkpoint_every=1")
    saved = base.run_dir / "checkpoint-2013.npz"
    one = run_toy(tmp_path / "one", f"start_from={saved}")
    three = run_toy(tmp_path / "three", f"start_from={saved}", "shards.count=3")
    assert_same_run(one.run_dir, three.run_dir)
