"""A run never writes into a directory that already holds a complete run
(engine/runtime/rundirs.py): from the command line, a multirun's job directories and Python,
the second run is refused with one line and exit 2 before anything is written, and the first
run is left byte for byte as it was."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

import migsim
from migsim.core.errors import InputError

TINY = ["world=toy", "population.size=2000", "years=1", "progress=false"]


def _run(*args: str, cwd: Path):
    cmd = [sys.executable, "-m", "migsim", "run", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_run_directory_holding_a_run_is_refused_and_kept(tmp_path):
    first = _run(*TINY, f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = _digest(tmp_path / "r")
    again = _run(*TINY, "seed=5", "snapshot=true", f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "already holds a complete run" in lines[0], lines
    assert _digest(tmp_path / "r") == before  # .hydra/ and run.log included

    (tmp_path / "f").write_text("x")
    on_file = _run(*TINY, f"hydra.run.dir={tmp_path / 'f'}", cwd=tmp_path)
    assert on_file.returncode == 2 and "is a file" in on_file.stderr


def test_a_sweep_may_add_runs_but_not_replace_them(tmp_path):
    sweep = tmp_path / "s"
    first = _run("-m", *TINY, "seed=1,2", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = _digest(sweep / "seed=2")
    again = _run("-m", *TINY, "seed=2,3", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert again.returncode == 2 and "seed=2' already holds a complete run" in again.stderr
    assert _digest(sweep / "seed=2") == before
    assert not (sweep / "seed=3").exists()  # refused before any job ran
    # a flag's value given as the next word is not read as an override (`-cd DIR`)
    extra = tmp_path / "more_configs"
    extra.mkdir()
    cd = ["-cd", str(extra)]
    more = _run("-m", *cd, *TINY, "seed=3,4", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert more.returncode == 0, more.stderr
    assert (sweep / "seed=4" / "manifest.json").is_file()
    # other swept keys would nest new runs inside the earlier ones: refused too
    nested = _run("-m", *TINY, "seed=1,2", "years=1,2", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert nested.returncode == 2 and "seed=1' already holds a complete run" in nested.stderr
    assert _digest(sweep / "seed=2") == before


def test_python_out_and_save_refuse_a_directory_holding_a_run(tmp_path):
    result = migsim.run(TINY, out=tmp_path / "r")
    before = _digest(tmp_path / "r")
    with pytest.raises(InputError, match=r"^out: '.*r' already holds a complete run"):
        migsim.run([*TINY, "seed=3"], out=tmp_path / "r")
    with pytest.raises(InputError, match=r"^save: '.*r' already holds a complete run"):
        result.save(tmp_path / "r")
    assert _digest(tmp_path / "r") == before
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match=r"^out: '.*f' is a file"):
        migsim.run(TINY, out=tmp_path / "f")


def test_a_value_swept_twice_is_refused_and_inspecting_a_used_directory_is_not(tmp_path):
    twice = _run("-m", *TINY, "seed=1,1", cwd=tmp_path)  # Hydra's own sweep directory
    assert twice.returncode == 2 and "a value swept twice" in twice.stderr, twice.stderr
    assert not (tmp_path / "outputs").exists()
    assert _run(*TINY, f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path).returncode == 0
    shown = _run(*TINY, f"hydra.run.dir={tmp_path / 'r'}", "--cfg=job", cwd=tmp_path)
    assert shown.returncode == 0 and "population:" in shown.stdout, shown.stderr


def test_a_refused_run_in_an_unfinished_directory_keeps_it_and_logs_why(tmp_path):
    run_dir = tmp_path / "r"
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / "notes.txt").write_text("an unfinished run's file")
    (run_dir / ".hydra" / "config.yaml").write_text("seed: 3\n")  # that run's config
    before = _digest(run_dir)
    bad = _run(*TINY, "population.size=-5", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    after = _digest(run_dir)
    assert after.pop("run.log") and after == before  # its .hydra/ put back, nothing else
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no copy left aside
    log = (run_dir / "run.log").read_text().strip().splitlines()
    assert "refused: population.size: -5 people" in log[-1], log


def test_two_writers_of_one_run_directory_never_mix(tmp_path):
    import os

    import polars as pl

    from migsim.runtime import outputs

    run_dir = tmp_path / "r"
    run_dir.mkdir()
    first, second = outputs.RunWriter(run_dir), outputs.RunWriter(run_dir)
    assert first.staging != second.staging  # one staging directory per writer
    first.table("regions", pl.DataFrame({"who": ["first"]}))
    second.table("regions", pl.DataFrame({"who": ["second"]}))
    first.commit({"run": "first"})
    with pytest.raises(InputError, match="already holds a complete run"):
        second.commit({"run": "second"})
    assert pl.read_parquet(run_dir / "regions.parquet")["who"].to_list() == ["first"]
    assert '"run": "first"' in (run_dir / "manifest.json").read_text()
    assert not list(tmp_path.glob(".r.staging*"))
    # a killed writer's staging directory is removed by the next writer on this machine;
    # a live process's stays
    prefix = f".r{outputs.STAGING}-{outputs._HOST}"
    dead = tmp_path / f"{prefix}-999999999-x"
    live = tmp_path / f"{prefix}-{os.getppid()}-x"
    dead.mkdir()
    live.mkdir()
    outputs.RunWriter(tmp_path / "r").abort()
    assert not dead.exists() and live.exists()
