"""The yearly loop and its outputs (engine/runtime/simulation.py, runner.py, outputs.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from migsim.core.world import FEMALE, load_world
from migsim.kernels.rng import run_key
from migsim.people.population import synthesise_population

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLES = ("regions", "stocks", "flows")
BASE_YEAR, YEARS = 2013, 5  # the shared toy run (conftest.TOY_OVERRIDES)


def _assert_conserved(regions: pl.DataFrame) -> None:
    """population(t) = population(t-1) + births - deaths + arrivals - departures."""
    frame = regions.sort("region", "year").with_columns(
        previous=pl.col("population").shift(1).over("region")
    )
    later = frame.filter(pl.col("year") > BASE_YEAR)
    assert later.height > 0
    predicted = (
        later["previous"]
        + later["births"]
        - later["deaths"]
        + later["arrivals"]
        - later["departures"]
    ).to_numpy()
    np.testing.assert_allclose(later["population"].to_numpy(), predicted, rtol=1e-6, atol=0)


# ------------------------------------------------------------------ accounting


def test_population_is_conserved_every_year_and_region(toy_run):
    _assert_conserved(toy_run.regions)
    # the run is not trivially static: people are born and die in every region and year
    later = toy_run.regions.filter(pl.col("year") > BASE_YEAR)
    assert (later["births"] > 0).all() and (later["deaths"] > 0).all()


def test_conserved_when_rows_must_be_compacted(run_toy, tmp_path):
    # no spare rows: births force compaction (and growth) in the first simulated year
    run = run_toy(tmp_path / "run", "population.spare_capacity=0.0")
    _assert_conserved(run.regions)


def test_spare_capacity_does_not_change_results(toy_run, run_toy, tmp_path):
    # where a person's row lives is bookkeeping: ids and draws are the same, so the tables
    # must be identical whether births fit in spare rows or force compaction and growth
    run = run_toy(tmp_path / "run", "population.spare_capacity=0.0")
    for name in TABLES:
        assert getattr(run, name).equals(getattr(toy_run, name)), name


def test_base_year_recorded_before_any_decision(toy_run):
    regions = toy_run.regions
    years = sorted(regions["year"].unique().to_list())
    assert years == list(range(BASE_YEAR, BASE_YEAR + YEARS + 1))
    base = regions.filter(pl.col("year") == BASE_YEAR)
    assert base.height == 3
    for col in ("births", "deaths", "arrivals", "departures"):
        assert (base[col] == 0).all(), col
    # base-year residents reproduce regions.csv of the toy world (within 1%)
    pop = dict(zip(base["region"], base["population"]))
    assert pop["NTH"] == pytest.approx(100e6, rel=0.01)
    assert pop["MID"] == pytest.approx(150e6, rel=0.01)
    assert pop["STH"] == pytest.approx(250e6, rel=0.01)
    # every year has one row per region
    assert regions.group_by("year").len()["len"].to_list() == [3] * (YEARS + 1)


def test_natives_plus_immigrants_is_population(toy_run):
    r = toy_run.regions
    np.testing.assert_allclose(
        (r["natives"] + r["immigrants"]).to_numpy(), r["population"].to_numpy(), rtol=1e-12
    )
    assert (r["immigrants"] > 0).all() and (r["natives"] > 0).all()


def test_world_immigrants_equal_world_emigrants_every_year(toy_run):
    per_year = (
        toy_run.regions.group_by("year")
        .agg(pl.col("immigrants").sum(), pl.col("emigrants").sum())
        .sort("year")
    )
    assert per_year.height == YEARS + 1
    np.testing.assert_allclose(
        per_year["immigrants"].to_numpy(), per_year["emigrants"].to_numpy(), rtol=1e-9
    )
    # base year: 13.5M between regions + 7.5M intra-regional (toy world tables), within 2%
    assert per_year["immigrants"][0] == pytest.approx(21.0e6, rel=0.02)


def test_stocks_sum_to_regions_population(toy_run):
    stocks = toy_run.stocks.group_by("year", "location").agg(pl.col("people").sum())
    joined = toy_run.regions.join(
        stocks, left_on=["year", "region"], right_on=["year", "location"], how="left"
    )
    assert joined["people"].null_count() == 0
    np.testing.assert_allclose(
        joined["people"].to_numpy(), joined["population"].to_numpy(), rtol=1e-9
    )


def test_stocks_of_the_foreign_born_sum_to_immigrants(toy_run):
    foreign = (
        toy_run.stocks.filter(
            (pl.col("origin") != pl.col("location")) | (pl.col("status") == "intra_regional")
        )
        .group_by("year", "location")
        .agg(pl.col("people").sum())
    )
    joined = toy_run.regions.join(
        foreign, left_on=["year", "region"], right_on=["year", "location"]
    )
    np.testing.assert_allclose(
        joined["people"].to_numpy(), joined["immigrants"].to_numpy(), rtol=1e-9
    )


def test_flows_add_up_to_arrivals_and_departures(toy_run):
    flows = toy_run.flows
    if flows.height == 0:
        # demography only: nobody moves
        later = toy_run.regions.filter(pl.col("year") > BASE_YEAR)
        assert (later["arrivals"] == 0).all() and (later["departures"] == 0).all()
        return
    assert flows["year"].min() > BASE_YEAR  # no decisions in the base year
    assert (flows["source"] != flows["destination"]).all()
    assert (flows["people"] > 0).all()
    arrivals = flows.group_by("year", "destination").agg(pl.col("people").sum().alias("in"))
    departures = flows.group_by("year", "source").agg(pl.col("people").sum().alias("out"))
    joined = (
        toy_run.regions.filter(pl.col("year") > BASE_YEAR)
        .join(arrivals, left_on=["year", "region"], right_on=["year", "destination"], how="left")
        .join(departures, left_on=["year", "region"], right_on=["year", "source"], how="left")
        .with_columns(pl.col("in").fill_null(0.0), pl.col("out").fill_null(0.0))
    )
    np.testing.assert_allclose(joined["in"].to_numpy(), joined["arrivals"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(joined["out"].to_numpy(), joined["departures"].to_numpy(), rtol=1e-9)


@pytest.fixture(scope="module")
def demography_only(run_toy, tmp_path_factory):
    return run_toy(tmp_path_factory.mktemp("demo") / "run", "behaviour=none")


def test_demography_only_run_moves_nobody(demography_only):
    run = demography_only
    _assert_conserved(run.regions)
    assert run.flows.height == 0
    assert run.flows.schema["people"] == pl.Float64
    later = run.regions.filter(pl.col("year") > BASE_YEAR)
    assert (later["arrivals"] == 0).all() and (later["departures"] == 0).all()


def test_children_born_during_the_run_are_natives(demography_only):
    # second generations are natives: without migration the foreign-born stock of every
    # corridor can only shrink (deaths), never grow through births
    abroad = (
        demography_only.stocks.filter(pl.col("origin") != pl.col("location"))
        .group_by("year", "origin", "location")
        .agg(pl.col("people").sum())
        .sort("origin", "location", "year")
    )
    for _, corridor in abroad.group_by("origin", "location"):
        people = corridor.sort("year")["people"].to_numpy()
        assert np.all(np.diff(people) <= 1e-6 * people[0])
    # while natives at home gain the births
    base = demography_only.regions.filter(pl.col("year") == BASE_YEAR)
    last = demography_only.regions.filter(pl.col("year") == BASE_YEAR + YEARS)

    def sth(frame):
        return frame.filter(pl.col("region") == "STH")["natives"][0]

    assert sth(last) > sth(base)  # TFR 4.8: the South grows


# ------------------------------------------------------------------ demography vs schedules


@pytest.fixture(scope="module")
def big_one_year(run_toy, tmp_path_factory):
    size = 300_000
    run = run_toy(
        tmp_path_factory.mktemp("big") / "run",
        f"population.size={size}",
        "years=1",
        "behaviour=none",
    )
    world = load_world("toy")
    pop = synthesise_population(world, size, run_key(1))  # the run's base population
    return run, world, pop


def test_first_year_deaths_match_life_tables(big_one_year):
    run, world, pop = big_one_year
    v = pop.view()
    w = pop.weight[v["origin"]]
    q = world.death_probability[v["location"], v["sex"], v["age"]]
    R = world.n_regions
    expected = np.bincount(v["location"], weights=w * q, minlength=R)
    sd = np.sqrt(np.bincount(v["location"], weights=w**2 * q * (1 - q), minlength=R))
    got = run.regions.filter(pl.col("year") == BASE_YEAR + 1)["deaths"].to_numpy()
    assert np.all(np.abs(got - expected) < 5 * sd), (got, expected, sd)


def test_first_year_births_match_fertility_schedules(big_one_year):
    run, world, pop = big_one_year
    v = pop.view()
    w = pop.weight[v["origin"]]
    women = v["sex"] == FEMALE
    survive = 1 - world.death_probability[v["location"], v["sex"], v["age"]]
    f = world.fertility[v["location"], v["age"]] * women
    R = world.n_regions
    # real births = agent-children x weight of the birth region = f x weight of the mother
    expected = np.bincount(v["location"], weights=w * f * survive, minlength=R)
    # agent-children per woman are at most (whole + 1): Var <= E[X] (whole + 1) in agents
    w_loc = pop.weight[v["location"]]
    ratio = f * pop.weight[v["origin"]] / w_loc
    var = np.bincount(v["location"], weights=w_loc**2 * ratio * (np.floor(ratio) + 1), minlength=R)
    got = run.regions.filter(pl.col("year") == BASE_YEAR + 1)["births"].to_numpy()
    assert np.all(np.abs(got - expected) < 5 * np.sqrt(var)), (got, expected)
    # crude birth rates of the toy world: South (TFR 4.8) far above North (TFR 1.7)
    cbr = got / world.population
    assert cbr[2] > 2 * cbr[0]


# ------------------------------------------------------------------ schemas


def test_flows_schema(toy_run):
    assert toy_run.flows.schema == pl.Schema(
        {
            "year": pl.Int64,
            "origin": pl.String,
            "source": pl.String,
            "destination": pl.String,
            "skill": pl.String,
            "people": pl.Float64,
        }
    )


def test_stocks_schema(toy_run):
    schema = dict(toy_run.stocks.schema)
    want = {
        "year": pl.Int64,
        "origin": pl.String,
        "location": pl.String,
        "skill": pl.String,
        "sex": pl.String,
        "age_band": pl.String,
    }
    if "status" in schema:
        want["status"] = pl.String
    want["people"] = pl.Float64
    assert list(schema) == list(want)
    assert schema == want
    s = toy_run.stocks
    assert set(s["skill"].unique()) <= {"low", "high"}
    assert set(s["sex"].unique()) == {"female", "male"}
    assert set(s["origin"].unique()) == set(s["location"].unique()) == {"NTH", "MID", "STH"}
    assert (s["people"] > 0).all()  # only occupied cells are written


def test_regions_schema(toy_run):
    schema = toy_run.regions.schema
    want = {
        "year": pl.Int64,
        "region": pl.String,
        "developed": pl.Boolean,
        "population": pl.Float64,
        "natives": pl.Float64,
        "immigrants": pl.Float64,
        "emigrants": pl.Float64,
    }
    assert list(schema)[: len(want)] == list(want)
    for col, dtype in want.items():
        assert schema[col] == dtype, col
    for col in ("births", "deaths", "arrivals", "departures"):
        assert schema[col] == pl.Float64, col
    dev = toy_run.regions.filter(pl.col("year") == BASE_YEAR)
    assert dict(zip(dev["region"], dev["developed"])) == {"NTH": True, "MID": False, "STH": False}


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_tables(toy_run, run_toy, tmp_path):
    again = run_toy(tmp_path / "again")
    for name in TABLES:
        assert getattr(again, name).equals(getattr(toy_run, name)), name
    assert (again.run_dir / "regions.parquet").read_bytes() == (
        toy_run.run_dir / "regions.parquet"
    ).read_bytes()
    assert again.result.manifest["config_hash"] == toy_run.result.manifest["config_hash"]


def test_different_seed_gives_different_tables(toy_run, run_toy, tmp_path):
    other = run_toy(tmp_path / "other", "seed=2")
    assert not other.regions.equals(toy_run.regions)
    assert not other.stocks.equals(toy_run.stocks)

    # base-year totals are calibrated, not random: equal within 1% in both runs
    def base(run):
        return run.regions.filter(pl.col("year") == BASE_YEAR)["population"]

    np.testing.assert_allclose(base(other).to_numpy(), base(toy_run).to_numpy(), rtol=0.01)
    assert other.result.manifest["config_hash"] != toy_run.result.manifest["config_hash"]


def test_thread_count_in_process_gives_identical_tables(run_toy, tmp_path):
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs NUMBA_NUM_THREADS >= 2")
    # > 2 blocks of 65536 rows and no spare rows: block offsets and compaction both matter
    extra = (
        "population.size=150000",
        "years=3",
        "population.spare_capacity=0.0",
        "snapshot=true",
    )
    one = run_toy(tmp_path / "t1", *extra, "threads=1")
    two = run_toy(tmp_path / "t2", *extra, "threads=2")
    assert one.result.manifest["numba_threads"] == 1
    assert two.result.manifest["numba_threads"] == 2
    for name in TABLES:
        assert getattr(one, name).equals(getattr(two, name)), name
    # every person's columns, the family flags among them
    a = pl.read_parquet(one.run_dir / "people.parquet")
    b = pl.read_parquet(two.run_dir / "people.parquet")
    assert a.equals(b) and 0 < a["family"].sum() < a.height
    # threads is volatile: it does not change the config hash
    assert one.result.manifest["config_hash"] == two.result.manifest["config_hash"]


def test_thread_count_cli_gives_identical_tables(tmp_path):
    procs = {}
    for threads in (1, 2):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        cmd = [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            "world=toy",
            "population.size=20000",
            "years=3",
            "progress=false",
            f"hydra.run.dir={tmp_path / f'threads{threads}'}",
        ]
        procs[threads] = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    for proc in procs.values():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    manifests = {
        t: json.loads((tmp_path / f"threads{t}" / "manifest.json").read_text()) for t in (1, 2)
    }
    assert manifests[1]["numba_threads"] == 1
    assert manifests[2]["numba_threads"] == 2
    for name in TABLES:
        a = pl.read_parquet(tmp_path / "threads1" / f"{name}.parquet")
        b = pl.read_parquet(tmp_path / "threads2" / f"{name}.parquet")
        assert a.height > 0 or name == "flows"
        assert a.equals(b), name


# ------------------------------------------------------------------ manifest


def test_manifest_contents(toy_run):
    path = toy_run.run_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["seed"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["config_hash"])
    assert isinstance(manifest["git_sha"], str) and manifest["git_sha"]
    for package in ("numba", "numpy", "polars", "pyarrow"):
        assert re.match(r"\d+\.\d+", manifest["packages"][package]), package
    import numba

    assert manifest["numba_threads"] == numba.config.NUMBA_NUM_THREADS
    timings = manifest["timings_s"]
    demography = [k for k in timings if "demography" in k]
    assert demography, timings
    assert all(timings[k] >= 0 for k in demography)
    assert manifest["years"] == YEARS and manifest["base_year"] == BASE_YEAR
    assert manifest["world"] == "toy"
    economy_tables = ("remittances", "fiscal", "welfare", "earnings")
    assert sorted(manifest["tables"]) == sorted(f"{t}.parquet" for t in TABLES + economy_tables)
    # the summary printed by the CLI is the last year of regions.parquet
    last = toy_run.regions.filter(pl.col("year") == BASE_YEAR + YEARS)
    assert manifest["summary"]["population"] == pytest.approx(last["population"].sum())
    assert manifest["summary"]["migrants"] == pytest.approx(last["immigrants"].sum())


def test_config_hash_ignores_progress_flag(compose_cfg):
    from migsim.runtime.app import hashed_config

    a = hashed_config(compose_cfg("world=toy", "progress=false"))[1]
    b = hashed_config(compose_cfg("world=toy", "progress=true"))[1]
    c = hashed_config(compose_cfg("world=toy", "years=7"))[1]
    assert a == b != c


# ------------------------------------------------------------------ atomic commit


def _snapshot(directory: Path) -> dict:
    return {
        p.relative_to(directory).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_interrupted_run_leaves_no_tables(toy_run, compose_cfg, tmp_path, monkeypatch):
    import migsim.runtime.simulation
    from migsim.runtime.app import run_simulation

    before = _snapshot(toy_run.run_dir)
    assert "manifest.json" in before
    original = migsim.runtime.simulation.Simulation.step
    calls = {"n": 0}

    def interrupted_step(self):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(migsim.runtime.simulation.Simulation, "step", interrupted_step)
    cfg = compose_cfg("world=toy", "population.size=20000", "years=5", "progress=false")
    run_dir = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        run_simulation(cfg, run_dir)
    assert calls["n"] == 2
    assert list(run_dir.rglob("*.parquet")) == []
    assert not (run_dir / "manifest.json").exists()
    assert not list(tmp_path.glob(".interrupted.staging*"))
    # another, complete run is untouched
    assert _snapshot(toy_run.run_dir) == before
