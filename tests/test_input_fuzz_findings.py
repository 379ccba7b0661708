"""Bad input the fuzz suite (tests/test_input_fuzz*.py) found handled wrongly, one test
each: a traceback or exit 1 where bad input is exit 2, a value let through, or a message
naming the wrong file."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import migsim
from migsim.core.errors import InputError
from migsim.core.world import load_world
from tests._support import edited_world


def _refused(world, *words) -> str:
    with pytest.raises(InputError) as info:
        load_world(path=world)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def test_api_run_refused_leaves_no_run_directory(tmp_path):
    # migsim.run(out=) wrote .hydra/ before the run was refused
    out = tmp_path / "run"
    with pytest.raises(InputError, match="base_year"):
        migsim.run(["world=toy", "population.size=2000", "years=1", "base_year=2050"], out=out)
    assert not out.exists()


@pytest.mark.parametrize("value", ["inf", "-inf"])
def test_infinite_table_value_is_refused_as_not_finite(toy_world_dir, tmp_path, value):
    # inf passed the "a finite number" check; in the intra-regional table it was then
    # blamed on migrant_stock_2013.csv
    name = "intra_region_migrants_2013.csv"
    world = edited_world(toy_world_dir, tmp_path, name, lambda lines: [lines[0], f"NTH,{value}"])
    _refused(world, name, "column 'migrants'", "a finite number")


def test_too_many_intra_regional_migrants_names_their_table(toy_world_dir, tmp_path):
    name = "intra_region_migrants_2013.csv"
    world = edited_world(toy_world_dir, tmp_path, name, lambda lines: [lines[0], "NTH,1e18"])
    message = _refused(world, name, "NTH hosts")
    assert "migrant_stock_2013.csv" not in message


def test_duplicated_desired_destination_is_refused(toy_world_dir, tmp_path):
    # the last of two rows silently won
    name = "desired_destinations.csv"
    world = edited_world(toy_world_dir, tmp_path, name, lambda lines: lines + [lines[1]])
    _refused(world, name, "NTH", "two rows")


@pytest.mark.parametrize("value", ["inf", "null", "-1"])
def test_config_group_given_a_number_is_refused(value):
    # Hydra's ValueError escaped: a traceback from the API, exit 1 from the command line
    with pytest.raises(InputError) as info:
        migsim.compose(["world=toy", f"experiment={value}"])
    assert str(info.value).startswith("experiment:")


def test_config_group_given_a_number_exits_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "run", "world=toy", "experiment=inf"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "migsim: error: experiment: 'inf' is not a config (allowed: a name in configs/experiment/)"
    ]


def test_ray_backend_with_only_a_ray_directory_is_refused(monkeypatch):
    # `python -m migsim` from /tmp imports Ray's temporary directory /tmp/ray as an empty
    # namespace package: AttributeError (exit 1) instead of "needs the ray package"
    from migsim.kernels.rng import run_key
    from migsim.runtime.assemble import prepare, start_simulation

    monkeypatch.setitem(sys.modules, "ray", types.ModuleType("ray"))
    cfg = migsim.compose(
        ["world=toy", "population.size=2000", "years=1", "shards.backend=ray", "shards.count=2"]
    )
    inputs = prepare(cfg)
    with pytest.raises(InputError, match="needs the ray package"):
        start_simulation(cfg, inputs.world, run_key(cfg.seed), inputs.calibration)


def test_near_cobb_douglas_nativity_nest_is_refused():
    # economy.sigma_nativity=1.0001 was in range: a cell whose immigrants all left kept
    # theta**10000 of its natives' output (0 in floats), and the next year's wages, incomes
    # and ex-ante tertiary shares were infinite or nan
    with pytest.raises(InputError) as info:
        migsim.compose(["world=toy", "economy.sigma_nativity=1.0001"])
    assert str(info.value) == (
        "economy.sigma_nativity: 1.0001 is out of range (allowed: 2.0 to inf)"
    )


def test_lowest_allowed_nativity_elasticity_runs_to_a_valid_end(tmp_path):
    from fuzz_support import assert_valid_run

    overrides = ["world=toy", "population.size=2000", "years=3", "progress=false"]
    cfg = migsim.compose([*overrides, "economy.sigma_nativity=2.0"])
    result = migsim.run(config=cfg, out=tmp_path / "run")
    assert_valid_run(result.tables, cfg)
