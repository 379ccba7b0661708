"""migsim holds a world of every country: a synthetic 230-region world (tests/_bigworld.py)
calibrates and runs within bounded memory, and the sparse moves give the numbers the dense
array gave."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from migsim.core.world import load_world
from migsim.kernels.bundles import add_move, move_tallies
from migsim.people.moves import MoveCounts
from tests._bigworld import write_big_world

ROOT = Path(__file__).resolve().parent.parent


def test_big_world_loads(tmp_path):
    world = load_world(None, write_big_world(tmp_path / "w", 60))
    assert world.n_regions == 60
    assert len(set(world.codes)) == 60
    stock = world.migrant_stock
    assert (stock > 0).sum() < 0.5 * 60 * 59  # sparse corridors
    assert stock.sum() > 0


def test_move_counts_match_dense():
    rng = np.random.default_rng(3)
    R = 7
    dense = rng.integers(0, 3, (R, R, R, 2)) * (rng.random((R, R, R, 2)) < 0.2)
    moves = MoveCounts.from_dense(dense)
    np.testing.assert_array_equal(moves.dense(), dense)
    o, src, dst, s = moves.indices()
    np.testing.assert_array_equal(np.stack([o, src, dst, s]), np.stack(np.nonzero(dense)))
    np.testing.assert_array_equal(moves.by("origin", "destination"), dense.sum(axis=(1, 3)))
    np.testing.assert_array_equal(moves.by("destination", "skill"), dense.sum(axis=(0, 1)))
    twice = moves + moves + MoveCounts.empty(R)
    np.testing.assert_array_equal(twice.dense(), 2 * dense)
    weight = rng.uniform(1, 2, R)
    *_, people = moves.weighted_moves(weight)
    moved = dense.sum(axis=3) * weight[:, None, None]
    np.testing.assert_allclose(people, moved[np.nonzero(moved)], rtol=0, atol=0)


def test_tallies_keep_one_slot_per_row_and_report_excess():
    tallies = move_tallies(4, 5, n_rows=10)  # 3 rows per chunk
    assert tallies.moves.shape == (4, 3)
    for _ in range(3):
        add_move(tallies.moves, tallies.n_moves, 5, 1, 2, 2, 4, 1)
    assert MoveCounts.from_tallies(tallies).dense()[2, 2, 4, 1] == 3
    add_move(tallies.moves, tallies.n_moves, 5, 1, 2, 2, 4, 1)
    with pytest.raises(OverflowError):
        MoveCounts.from_tallies(tallies)


def test_column_sweep_finds_the_full_sweeps_cost_levels(monkeypatch):
    """The per-destination cost levels of large worlds (migsim.model.policy_split) equal
    the full Gauss-Seidel sweep's on a world small enough to run both."""
    import migsim
    from migsim.model import calibration

    cfg = migsim.compose(["world=toy", "progress=false"])
    world = load_world("toy")
    assert world.desired_share is not None
    full = calibration.calibrate(world, cfg.behaviour, cfg.population)
    monkeypatch.setattr(calibration, "FULL_SWEEP_MAX_REGIONS", 0)
    columns = calibration.calibrate(world, cfg.behaviour, cfg.population)
    np.testing.assert_allclose(columns.policy_cost, full.policy_cost, rtol=0, atol=1e-9)
    np.testing.assert_allclose(columns.corridor_constant, full.corridor_constant, rtol=0, atol=1e-9)


def test_income_gap_split_column_updates_match_full_sweep(monkeypatch):
    """The income-gap split (the country worlds') finds the same ln kappa_d by column updates
    as by full sweeps, keeps every incompressible cost non-negative and puts no policy cost
    on a corridor toward a destination that is not richer."""
    import migsim
    from migsim.model import calibration

    cfg = migsim.compose(["world=toy", "progress=false", "behaviour.policy_split=income_gap"])
    world = load_world("toy")
    full = calibration.calibrate(world, cfg.behaviour, cfg.population)
    assert full.provenance["policy_split"] == "income_gap"
    monkeypatch.setattr(calibration, "FULL_SWEEP_MAX_REGIONS", 0)
    columns = calibration.calibrate(world, cfg.behaviour, cfg.population)
    np.testing.assert_allclose(columns.policy_cost, full.policy_cost, rtol=0, atol=1e-7)
    assert full.incompressible_cost.min() >= 0.0
    assert full.policy_cost.max() > 0.0
    y = calibration.expected_income(world, calibration.base_wages(world), cfg.behaviour)
    home = np.stack([y[o, o] for o in range(world.n_regions)])
    poorer = y <= home[:, None, :]
    assert (full.policy_cost[poorer] == 0.0).all()


@pytest.mark.slow
def test_230_regions_run_in_bounded_memory(tmp_path):
    """Calibration and two years of 50k agents in a fresh process: peak resident memory
    stays within 1.5 GiB above the warm interpreter (with the dense move tallies a
    decision pass alone needed 12 GB)."""
    world = write_big_world(tmp_path / "w230", 230)
    code = (
        "import json, sys; from tests._bigworld import run_and_measure; "
        f"print(json.dumps(run_and_measure({str(world)!r}, 50_000, 2)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["regions"] == 230
    assert figures["peak_mib"] - figures["peak_mib_before"] < 1.5 * 1024, figures
