"""The Python API (engine/api.py, engine/analysis/runs.py): the same run from Python, from a
run directory and year by year gives the same tables."""

from __future__ import annotations

import polars as pl
import pytest

import migsim
from migsim.core.errors import InputError

SMALL = ["world=toy", "population.size=5000", "years=2", "progress=false"]


@pytest.fixture(scope="module")
def status_quo(tmp_path_factory):
    return migsim.run(SMALL, out=tmp_path_factory.mktemp("api") / "sq")


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    assert migsim.__version__ == version("migsim")


def test_a_run_kept_in_memory_equals_the_run_written_to_disk(status_quo):
    in_memory = migsim.run(SMALL)
    assert in_memory.run_dir is None
    assert list(in_memory.tables) == list(status_quo.tables)
    for name in status_quo.tables:
        assert in_memory.tables[name].equals(status_quo.tables[name]), name


def test_load_run_reads_back_every_table_and_the_manifest(status_quo):
    loaded = migsim.load_run(status_quo.run_dir)
    assert loaded.manifest["config_hash"] == status_quo.manifest["config_hash"]
    assert loaded.summary == status_quo.summary
    assert sorted(loaded.tables) == sorted(status_quo.tables)
    for name in status_quo.tables:
        assert loaded.tables[name].equals(status_quo.tables[name]), name
    assert loaded.regions.equals(status_quo.regions)
    lazy = loaded.lazy("stocks")
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(status_quo.stocks)


def test_saved_result_is_a_complete_run_directory(status_quo, tmp_path):
    path = migsim.run(SMALL).save(tmp_path / "copy")
    again = migsim.load_run(path)
    assert again.regions.equals(status_quo.regions)
    assert sorted(again.manifest["tables"]) == sorted(f"{n}.parquet" for n in again.tables)


def test_load_run_refuses_an_incomplete_directory(tmp_path):
    with pytest.raises(InputError, match="manifest.json"):
        migsim.load_run(tmp_path)


def test_stepping_year_by_year_gives_the_runs_tables(status_quo):
    sim = migsim.build_simulation(SMALL)
    assert sim.year == 2013
    sim.step()
    sim.step()
    assert sim.year == 2015
    tables = sim.tables()
    for name in ("regions", "stocks", "flows", "welfare"):
        assert tables[name].equals(status_quo.tables[name]), name


def test_dict_overrides_compose_the_same_config_as_strings():
    from omegaconf import OmegaConf

    as_dict = migsim.compose(
        {"world": "toy", "population": {"size": 5000}, "years": 2, "progress": False}
    )
    as_strings = migsim.compose(SMALL)
    assert OmegaConf.to_yaml(as_dict) == OmegaConf.to_yaml(as_strings)


def test_compose_raises_the_one_line_input_error():
    with pytest.raises(InputError, match=r"population.size: -5 people cannot be simulated"):
        migsim.compose(["population.size=-5"])


def test_compare_two_regimes_from_memory(status_quo):
    free = migsim.run([*SMALL, "regime=free_mobility"])
    table = migsim.compare([status_quo, free])
    assert set(table["regime"]) == {"status_quo", "free_mobility"}
    base = table.filter(pl.col("regime") == "status_quo")
    assert (base["change"] == 0.0).all()  # a regime compared with itself differs by zero
    stock = table.filter(
        pl.col("regime") == "free_mobility",
        pl.col("measure") == "migrant_stock",
        pl.col("scope") == "world",
    )
    assert (stock["change"] > 0).all()  # free mobility adds migrants


def test_compare_refuses_runs_of_different_configs_the_overrides_do_not_name(status_quo):
    """Runs made from composed configs carry no overrides: a baseline of another world (or
    length, or size) is refused, naming the key, instead of a 1,000% 'change'."""
    other = migsim.run(config=migsim.compose([*SMALL[1:], "world=twins", "regime=free_mobility"]))
    named = r"runs\[1\] differs .* \(runs\[0\]\) in world.name: twins"
    with pytest.raises(InputError, match=named):
        migsim.compare([migsim.run(config=migsim.compose(SMALL)), other])
    longer = migsim.run(config=migsim.compose([*SMALL, "years=3", "regime=free_mobility"]))
    # against a run whose overrides name `years`: told as a variant without a baseline
    with pytest.raises(InputError, match=r"with seed 1 and years=3 to compare runs\[1\]"):
        migsim.compare([status_quo, longer])


def test_compare_reads_values_not_override_text(status_quo):
    """`5_000` and `5000`, a default given or left unset, and settings that do not change the
    tables (threads) are one variant."""
    free = migsim.run(
        ["world=toy", "population.size=5_000", "years=2", "regime=free_mobility", "threads=1"]
    )
    table = migsim.compare([status_quo, free])
    assert set(table["variant"]) == {""}
    assert set(table["regime"]) == {"status_quo", "free_mobility"}


def test_compare_names_the_runs_as_given():
    with pytest.raises(InputError, match=r"^compare: no runs given"):
        migsim.compare([])
    single = migsim.run(SMALL)
    with pytest.raises(InputError, match=r"Result is not a list of runs"):
        migsim.compare(single)
    free = migsim.run([*SMALL, "regime=free_mobility"])
    with pytest.raises(InputError, match=r"^baseline: no run of regime 'status_quo' among the"):
        migsim.compare([free])


