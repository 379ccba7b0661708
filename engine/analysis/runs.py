"""The one reader of a run directory: its tables, manifest and command-line overrides.

A complete run (engine/runtime/outputs.py) is a directory with one Parquet file per table
(regions, stocks, flows, remittances, fiscal, welfare, and people when a snapshot was asked
for), `manifest.json` written last, and, for runs launched through Hydra,
`.hydra/overrides.yaml`. Every reader of runs (the comparison, `migsim collect`, the games,
the validation experiments) goes through `load_run`, so the layout is known in one place.

    run = load_run("outputs/runs/<time>")
    run.tables["stocks"]        # a polars LazyFrame (scan_parquet): filter before reading
    run.table("regions")        # a DataFrame, read once and kept
    run.manifest["seed"], run.overrides, run.regime
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from migsim.core.errors import InputError
from migsim.runtime.outputs import MANIFEST

# overrides that identify a run rather than vary it (the comparison's keys)
_IDENTITY_OVERRIDES = ("regime", "seed")


@dataclass
class RunTables:
    """One complete run. `tables` maps a table name to a lazy scan of its Parquet file;
    `table(name)` reads it into a DataFrame once and keeps it."""

    path: Path
    manifest: dict
    overrides: dict[str, str]
    tables: dict[str, pl.LazyFrame]
    _read: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pl.DataFrame:
        if name not in self._read:
            if name not in self.tables:
                raise InputError(
                    str(self.path), f"has no {name}.parquet", ", ".join(sorted(self.tables))
                )
            self._read[name] = self.tables[name].collect()
        return self._read[name]

    def has(self, name: str) -> bool:
        return name in self.tables

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def config(self) -> dict:
        """The run's resolved config (the manifest's YAML) as plain Python data."""
        return yaml.safe_load(self.manifest.get("config") or "") or {}

    @property
    def regime(self) -> str:
        """The regime's name: `regime.name` plus the names in `regime.add`, joined by '+'
        (`migsim.regimes.regime_name`; a component given inline adds "custom")."""
        from omegaconf import OmegaConf

        from migsim.regimes import regime_name

        cfg = OmegaConf.create(self.manifest.get("config") or "{}")
        return regime_name(cfg.get("regime") or OmegaConf.create({"name": "status_quo"}))


def run_overrides(run_dir: str | Path) -> dict[str, str]:
    """The run's command-line overrides (Hydra's `.hydra/overrides.yaml`) other than regime,
    seed and hydra.*, as key -> value; empty for a run without that file."""
    path = Path(run_dir) / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    out = {}
    for item in yaml.safe_load(path.read_text()) or []:
        key, _, value = str(item).partition("=")
        key = key.lstrip("+~")
        if key in _IDENTITY_OVERRIDES or key.startswith("hydra"):
            continue
        out[key] = value
    return out


def load_run(path: str | Path) -> RunTables:
    """The run in `path`; a directory without manifest.json (an unfinished or failed run) is
    refused with one line."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise InputError(str(path), "is not a complete run (no manifest.json)", "a run directory")
    tables = {p.stem: pl.scan_parquet(p) for p in sorted(path.glob("*.parquet"))}
    return RunTables(path, json.loads(manifest_path.read_text()), run_overrides(path), tables)


def find_runs(root: str | Path) -> list[Path]:
    """Every complete run directory under `root`, recursively, in path order (a sweep's
    collected `dataset/` is not a run)."""
    root = Path(root)
    return sorted(
        p.parent for p in root.rglob(MANIFEST) if "dataset" not in p.relative_to(root).parts
    )
