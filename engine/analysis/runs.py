"""A run's results as one object, in memory or read from a run directory.

`Result` holds a run's tables (polars frames: `result.regions`, `result.stocks`,
`result.flows`, ... and `result.tables`), its manifest and summary; `result.save(dir)` writes
the usual run directory. `load_run(path)` is the one reader of a run directory: it checks
the directory is complete (its manifest exists) and reads each table when first asked for.
Every reader of runs (the public API, the comparison, `migsim collect`, the games, the
validation experiments) goes through it, so the layout is known in one place:

    run = load_run("outputs/runs/<time>")
    run.lazy("stocks")          # a polars LazyFrame (scan_parquet): filter before reading
    run.table("regions")        # a DataFrame, read once and kept (also run.regions)
    run.seed, run.regime, run.overrides, run.override_values
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from migsim.core.errors import InputError
from migsim.runtime.outputs import MANIFEST, RunWriter

OVERRIDES = Path(".hydra") / "overrides.yaml"
# what reading a damaged or foreign Parquet file raises (polars, pyarrow, the file system)
_READ_ERRORS = (OSError, ValueError, pl.exceptions.PolarsError)
MAGIC = b"PAR1"  # the first and last four bytes of a Parquet file
# overrides that identify a run rather than vary it (the comparison's keys; the regime's
# name includes what regime.add adds)
_IDENTITY_OVERRIDES = ("regime", "regime.add", "seed")


class Tables(Mapping):
    """Table name -> polars DataFrame; frames of a run directory are read on first access."""

    def __init__(self, frames: dict[str, pl.DataFrame] | None = None, run_dir: Path | None = None):
        self._frames = dict(frames or {})
        self._paths: dict[str, Path] = {}
        if run_dir is not None:
            for path in sorted(run_dir.glob("*.parquet")):
                self._paths.setdefault(path.stem, path)

    def _names(self) -> list[str]:
        return list(dict.fromkeys([*self._frames, *self._paths]))

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._frames:
            if name not in self._paths:
                raise KeyError(name)
            path = self._paths[name]
            try:
                self._frames[name] = pl.read_parquet(path)
            except _READ_ERRORS as exc:
                raise unreadable_table(path, exc) from None
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def lazy(self, name: str) -> pl.LazyFrame:
        """The table as a LazyFrame (scanned from its Parquet file when there is one)."""
        if name in self._paths and name not in self._frames:
            return pl.scan_parquet(self._paths[name])
        return self[name].lazy()


class Result:
    """One run's tables, manifest and summary.

    Attributes: `tables` (name -> DataFrame: regions, stocks, flows and, with the economy,
    remittances, fiscal, welfare, earnings), `manifest` (seed, config hash, versions,
    timings, summary, the resolved config as YAML), `summary`, `run_dir` (None for a run kept
    in memory), `config` (the composed config, when known) and `people` (the living people at
    the end, for a run with `snapshot=true` kept in memory) and `overrides` (the override
    strings the run was composed with; comparisons tell variants apart by them). Each table
    is also an attribute: `result.regions`."""

    def __init__(
        self,
        tables: Tables,
        manifest: dict,
        run_dir: Path | None = None,
        config: Any = None,
        people: Any = None,
        overrides: list[str] | None = None,
    ):
        self.tables = tables
        self.manifest = manifest
        self.run_dir = run_dir
        self._config = config
        self.people = people
        self.overrides = list(overrides or [])

    @property
    def path(self) -> Path | None:
        """The run directory (None for a run kept in memory)."""
        return self.run_dir

    @property
    def config(self) -> Any:
        """The composed config of a run made in this process; for a run read from disk, the
        manifest's resolved config as plain Python data."""
        if self._config is not None:
            return self._config
        return yaml.safe_load(self.manifest.get("config") or "") or {}

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def override_values(self) -> dict[str, str]:
        """The overrides other than regime, seed and hydra.*, as key -> value (what a sweep
        varies besides the regime and the seed)."""
        out = {}
        for item in self.overrides:
            key, _, value = str(item).partition("=")
            key = key.lstrip("+~")
            if key in _IDENTITY_OVERRIDES or key.startswith("hydra"):
                continue
            out[key] = value
        return out

    def has(self, name: str) -> bool:
        return name in self.tables

    def table(self, name: str) -> pl.DataFrame:
        """The table as a DataFrame; one line naming the tables there are if it is missing."""
        self._check_has(name)
        return self.tables[name]

    def _check_has(self, name: str) -> None:
        if name not in self.tables:
            where = str(self.run_dir) if self.run_dir else "the run"
            raise InputError(where, f"has no {name} table", ", ".join(sorted(self.tables)))

    @property
    def summary(self) -> dict:
        """World population, migrants and migrant share at the end and in the base year."""
        return self.manifest.get("summary", {})

    @property
    def regions(self) -> pl.DataFrame:
        """Year x region measures (population, migrants, flows and the steps' columns)."""
        return self.tables["regions"]

    @property
    def stocks(self) -> pl.DataFrame:
        """People by year, origin, location, skill, sex, age band and status."""
        return self.tables["stocks"]

    @property
    def flows(self) -> pl.DataFrame:
        """Moves by year, origin, source, destination and skill."""
        return self.tables["flows"]

    def __getattr__(self, name: str) -> pl.DataFrame:
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def lazy(self, name: str) -> pl.LazyFrame:
        """A table as a polars LazyFrame, e.g. `result.lazy("stocks").filter(...)`; one line
        naming the tables there are if it is missing."""
        self._check_has(name)
        return self.tables.lazy(name)

    @property
    def regime(self) -> str:
        """The regime's name as comparisons label it (components added by name joined by +)."""
        from omegaconf import OmegaConf

        from migsim.regimes import regime_name

        cfg = OmegaConf.create(self.manifest.get("config") or "{}")
        return regime_name(cfg.get("regime") or OmegaConf.create({"name": "status_quo"}))

    def save(self, run_dir: str | Path) -> Path:
        """Write the run directory (tables, the snapshot's people, the config and overrides
        under .hydra/, then manifest.json last) and return its path. A table read from a run
        directory is copied as it is (its Parquet metadata kept, the people's weights too)."""
        import shutil

        from migsim.runtime.columns import save_people
        from migsim.runtime.rundirs import new_run_dir

        run_dir = new_run_dir(run_dir, "save")
        writer = RunWriter(run_dir)
        try:
            for name in self.tables:
                source = self.tables._paths.get(name)
                if source is not None:  # read from it unchanged: polars frames are immutable
                    writer.file(source.name, lambda path, src=source: shutil.copyfile(src, path))
                else:
                    writer.table(name, self.tables[name])
            if self.people is not None and "people" not in self.tables:
                writer.file("people.parquet", lambda path: save_people(self.people, path))
            (run_dir / OVERRIDES).parent.mkdir(exist_ok=True)
            (run_dir / OVERRIDES).parent.joinpath("config.yaml").write_text(self._config_yaml())
            if self.overrides:
                text = "".join(f"- {json.dumps(o)}\n" for o in self.overrides)
                (run_dir / OVERRIDES).write_text(text)
            manifest = {k: v for k, v in self.manifest.items() if k != "tables"}
            writer.commit(manifest)
        except BaseException:
            writer.abort()
            raise
        return run_dir

    def _config_yaml(self) -> str:
        """The run's config as YAML: the composed config, else the manifest's."""
        if self._config is not None:
            from omegaconf import OmegaConf

            return OmegaConf.to_yaml(self._config)
        return self.manifest.get("config") or ""

    def __repr__(self) -> str:
        s = self.summary
        where = f" at {self.run_dir}" if self.run_dir else ""
        return (
            f"<migsim Result{where}: {len(self.tables)} tables, year {s.get('year')}, "
            f"migrant share {100 * s.get('migrant_share', float('nan')):.2f}%>"
        )


