"""Regime comparison: a Hydra multirun gives one comparison (via the callback), `migsim
compare` gives the same, and the tidy table has the documented shape."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    "regime",
    "variant",
    "seed",
    "year",
    "measure",
    "scope",
    "value",
    "baseline",
    "change",
    "change_pct",
    "unit",
]
REGIMES = ["status_quo", "free_mobility", "bhagwati_tax"]


def _multirun(sweep_dir: Path, *overrides: str) -> Path:
    """A Hydra multirun on the toy world into `sweep_dir` (the callback compares it)."""
    cmd = [
        sys.executable,
        "-m",
        "migsim.runtime.app",
        "-m",
        *overrides,
        "world=toy",
        "progress=false",
    ]
    cmd.append(f"hydra.sweep.dir={sweep_dir}")
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return sweep_dir


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return _multirun(
        tmp_path_factory.mktemp("multirun") / "sweep",
        "regime=" + ",".join(REGIMES),
        "seed=1,2",
        "population.size=10000",
        "years=2",
    )


def test_multirun_gives_six_runs_and_one_comparison(sweep):
    runs = sorted(p.parent for p in sweep.rglob("manifest.json"))
    assert len(runs) == 6
    # written by migsim.runtime.callbacks.CompareCallback at the end of the multirun
    for name in ("comparison.parquet", "report.md", "report.html", "headline.svg"):
        assert (sweep / name).is_file(), name
    table = pl.read_parquet(sweep / "comparison.parquet")
    assert table.columns == COLUMNS
    assert (table["variant"] == "").all()  # every run shares its other overrides
    gdp = table.filter(pl.col("measure") == "world_gdp")
    assert gdp["scope"].unique().to_list() == ["world"]
    assert sorted(zip(gdp["regime"], gdp["seed"])) == sorted(
        (r, s) for r in REGIMES for s in (1, 2)
    )
    sq = table.filter(pl.col("regime") == "status_quo")
    assert (sq["change"] == 0).all() and (sq["change_pct"].drop_nulls() == 0).all()
    fm = gdp.filter(pl.col("regime") == "free_mobility")
    assert (fm["change_pct"] > 0).all()
    report = (sweep / "report.md").read_text()
    for text in (
        "World GDP",
        "Table 6.2",
        "free_mobility",
        "bhagwati_tax",
        "Fiscal balance",
        "Remittances",
        "Skilled emigration",
        "Migrant stock",
    ):
        assert text in report, text
    html = (sweep / "report.html").read_text()
    assert '<figure id="headline">' in html and "<svg" in html


def test_measures_cover_the_issue(sweep):
    table = pl.read_parquet(sweep / "comparison.parquet")
    have = set(zip(table["measure"], table["scope"]))
    need = [
        ("world_gdp", "world"),
        ("gdp", "NTH"),
        ("fiscal_balance", "STH"),
        ("remittances_received", "world"),
        ("remittances_received", "MID"),
        ("skilled_emigration_rate", "STH"),
        ("tertiary_share", "MID"),
        ("migrant_stock", "world"),
        ("migrant_stock", "NTH"),
        ("real_income", "natives_developed"),
        ("real_income", "new_migrants"),
        ("real_income", "world"),
        ("levy_revenue", "world"),
    ]
    need += [(f"wage_{s}_{n}", "NTH") for s in ("low", "high") for n in ("native", "immigrant")]
    missing = [m for m in need if m not in have]
    assert not missing
    # the Bhagwati levy shows up against the baseline
    levy = table.filter(
        pl.col("regime") == "bhagwati_tax",
        pl.col("measure") == "levy_revenue",
        pl.col("scope") == "world",
    )
    assert (levy["change"] > 0).all()


def test_cli_compare_matches_callback(sweep, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migsim.cli",
            "compare",
            str(sweep),
            "--baseline",
            "status_quo",
            "--out",
            str(out),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "free_mobility: world GDP +" in proc.stdout
    # data on stdout (the headline), status on stderr
    assert "wrote" in proc.stderr and "wrote" not in proc.stdout
    assert pl.read_parquet(out / "comparison.parquet").equals(
        pl.read_parquet(sweep / "comparison.parquet")
    )
    assert (out / "report.html").is_file()


def test_other_baseline_and_errors(sweep, tmp_path):
    from migsim.analysis.compare import compare
    from migsim.core.errors import InputError

    t = compare(sweep, baseline="free_mobility")
    assert (t.filter(pl.col("regime") == "free_mobility")["change"] == 0).all()
    with pytest.raises(InputError, match="nonexistent"):
        compare(sweep, baseline="nonexistent")
    with pytest.raises(InputError, match="no complete run"):
        compare(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "compare", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_incomplete_runs_are_ignored(sweep, tmp_path):
    import shutil

    from migsim.analysis.compare import find_runs

    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    (copy / "regime=status_quo" / "seed=1" / "manifest.json").unlink()
    assert len(find_runs(copy)) == 5


def test_single_run_has_no_comparison(tmp_path):
    """The callback only acts at the end of a multirun."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            "world=toy",
            "population.size=2000",
            "years=1",
            "progress=false",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "run" / "manifest.json").exists()
    assert not (tmp_path / "run" / "comparison.parquet").exists()


