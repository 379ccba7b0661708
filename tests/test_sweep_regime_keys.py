"""Sweeps over a regime's own keys: a parameter of one of its components is a variant of the
comparison (`-m regime=bhagwati_tax regime.components.0.rate=0.05,0.1,0.2`), and runs told
apart by what `regime.add` adds stay apart in `migsim collect`'s dataset."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import migsim

SMALL = ("world=toy", "population.size=2000", "years=1", "progress=false")
RATE = "regime.components.0.rate"


@pytest.fixture(scope="module")
def rate_sweep(tmp_path_factory) -> Path:
    """The Bhagwati tax at three rates, the default (0.1) among them, one seed."""
    root = tmp_path_factory.mktemp("rates")
    for rate in ("0.05", "0.1", "0.2"):
        migsim.run([*SMALL, "regime=bhagwati_tax", f"{RATE}={rate}"], out=root / f"rate={rate}")
    return root


def test_a_sweep_of_a_regime_parameter_compares_each_value_with_the_default(rate_sweep):
    from migsim.analysis.compare import compare, find_runs, reference_of

    runs = find_runs(rate_sweep)
    assert sorted(r.variant for r in runs) == [f"{RATE}={v}" for v in ("0.05", "0.1", "0.2")]
    ref = reference_of(runs, "bhagwati_tax")
    assert (ref.kind, ref.variant) == ("variant", f"{RATE}=0.1")
    assert "the config's default" in ref.note
    table = compare(rate_sweep, "bhagwati_tax", runs, ref)
    levy = table.filter(pl.col("measure") == "levy_revenue", pl.col("scope") == "world")
    change = dict(zip(levy["variant"], levy["change"]))
    assert change[f"{RATE}=0.1"] == 0
    assert change[f"{RATE}=0.05"] < 0 < change[f"{RATE}=0.2"]  # a higher rate raises more


def test_a_regime_parameter_sweep_without_the_baseline_names_the_regimes(rate_sweep):
    from migsim.analysis.compare import compare
    from migsim.core.errors import InputError

    with pytest.raises(InputError, match="no run of regime 'status_quo'.*bhagwati_tax"):
        compare(rate_sweep)


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