def is_complete(run_dir: str | Path) -> bool:
    """A run directory is complete when its manifest exists (written last)."""
    return (Path(run_dir) / MANIFEST).is_file()


def find_runs(root: str | Path) -> list[Path]:
    """Every complete run directory under `root` (itself included), in path order; those
    under a hidden directory (a staging directory, a game's run being swapped in) are not
    runs yet."""
    root = Path(root)
    return sorted(
        p.parent
        for p in root.rglob(MANIFEST)
        if "dataset" not in (parts := p.relative_to(root).parts)
        and not any(part.startswith(".") for part in parts[:-1])
    )


def load_run(path: str | Path) -> Result:
    """The run in directory `path`; `InputError` (one line) if it is not a complete, readable run.

    What a reader meets later is checked here, before a caller writes anything: the manifest
    is a JSON object with a seed, Hydra's overrides file is a YAML list, and every table (those
    the manifest lists and every *.parquet there) is a file framed as Parquet (a truncated
    one is not). The tables themselves are read on first use."""
    run_dir = Path(path)
    if not run_dir.is_dir():
        raise InputError(
            f"run directory {run_dir}", "is not a directory", "a directory written by migsim run"
        )
    if not is_complete(run_dir):
        raise InputError(
            f"run directory {run_dir}",
            "has no manifest.json (missing or incomplete run)",
            "a directory written by migsim run",
        )
    manifest = _read_manifest(run_dir / MANIFEST)
    overrides = _read_overrides(run_dir / OVERRIDES)
    tables = Tables(run_dir=run_dir)
    for name in manifest.get("tables") or []:
        if not (run_dir / name).exists():
            raise InputError(
                f"{run_dir / name}",
                "is listed in manifest.json but missing",
                "the tables migsim run wrote: rerun it",
            )
    for table in tables._paths.values():
        _check_table(table)
    return Result(tables, manifest, run_dir, overrides=overrides)


