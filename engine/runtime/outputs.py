"""Run outputs: Parquet tables and manifest.json, committed atomically.

Tables and `manifest.json` are first written to a staging directory next to the run
directory (`.<name>.staging-<host>-<pid>-<random>/`, one per writing process); when every
table is complete, one rename makes them appear in the run directory together. A run
directory without a manifest is incomplete and readers skip it; an interrupted or failed run
leaves no table and no temporary file behind, and other runs' files are never touched.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import tempfile
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
    """Collects tables for one run and commits them into `run_dir` in one step.

    Tables and manifest.json are staged in `<parent>/.<name>.staging-<host>-<pid>-<random>/`,
    next to the run directory: one staging directory per writer, so two processes given the
    same run directory never share one. At commit the run directory's own files (Hydra's
    `.hydra/`, run.log, progress.jsonl, checkpoints) are moved into the staging directory, and
    the staging directory is renamed to the run directory: the tables and the manifest appear
    together, in one rename. A run directory that received a complete run meanwhile (another
    process's) is left as it is and this run is refused. Any failure before that rename puts
    the run directory back as it was and removes the staging directory."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.run_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(self.run_dir)
        prefix = f".{self.run_dir.name}{STAGING}-{_HOST}-{os.getpid()}-"
        self.staging = staging_dir(prefix, self.run_dir.parent)
        self.written: list[str] = []
        self._moved: list[str] = []  # run directory entries moved into the staging directory
        self.columns: dict | None = None  # table -> column -> Column (declared on first use)

    def table(self, name: str, frame: pl.DataFrame) -> None:
        """Stage table `name`, each column with its unit and description as Parquet field
        metadata (from `self.columns`, table -> column -> `Column`; by default what
        `migsim.runtime.columns` declares for every registered step)."""
        from migsim.runtime.columns import arrow_table, declared, write_parquet

        if self.columns is None:
            self.columns = declared()
        path = self.staging / f"{name}.parquet"
        write_parquet(arrow_table(frame, self.columns.get(name, {})), path)
        self.written.append(path.name)

    def file(self, name: str, writer) -> Path:
        """Stage a file written by `writer(path)`."""
        path = self.staging / name
        writer(path)
        self.written.append(name)
        return path

    def commit(self, manifest: dict) -> Path:
        """Write the manifest next to the staged tables, then rename them into place."""
        manifest = dict(manifest, tables=sorted(self.written))
        (self.staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
        if (self.run_dir / MANIFEST).exists():  # another process's run completed meanwhile
            from migsim.runtime.rundirs import refuse_existing_run

            self.abort()
            refuse_existing_run(self.run_dir, "run directory")
        staged = {*self.written, MANIFEST}
        for entry in sorted(os.listdir(self.run_dir)):
            if entry in staged:  # an unfinished run's table: replaced by this run's
                continue
            os.rename(self.run_dir / entry, self.staging / entry)
            self._moved.append(entry)
        stale = [self.run_dir / n for n in os.listdir(self.run_dir)]
        for path in stale:
            path.unlink()
        cwd = _cwd_inside(self.run_dir)  # hydra.job.chdir=true: the process works in it
        os.rmdir(self.run_dir)
        os.rename(self.staging, self.run_dir)  # the commit
        self._moved = []
        if cwd is not None:
            os.chdir(self.run_dir.resolve() / cwd)
        return self.run_dir

    def abort(self) -> None:
        """Put the run directory back as it was and remove everything staged."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for entry in self._moved:
            try:
                os.rename(self.staging / entry, self.run_dir / entry)
            except OSError:
                pass
        self._moved = []
        shutil.rmtree(self.staging, ignore_errors=True)


def staging_dir(prefix: str, parent: Path) -> Path:
    """A new directory under `parent` named `prefix` + random letters, with the permissions
    `mkdir` gives under the process's umask (mkdtemp's are 0700: a run directory renamed from
    it would be unreadable to the user's group)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)
    return path


_HOST = platform.node().replace(os.sep, "_") or "host"


def _remove_stale_staging(run_dir: Path) -> None:
    """Remove the staging directories of `run_dir` left by writers on this host whose process
    is gone (killed before it could clean up); another host's, or a live process's, stay."""
    for path in run_dir.parent.glob(f".{run_dir.name}{STAGING}-{_HOST}-*"):
        pid = path.name[len(f".{run_dir.name}{STAGING}-{_HOST}-") :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _cwd_inside(run_dir: Path) -> Path | None:
    """The working directory relative to `run_dir` when it lies inside it, else None."""
    try:
        return Path.cwd().relative_to(run_dir.resolve())
    except (OSError, ValueError):
        return None


def is_complete(run_dir: str | Path) -> bool:
    return (Path(run_dir) / MANIFEST).is_file()
