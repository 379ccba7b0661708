"""A game's run directories say what they are: each records its overrides, so that
`migsim collect` and `migsim compare` tell the main runs from the annex's runs with the
externality switches on, as they tell a sweep's runs apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def game_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("game") / "g"
    args = ["NTH", "STH", "--world", "toy", "--size", "3000", "--years", "2", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "game", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_game_runs_record_overrides_that_compose_their_config(game_dir):
    from omegaconf import OmegaConf

    import migsim

    runs = sorted(p.parent.parent for p in game_dir.rglob(".hydra/overrides.yaml"))
    assert len(runs) == 8  # the game's four runs and the annex's four with externalities on
    for run in runs:
        overrides = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
        assert "world=toy" in overrides and "seed=1" in overrides, run
        saved = OmegaConf.load(run / ".hydra" / "config.yaml")
        again = migsim.compose(overrides)  # the recorded overrides make the same run
        assert OmegaConf.to_container(again.regime) == OmegaConf.to_container(saved.regime)
        assert OmegaConf.to_container(again.economy) == OmegaConf.to_container(saved.economy)
    on = yaml.safe_load((game_dir / "annex/on/seed1/none/.hydra/overrides.yaml").read_text())
    assert any(o.startswith("economy.externalities.congestion=") for o in on)


def test_compare_tells_a_games_runs_apart(game_dir):
    import migsim

    table = migsim.compare(game_dir, baseline="no_liberalisation")
    variants = table.select("regime", "variant").unique()
    # each regime twice: the externalities off (the game's runs) and on (the annex's)
    assert variants.height == 8
    regimes = {"no_liberalisation", "NTH_liberalises", "STH_liberalises", "both_liberalise"}
    assert set(variants["regime"]) == regimes
    on = variants.filter(pl.col("variant").str.contains("congestion=5"))
    assert set(on["regime"]) == regimes


def test_collect_tells_a_games_runs_apart(game_dir):
    from migsim.analysis.collect import collect

    data = pl.read_parquet(collect(game_dir) / "**/*.parquet", hive_partitioning=True)
    per_run = data.group_by("regime", "seed", "economy_externalities_congestion").len()
    assert per_run.height == 8
    assert per_run["len"].n_unique() == 1  # one run's rows per regime, seed and setting
