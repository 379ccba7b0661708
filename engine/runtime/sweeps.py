"""Multirun directories named by what the sweep varies: `<sweep dir>/regime=free_mobility/seed=2/`.

One path segment `key=value` per swept key, in the order the command line gives them, so a
whole sweep is a hive-partitioned dataset that polars reads in place, with the swept values
as typed columns:

    pl.scan_parquet("<sweep dir>/**/regions.parquet", hive_partitioning=True)

`SweepLayout.on_multirun_start` (configs/config.yaml `hydra.callbacks.sweep_layout`) finds
the swept keys in the multirun's overrides (`a=1,2`, `range(...)`, `glob(...)` and the
sweeper's `params`) and sets `hydra.sweep.subdir` to `${migsim_sweep_subdir:KEYS}`; each job
resolves it from its own overrides (`sweep_subdir`), in whichever process the launcher runs
it. A sweep of one value per key keeps Hydra's job numbers, and so does a `hydra.sweep.subdir`
given on the command line.

Segment names (`partition_key`): a dot or slash in a key becomes `_`
(`economy.remit_share_high` -> `economy_remit_share_high`, the column name `migsim collect`
gives it), and a key that is also the name of an output column (`population`, a config group
and a `regions` column) gets the prefix `sweep_` (`sweep_population=small`): a hive key equal
to a column of the files makes polars read the directory's value into the data column (and
fail on `small`). Only colliding keys are renamed, so the usual keys read as themselves.
Values are percent-encoded (`%2F` for `/`, as Hive does), which polars decodes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from omegaconf import OmegaConf

RESOLVER = "migsim_sweep_subdir"
PREFIX = "sweep_"
DEFAULT_SUBDIR = "${hydra.job.num}"
_SEPARATOR = "|"  # between swept keys in the resolver's argument


def swept_keys(task_overrides: list[str], sweeper_params: dict | None = None) -> list[str]:
    """Keys a multirun sweeps over more than one value, in the order Hydra's basic sweeper
    combines them (its `params` first, then the command line)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    lines = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(task_overrides)
    keys = []
    for override in parser.parse_overrides(lines):
        if override.is_sweep_override() and override.key_or_group not in keys:
            keys.append(override.key_or_group)
    return keys


def reserved_names() -> set[str]:
    """Names a partition key must not take: every declared output column."""
    from migsim.runtime.columns import declared

    return {name for cols in declared().values() for name in cols}


def partition_key(key: str, reserved: set[str]) -> str:
    name = key.lstrip("+~").replace(".", "_").replace("/", "_")
    return PREFIX + name if name in reserved else name


def partition_value(text: str) -> str:
    """A value as one path segment: quotes around a string dropped, then percent-encoded."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return quote(text, safe="+-._,~@") or "%20"


def sweep_subdir(keys: str, *, _root_: Any = None) -> str:
    """The job's run directory under the sweep directory: `key=value/...` for the swept
    `keys` (joined by `|`), from the job's overrides; the job number if none is found."""
    wanted = [k for k in str(keys).split(_SEPARATOR) if k]
    task = list(OmegaConf.select(_root_, "hydra.overrides.task", default=None) or [])
    values = {}
    for line in task:
        key, sep, value = str(line).partition("=")
        if sep:
            values[key.lstrip("+~")] = value
    if not wanted or any(k not in values for k in wanted):
        return str(OmegaConf.select(_root_, "hydra.job.num"))
    reserved = reserved_names()
    return "/".join(f"{partition_key(k, reserved)}={partition_value(values[k])}" for k in wanted)


def register_resolver() -> None:
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, sweep_subdir)


def hive_subdir(keys: list[str]) -> str:
    """The `hydra.sweep.subdir` interpolation for the swept `keys`."""
    return "${" + RESOLVER + ":" + _SEPARATOR.join(keys) + "}"


register_resolver()
