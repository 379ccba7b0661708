"""Where migsim finds what ships with it, and where it writes what a user makes.

Shipped files (configs, world tables, stored calibrations) are package data, found with
`importlib.resources`, so an installed wheel works from any directory. Nothing is ever
written into the install tree: runs and reports go under the working directory, and
calibrations a user computes for a shipped world go to the user cache
(`MIGSIM_CACHE_DIR`, else `$XDG_CACHE_HOME/migsim`, else `~/.cache/migsim`).
"""

from __future__ import annotations

import os
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