_ALLOWED_MANIFEST = "the manifest.json migsim run writes (a JSON object with the run's seed)"


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}", f"cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InputError(
            f"{path}", f"is not valid JSON ({_first_line(exc)})", _ALLOWED_MANIFEST
        ) from None
    if not isinstance(manifest, dict):
        raise InputError(
            f"{path}", f"holds a JSON {type(manifest).__name__}, not an object", _ALLOWED_MANIFEST
        )
    seed = manifest.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"{path}", f"has seed {seed!r}, not an integer", _ALLOWED_MANIFEST)
    tables = manifest.get("tables", [])
    if not isinstance(tables, list) or not all(
        isinstance(t, str) and t and Path(t).name == t for t in tables
    ):
        raise InputError(
            f"{path}", f"lists tables {tables!r}", "a list of file names in the run directory"
        )
    for key in ("config", "world"):
        if key in manifest and not isinstance(manifest[key], str):
            raise InputError(f"{path}", f"has a {key} that is not text", _ALLOWED_MANIFEST)
    return manifest


def _read_overrides(path: Path) -> list[str]:
    if not path.exists():
        return []
    try:
        overrides = yaml.safe_load(path.read_text())
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(
            f"{path}", f"cannot be read ({_first_line(exc)})", "Hydra's list of overrides"
        ) from None
    if overrides is None:
        return []
    if not isinstance(overrides, list):
        raise InputError(
            f"{path}", f"holds a {type(overrides).__name__}", "Hydra's list of overrides"
        )
    return [str(o) for o in overrides]


def _check_table(path: Path) -> None:
    """A table must be a file framed as Parquet: "PAR1" at both ends and a footer length that
    fits the file (a truncated table fails this). Reading only these bytes keeps the check
    cheap for sweeps of many runs; a file damaged inside is reported when it is read."""
    if not path.is_file():
        raise InputError(f"{path}", "is not a file", "a Parquet table written by migsim run")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(max(size - 8, 0))
            tail = f.read(8)
    except OSError as exc:
        raise unreadable_table(path, exc) from None
    problem = None
    if size < 12 or head != MAGIC or tail[4:] != MAGIC:
        problem = f"no Parquet header and footer in its {size} bytes: truncated or not Parquet"
    elif int.from_bytes(tail[:4], "little") + 12 > size:
        problem = f"its footer is longer than the file ({size} bytes): truncated"
    if problem is not None:
        problem = f"is not a readable Parquet table ({problem})"
        raise InputError(f"{path}", problem, "a Parquet table written by migsim run")


def unreadable_table(path: Path, exc: BaseException) -> InputError:
    """The one-line error for a table that cannot be read."""
    return InputError(
        f"{path}",
        f"is not a readable Parquet table ({_first_line(exc)})",
        "a Parquet table written by migsim run",
    )


def output_dir(option: str, path: str | Path, create: bool = True) -> Path:
    """The directory a command writes into (`option` names it in the message): created if
    missing; a file there, or a directory that cannot be created or written, is refused.
    With `create` False it is only checked, before the command's work (a file where it, or
    a directory above it, would be)."""
    out = Path(path)
    allowed = "a writable directory (created if missing)"
    if out.exists() and not out.is_dir():
        raise InputError(option, f"'{out}' is a file, not a directory", allowed)
    if not create:
        above = next((p for p in out.parents if p.exists()), None)
        if above is not None and not above.is_dir():
            raise InputError(
                option, f"'{out}' cannot be created (under the file '{above}')", allowed
            )
        return out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = f"'{out}' cannot be created ({exc.strerror or exc})"
        raise InputError(option, problem, allowed) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(option, f"'{out}' is not writable", allowed)
    return out


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]
