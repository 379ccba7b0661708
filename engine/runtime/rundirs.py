"""A run never writes into a directory that already holds a complete run.

Writing a second run over a first mixes them: the first's tables that the second does not
write (a snapshot's people.parquet, checkpoints) stay beside the second's, its progress log
gains the second's lines, and Hydra replaces its `.hydra/` config before the second run has
even been checked. So a run directory given explicitly (`hydra.run.dir=`, a multirun job's
directory under `hydra.sweep.dir=`, `migsim.run(out=)`, `Result.save()`) that holds a
manifest.json is refused with one line, exit 2, before anything is written. A directory
holding an unfinished run (checkpoints, no manifest) may be written into: that is how a
resumed run continues in place. Hydra's own default directories are new for every run.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from migsim.core.errors import InputError
from migsim.runtime.outputs import MANIFEST

ALLOWED = "a new directory, or one without a complete run (move or remove the old run first)"


def refuse_existing_run(path: str | Path, key: str) -> None:
    """Raise the InputError for `path` when it is a file or holds a complete run."""
    where = Path(path)
    if where.exists() and not where.is_dir():
        raise InputError(key, f"'{where}' is a file", ALLOWED)
    if (where / MANIFEST).is_file():
        raise InputError(key, f"'{where}' already holds a complete run (manifest.json)", ALLOWED)


def new_run_dir(path: str | Path, key: str) -> Path:
    """The run directory `path` given as `key` (`out`, `save`), created: refused with one
    line when it is a file, holds a complete run or cannot be created (under a file, no
    permission)."""
    refuse_existing_run(path, key)
    where = Path(path)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = f"'{where}' cannot be created ({exc.strerror or exc})"
        raise InputError(key, problem, "a writable directory (created if missing)") from None
    return where


def _given(overrides: list[str], key: str) -> str | None:
    values = [a.split("=", 1)[1] for a in overrides if a.startswith(f"{key}=")]
    value = values[-1] if values else None
    if value is None or "${" in value:  # Hydra's own (timestamped) directory: always new
        return None
    return value.strip("'\"")


def job_dirs(sweep_dir: Path, overrides: list[str]) -> list[Path] | None:
    """The run directories a multirun with these overrides writes under `sweep_dir` (the
    `key=value/...` layout of `migsim.runtime.sweeps`), or None when they cannot be told
    before Hydra runs (a glob sweep, a layout of one's own, sweeper params)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from migsim.runtime import sweeps

    task = [a for a in overrides if not a.lstrip("+~").startswith("hydra")]
    hydra_keys = ("hydra.sweep.subdir=", "hydra.sweeper", "hydra.callbacks")
    if any(a.lstrip("+~").startswith(hydra_keys) for a in overrides):
        return None
    try:
        parsed = OverridesParser.create().parse_overrides(task)
        swept = [o for o in parsed if o.is_sweep_override()]
        values = [list(o.sweep_string_iterator()) for o in swept]
    except Exception:  # noqa: BLE001  (a glob or an override Hydra will report itself)
        return None
    if not swept:
        return [sweep_dir / "0"]
    if all(len(v) == 1 for v in values):  # one value per key: Hydra's job number
        return [sweep_dir / "0"]
    reserved = sweeps.reserved_names()
    keys = [sweeps.partition_key(o.key_or_group, reserved) for o in swept]
    out = []
    for combo in itertools.product(*values):
        parts = [f"{k}={sweeps.partition_value(str(v))}" for k, v in zip(keys, combo)]
        out.append(sweep_dir.joinpath(*parts))
    return out


# Hydra's flags that print or inspect and run nothing (their `=VALUE` and attached forms too)
_INSPECT = ("--cfg", "--info", "--help", "--hydra-help", "--version", "--shell-completion")
_INSPECT_SHORT = ("-c", "-i", "-h", "-sc")


def _nothing_run(arg: str) -> bool:
    head = arg.split("=", 1)[0]
    if head in _INSPECT or head in _INSPECT_SHORT:
        return True
    # attached short forms: `-cjob`, `-iconfig` (not `-m`, `-cn`, `-cp`, `-cd`)
    return arg[:2] in ("-c", "-i") and not arg.startswith(("-cn", "-cp", "-cd", "--"))


def run_args(argv: list[str]) -> Any:
    """`migsim run`'s arguments as Hydra's own parser reads them (a flag's value given as the
    next word, `-cd DIR`, is the flag's, not an override), or None when a flag inspects and
    nothing is run or written."""
    from hydra._internal.utils import get_args_parser

    if any(_nothing_run(a) for a in argv):
        return None
    return get_args_parser().parse_known_args(argv)[0]


def check_argv(argv: list[str]) -> None:
    """Refuse a `migsim run` whose run directory (or a multirun job's, or the sweep
    directory itself) holds a complete run, and a multirun that would run two jobs into one
    directory (a value swept twice)."""
    args = run_args(argv)
    if args is None:
        return  # nothing is run or written
    overrides = list(args.overrides or [])
    if args.multirun:
        given = _given(overrides, "hydra.sweep.dir")
        root = Path(given) if given is not None else Path(".")
        jobs = job_dirs(root, overrides)
        if jobs is not None and len(set(jobs)) < len(jobs):
            twice = next(j for j in jobs if jobs.count(j) > 1).relative_to(root)
            raise InputError(
                "multirun",
                f"two jobs of the sweep would run into '{twice}' (a value swept twice)",
                "each swept value once",
            )
        if given is None:  # Hydra's timestamped sweep directory: new
            return
        refuse_existing_run(root, "hydra.sweep.dir")
        if jobs is None:  # not known in advance: refuse a sweep directory holding any run
            done = sorted(root.rglob(MANIFEST)) if root.is_dir() else []
            jobs = [p.parent for p in done[:1]]
        for job in jobs:
            refuse_existing_run(job, "hydra.sweep.dir")
            # nor inside an earlier sweep's run, nor around one (another set of swept keys)
            for parent in job.relative_to(root).parents:
                if parent != Path("."):
                    refuse_existing_run(root / parent, "hydra.sweep.dir")
            inner = sorted(job.rglob(MANIFEST))[:1] if job.is_dir() else []
            for found in inner:
                refuse_existing_run(found.parent, "hydra.sweep.dir")
        return
    given = _given(overrides, "hydra.run.dir")
    if given is not None:
        refuse_existing_run(given, "hydra.run.dir")


def _ancestor_file(where: Path) -> Path | None:
    for parent in [where, *where.parents]:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def out_file(path: str | Path | None, flag: str) -> None:
    """Refuse an output file path that is a directory or lies under a file, before work."""
    if path is None:
        return
    where = Path(path)
    if where.is_dir():
        raise InputError(flag, f"'{where}' is a directory", "a file path")
    blocker = _ancestor_file(where.parent)
    if blocker is not None:
        raise InputError(flag, f"'{where}' lies under the file '{blocker}'", "a file path")


def in_file(path: str | Path | None, flag: str) -> None:
    """Refuse an input file that does not exist (or is a directory), before work."""
    if path is not None and not Path(path).is_file():
        raise InputError(flag, f"'{path}' is not a file", "an existing file")


# the ancestors of a single run's directory that Hydra is about to make, deepest first
_MADE: list[Path] = []


def note_missing_parents(run_dir: str | Path) -> None:
    """Before Hydra makes a single run's directory (`on_run_start`): note which of its
    ancestors do not exist yet, so that a refused run can remove those it made for it."""
    _MADE.clear()
    parent = Path(str(run_dir)).absolute().parent
    while not parent.exists() and parent != parent.parent:
        _MADE.append(parent)
        parent = parent.parent


def remove_made_parents() -> None:
    """After a refused run's directory was removed: the ancestors made for it (`outputs/`,
    `outputs/runs/` in a fresh directory), those still empty, deepest first."""
    for parent in _MADE:
        try:
            parent.rmdir()  # only if empty
        except OSError:
            break
    _MADE.clear()


# run directory -> the copy of its earlier `.hydra/` kept aside while this run starts
_KEPT: dict[str, Path] = {}


def keep_earlier_config(argv: list[str]) -> None:
    """Before Hydra writes its `.hydra/` into an explicit run directory that holds an
    unfinished run (checkpoints, no manifest), copy that run's `.hydra/` aside (a hidden
    directory beside it), so that a run refused for bad input can put it back."""
    args = run_args(argv)
    if args is None:
        return
    given = None if args.multirun else _given(list(args.overrides or []), "hydra.run.dir")
    if given is None:
        return
    run_dir = Path(given)
    earlier = run_dir / ".hydra"
    if not earlier.is_dir() or (run_dir / MANIFEST).exists():
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.hydra-before-", dir=run_dir.parent))
    shutil.copytree(earlier, aside / ".hydra", symlinks=True)
    _KEPT[str(run_dir.resolve())] = aside


def restore_earlier_config(run_dir: str | Path, refused: bool) -> None:
    """After the run: a refused run puts the earlier `.hydra/` back in place of the one
    Hydra wrote for it; any other drops the copy."""
    run_dir = Path(run_dir)
    aside = _KEPT.pop(str(run_dir.resolve()), None)
    if aside is None:
        return
    if refused:
        run_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(run_dir / ".hydra", ignore_errors=True)
        (aside / ".hydra").rename(run_dir / ".hydra")
    shutil.rmtree(aside, ignore_errors=True)
