"""`migsim run`: one simulation run (or a Hydra sweep with -m) from the command line.

`run_simulation(cfg, run_dir)` (engine/runtime/runner.py) is the programmatic entry point
used by the Hydra task, the Python API and the tests. Every failure ends the process with
one line on stderr and an exit code (docs/running.md, "Exit codes"): 1 a bug, 2 bad input
(a run refused before it starts leaves no run directory), 3 a failed validation verdict, 4 the
environment (disk full, out of memory, a missing launcher), 130 Ctrl-C, which leaves no
table of the interrupted run behind.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from typing import Any

from omegaconf import DictConfig

from migsim.config import register
from migsim.core.errors import InputError
from migsim.core.resources import config_dir
from migsim.runtime import sweeps  # noqa: F401  (the multirun subdir resolver, registered)
from migsim.runtime.assemble import build_steps, start_simulation  # noqa: F401  (re-exported)
from migsim.runtime.runner import (  # noqa: F401  (re-exported)
    VOLATILE_KEYS,
    Interrupted,
    RunResult,
    format_summary,
    hashed_config,
    run_simulation,
)

register()

CONFIG_DIR = str(config_dir())


def _task(cfg: DictConfig) -> Any:
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    run_dir = hydra_cfg.runtime.output_dir
    try:
        result = run_simulation(cfg, run_dir)
    except InputError as exc:
        if remove_rejected(run_dir) and str(hydra_cfg.mode) == "RunMode.MULTIRUN":
            remove_empty_parents(run_dir, hydra_cfg.sweep.dir)
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(format_summary(result))
    return result.summary


def remove_rejected(run_dir: str | os.PathLike) -> bool:
    """Remove the directory Hydra made for a run refused before it wrote anything: one
    holding nothing but Hydra's `.hydra/` and an empty log file (run.log)."""
    import shutil
    from pathlib import Path

    run_dir = Path(run_dir)
    try:
        entries = {p.name: p for p in run_dir.iterdir()}
    except OSError:
        return False
    logs = [p for name, p in entries.items() if name.endswith(".log")]
    if set(entries) - {".hydra"} - {p.name for p in logs}:
        return False
    if any(not log.is_file() or log.is_symlink() or log.stat().st_size for log in logs):
        return False
    hydra = entries.get(".hydra")
    if hydra is not None and not (hydra.is_dir() and not hydra.is_symlink()):
        return False
    shutil.rmtree(run_dir, ignore_errors=True)
    return not run_dir.exists()


def remove_empty_parents(run_dir: str | os.PathLike, sweep_dir: str | os.PathLike) -> None:
    """Remove the now empty `key=value` directories between a removed run directory and its
    sweep directory (a sweep's directories are nested by swept key)."""
    from pathlib import Path

    top = Path(sweep_dir).resolve()
    parent = Path(run_dir).resolve().parent
    while parent != top and top in parent.parents:
        try:
            parent.rmdir()  # only if empty
        except OSError:
            return
        parent = parent.parent


def one_line(exc: BaseException) -> str:
    """Condense a Hydra/OmegaConf composition error into one line."""
    from hydra.errors import MissingConfigException

    text = str(exc).strip()
    if isinstance(exc, MissingConfigException) and "Could not find" in text:
        first = text.splitlines()[0].replace("In 'config': ", "")
        options = exc.options or []
        name = getattr(exc, "missing_cfg_file", None) or ""
        group = name.split("/")[0] if name else "the group"
        return f"{first}; allowed values for {group}: {', '.join(options)}"
    cause = exc.__cause__ or exc.__context__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    head = lines[0] if lines else type(exc).__name__
    if cause is not None:
        detail = [ln.strip() for ln in str(cause).splitlines() if ln.strip()]
        if detail:
            head += ": " + detail[0]
    elif len(lines) > 1:
        head += ": " + lines[1]
    return head


# Exit codes of every `migsim` command (docs/running.md, "Exit codes").
EXIT_OK = 0
EXIT_BUG = 1  # an unexpected exception
EXIT_INPUT = 2  # bad input: a config value, file or command line
EXIT_VERDICT = 3  # `migsim validate` ran but a check failed
EXIT_ENVIRONMENT = 4  # disk full, out of memory, a missing launcher
EXIT_INTERRUPTED = 130

_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def _debug() -> bool:
    return os.environ.get("MIGSIM_DEBUG", "") not in ("", "0")


def environment_problem(exc: BaseException) -> str | None:
    """One line for a failure of the machine rather than of migsim or its input."""
    if isinstance(exc, MemoryError):
        return f"out of memory ({exc or 'MemoryError'}); use a smaller population.size"
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
        where = f" writing {exc.filename}" if exc.filename else ""
        return f"disk full{where} ({exc.strerror or exc}); free space and run again"
    if (
        isinstance(exc, ModuleNotFoundError)
        and exc.name
        and exc.name.split(".")[0]
        in (
            "submitit",
            "hydra_plugins",
            "ray",
        )
    ):
        return f"missing module {exc.name} (install it to use this launcher or backend)"
    return None


def guarded(fn) -> int:
    """Run `fn()`; every failure becomes one line on stderr and an exit code: 2 bad input,
    4 the environment (disk full, out of memory, a missing launcher), 130 Ctrl-C, 1 a bug
    (an unexpected exception; MIGSIM_DEBUG=1 also prints the traceback)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        return fn() or 0
    except InputError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (HydraException, OmegaConfBaseException) as exc:
        print(f"migsim: config error: {one_line(exc)}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        where = getattr(exc, "checkpoint", None)
        note = f"; resume with resume={where}" if where else ""
        print(
            f"migsim: interrupted; tables of the interrupted run were not written{note}",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERRUPTED)
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        env = environment_problem(exc)
        if _debug():
            traceback.print_exc()
        if env is not None:
            print(f"migsim: environment error: {env}", file=sys.stderr)
            sys.exit(EXIT_ENVIRONMENT)
        text = " ".join(str(exc).split())[:300]
        print(
            f"migsim: internal error: {type(exc).__name__}: {text} (a bug: please report it "
            "with the command and its run.log; MIGSIM_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        sys.exit(EXIT_BUG)


def main(argv: list[str] | None = None) -> None:
    """Entry point of `migsim run` and of `migsim run`."""
    import hydra

    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    # Hydra instantiates callbacks and launchers before the task: check their targets first.
    from migsim.runtime.trust import check_argv

    guarded(lambda: check_argv(sys.argv[1:], CONFIG_DIR))
    from migsim.config import plugin_param_overrides

    prepared: list[str] = []
    guarded(lambda: prepared.extend(plugin_param_overrides(sys.argv[1:])))
    sys.argv = [sys.argv[0], *prepared]
    # Let composition errors reach us instead of Hydra's multi-line report with exit 1.
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    entry = hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")(_task)
    guarded(entry)


if __name__ == "__main__":
    main()
