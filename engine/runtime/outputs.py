"""Run outputs: Parquet tables and manifest.json, committed atomically.

Tables are first written to `<run_dir>/.staging/`; only when every table is complete are
they renamed into `<run_dir>/`, with `manifest.json` last. A run directory without a
manifest is incomplete and readers skip it; an interrupted run never leaves a half-written
table where a complete one is expected, and other runs' files are never touched.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

import polars as pl

from migsim.core.resources import package_root

MANIFEST = "manifest.json"
STAGING = ".staging"
PACKAGES = ("migsim", "numba", "llvmlite", "numpy", "polars", "pyarrow", "hydra-core", "omegaconf")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_sha() -> str:
    root = package_root()
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        return (sha or "unknown") + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def config_hash(config_yaml: str) -> str:
    return hashlib.sha256(config_yaml.encode()).hexdigest()


def config_digest(cfg, drop: tuple[str, ...]) -> tuple[str, str]:
    """The resolved config as YAML without the top-level keys `drop`, and its SHA-256."""
    from omegaconf import OmegaConf

    plain = OmegaConf.to_container(cfg, resolve=True)
    for key in drop:
        plain.pop(key, None)
    text = OmegaConf.to_yaml(OmegaConf.create(plain))
    return text, config_hash(text)


class RunWriter:
    """Collects tables for one run and commits them into `run_dir` in one step."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.staging = self.run_dir / STAGING
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        self.written: list[str] = []

    def table(self, name: str, frame: pl.DataFrame) -> None:
        path = self.staging / f"{name}.parquet"
        frame.write_parquet(path, compression="zstd", statistics=True)
        self.written.append(path.name)

    def file(self, name: str, writer) -> Path:
        """Stage a file written by `writer(path)`."""
        path = self.staging / name
        writer(path)
        self.written.append(name)
        return path

    def commit(self, manifest: dict) -> Path:
        """Move staged tables into place, then write the manifest last."""
        manifest = dict(manifest, tables=sorted(self.written))
        for name in self.written:
            os.replace(self.staging / name, self.run_dir / name)
        tmp = self.staging / MANIFEST
        tmp.write_text(json.dumps(manifest, indent=2, default=str))
        os.replace(tmp, self.run_dir / MANIFEST)
        shutil.rmtree(self.staging, ignore_errors=True)
        return self.run_dir

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def is_complete(run_dir: str | Path) -> bool:
    return (Path(run_dir) / MANIFEST).is_file()