def test_comparison_files_are_the_same_bytes_every_time(sweep, tmp_path):
    """Comparing the same sweep twice writes byte-identical tables and reports."""
    from migsim.analysis.report import write_comparison

    outs = []
    for k in range(2):
        out = tmp_path / f"c{k}"
        write_comparison(sweep, "status_quo", out)
        outs.append(out)
    for name in ("comparison.parquet", "report.md", "report.html", "headline.svg"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.fixture(scope="module")
def variant_sweep(tmp_path_factory) -> Path:
    """Regimes crossed with a behaviour parameter: rho = 0.6 uses the stored calibration,
    rho = 1 (the MNL) is calibrated afresh in every run."""
    return _multirun(
        tmp_path_factory.mktemp("variants") / "sweep",
        "regime=status_quo,free_mobility",
        "behaviour.nest_dissimilarity=0.6,1.0",
        "population.size=20000",
        "years=3",
    )


def test_a_parameter_sweep_compares_each_variant_with_its_own_baseline(variant_sweep):
    table = pl.read_parquet(variant_sweep / "comparison.parquet")
    assert table.columns == COLUMNS
    variants = ["behaviour.nest_dissimilarity=0.6", "behaviour.nest_dissimilarity=1.0"]
    assert sorted(table["variant"].unique().to_list()) == variants
    gdp = table.filter(pl.col("measure") == "world_gdp")
    assert gdp.height == 4
    # each status quo is its own variant's baseline: exactly zero change
    sq = gdp.filter(pl.col("regime") == "status_quo")
    assert (sq["change"] == 0).all()
    fm = gdp.filter(pl.col("regime") == "free_mobility").sort("variant")
    base = sq.sort("variant")["value"].to_list()
    assert fm["baseline"].to_list() == base
    assert (fm["change_pct"] > 0).all()
    # the two decision models respond differently to the same cut in policy costs
    stock = table.filter(
        pl.col("regime") == "free_mobility",
        pl.col("measure") == "migrant_stock",
        pl.col("scope") == "world",
    ).sort("variant")["change_pct"]
    # (at 20,000 agents over 3 years their gap is mostly sampling, 0.1 to 1 point as the
    # model changes: the check is that the variant reached the runs, which would otherwise
    # be the same bytes)
    assert stock[0] != stock[1], stock.to_list()
    report = (variant_sweep / "report.md").read_text()
    assert "free_mobility [behaviour.nest_dissimilarity=1.0]" in report
    assert "free_mobility [behaviour.nest_dissimilarity=0.6]" in report


def test_a_sensitivity_sweep_compares_each_value_with_the_config_default(variant_sweep, tmp_path):
    """A sweep of one regime over a parameter: each value against the config's default
    (rho = 0.6, the stored calibration's), not each against itself (all zero). Free
    mobility, since the status quo is the calibration's target under every rho."""
    import shutil

    from migsim.analysis.report import write_comparison

    copy = tmp_path / "copy"
    shutil.copytree(variant_sweep / "regime=free_mobility", copy)
    result = write_comparison(copy, "free_mobility", tmp_path / "out")
    assert result.reference.kind == "variant"
    assert result.reference.variant == "behaviour.nest_dissimilarity=0.6"
    stock = result.table.filter(pl.col("measure") == "migrant_stock", pl.col("scope") == "world")
    by_variant = dict(zip(stock["variant"], stock["change"]))
    assert by_variant["behaviour.nest_dissimilarity=0.6"] == 0
    assert by_variant["behaviour.nest_dissimilarity=1.0"] != 0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "sensitivity sweep" in report
    assert "behaviour.nest_dissimilarity=0.6 (reference)" in report


def test_a_seed_only_sweep_compares_each_seed_with_the_default_seed(sweep, tmp_path):
    import shutil

    from migsim.analysis.report import write_comparison

    copy = tmp_path / "copy"
    shutil.copytree(sweep / "regime=status_quo", copy)
    result = write_comparison(copy, "status_quo", tmp_path / "out")
    assert result.reference.kind == "seed" and result.reference.seed == 1  # configs/config.yaml
    gdp = result.table.filter(pl.col("measure") == "world_gdp")
    assert dict(zip(gdp["seed"], gdp["change"]))[1] == 0
    assert dict(zip(gdp["seed"], gdp["change"]))[2] != 0
    assert "seed 2" in (tmp_path / "out" / "report.md").read_text()


def test_comparison_parquet_carries_units(sweep):
    import pyarrow.parquet as pq

    schema = pq.read_schema(sweep / "comparison.parquet")
    for field in schema:
        meta = field.metadata or {}
        assert meta.get(b"description"), field.name
        if field.type in ("double", "int64") and field.name != "seed":
            assert meta.get(b"unit"), field.name
    units = dict(
        pl.read_parquet(sweep / "comparison.parquet").select("measure", "unit").unique().iter_rows()
    )
    assert units["world_gdp"] == "PPP $" and units["migrant_stock"] == "people"


def test_a_variant_without_its_baseline_is_an_error(variant_sweep, tmp_path):
    import shutil

    import yaml

    from migsim.analysis.compare import compare
    from migsim.core.errors import InputError

    copy = tmp_path / "copy"
    shutil.copytree(variant_sweep, copy)
    for run in sorted(p.parent for p in copy.rglob("manifest.json")):
        overrides = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
        if "regime=status_quo" in overrides and "behaviour.nest_dissimilarity=1.0" in overrides:
            (run / "manifest.json").unlink()
    with pytest.raises(InputError, match=r"nest_dissimilarity=1\.0") as err:
        compare(copy)
    assert "\n" not in str(err.value)


def test_a_declared_measure_reaches_the_comparison_and_the_report(sweep, tmp_path, monkeypatch):
    """One declaration adds a measure: it is in comparison.parquet, set against the baseline,
    and in the report's "More measures" section with its unit and meaning."""
    from migsim.analysis import measures
    from migsim.analysis.measures import by_scope, final_year, measure
    from migsim.analysis.report import write_comparison

    monkeypatch.setattr(measures, "_MEASURES", dict(measures.registered()))

    @measure("births", unit="people", doc="Children born in the region in the year.")
    def births(run):
        return by_scope(final_year(run.table("regions")), "region", "births")

    result = write_comparison(sweep, "status_quo", tmp_path / "c")
    rows = result.table.filter(pl.col("measure") == "births")
    assert sorted(set(rows["scope"])) == ["MID", "NTH", "STH"]
    assert rows.height == 3 * len(REGIMES) * 2  # regions x regimes x seeds
    sq = rows.filter(pl.col("regime") == "status_quo")
    assert (sq["change"] == 0).all() and (sq["value"] > 0).all()
    report = (tmp_path / "c" / "report.md").read_text()
    assert "## More measures" in report
    assert "**births** (people): Children born in the region in the year." in report


def test_an_installed_package_declares_measures_through_its_entry_point(
    sweep, tmp_path, monkeypatch
):
    """A package's entry point in the group migsim.measures names a module whose import
    declares measures; the registry loads it with the shipped ones."""
    import importlib.metadata

    from migsim.analysis import measures
    from migsim.analysis.compare import compare

    (tmp_path / "mylab_measures.py").write_text(
        "from migsim.analysis.measures import by_scope, final_year, measure\n\n\n"
        '@measure("deaths", unit="people", doc="Deaths in the region in the year.")\n'
        "def deaths(run):\n"
        '    return by_scope(final_year(run.table("regions")), "region", "deaths")\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(measures, "_MEASURES", dict(measures.registered()))
    monkeypatch.setattr(measures, "_loaded", False)
    plugin = importlib.metadata.EntryPoint("mylab", "mylab_measures", measures.ENTRY_POINT_GROUP)
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group: [plugin] if group == measures.ENTRY_POINT_GROUP else [],
    )
    table = compare(sweep)
    assert "deaths" in set(table["measure"])
    assert {"world_gdp", "real_income", "deaths"} <= set(measures.registered())
