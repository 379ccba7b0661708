"""Check every job of a multirun before the first one starts.

Hydra composes a sweep's jobs one by one as it launches them, so a bad value among the swept
ones (a regime the world refuses, a scenario table that does not fit it, a config group
option that does not exist) used to stop the sweep at that job, after the jobs before it
had run, perhaps for hours. `check_jobs` expands the sweep as Hydra's basic sweeper does
(`BasicSweeper.split_arguments`), composes each job's config (`migsim.compose`) and runs the
checks a run makes before its calibration (`migsim.runtime.assemble.precheck`, and the
memory check of `migsim.runtime.memory`): the first failure is refused with one line naming
the job, before any directory is made.

Up to `FULL_PRODUCT` jobs are each checked. A larger sweep checks every swept value once
(the other swept keys at their first value), so a value that fails whatever it is combined
with is still caught; a failure of one combination alone is then found when its job runs.
A sweep the basic sweeper does not expand (another sweeper, `hydra.sweeper.params`, a
config directory or name of one's own) is left to Hydra.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from migsim.core.errors import InputError

FULL_PRODUCT = 64  # jobs checked one by one; above, every swept value once


def _hydra_key(override: str) -> bool:
    key = override.lstrip("+~")
    return key.startswith(("hydra.", "hydra/")) or key == "hydra"


def sweep_jobs(overrides: list[str]) -> tuple[list[list[str]], set[str]] | None:
    """The override lists of the jobs to check and the swept keys, or None when they cannot
    be told here. The jobs are Hydra's basic sweeper's: one `key=value` list per key, in the
    order given (the last value given for a key wins, at its first place), and their
    product (`BasicSweeper.split_arguments`)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if any(o.lstrip("+~").startswith(("hydra/sweeper", "hydra.sweeper")) for o in overrides):
        return None
    task = [o for o in overrides if not _hydra_key(o)]
    try:
        parsed = OverridesParser.create().parse_overrides(task)
        if any(o.is_sweep_override() and not o.is_discrete_sweep() for o in parsed):
            return None
        options: dict[str, list[str]] = {}
        for o in parsed:
            key = o.get_key_element()
            if o.is_sweep_override():
                options[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
            else:
                options[key] = [f"{key}={o.get_value_element_as_str()}"]
    except Exception:  # noqa: BLE001  (Hydra reports its own grammar errors)
        return None
    keys = {o.get_key_element() for o in parsed if o.is_sweep_override()}
    lists = list(options.values())
    if math.prod(len(values) for values in lists) <= FULL_PRODUCT:
        return [list(job) for job in itertools.product(*lists)], keys
    first = [values[0] for values in lists]
    picked: list[list[str]] = []
    for i, values in enumerate(lists):
        for value in values:
            job = [*first[:i], value, *first[i + 1 :]]
            if job not in picked:
                picked.append(job)
    return picked, keys


def check_jobs(args: Any) -> None:
    """Refuse a multirun (`args`: `migsim run`'s arguments as Hydra's parser reads them)
    whose jobs include one that would be refused, naming that job's swept values."""
    from migsim.api import compose
    from migsim.runtime.assemble import precheck
    from migsim.runtime.memory import check_memory

    if args is None or not args.multirun or args.config_dir or args.config_path:
        return
    if args.config_name not in (None, "config"):
        return
    expanded = sweep_jobs(list(args.overrides or []))
    if expanded is None or len(expanded[0]) < 2:
        return  # one job: checked as it starts, as a single run is
    jobs, swept = expanded
    worlds: dict = {}
    for job in jobs:
        label = " ".join(o for o in job if o.split("=", 1)[0] in swept) or " ".join(job)
        try:
            cfg = compose(job)
            world = precheck(cfg, worlds)
            check_memory(cfg, world)  # each job alone (the basic launcher runs one at a time)
        except InputError as exc:
            raise InputError(
                f"{exc.where} (sweep job {label}; no job was run)", exc.problem, exc.allowed
            ) from None
