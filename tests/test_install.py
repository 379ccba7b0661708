"""migsim installed from its wheel works from any directory and never writes into its
install tree: the wheel is built, installed into a fresh virtual environment (dependencies
come from this environment's site-packages through a .pth file, so nothing is downloaded),
and every verb runs from a temporary working directory with the user cache pointed there."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO_ROOT), "--no-deps", "-q", "-w", wheels],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("migsim-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # the dependencies of this environment, after the fresh environment's own packages
    (purelib / "zz_migsim_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, env_dir, purelib / "migsim"


def test_the_wheel_ships_configs_and_world_data(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "migsim/configs/config.yaml",
        "migsim/configs/regime/free_mobility.yaml",
        "migsim/data/default/regions.csv",
        "migsim/data/toy/calibration.json",
        "migsim/kernels/migration.py",
    ):
        assert name in names, name


def test_every_verb_runs_from_elsewhere_without_writing_into_the_install(installed, tmp_path):
    _, env_dir, package = installed
    before = _tree(package)
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, MIGSIM_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("PYTHONPATH", None)
    migsim = str(env_dir / "bin" / "migsim")

    def run(*args: str) -> str:
        proc = subprocess.run(
            [migsim, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, (args, proc.stderr[-3000:])
        return proc.stdout + proc.stderr  # data on stdout, status lines ("wrote") on stderr

    assert run("--version").strip().startswith("migsim 0.")
    small = ("world=toy", "population.size=5000", "years=2", "progress=false")
    assert "world population" in run("run", *small)
    assert list((work / "outputs" / "runs").glob("*/manifest.json"))
    assert "calibrated toy" in run("calibrate", "world=toy")
    assert (tmp_path / "cache").is_dir()
    run("run", "-m", *small, "regime=status_quo,free_mobility", "hydra.sweep.dir=sweep")
    assert "dataset written" in run("collect", "sweep")
    assert "wrote" in run("compare", "sweep")
    assert "wrote" in run("validate", "--only", "E2", "--quick", "--out", "validation")
    game = ("NTH", "STH", "--world", "toy", "--size", "5000", "--years", "2", "--out", "game")
    assert "game.md" in run("game", *game)
    assert "population.size" in run("params")
    assert _tree(package) == before, "the install tree changed"
