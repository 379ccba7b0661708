"""Checkpoints: the whole simulation state after a year, to resume or to start from.

A checkpoint holds the Simulation (people by shard, the year's state, the steps' state, the
records so far, the run key) and the hash of the config that made it, less the keys that may
change on resume (years, checkpoint_every, resume, start_from, progress, threads, snapshot,
memory_check, shards). The world, calibration and behaviour plug-in are not stored: the
config names them, and the header's hashes say they are the same: the config's, the world's
tables', the calibration's and the plug-ins' sources, with the migsim version
(`migsim.runtime.checkpoint_origin`, `_check_plugins`). A run resumed from the checkpoint of
year K is byte-identical to an uninterrupted one: every draw depends only on (seed, person
id, year, stream). A resumed run, like `start_from`, puts the saved people in the run's own
shards (`shards.count`; split again when the checkpoint's split differs).

File layout: one `.npz` (a zip of `.npy` arrays, `numpy.savez`), read with
`allow_pickle=False`, so nothing in it is ever unpickled and no code it names is run. Its
members: `header`, a JSON document as uint8 bytes (format, config hashes, year, world data,
calibration and migsim version), checked
before anything else is read; `state`, a JSON document of every value that is not an array
(`migsim.runtime.checkpoint_state` says which and how); and the arrays, each checked for its
dtype and shape before use. Anything else (an older pickled checkpoint, a truncated file)
is refused with one line.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.runtime import checkpoint_origin, checkpoint_state
from migsim.runtime.outputs import config_digest
from migsim.runtime.plugin_sources import plugin_hashes
from migsim.runtime.resume_config import (  # noqa: F401  (check_resume_config re-exported)
    check_resume_config,
    saved_config,
    task_overrides,
)

# 2: people in shards, children numbered by region of birth; 3: JSON header, restricted
# unpickler; 4: NumPy arrays and JSON, no pickle
FORMAT = "migsim-checkpoint-6"  # 6: the family column; 5: person_id uint32 (4: int64)
SUFFIX = ".npz"
OLD_MAGIC = b'{"format": "migsim-checkpoint-'  # format 3: a JSON line, then a pickle
OLD_HEADER = 64
ZIP_MAGIC = b"PK\x03\x04"
ALLOWED = f"a checkpoint-YEAR{SUFFIX} written by this migsim ({FORMAT})"
RESUMABLE_KEYS = (
    "years",
    "checkpoint_every",
    "resume",
    "start_from",
    "progress",
    "threads",
    "snapshot",
    "memory_check",
    "shards",  # the people are the same however they are split (a resume splits them again)
)


def resume_hash(cfg: Any, drop_regime: bool = False) -> str:
    drop = RESUMABLE_KEYS + (("regime",) if drop_regime else ())
    return config_digest(cfg, drop)[1]


def file_name(year: int) -> str:
    """The name of the checkpoint of `year` in a run directory."""
    return f"checkpoint-{int(year)}{SUFFIX}"


def latest(run_dir: str | Path) -> Path | None:
    """The checkpoint of the latest year in `run_dir` (None: it holds none)."""
    years = {}
    for path in Path(run_dir).glob(f"checkpoint-*{SUFFIX}"):
        year = path.name[len("checkpoint-") : -len(SUFFIX)]
        if year.isdigit() and path.is_file():
            years[int(year)] = path
    return years[max(years)] if years else None


def save(path: str | Path, sim: Any, cfg: Any) -> Path:
    """Write atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    header = {
        "format": FORMAT,
        "config_hash": resume_hash(cfg),
        "base_hash": resume_hash(cfg, drop_regime=True),
        "year": int(sim.year),
        # what `migsim run resume=PATH` composes from and compares with (resume_config.py)
        "config": saved_config(cfg),
        "overrides": task_overrides(),
        "plugins": plugin_hashes(cfg, sim.steps),
        **(sim.origin or {}),  # world data, calibration and migsim version (checkpoint_origin)
    }
    document, arrays = checkpoint_state.to_arrays(sim, cfg)
    members = {"header": _json_bytes(header), "state": _json_bytes(document), **arrays}
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **members)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk or Ctrl-C leaves no half-written temporary file
        tmp.unlink(missing_ok=True)
        raise
    return path


def load(
    path: str | Path, cfg: Any, field: str = "resume", world: Any = None, calibration: Any = None
) -> Any:
    """The saved Simulation, after checking it belongs to this config. `world` and
    `calibration`: the run's, when already loaded (otherwise loaded here from the config)."""
    path = Path(path)
    with _open(path, field) as npz:
        header = _header(npz, field, path)
        _check_hash(header, cfg, field, path, any_regime=False)
        if world is None:
            from migsim.runtime.assemble import prepare

            inputs = prepare(cfg)
            world, calibration = inputs.world, inputs.calibration
        checkpoint_origin.check(header, field, path, world, calibration)
        with _reading(field, path):
            document = _document(npz, "state")
            sim = checkpoint_state.from_arrays(document, npz, cfg, world, calibration)
            if sim.year != header["year"]:
                raise checkpoint_state.Malformed("the state's year is not the header's")
        _check_plugins(header, cfg, sim.steps, field, path)
        sim.origin = checkpoint_origin.origin(world, calibration)
        from migsim.runtime.assemble import attach_exogenous, configure_estates, reshard

        configure_estates(cfg, sim)
        reshard(cfg, world, sim)  # the people split as `shards.count` says
        attach_exogenous(cfg, sim, calibration)  # scenario paths and timeline from the config
        return sim


