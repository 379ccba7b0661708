"""numba's compiled kernels live in a directory named by a hash of the kernels' sources, so a
change to any kernel file (even one that another kernel only inlines) compiles them afresh
instead of running code compiled from the old source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import migsim

REPO_ROOT = Path(__file__).resolve().parent.parent


def _copy_kernels(tmp_path: Path) -> Path:
    out = tmp_path / "kernels"
    shutil.copytree(REPO_ROOT / "kernels", out, ignore=shutil.ignore_patterns("__pycache__"))
    return out


def test_the_key_follows_every_kernel_file_and_the_draw_path(tmp_path, monkeypatch):
    monkeypatch.delenv("MIGSIM_VECTOR_DRAWS", raising=False)
    kernels = _copy_kernels(tmp_path)
    key = migsim.kernel_source_key(kernels)
    assert key == migsim.kernel_source_key(REPO_ROOT / "kernels")  # content, not place
    # a module that the fused pass only inlines from changes the key
    income = kernels / "income.py"
    income.write_text(income.read_text() + "\n# changed\n")
    changed = migsim.kernel_source_key(kernels)
    assert changed != key
    (kernels / "reference" / "extra.py").write_text("X = 1\n")
    assert migsim.kernel_source_key(kernels) not in (key, changed)
    (kernels / "reference" / "extra.py").unlink()
    assert migsim.kernel_source_key(kernels) == changed
    monkeypatch.setenv("MIGSIM_VECTOR_DRAWS", "0")
    assert migsim.kernel_source_key(kernels) != changed


def test_a_checkout_keeps_its_caches_beside_the_kernels_an_install_in_the_user_cache(
    tmp_path, monkeypatch
):
    assert migsim.numba_cache_root(REPO_ROOT / "kernels") == REPO_ROOT / ".numba-cache"
    monkeypatch.setenv("MIGSIM_CACHE_DIR", str(tmp_path / "user"))
    installed = tmp_path / "lib" / "site-packages" / "migsim" / "kernels"
    installed.mkdir(parents=True)
    assert migsim.numba_cache_root(installed) == tmp_path / "user" / "numba"


def test_importing_migsim_points_numba_at_the_current_kernels_cache(monkeypatch):
    monkeypatch.delenv("MIGSIM_VECTOR_DRAWS", raising=False)
    probe = "import migsim, numba; print(numba.config.CACHE_DIR)"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr
    key = migsim.kernel_source_key(REPO_ROOT / "kernels")
    assert Path(done.stdout.strip()) == REPO_ROOT / ".numba-cache" / key
    assert migsim.kernel_cache_dir(REPO_ROOT / "kernels") == REPO_ROOT / ".numba-cache" / key
    # a NUMBA_CACHE_DIR of the user's own is used as it is
    env["NUMBA_CACHE_DIR"] = "/tmp/migsim-own-numba-cache"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "/tmp/migsim-own-numba-cache"
