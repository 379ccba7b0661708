"""`migsim collect SWEEP_DIR`: one partitioned Parquet dataset from every run of a sweep.

Each complete run (a directory with manifest.json) contributes its regions table, with the
regime, the seed and every parameter overridden on the command line (from Hydra's
`.hydra/overrides.yaml`) as columns. The dataset is written to SWEEP_DIR/dataset/,
partitioned as regime=<name>/seed=<n>/part-0.parquet, readable with
`polars.scan_parquet("SWEEP_DIR/dataset/**/*.parquet", hive_partitioning=True)`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow.dataset as ds
import yaml

from migsim.core.errors import InputError
from migsim.runtime.outputs import MANIFEST


def complete_runs(sweep_dir: Path) -> list[Path]:
    return sorted(p.parent for p in sweep_dir.rglob(MANIFEST) if "dataset" not in p.parts)


def run_overrides(run_dir: Path) -> dict[str, str]:
    """The run's command-line overrides (Hydra's `.hydra/overrides.yaml`) other than regime,
    seed and hydra.*, as key -> value; empty for a run without that file."""
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    out = {}
    for item in yaml.safe_load(path.read_text()) or []:
        key, _, value = str(item).partition("=")
        key = key.lstrip("+~")
        if key in ("regime", "seed") or key.startswith("hydra"):
            continue
        out[key] = value
    return out


def run_parameters(run_dir: Path) -> dict:
    manifest = json.loads((run_dir / MANIFEST).read_text())
    config = yaml.safe_load(manifest.get("config", "")) or {}
    regime = config.get("regime", {}) or {}
    names = [str(regime.get("name", "unknown"))]
    names += [a for a in regime.get("add", []) or [] if isinstance(a, str)]
    params = {"regime": "+".join(names), "seed": int(manifest["seed"])}
    for key, value in run_overrides(run_dir).items():
        params[key.replace(".", "_")] = value
    return params


def collect(sweep_dir: str | Path, table: str = "regions") -> Path:
    sweep_dir = Path(sweep_dir)
    runs = complete_runs(sweep_dir)
    if not runs:
        raise InputError(
            str(sweep_dir),
            "holds no complete run (no manifest.json)",
            "a Hydra sweep directory of migsim runs",
        )
    frames = []
    for run in runs:
        path = run / f"{table}.parquet"
        if not path.is_file():
            raise InputError(str(run), f"has no {table}.parquet", "a complete migsim run")
        params = run_parameters(run)
        frame = pl.read_parquet(path)
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
