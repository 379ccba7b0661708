"""Sweeps, checkpoints and long runs (sweeps beyond one machine).

Multiruns go through real Hydra launchers in subprocesses; checkpoints are tested for
byte-identical resumption and for clear rejection of corrupt or mismatched files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from migsim.runtime.outputs import MANIFEST

REPO = Path(__file__).resolve().parent.parent
TABLES = ("regions", "stocks", "flows", "remittances", "fiscal", "welfare")
TINY = ["world=toy", "population.size=10000", "progress=false"]


def migsim_run(
    *args: str, env: dict | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migsim.runtime.app", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def read_tables(run_dir: Path) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(run_dir / f"{t}.parquet") for t in TABLES}


def test_joblib_multirun_of_four_jobs_and_collect(tmp_path):
    sweep = tmp_path / "sweep"
    proc = migsim_run(
        "-m",
        "hydra/launcher=local",
        *TINY,
        "years=2",
        "seed=1,2",
        "regime=status_quo,free_mobility",
        f"hydra.sweep.dir={sweep}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = sorted(p.parent for p in sweep.rglob(MANIFEST))
    assert len(runs) == 4
    # joblib workers run in parallel processes with numba threads = cores // n_jobs
    from migsim.cli import main as cli_main

    with pytest.raises(SystemExit) as exit_info:
        cli_main(["collect", str(sweep)])
    assert exit_info.value.code == 0
    data = pl.scan_parquet(str(sweep / "dataset" / "**" / "*.parquet"), hive_partitioning=True)
    per_run = data.group_by("regime", "seed").agg(pl.len()).collect()
    assert per_run.height == 4
    assert set(per_run["regime"]) == {"status_quo", "free_mobility"}
    frame = data.collect()
    assert {"year", "population", "immigrants", "regime", "seed"} <= set(frame.columns)
    # free mobility raises the migrant stock in the same seed (common random numbers)
    last = (
        frame.filter(pl.col("year") == 2015)
        .group_by("regime", "seed")
        .agg(pl.col("immigrants").sum())
    )
    stock = {(r, s): v for r, s, v in last.iter_rows()}
    for seed in (1, 2):
        assert stock[("free_mobility", seed)] > stock[("status_quo", seed)]


def test_submitit_local_launcher_runs_jobs(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    sweep = tmp_path / "sweep"
    proc = migsim_run(
        "-m",
        "hydra/launcher=slurm_local",
        *TINY,
        "years=1",
        "seed=1,2",
        f"hydra.sweep.dir={sweep}",
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list(sweep.rglob(MANIFEST))) == 2


def test_resumed_run_is_byte_identical(tmp_path):
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    proc = migsim_run(*TINY, "years=4", "checkpoint_every=2", f"hydra.run.dir={full}")
    assert proc.returncode == 0, proc.stderr
    assert (full / "checkpoint-2015.npz").is_file() and (full / "checkpoint-2013.npz").is_file()
    proc = migsim_run(
        *TINY, "years=4", f"resume={full / 'checkpoint-2015.npz'}", f"hydra.run.dir={resumed}"
    )
    assert proc.returncode == 0, proc.stderr
    a, b = read_tables(full), read_tables(resumed)
    for name in TABLES:
        assert a[name].equals(b[name]), name
    assert (full / "regions.parquet").read_bytes() == (resumed / "regions.parquet").read_bytes()


def test_checkpoint_of_another_config_or_corrupt_is_rejected(tmp_path):
    run = tmp_path / "run"
    assert (
        migsim_run(*TINY, "years=2", "checkpoint_every=1", f"hydra.run.dir={run}").returncode == 0
    )
    ck = run / "checkpoint-2014.npz"
    other = migsim_run(
        *TINY, "years=3", "seed=9", f"resume={ck}", f"hydra.run.dir={tmp_path / 'x'}"
    )
    assert other.returncode == 2
    assert len(other.stderr.strip().splitlines()) == 1 and "different config" in other.stderr
    bad = tmp_path / "bad.npz"
    bad.write_bytes(ck.read_bytes()[:200])
    corrupt = migsim_run(*TINY, "years=3", f"resume={bad}", f"hydra.run.dir={tmp_path / 'y'}")
    assert corrupt.returncode == 2
    assert len(corrupt.stderr.strip().splitlines()) == 1 and "corrupt" in corrupt.stderr
    # a checkpoint of another format (people and ids laid out differently)
    old = tmp_path / "old.npz"
    with np.load(ck, allow_pickle=False) as saved:
        members = {name: saved[name] for name in saved.files}
    header = json.loads(members["header"].tobytes())
    header["format"] = "migsim-checkpoint-1"
    members["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(old, **members)
    older = migsim_run(*TINY, "years=3", f"resume={old}", f"hydra.run.dir={tmp_path / 'z'}")
    assert older.returncode == 2
    assert older.stderr.strip().splitlines() == [
        f"migsim: error: resume={old}: was written in the format migsim-checkpoint-1 "
        "(allowed: a checkpoint-YEAR.npz written by this migsim (migsim-checkpoint-6))"
    ]


def test_start_from_saved_base_state_with_another_regime(tmp_path):
    base, other, fresh = tmp_path / "base", tmp_path / "other", tmp_path / "fresh"
    assert (
        migsim_run(*TINY, "years=1", "checkpoint_every=1", f"hydra.run.dir={base}").returncode == 0
    )
    proc = migsim_run(
        *TINY,
        "years=2",
        "regime=free_mobility",
        f"start_from={base / 'checkpoint-2013.npz'}",
        f"hydra.run.dir={other}",
    )
    assert proc.returncode == 0, proc.stderr
    proc = migsim_run(*TINY, "years=2", "regime=free_mobility", f"hydra.run.dir={fresh}")
    assert proc.returncode == 0, proc.stderr
    # starting from the saved population equals synthesising it again
    for name in TABLES:
        assert read_tables(other)[name].equals(read_tables(fresh)[name]), name


def test_ctrl_c_finishes_the_year_writes_a_checkpoint_and_exits_nonzero(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            "world=toy",
            "population.size=200000",
            "years=200",
            "progress=false",
            f"hydra.run.dir={run}",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = run / "progress.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (log.is_file() and log.read_text().count("\n") >= 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    checkpoints = sorted(run.glob("checkpoint-*.npz"))
    assert checkpoints, err
    assert "resume=" in err
    assert not list(run.glob("*.parquet")) and not (run / MANIFEST).exists()
    years_done = log.read_text().count("\n")
    assert checkpoints[-1].name == f"checkpoint-{2013 + years_done}.npz"
