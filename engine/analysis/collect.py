"""`migsim collect SWEEP_DIR`: one partitioned Parquet dataset from every run of a sweep.

Each complete run (a directory with manifest.json) contributes its regions table, with the
regime, the seed and every parameter overridden on the command line (from Hydra's
`.hydra/overrides.yaml`) as columns. The dataset is written to SWEEP_DIR/dataset/,
partitioned as regime=<name>/seed=<n>/part-0.parquet, readable with
`polars.scan_parquet("SWEEP_DIR/dataset/**/*.parquet", hive_partitioning=True)`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pyarrow.dataset as ds

from migsim.analysis.runs import Result, find_runs, load_run
from migsim.core.errors import InputError


def run_parameters(run: Result) -> dict:
    """The run's partition keys and columns: regime, seed and its command-line overrides
    (dots in a key become underscores)."""
    regime = run.config.get("regime", {}) or {}
    names = [str(regime.get("name", "unknown"))]
    names += [a for a in regime.get("add", []) or [] if isinstance(a, str)]
    params = {"regime": "+".join(names), "seed": run.seed}
    for key, value in run.override_values.items():
        params[key.replace(".", "_")] = value
    return params


def collect(sweep_dir: str | Path, table: str = "regions") -> Path:
    sweep_dir = Path(sweep_dir)
    runs = [load_run(path) for path in find_runs(sweep_dir)]
    if not runs:
        raise InputError(
            str(sweep_dir),
            "holds no complete run (no manifest.json)",
            "a Hydra sweep directory of migsim runs",
        )
    frames = []
    for run in runs:
        if not run.has(table):
            raise InputError(str(run.path), f"has no {table}.parquet", "a complete migsim run")
        params = run_parameters(run)
        frame = run.table(table)
        frame = frame.with_columns([pl.lit(v).alias(k) for k, v in params.items()])
        frames.append(frame)
    data = pl.concat(frames, how="diagonal_relaxed")
    out = sweep_dir / "dataset"
    staging = sweep_dir / ".dataset-staging"
    shutil.rmtree(staging, ignore_errors=True)
    ds.write_dataset(
        data.to_arrow(),
        staging,
        format="parquet",
        partitioning=["regime", "seed"],
        partitioning_flavor="hive",
        basename_template="part-{i}.parquet",
    )
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return out
