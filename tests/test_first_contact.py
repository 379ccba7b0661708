"""What a first run tells its user: the compile notice on a cold numba cache, the notice and
the time of a calibration computed on the fly, a progress bar without an estimate while the
first year (and the compilation) runs."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PROBE = "from migsim.runtime.firstcontact import cold_cache; print(cold_cache())"


def _cold(cache: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    if cache:
        env["NUMBA_CACHE_DIR"] = cache
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_fresh_numba_cache_is_cold_and_a_used_one_is_not(tmp_path, compose_cfg):
    import migsim

    migsim.run(compose_cfg("world=toy", "population.size=2000", "years=1"))  # warms the cache
    assert _cold(str(tmp_path / "fresh")) == "True"
    assert _cold(None) == "False"


def test_the_compile_notice_is_printed_on_a_cold_cache_only(capsys, monkeypatch):
    from migsim.runtime import firstcontact

    monkeypatch.setattr(firstcontact, "cold_cache", lambda: True)
    assert firstcontact.compile_notice()
    assert "compiling numba kernels (first run only" in capsys.readouterr().err
    monkeypatch.setattr(firstcontact, "cold_cache", lambda: False)
    assert not firstcontact.compile_notice()
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_a_run_with_a_fresh_numba_cache_says_it_compiles(tmp_path):
    """The whole first contact (1-2 min: every kernel is compiled)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "migsim", "run", "world=toy", "population.size=1000"]
    cmd += ["years=1", f"hydra.run.dir={run_dir}"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("migsim: compiling numba kernels (first run only")
    assert json.loads((run_dir / "manifest.json").read_text())["numba_compiled_kernels"]


def test_a_calibration_on_the_fly_is_announced_and_timed(
    tmp_path, toy_world_dir, capsys, monkeypatch
):
    import migsim
    from migsim.model import calibration as calibration_module

    monkeypatch.setattr(calibration_module, "_ANNOUNCED", set())  # announced once a process

    world = tmp_path / "world"
    shutil.copytree(toy_world_dir, world)
    for stored in world.glob("calibration.json*"):
        stored.unlink()
    out = tmp_path / "run"
    result = migsim.run(
        [f"world.path={world}", "population.size=2000", "years=1", "progress=false"], out=out
    )
    assert "calibrating world" in capsys.readouterr().err
    calibration = json.loads((out / "manifest.json").read_text())["calibration"]
    assert calibration["source"] == "computed" and calibration["seconds"] > 0
    del result


def test_a_stored_calibration_names_its_file_in_the_manifest(tmp_path):
    import migsim

    out = tmp_path / "run"
    migsim.run(["world=toy", "population.size=2000", "years=1", "progress=false"], out=out)
    calibration = json.loads((out / "manifest.json").read_text())["calibration"]
    assert calibration["source"] == "stored"
    assert calibration["path"].endswith(("calibration.json", "calibration.json.gz"))


def test_the_progress_bar_shows_no_estimate_during_the_first_year():
    from migsim.runtime.runner import YearBar

    screen = io.StringIO()
    bar = YearBar(10, file=screen)
    assert "first year" in screen.getvalue() and "<" not in screen.getvalue()
    started = bar.bar.start_t
    restart = bar.bar._time()
    bar.year_done()  # the first year (with any compilation) took whatever it took
    # the clock restarted when the first year ended (no bound on how long anything took)
    assert bar.bar.n == 1 and bar.bar.start_t >= restart >= started
    assert bar.bar.format_dict["rate"] is None or bar.bar.format_dict["n"] == 1
    bar.year_done()
    assert bar.bar.n == 2 and "<" in screen.getvalue().split("\r")[-1]
    bar.close()
