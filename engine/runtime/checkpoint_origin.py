"""What a checkpoint pins besides its config: the world's data, the calibration and the
migsim version and code that made it.

The config names the world and the behaviour parameters, but the world's tables can be edited
and a stored calibration replaced without the config changing. A checkpoint's header records
a hash of the world's tables (the CSV files the stored calibration's key reads, the built
world's mapping.csv left out), a hash of the calibration the run used (its provenance key and
every array), the migsim version and a hash of migsim's own source files (so that an edited
checkout, whose version string stays the same, is told apart); `resume` and `start_from`
refuse a checkpoint whose record differs from this run's, with one line. A checkpoint without
the record (one written before it was kept) is not checked.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.core.world_tables import tables_hash

WORLD, CALIBRATION, VERSION, CODE = "world_data", "calibration", "migsim", "migsim_code"


def version() -> str:
    import migsim

    return str(migsim.__version__)


@functools.cache
def code_hash() -> str:
    """16 hex digits of the SHA-256 of migsim's Python sources: every .py file of the
    `migsim`, `migsim.kernels` and `migsim.configs` packages, by its name within migsim and
    its content, so that an installed wheel (one directory) and a checkout (`engine/`,
    `kernels/`, `configs/`) of the same sources agree. Computed once a process."""
    import migsim
    import migsim.configs
    import migsim.kernels

    roots = {
        Path(root).resolve(): package.__name__.replace(".", "/")
        for package in (migsim, migsim.kernels, migsim.configs)
        for root in package.__path__
    }
    files: dict[str, Path] = {}
    for root in roots:
        for path in root.rglob("*.py"):
            home = max((r for r in roots if path.is_relative_to(r)), key=lambda r: len(r.parts))
            files[f"{roots[home]}/{path.relative_to(home).as_posix()}"] = path
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def calibration_hash(calibration: Any) -> str | None:
    """16 hex digits of the SHA-256 of the calibration's provenance key, codes and arrays
    (None: a run without migration, which has none)."""
    if calibration is None:
        return None
    digest = hashlib.sha256(str(calibration.provenance.get("key")).encode())
    digest.update(json.dumps(list(calibration.codes)).encode())
    for f in fields(calibration):
        value = getattr(calibration, f.name)
        if isinstance(value, np.ndarray):
            digest.update(f.name.encode())
            digest.update(np.ascontiguousarray(value, dtype=np.float64).tobytes())
    return digest.hexdigest()[:16]


def origin(world: Any, calibration: Any) -> dict:
    """The header's record of the run's world data, calibration, migsim version and code."""
    return {
        WORLD: tables_hash(world.path),
        CALIBRATION: calibration_hash(calibration),
        VERSION: version(),
        CODE: code_hash(),
    }


def check(header: dict, field: str, path: Any, world: Any, calibration: Any = False) -> None:
    """Refuse the checkpoint whose header records another migsim version or code or world
    data, or, unless `calibration` is False (not loaded yet), another calibration."""
    where = f"{field}={path}"
    saved = header.get(VERSION)
    if isinstance(saved, str) and saved != version():
        raise InputError(
            where,
            f"the checkpoint was made by migsim {saved}, this is migsim {version()}",
            f"a checkpoint made by migsim {version()}, or a new run",
        )
    saved = header.get(CODE)
    if isinstance(saved, str) and saved != code_hash():
        raise InputError(
            where,
            f"the checkpoint was made by migsim {version()} with other source files (code "
            f"{saved[:8]}, this is {code_hash()[:8]}): its run would not continue as it began",
            "a checkpoint made by this code, or a new run",
        )
    saved = header.get(WORLD)
    if isinstance(saved, str) and saved != (now := tables_hash(world.path)):
        raise InputError(
            where,
            f"the checkpoint was made with world data {saved[:8]}, this world's is {now[:8]}",
            "the world the checkpoint was made with",
        )
    if calibration is False or CALIBRATION not in header:
        return
    saved, now = header[CALIBRATION], calibration_hash(calibration)
    if saved != now:
        raise InputError(
            where,
            f"the checkpoint was made with calibration {str(saved)[:8]}, "
            f"this run's is {str(now)[:8]}",
            "the calibration the checkpoint was made with",
        )


def check_file(cfg: Any, world: Any, calibration: Any = False) -> None:
    """`check` for the checkpoint `resume` or `start_from` names, if any (one whose header
    cannot be read is left to the load, which names the problem)."""
    from migsim.runtime.resume_config import read_header

    field = "resume" if cfg.resume else "start_from" if cfg.start_from else None
    if field is None:
        return
    path = Path(str(cfg[field]))
    check(read_header(path), field, path, world, calibration)
