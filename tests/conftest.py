"""Shared fixtures: Hydra config composition and one small toy run shared by many tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

# calibrations computed by the tests never reach the user's cache
os.environ.setdefault("MIGSIM_CACHE_DIR", tempfile.mkdtemp(prefix="migsim-test-cache-"))

import migsim.runtime.app  # noqa: F401  (registers the config schema with Hydra's ConfigStore)

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "configs"
TOY_DIR = REPO_ROOT / "engine" / "data" / "toy"

# The small toy run shared by the simulation tests.
TOY_OVERRIDES = ("world=toy", "population.size=20000", "years=5", "progress=false")


@pytest.fixture(scope="session")
def config_dir() -> Path:
    return CONFIG_DIR


@pytest.fixture(scope="session")
def toy_world_dir() -> Path:
    return TOY_DIR


@pytest.fixture(scope="session")
def compose_cfg() -> Callable:
    """compose_cfg(*overrides) -> DictConfig composed from configs/ (Hydra compose API)."""
    from hydra import compose, initialize_config_dir

    def _compose(*overrides: str):
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose("config", overrides=list(overrides))

    return _compose


@dataclass
class ToyRun:
    result: object  # migsim.runtime.app.RunResult
    run_dir: Path
    regions: pl.DataFrame
    stocks: pl.DataFrame
    flows: pl.DataFrame
    overrides: tuple


def _run_toy(compose_cfg, run_dir: Path, *overrides: str) -> ToyRun:
    from migsim.runtime.app import run_simulation

    all_overrides = (*TOY_OVERRIDES, *overrides)
    result = run_simulation(compose_cfg(*all_overrides), run_dir)
    return ToyRun(
        result=result,
        run_dir=Path(run_dir),
        regions=pl.read_parquet(Path(run_dir) / "regions.parquet"),
        stocks=pl.read_parquet(Path(run_dir) / "stocks.parquet"),
        flows=pl.read_parquet(Path(run_dir) / "flows.parquet"),
        overrides=all_overrides,
    )


@pytest.fixture(scope="session")
def run_toy(compose_cfg) -> Callable:
    """run_toy(run_dir, *extra_overrides) -> ToyRun: a small toy run (20k agents, 5 years)."""

    def _run(run_dir: Path, *overrides: str) -> ToyRun:
        return _run_toy(compose_cfg, run_dir, *overrides)

    return _run


@pytest.fixture(scope="session")
def toy_run(compose_cfg, tmp_path_factory) -> ToyRun:
    """One toy run (seed 1, 20k agents, 5 years), run once per session and shared."""
    return _run_toy(compose_cfg, tmp_path_factory.mktemp("toy_run") / "run")
