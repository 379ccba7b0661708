"""Checkpoints: the whole simulation state after a year, to resume or to start from.

A checkpoint holds the Simulation (population arrays, world, step states, the records so
far, the run key) and the hash of the config that made it, less the keys that may change
on resume (years, checkpoint_every, resume, start_from, progress, threads, snapshot,
memory_check, shards). A run resumed from the checkpoint of year K is byte-identical to an
uninterrupted one: every draw depends only on (seed, person id, year, stream). A resumed
run keeps the checkpoint's shards; `start_from` splits the saved people into the run's own
shards.

Checkpoints are Python pickles: load only checkpoints you made.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from migsim.core.errors import InputError
from migsim.runtime.outputs import config_digest

FORMAT = "migsim-checkpoint-2"  # 2: people in shards, children numbered by region of birth
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
    payload = {
        "format": FORMAT,
        "config_hash": resume_hash(cfg),
        "base_hash": resume_hash(cfg, drop_regime=True),
        "year": sim.year,
        "sim": sim,
    }
    try:
        with open(tmp, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
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
    try:
        with open(path, "rb") as f:
            payload = pickle.load(f)
    except Exception as exc:  # truncated or foreign files raise many exception types
        raise InputError(
            f"{field}={path}",
            f"is corrupt or not a checkpoint ({type(exc).__name__})",
            "a checkpoint written by migsim",
        ) from None
    if not isinstance(payload, dict) or not str(payload.get("format", "")).startswith(
        "migsim-checkpoint-"
    ):
        raise InputError(
            f"{field}={path}", "is not a migsim checkpoint", "a checkpoint written by migsim"
        )
    if payload["format"] != FORMAT:
        raise InputError(
            f"{field}={path}",
            f"was written in the older format {payload['format']}",
            f"a checkpoint of this migsim ({FORMAT})",
        )
    expected = resume_hash(cfg, drop_regime=any_regime)
    stored = payload["base_hash"] if any_regime else payload["config_hash"]
    if stored != expected:
        raise InputError(
            f"{field}={path}",
            "was made with a different config",
            "the same config except " + ", ".join(RESUMABLE_KEYS),
        )
    return payload["sim"]
