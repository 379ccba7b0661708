"""Direction tests of the decision model (economics.md 1, 7; section 9: signs must match
exactly). Runs of one config differ only by the lever: same seed, so common random numbers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

import engine.run  # noqa: F401  (registers the config schema)
from engine.behaviour import BehaviourConf
from engine.calibrate import calibrate, load_calibration, write_calibration
from engine.config import PopulationConf, validate
from engine.errors import InputError
from engine.world import load_world

REPO = Path(__file__).resolve().parent.parent
OVERRIDES = ("population.size=300000", "years=3", "progress=false", "seed=3")


def _compose(*overrides: str):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3"):
        return compose("config", overrides=[*OVERRIDES, *overrides])


def _moves_from_home(run_dir: Path, *overrides: str) -> float:
    from engine.run import run_simulation

    result = run_simulation(_compose(*overrides), run_dir)
    f = pl.read_parquet(result.run_dir / "flows.parquet")
    return f.filter(
        (pl.col("source") == pl.col("origin")) & (pl.col("destination") != pl.col("origin"))
    )["people"].sum()


def _scaled(factor: float) -> str:
    return f"regime.components=[{{kind:scale_policy_cost,factor:{factor}}}]"


@pytest.fixture(scope="module")
def status_quo_moves(tmp_path_factory) -> float:
    return _moves_from_home(tmp_path_factory.mktemp("responses") / "sq")


def test_higher_policy_cost_lowers_moves(status_quo_moves, tmp_path):
    doubled = _moves_from_home(tmp_path / "x2", _scaled(2.0))
    assert doubled < status_quo_moves, (doubled, status_quo_moves)


def test_free_mobility_raises_moves(status_quo_moves, tmp_path):
    free = _moves_from_home(tmp_path / "x0", _scaled(0.0))
    assert free > status_quo_moves, (free, status_quo_moves)


def test_multinomial_logit_is_accepted_but_needs_its_own_calibration(tmp_path):
    cfg = _compose("behaviour.nest_dissimilarity=1.0")
    validate(cfg)  # rho = 1 is a valid value (the MNL)
    from engine.run import run_simulation

    with pytest.raises(InputError, match="stale"):
        run_simulation(cfg, tmp_path / "stale")
    assert not (tmp_path / "stale" / "flows.parquet").exists()

    # recalibrated in a copy of the world, the MNL runs and reproduces its targets
    world_dir = tmp_path / "world"
    shutil.copytree(REPO / "engine" / "data" / "default", world_dir)
    world = load_world("default", world_dir)
    conf = BehaviourConf(nest_dissimilarity=1.0)
    cal = calibrate(world, conf, PopulationConf())
    assert cal.provenance["max_log_gap"] < 1e-5
    write_calibration(cal, world)
    load_calibration(world, conf, PopulationConf())
    moves = _moves_from_home(
        tmp_path / "mnl", "behaviour.nest_dissimilarity=1.0", f"world.path={world_dir}"
    )
    assert moves > 0
