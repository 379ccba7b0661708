"""Sweeps over a regime's own keys: a parameter of one of its components is a variant of the
comparison (`-m regime=bhagwati_tax regime.components.0.rate=0.05,0.1,0.2`), and runs told
apart by what `regime.add` adds stay apart in `migsim collect`'s dataset."""

from __future__ import annotations

import polars as pl

import migsim

SMALL = ("world=toy", "population.size=2000", "years=1", "progress=false")


def test_collect_names_the_regime_as_the_comparison_does(tmp_path):
    from migsim.analysis.collect import collect
    from migsim.analysis.compare import find_runs

    migsim.run([*SMALL], out=tmp_path / "0")
    migsim.run([*SMALL, "regime.add=[{kind: remittance_fee, cap: 0.03}]"], out=tmp_path / "1")
    names = sorted(r.regime for r in find_runs(tmp_path))
    assert names == ["status_quo", "status_quo+remittance_fee"]
    out = collect(tmp_path)
    data = pl.scan_parquet(f"{out}/**/*.parquet", hive_partitioning=True).collect()
    one = pl.read_parquet(tmp_path / "0" / "regions.parquet").height
    counts = dict(data.group_by("regime").len().iter_rows())
    assert counts == {name: one for name in names}  # two runs, two regimes, none merged
