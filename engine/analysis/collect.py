"""`migsim collect SWEEP_DIR [--table NAME]`: one partitioned Parquet dataset from every run
of a sweep (a copy; a hive-partitioned sweep is also readable in place, docs/operations.md "A sweep
is a dataset").

Each complete run (a directory with manifest.json) contributes its table (regions by
default), with the regime, the seed and every parameter overridden on the command line (from
Hydra's `.hydra/overrides.yaml`) as typed columns: numbers stay numbers, and a key that is
also a column of an output table gets the sweep prefix (`population=small` becomes
`sweep_population`), so no parameter overwrites a data column. The dataset is written to
SWEEP_DIR/dataset/ (SWEEP_DIR/dataset_<table>/ for another table), partitioned as
regime=<name>/seed=<n>/part-0.parquet, readable with
`polars.scan_parquet("SWEEP_DIR/dataset/**/*.parquet", hive_partitioning=True)`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pyarrow.dataset as ds

from migsim.analysis.runs import Result, find_runs, load_run, output_dir
from migsim.core.errors import InputError
from migsim.runtime.columns import arrow_table, declared
from migsim.runtime.outputs import staging_dir


def run_parameters(run: Result) -> dict:
    """The run's partition keys and columns: regime, seed and its command-line overrides,
    named as the sweep's directories name them (dots become underscores; a key that is an
    output column's name gets the sweep prefix) and typed (int, float, bool, else text)."""
    from migsim.runtime.sweeps import partition_key, reserved_names

    params = {"regime": run.regime, "seed": run.seed}  # named as comparisons name it
    reserved = reserved_names() | set(params)
    for key, value in run.override_values.items():
        params[partition_key(key, reserved)] = _typed(value)
    return params


def _typed(text: str):
    """An override's value as the type it reads as: 3 -> int, 0.5 / 1e-3 -> float,
    true/false -> bool, anything else text (surrounding quotes dropped)."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def collect(sweep_dir: str | Path, table: str = "regions") -> Path:
    """Write SWEEP_DIR/dataset/ from every complete run under `sweep_dir`.

    Every run is read before anything is written; the dataset is written into a staging
    directory and swapped in for the old one by renames, so a failure leaves an earlier
    dataset as it was."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise InputError(
            "SWEEP_DIR",
            f"'{sweep_dir}' is not a directory",
            "a Hydra sweep directory of migsim runs",
        )
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
    try:
        data = pl.concat(frames, how="diagonal_relaxed")
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            str(sweep_dir),
            f"holds {table} tables that do not fit together ({_first_line(exc)})",
            "runs of one migsim version",
        ) from None
    out = sweep_dir / ("dataset" if table == "regions" else f"dataset_{table}")
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "is a file, not a directory", "the dataset directory (or none)")
    output_dir("SWEEP_DIR", sweep_dir)
    staging = staging_dir(".dataset-staging-", sweep_dir)
    old = sweep_dir / f".dataset-old-{staging.name.rsplit('-', 1)[-1]}"
    try:
        ds.write_dataset(
            arrow_table(data, declared().get(table, {})),  # each column's unit and meaning
            staging,
            format="parquet",
            partitioning=["regime", "seed"],
            partitioning_flavor="hive",
            basename_template="part-{i}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
        if out.exists():
            out.rename(old)
        try:
            staging.rename(out)
        except OSError:
            if old.exists():
                old.rename(out)  # the earlier dataset back in place
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return out


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]
