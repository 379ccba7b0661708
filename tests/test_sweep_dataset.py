"""A multirun's directories are a hive-partitioned dataset: `<sweep>/regime=a/seed=1/`, read
in place by one `pl.scan_parquet(..., hive_partitioning=True)` (migsim.runtime.sweeps)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from omegaconf import OmegaConf

from migsim.runtime import sweeps
from migsim.runtime.callbacks import SweepLayout
from migsim.runtime.outputs import MANIFEST

REPO = Path(__file__).resolve().parent.parent
TINY = ["world=toy", "population.size=10000", "progress=false", "years=2"]


def multirun(sweep: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            "-m",
            *TINY,
            *args,
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def regime_seed_sweep(tmp_path_factory):
    sweep = tmp_path_factory.mktemp("sweep") / "s"
    proc = multirun(sweep, "regime=status_quo,free_mobility", "seed=1,2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return sweep


def test_run_directories_are_named_by_the_swept_keys_in_order(regime_seed_sweep):
    runs = sorted(
        p.parent.relative_to(regime_seed_sweep) for p in regime_seed_sweep.rglob(MANIFEST)
    )
    assert [str(r) for r in runs] == [
        "regime=free_mobility/seed=1",
        "regime=free_mobility/seed=2",
        "regime=status_quo/seed=1",
        "regime=status_quo/seed=2",
    ]


def test_one_scan_reads_every_table_of_the_sweep_typed(regime_seed_sweep):
    regions = pl.scan_parquet(f"{regime_seed_sweep}/**/regions.parquet", hive_partitioning=True)
    schema = regions.collect_schema()
    assert schema["seed"] == pl.Int64 and schema["regime"] == pl.String
    assert schema["population"] == pl.Float64
    one = pl.read_parquet(regime_seed_sweep / "regime=status_quo" / "seed=1" / "regions.parquet")
    counts = regions.group_by("regime", "seed").len().collect()
    assert counts.height == 4 and set(counts["len"]) == {one.height}  # 3 years x regions
    stocks = pl.scan_parquet(f"{regime_seed_sweep}/**/stocks.parquet", hive_partitioning=True)
    per_run = stocks.group_by("regime", "seed").len().collect()
    for regime, seed, rows in per_run.iter_rows():
        path = regime_seed_sweep / f"regime={regime}" / f"seed={seed}" / "stocks.parquet"
        assert rows == pl.read_parquet(path).height
    # the values are the runs' own: free mobility raises the migrant stock, seed by seed
    last = (
        regions.filter(pl.col("year") == 2015)
        .group_by("regime", "seed")
        .agg(pl.col("immigrants").sum())
        .collect()
    )
    stock = {(r, s): v for r, s, v in last.iter_rows()}
    assert all(stock[("free_mobility", s)] > stock[("status_quo", s)] for s in (1, 2))


def test_compare_and_collect_find_the_nested_runs(regime_seed_sweep):
    from migsim.cli import main as cli_main

    # the comparison callback already ran at the end of the multirun
    assert (regime_seed_sweep / "comparison.parquet").is_file()
    comparison = pl.read_parquet(regime_seed_sweep / "comparison.parquet")
    assert set(comparison["regime"]) == {"status_quo", "free_mobility"}
    assert set(comparison["seed"]) == {1, 2}
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["collect", str(regime_seed_sweep)])
    assert exit_info.value.code == 0
    data = pl.read_parquet(f"{regime_seed_sweep}/dataset/**/*.parquet", hive_partitioning=True)
    assert data.group_by("regime", "seed").len().height == 4
    # the dataset's columns keep their units and meanings, as the run tables do
    import pyarrow.parquet as pq

    part = next((regime_seed_sweep / "dataset").rglob("*.parquet"))
    assert pq.read_schema(part).field("gdp").metadata[b"unit"] == b"PPP $"
    # run directories and the dataset are readable as mkdir makes them (not mkdtemp's 0700)
    umask = os.umask(0)
    os.umask(umask)
    for made in (regime_seed_sweep / "regime=status_quo" / "seed=1", regime_seed_sweep / "dataset"):
        assert made.stat().st_mode & 0o777 == 0o777 & ~umask, made
    # a comparison refused for its baseline leaves no --out directory behind
    with pytest.raises(SystemExit) as refused:
        out = regime_seed_sweep.parent / "cmp"
        cli_main(["compare", str(regime_seed_sweep), "--baseline", "nope", "--out", str(out)])
    assert refused.value.code == 2 and not out.exists()


def test_the_comparison_of_a_sweep_can_be_switched_off(tmp_path):
    sweep = tmp_path / "s"
    off = "hydra.callbacks.compare.enabled=false"  # as docs/comparing.md gives it
    proc = multirun(sweep, "regime=status_quo,free_mobility", off)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (sweep / "regime=free_mobility" / MANIFEST).is_file()
    assert not (sweep / "comparison.parquet").exists()


def test_a_key_named_like_a_column_is_renamed_and_the_column_kept(tmp_path):
    sweep = tmp_path / "s"
    proc = multirun(
        sweep,
        "population=small,default",
        "population.size=10000",
        "economy.remit_share_high=0.3,0.5",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = sorted(str(p.parent.relative_to(sweep)) for p in sweep.rglob(MANIFEST))
    assert runs[0] == "sweep_population=default/economy_remit_share_high=0.3"
    regions = pl.scan_parquet(f"{sweep}/**/regions.parquet", hive_partitioning=True).collect()
    assert regions.schema["population"] == pl.Float64
    assert regions.schema["sweep_population"] == pl.String
    assert regions.schema["economy_remit_share_high"] == pl.Float64
    assert set(regions["economy_remit_share_high"]) == {0.3, 0.5}
    one = pl.read_parquet(sweep / runs[0] / "regions.parquet")
    mine = regions.filter(
        pl.col("sweep_population") == "default", pl.col("economy_remit_share_high") == 0.3
    )
    assert mine["population"].to_list() == one["population"].to_list()
    assert (mine["population"] > 0).all()
    # `migsim collect` names and types the swept keys the same way: nothing overwrites a column
    from migsim.cli import main as cli_main

    for table in ("regions", "stocks"):
        with pytest.raises(SystemExit) as exit_info:
            cli_main(["collect", str(sweep), "--table", table])
        assert exit_info.value.code == 0
    name = {"regions": "dataset", "stocks": "dataset_stocks"}
    data = pl.read_parquet(f"{sweep}/{name['regions']}/**/*.parquet", hive_partitioning=True)
    assert data.schema["population"] == pl.Float64
    assert data.schema["sweep_population"] == pl.String
    assert data.schema["economy_remit_share_high"] == pl.Float64
    assert data.height == regions.height
    assert sorted(data["population"].to_list()) == sorted(regions["population"].to_list())
    stocks = pl.read_parquet(f"{sweep}/{name['stocks']}/**/*.parquet", hive_partitioning=True)
    assert stocks.schema["people"] == pl.Float64 and stocks.height > 0
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["collect", str(sweep), "--table", "nonsense"])
    assert exit_info.value.code == 2


def test_swept_keys_are_those_with_several_values_in_order():
    overrides = ["world=toy", "seed=range(1,3)", "regime=a,b", "years=2", "x=glob(*)"]
    assert sweeps.swept_keys(overrides) == ["seed", "regime", "x"]
    assert sweeps.swept_keys(["a=1"], {"b": "1,2"}) == ["b"]


def test_segment_names_and_values_are_path_safe():
    reserved = sweeps.reserved_names()
    assert {"population", "year", "people", "region"} <= reserved
    assert sweeps.partition_key("population", reserved) == "sweep_population"
    assert sweeps.partition_key("population.size", reserved) == "population_size"
    assert sweeps.partition_key("economy.remit_share_high", reserved) == "economy_remit_share_high"
    assert sweeps.partition_key("regime", reserved) == "regime"
    assert sweeps.partition_value("0.3") == "0.3"
    assert sweeps.partition_value("'a b/c'") == "a%20b%2Fc"
    assert sweeps.partition_value("[bhagwati_tax]") == "%5Bbhagwati_tax%5D"
    assert "/" not in sweeps.partition_value("x=y/z") and "=" not in sweeps.partition_value("=")


def _master(subdir: str, task: list[str]):
    return OmegaConf.create(
        {"hydra": {"sweep": {"subdir": subdir}, "overrides": {"task": task, "hydra": []}}}
    )


def test_the_layout_leaves_a_chosen_subdir_and_single_value_sweeps_alone():
    cfg = _master("${hydra.job.num}", ["regime=a,b", "seed=1"])
    SweepLayout().on_multirun_start(cfg)
    added = OmegaConf.to_container(cfg.hydra.overrides.hydra, resolve=False)
    assert added == ["hydra.sweep.subdir=${migsim_sweep_subdir:regime}"]
    for cfg, layout in (
        (_master("job${hydra.job.num}", ["regime=a,b"]), SweepLayout()),
        (_master("${hydra.job.num}", ["seed=1"]), SweepLayout()),
        (_master("${hydra.job.num}", ["regime=a,b"]), SweepLayout(hive=False)),
    ):
        layout.on_multirun_start(cfg)
        assert list(cfg.hydra.overrides.hydra) == []
