"""`migsim run` as a user runs it: exit codes, one-line errors, the summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

ONE_LINE_BUG = (
    "engine/runtime/app.py one_line(): MissingConfigException has no attribute 'config_name' "
    "(hydra 1.3 names it missing_cfg_file), so an unknown config group option crashes with "
    "an AttributeError traceback and exit code 1"
)


def run_cli(*args: str, run_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "migsim.runtime.app", *args, f"hydra.run.dir={run_dir}"]
    return subprocess.run(
        cmd, check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )


def _assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    line = lines[0]
    assert line.strip()
    assert "Traceback" not in line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


BAD_VALUES = [
    ("population.size=-5", ("population.size",)),
    ("years=0", ("years",)),
    ("seed=-1", ("seed",)),
    ("seed=notanint", ("seed", "notanint")),
    ("world.path=/nonexistent", ("world", "/nonexistent")),
]


@pytest.mark.parametrize("override, needles", BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_bad_value_exits_2_with_one_line(tmp_path, override, needles):
    run_dir = tmp_path / "run"
    proc = run_cli(
        "world=toy", "population.size=2000", "years=1", "progress=false", override, run_dir=run_dir
    )
    _assert_one_line_error(proc, *needles)
    # nothing was simulated
    assert not list(run_dir.glob("*.parquet"))
    assert not (run_dir / "manifest.json").exists()


def test_unknown_regime_lists_allowed_values(tmp_path):
    proc = run_cli("world=toy", "regime=nonexistent", "progress=false", run_dir=tmp_path / "r")
    _assert_one_line_error(proc, "regime", "nonexistent", "status_quo")


def test_unknown_world_lists_allowed_values(tmp_path):
    proc = run_cli("world=nonexistent", "progress=false", run_dir=tmp_path / "r")
    _assert_one_line_error(proc, "world", "nonexistent", "toy")


def test_range_error_names_allowed_values(tmp_path):
    proc = run_cli("world=toy", "years=0", run_dir=tmp_path / "r")
    line = _assert_one_line_error(proc, "years")
    assert "1 to 500" in line


def test_bad_world_table_exits_2_naming_file(tmp_path, toy_world_dir):
    import shutil

    world = tmp_path / "w"
    shutil.copytree(toy_world_dir, world)
    (world / "bilateral.csv").unlink()
    proc = run_cli(
        f"world.path={world}",
        "population.size=2000",
        "years=1",
        "progress=false",
        run_dir=tmp_path / "r",
    )
    _assert_one_line_error(proc, "bilateral.csv")


def test_cfg_job_prints_config(tmp_path):
    proc = run_cli("--cfg", "job", run_dir=tmp_path / "r")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "seed: 1" in lines
    assert "years: 30" in lines
    # the run's base year is the world's unless given (resolved when the run starts)
    assert "base_year: ${oc.select:world.base_year,2013}" in lines
    # nothing is run
    assert not (tmp_path / "r" / "manifest.json").exists()


def test_tiny_run_prints_summary_and_commits(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli(
        "world=toy", "population.size=20000", "years=2", "progress=false", run_dir=run_dir
    )
    assert proc.returncode == 0, proc.stderr
    assert "world population" in proc.stdout
    # the toy world has 0.5 bn people in 2013 and grows slowly
    assert "2015: world population 0.5" in proc.stdout
    assert str(run_dir) in proc.stdout
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["years"] == 2 and manifest["world"] == "toy"
    for name in ("regions", "stocks", "flows"):
        assert (run_dir / f"{name}.parquet").is_file()
    assert not list(tmp_path.glob(".run.staging*"))
    # Hydra's own record of the config sits next to the tables
    assert (run_dir / ".hydra" / "config.yaml").is_file()


def test_one_line_condenses_missing_config_error():
    from hydra.errors import MissingConfigException

    from migsim.runtime.app import one_line

    exc = MissingConfigException(
        "In 'config': Could not find 'regime/nonexistent'\n\nAvailable options in 'regime':\n"
        "\tstatus_quo\nConfig search path:\n\tprovider=main, path=file:///configs",
        missing_cfg_file="regime/nonexistent",
        options=["status_quo"],
    )
    line = one_line(exc)
    assert "\n" not in line
    assert line == ("Could not find 'regime/nonexistent'; allowed values for regime: status_quo")


def test_one_line_keeps_the_first_line_and_cause():
    from hydra.errors import ConfigCompositionException

    from migsim.runtime.app import one_line

    try:
        try:
            raise ValueError("Value 'x' could not be converted to Integer\nfull_key: seed")
        except ValueError as inner:
            raise ConfigCompositionException("Error merging override seed=x") from inner
    except ConfigCompositionException as exc:
        line = one_line(exc)
    assert line == (
        "Error merging override seed=x: Value 'x' could not be converted to Integer"
        " (allowed: an integer in [0, 2**63))"  # what the parameter's declaration allows
    )


def test_an_index_past_the_end_of_a_list_says_what_is_allowed():
    """A sweep over a regime's parameter on a regime with fewer components (`regime=status_quo
    regime.components.0.rate=0.2`): the line says which indexes there are and how to add one."""
    from hydra.errors import ConfigCompositionException

    from migsim.runtime.app import one_line

    def line(override: str) -> str:
        try:
            try:
                raise IndexError("list index out of range")
            except IndexError as inner:
                raise ConfigCompositionException(f"Error merging override {override}") from inner
        except ConfigCompositionException as exc:
            return one_line(exc)

    assert line("regime.components.0.rate=0.2") == (
        "Error merging override regime.components.0.rate=0.2: list index out of range"
        " (allowed: an index below the number of items in regime.components (`--cfg job`"
        " prints them); regime.add=[{kind: ...}] adds a component)"
    )
    assert line("steps.7=x").endswith(
        "(allowed: an index below the number of items in steps (`--cfg job` prints them))"
    )


@pytest.mark.parametrize(
    "verb", ["calibrate", "collect", "compare", "game", "validate", "params", "behaviours"]
)
def test_every_verb_has_help_that_exits_0(verb, capsys):
    from migsim.cli import main

    with pytest.raises(SystemExit) as info:
        main([verb, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: migsim {verb}"), out