def test_a_checkpoint_written_from_python_resumes_as_printed(tmp_path):
    """A run from Python records its overrides in its checkpoints, so `resume=PATH` alone
    (from Python or the command line) continues it, to the same tables."""
    import subprocess
    import sys

    full = migsim.run([*SMALL, "years=3", "checkpoint_every=1"], out=tmp_path / "full")
    checkpoint = tmp_path / "full" / "checkpoint-2014.npz"
    assert checkpoint.is_file()
    resumed = migsim.run([f"resume={checkpoint}"], out=tmp_path / "resumed")
    for name in full.tables:
        assert resumed.tables[name].equals(full.tables[name]), name
    # the dict form, whose value the API quotes for Hydra, reads the same saved overrides
    as_dict = migsim.run({"resume": str(checkpoint)}, out=tmp_path / "as_dict")
    assert as_dict.tables["regions"].equals(full.tables["regions"])
    with pytest.raises(InputError, match="^resume: needs a run directory"):
        migsim.run([f"resume={checkpoint}"])  # no out=: the message names resume
    cmd = [sys.executable, "-m", "migsim", "run", f"resume={checkpoint}", "progress=false"]
    cmd.append(f"hydra.run.dir={tmp_path / 'cli'}")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    cli = migsim.load_run(tmp_path / "cli")
    for name in full.tables:
        assert cli.tables[name].equals(full.tables[name]), name


def test_a_checkpoint_of_a_composed_config_names_what_to_give_again(tmp_path):
    """A run from a composed config holds no overrides: its resume is refused with the
    checkpoint's values as overrides, and given them, it continues the run exactly."""
    cfg = migsim.compose([*SMALL, "years=3", "checkpoint_every=1", "seed=5", "threads=1"])
    full = migsim.run(config=cfg, out=tmp_path / "full")
    checkpoint = tmp_path / "full" / "checkpoint-2014.npz"
    with pytest.raises(InputError) as info:
        migsim.run([f"resume={checkpoint}", "progress=false"], out=tmp_path / "bare")
    problem, allowed = info.value.problem, info.value.allowed
    assert problem.startswith("was made from a composed config, which holds no overrides")
    assert allowed.startswith("the checkpoint's values given again: ")
    again = allowed.split(": ", 1)[1].split()
    assert "seed=5" in again and not (tmp_path / "bare").exists()
    resumed = migsim.run([f"resume={checkpoint}", "years=3", *again], out=tmp_path / "again")
    for name in full.tables:
        assert resumed.tables[name].equals(full.tables[name]), name


def test_compose_checks_regime_components_before_any_world_is_loaded():
    with pytest.raises(InputError, match=r"^regime.components\[0\].kind: 'nope' is not a comp"):
        migsim.compose([*SMALL, "regime.add=[{kind: nope}]"])
    with pytest.raises(InputError, match=r"fator: is not a key of 'scale_policy_cost'"):
        migsim.compose([*SMALL, "regime.add=[{kind: scale_policy_cost, fator: 1}]"])


def test_a_component_that_applies_to_no_simulated_year_is_warned_about(caplog):
    late = "regime.add=[{kind: scale_policy_cost, factor: 0, from_year: 2050}]"
    with caplog.at_level("WARNING", logger="migsim.regimes"):
        migsim.run([*SMALL, late])
    assert any("start after the run's last year 2015" in r.message for r in caplog.records)
    caplog.clear()
    # a shipped regime's dated history (the EU's enlargements of 2004 and 2007 in a run from
    # 1990 that ends in 1993) is left out on purpose: no warning
    with caplog.at_level("WARNING", logger="migsim.regimes"):
        migsim.run(["world=regions12_1990", "population.size=5000", "years=3", "regime=history"])
    assert not any("start after" in r.message for r in caplog.records)


def test_a_sweep_of_a_setting_that_does_not_change_results_is_its_variant():
    """`threads=1,2` given to every run (a determinism check) keeps its variants; the tables
    agree, so every change between the two thread counts' comparisons is the same."""
    runs = [
        migsim.run([*SMALL, f"threads={t}", f"regime={r}"])
        for t in (1, 2)
        for r in ("status_quo", "free_mobility")
    ]
    table = migsim.compare(runs)
    assert set(table["variant"]) == {"threads=1", "threads=2"}
    one, two = (
        table.filter(pl.col("variant") == v).drop("variant") for v in ("threads=1", "threads=2")
    )
    assert one.equals(two)


def test_the_report_of_a_sweep_over_years_draws_the_years_each_run_has(tmp_path):
    """The time paths of runs of different lengths (a sweep `years=1,2`) leave out the years
    a run lacks instead of failing on them."""
    from migsim.analysis.report import write_comparison

    for years in (1, 2):
        migsim.run([*SMALL, f"years={years}"], out=tmp_path / "sweep" / f"years={years}")
    result = write_comparison(tmp_path / "sweep", "status_quo")
    assert (result.out_dir / "time-paths.svg").is_file()
    assert set(result.table["variant"]) == {"years=1", "years=2"}
