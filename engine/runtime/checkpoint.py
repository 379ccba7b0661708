"""Checkpoints: the whole simulation state after a year, to resume or to start from.

A checkpoint holds the Simulation (population arrays, world, step states, the records so
far, the run key) and the hash of the config that made it, less the keys that may change
on resume (years, checkpoint_every, resume, start_from, progress, threads, snapshot,
memory_check, shards). A run resumed from the checkpoint of year K is byte-identical to an
uninterrupted one: every draw depends only on (seed, person id, year, stream). A resumed
run keeps the checkpoint's shards; `start_from` splits the saved people into the run's own
shards.

File layout: one line of JSON (the header: format, config hashes, year), then the state as
a pickle. The header is checked before anything else is read, and the state is read by a
restricted unpickler that only rebuilds NumPy arrays, migsim's own classes and plain
containers: a file that names any other callable (os.system, builtins.eval, ...) is refused
with one line, before anything it names is called.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

from migsim.core.errors import InputError
from migsim.runtime.outputs import config_digest

# 2: people in shards, children numbered by region of birth; 3: JSON header, restricted state
FORMAT = "migsim-checkpoint-3"
MAGIC = b'{"format": "migsim-checkpoint-'
MAX_HEADER = 4096
RESUMABLE_KEYS = (
    "years",
    "checkpoint_every",
    "resume",
    "start_from",
    "progress",
    "threads",
    "snapshot",
    "memory_check",
    "shards",  # the people are the same however they are split (a resume keeps its layout)
)


def resume_hash(cfg: Any, drop_regime: bool = False) -> str:
    drop = RESUMABLE_KEYS + (("regime",) if drop_regime else ())
    return config_digest(cfg, drop)[1]


def save(path: str | Path, sim: Any, cfg: Any) -> Path:
    """Write atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    header = {
        "format": FORMAT,
        "config_hash": resume_hash(cfg),
        "base_hash": resume_hash(cfg, drop_regime=True),
        "year": int(sim.year),
    }
    try:
        with open(tmp, "wb") as f:
            f.write(json.dumps(header).encode() + b"\n")
            _Pickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(sim)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk or Ctrl-C leaves no half-written temporary file
        tmp.unlink(missing_ok=True)
        raise
    return path


def load(path: str | Path, cfg: Any, field: str = "resume", any_regime: bool = False) -> Any:
    """The saved Simulation, after checking it belongs to this config."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{field}={path}", "no such checkpoint file", "a checkpoint-YEAR.pkl")
    with open(path, "rb") as f:
        header = _header(f, field, path)
        expected = resume_hash(cfg, drop_regime=any_regime)
        stored = header.get("base_hash" if any_regime else "config_hash")
        if stored != expected:
            raise InputError(
                f"{field}={path}",
                "was made with a different config",
                "the same config except " + ", ".join(RESUMABLE_KEYS),
            )
        try:
            return RestrictedUnpickler(f, cfg).load()
        except Refused as exc:
            raise InputError(
                f"{field}={path}",
                f"names {exc.args[0]}, which a checkpoint may not call",
                "a checkpoint written by migsim (NumPy arrays, migsim objects, containers)",
            ) from None
        except Exception as exc:  # truncated or foreign files raise many exception types
            raise InputError(
                f"{field}={path}",
                f"is corrupt or not a checkpoint ({type(exc).__name__})",
                "a checkpoint written by migsim",
            ) from None


def _header(f: Any, field: str, path: Path) -> dict:
    """The JSON header line, read and checked before the state (nothing is unpickled)."""
    line = f.readline(MAX_HEADER)
    if line.startswith(MAGIC) and not line.endswith(b"\n"):
        raise InputError(
            f"{field}={path}",
            "is corrupt or not a checkpoint (truncated header)",
            "a checkpoint written by migsim",
        )
    if not line.startswith(MAGIC):
        if line[:1] == b"\x80":  # a bare pickle: formats 1 and 2 (never unpickled now)
            raise InputError(
                f"{field}={path}",
                "was written in an older format (a bare pickle)",
                f"a checkpoint of this migsim ({FORMAT})",
            )
        raise InputError(
            f"{field}={path}", "is not a migsim checkpoint", "a checkpoint written by migsim"
        )
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise InputError(
            f"{field}={path}",
            "is corrupt or not a checkpoint (bad header)",
            "a checkpoint written by migsim",
        )
    if header.get("format") != FORMAT:
        raise InputError(
            f"{field}={path}",
            f"was written in the older format {header.get('format')}",
            f"a checkpoint of this migsim ({FORMAT})",
        )
    return header


class Refused(Exception):
    pass


# What a checkpoint's state may name: plain containers, NumPy's array/dtype/random state
# reconstructors, and classes (never functions) defined in migsim's own modules.
_BUILTINS = {
    "dict", "list", "tuple", "set", "frozenset", "bytearray", "bytes", "str", "int",
    "float", "complex", "bool", "slice", "range", "object",
}  # fmt: skip
_NAMES = {
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("collections", "deque"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("pathlib", "Path"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
    ("polars.dataframe.frame", "DataFrame"),
    ("polars.series.series", "Series"),
}
_TYPING = {"Any", "Dict", "List", "Tuple", "Optional", "Union", "Set", "Sequence", "Mapping"}
# packages whose classes (never functions) a checkpoint may rebuild
_CLASS_PACKAGES = ("migsim", "omegaconf")


class _Pickler(pickle.Pickler):
    """The behaviour plug-in (functions of the user's module) is stored by reference only:
    a resume resolves `behaviour.plugin` of its config again (the config hash is the same)."""

    def persistent_id(self, obj: Any) -> Any:
        from migsim.model.plugins import Behaviour

        return "behaviour" if isinstance(obj, Behaviour) else None


class RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds only what a migsim checkpoint holds; any other global is `Refused`."""

    def __init__(self, file: Any, cfg: Any) -> None:
        super().__init__(file)
        self.cfg = cfg

    def persistent_load(self, pid: Any) -> Any:
        if pid != "behaviour":
            raise Refused(f"persistent id {pid!r}")
        from migsim.model.plugins import load_behaviour

        return load_behaviour(self.cfg.behaviour)

    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if (module, name) in _NAMES or (module == "typing" and name in _TYPING):
            return super().find_class(module, name)
        if (module == "numpy" and name.endswith("DType")) or module == "numpy.dtypes":
            return super().find_class(module, name)
        if module.split(".")[0] in _CLASS_PACKAGES and "." not in name:
            obj = super().find_class(module, name)
            if isinstance(obj, type):
                return obj
        raise Refused(f"{module}.{name}")
