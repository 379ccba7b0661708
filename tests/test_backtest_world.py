"""The history's backtest world, regions12_1990_2000: regions12 built at 1990 with its growth
window and history calibration cut at 2000 (validation experiment HISTORY-backtest)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from migsim.config import PopulationConf
from migsim.core.world import load_world
from migsim.model.behaviour import BehaviourConf
from migsim.model.calibration import load_calibration
from migsim.worldbuild.build import WORLD_FILES, build_world, provenance_file
from migsim.worldbuild.history_fit import (
    FITTED_FILE,
    fit_history,
    fit_years,
    fitted_behaviour,
    history_inputs,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "engine" / "data"
WORLD = "regions12_1990_2000"
needs_inputs = pytest.mark.skipif(
    not (DATA / "inputs" / "un_stock").is_dir(), reason="the country-level inputs are not committed"
)


@pytest.fixture(scope="module")
def world():
    return load_world(WORLD)


def provenance(world) -> dict:
    return json.loads(gzip.decompress((world.path / FITTED_FILE).read_bytes()))["provenance"]


@needs_inputs
def test_backtest_world_rebuilds_byte_for_byte_and_holds_nothing_after_2000(tmp_path):
    build_world(
        "regions12", tmp_path, base_year=1990, growth_years=(1990, 2000), unknown_origin="spread"
    )
    files = (*WORLD_FILES, "stock_growth.csv", provenance_file(DATA / WORLD).name)
    for file in files:
        assert (tmp_path / file).read_bytes() == (DATA / WORLD / file).read_bytes(), file
    assert pl.read_csv(DATA / WORLD / "stock_history.csv")["year"].max() == 2000
    # the same world as regions12_1990 but for its growth window: the base-year tables agree
    for file in WORLD_FILES:
        if file not in ("stock_history.csv", "provenance_summary.md"):
            assert (DATA / WORLD / file).read_bytes() == (
                DATA / "regions12_1990" / file
            ).read_bytes(), file


def test_backtest_fit_reads_1990_2000_only(world):
    """The world's window ends in 2000: the history inputs stop there, a later stock is
    refused, and the stored fit says so (its trend held from 2000)."""
    assert fit_years(world) == (1995, 2000)
    assert fit_years(load_world("regions12_1990")) == (1995, 2000, 2005)
    paths, observed = history_inputs(world)
    assert sorted(observed) == [1990, 1995, 2000]
    assert max(paths.income) == 2000 and max(paths.population) == 2000
    with pytest.raises(ValueError, match="after 2000"):
        fit_history(
            world, BehaviourConf(), PopulationConf(), paths, {**observed, 2005: observed[2000]}
        )
    prov = provenance(world)
    assert prov["last_stock_year_read"] == 2000 and prov["fit_years"] == [1995, 2000]
    assert prov["trend_end_year"] == 2000
    assert sorted(prov["within_region"]["targets"]) == ["1995", "2000"]
    assert prov["simulated"]["corridors_fitted"] > 30


def test_backtest_config_loads_the_stored_fit(world):
    from migsim.api import compose

    fitted = provenance(world)["fitted_parameters"]
    cfg = compose(["+experiment=history_1990_2000"])
    assert cfg.world.name == WORLD and cfg.base_year + cfg.years == 2005
    for name, value in fitted.items():
        assert cfg.behaviour[name] == value
    cal = load_calibration(world, fitted_behaviour(BehaviourConf(), fitted), PopulationConf())
    assert cal.provenance["source"] == "stored"


@pytest.mark.slow
def test_backtest_fit_is_rebuilt_byte_for_byte(world, tmp_path):
    """`migsim world fit-history --world regions12_1990_2000` (about a minute alone)
    rebuilds the shipped file."""
    out = tmp_path / FITTED_FILE
    subprocess.run(
        [sys.executable, "-m", "migsim", "world", "fit-history", "--world", WORLD]
        + ["--out", str(out)],
        check=True,
    )
    assert out.read_bytes() == (world.path / FITTED_FILE).read_bytes()
