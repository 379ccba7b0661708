"""Where migsim finds what ships with it, and where it writes what a user makes.

Shipped files (configs, world tables, stored calibrations) are package data, found with
`importlib.resources`, so an installed wheel works from any directory. Nothing is ever
written into the install tree: runs and reports go under the working directory, and
calibrations a user computes for a shipped world go to the user cache
(`MIGSIM_CACHE_DIR`, else `$XDG_CACHE_HOME/migsim`, else `~/.cache/migsim`).
"""

from __future__ import annotations

import os
import shlex
from importlib.resources import files
from pathlib import Path


def config_dir() -> Path:
    """The shipped Hydra config tree (`configs/` in the source tree)."""
    return Path(str(files("migsim.configs")))


def data_dir() -> Path:
    """The shipped world directories (`engine/data/` in the source tree)."""
    return Path(str(files("migsim") / "data"))


def package_root() -> Path:
    """The directory the `migsim` package is imported from."""
    return Path(str(files("migsim")))


def cache_dir() -> Path:
    """The user cache for files migsim computes (created on first use by the writer)."""
    env = os.environ.get("MIGSIM_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migsim"


def is_shipped(path: Path) -> bool:
    """True if `path` lies inside the installed package (never written to)."""
    try:
        Path(path).resolve().relative_to(package_root().resolve())
    except ValueError:
        return False
    return True


def world_overrides(world) -> str:
    """The overrides that name `world` on a command line: `world=NAME` for a shipped or
    installed world, `world.path=DIR world.base_year=YEAR` for a directory of the user's own
    (its name is not a world config, and its base year is not read from the config)."""
    if is_shipped(world.path) and (config_dir() / "world" / f"{world.name}.yaml").is_file():
        return f"world={world.name}"
    path = shlex.quote(f"world.path={Path(world.path).resolve()}")
    return f"{path} world.base_year={world.base_year}"