def load_people(
    path: str | Path, cfg: Any, world: Any, field: str = "start_from", calibration: Any = False
):
    """(year, the saved people by shard) of a checkpoint made with this config or one that
    differs only in its regime, this world's data and this migsim (what `start_from` reads; no
    step is restored). `calibration`: the run's, checked too (False: not checked)."""
    path = Path(path)
    with _open(path, field) as npz:
        header = _header(npz, field, path)
        _check_hash(header, cfg, field, path, any_regime=True)
        checkpoint_origin.check(header, field, path, world, calibration)
        with _reading(field, path):
            document = _document(npz, "state")
            shards = checkpoint_state.population_from_arrays(document, npz, world.n_regions)
            return header["year"], [shard.population for shard in shards]


def _open(path: Path, field: str) -> Any:
    """The checkpoint as an open NpzFile, after its first bytes say it is a zip; an older
    pickled checkpoint is named as such and never read further."""
    where = f"{field}={path}"
    if not path.is_file():
        raise InputError(where, "no such checkpoint file", ALLOWED)
    with open(path, "rb") as f:
        start = f.read(OLD_HEADER)
    if start.startswith(OLD_MAGIC):  # format 3: a JSON line, then a pickle (never read)
        old = start[len(b'{"format": "') :].split(b'"')[0].decode("ascii", errors="replace")
        raise InputError(where, f"was written in the older format {old} (a pickle)", ALLOWED)
    if start[:1] == b"\x80":  # formats 1 and 2: a bare pickle (never read)
        raise InputError(where, "was written in an older format (a bare pickle)", ALLOWED)
    if not start.startswith(ZIP_MAGIC):
        raise InputError(where, "is not a migsim checkpoint", ALLOWED)
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(where, f"is corrupt or not a checkpoint ({_why(exc)})", ALLOWED) from None


def _header(npz: Any, field: str, path: Path) -> dict:
    """The header, read and checked before the state."""
    with _reading(field, path):
        header = _document(npz, "header")
        if type(header.get("year")) is not int:
            raise checkpoint_state.Malformed("the header has no year")
    if header.get("format") != FORMAT:
        raise InputError(
            f"{field}={path}", f"was written in the format {header.get('format')}", ALLOWED
        )
    return header


def _check_hash(header: dict, cfg: Any, field: str, path: Path, any_regime: bool) -> None:
    expected = resume_hash(cfg, drop_regime=any_regime)
    if header.get("base_hash" if any_regime else "config_hash") != expected:
        raise InputError(
            f"{field}={path}",
            "was made with a different config" + _first_difference(header, cfg, any_regime),
            "the same config except " + ", ".join(RESUMABLE_KEYS + (("regime",) * any_regime)),
        )


def _check_plugins(header: dict, cfg: Any, steps: list, field: str, path: Path) -> None:
    """Refuse a resume whose plug-ins' code differs from that of the run that wrote the
    checkpoint (a checkpoint without the record, an older one, is not checked)."""
    saved = header.get("plugins")
    if not isinstance(saved, dict):
        return
    now = plugin_hashes(cfg, steps)
    for key in sorted(set(saved) | set(now)):
        if saved.get(key) != now.get(key):
            was, is_ = (str(v or "absent")[:12] for v in (saved.get(key), now.get(key)))
            raise InputError(
                f"{field}={path}",
                f"was written with other code of the plug-in {key} (source {was}, now {is_})",
                "the plug-in code that wrote it, or a new run",
            )


def _first_difference(header: dict, cfg: Any, any_regime: bool) -> str:
    """`: the checkpoint has KEY=A, this run KEY=B (and N more)` from the header's saved
    config, or "" for a checkpoint without one."""
    from migsim.runtime.resume_config import config_difference, told_difference

    saved = header.get("config")
    if not isinstance(saved, dict):
        return ""
    differ = config_difference(saved, cfg, ("regime",) if any_regime else ())
    return f": {told_difference(differ[0], differ, saved, cfg)}" if differ else ""


def _document(npz: Any, name: str) -> dict:
    if name not in npz.files:
        raise checkpoint_state.Malformed(f"no {name} member")
    raw = npz[name]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise checkpoint_state.Malformed(f"the {name} member is not JSON bytes")
    document = json.loads(raw.tobytes().decode("utf-8"))
    if not isinstance(document, dict):
        raise checkpoint_state.Malformed(f"the {name} member is not a JSON object")
    return document


def _json_bytes(document: dict) -> np.ndarray:
    text = json.dumps(document, allow_nan=True, separators=(",", ":"))
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


class _reading:
    """Turns any failure to read the file into one InputError line (never a traceback)."""

    def __init__(self, field: str, path: Path) -> None:
        self.where = f"{field}={path}"

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or isinstance(exc, (InputError, KeyboardInterrupt, MemoryError)):
            return False
        if not isinstance(exc, Exception):
            return False
        raise InputError(
            self.where, f"is corrupt or not a checkpoint ({_why(exc)})", ALLOWED
        ) from None


def _why(exc: BaseException) -> str:
    if isinstance(exc, checkpoint_state.Malformed):
        return str(exc)
    return type(exc).__name__
