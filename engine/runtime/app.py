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
import logging
import os
import sys
import traceback
from contextlib import contextmanager
from typing import Any

from omegaconf import DictConfig

from migsim.config import register
from migsim.core.errors import InputError
from migsim.core.resources import config_dir
from migsim.runtime import (
    rundirs,
    sweeps,  # noqa: F401  (the multirun subdir resolver, registered)
)
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

log = logging.getLogger("migsim.run")
CONFIG_DIR = str(config_dir())


def _task(cfg: DictConfig) -> Any:
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    run_dir = hydra_cfg.runtime.output_dir
    fresh_logs = _empty_logs(run_dir)  # logs Hydra just opened for this job
    logging.captureWarnings(True)  # Python warnings into run.log (and stderr)
    refused = False
    try:
        result = run_simulation(cfg, run_dir, explicit=_explicit_keys(hydra_cfg))
    except InputError as exc:
        refused = True
        if not remove_rejected(run_dir, fresh_logs):
            # the directory stays (it held an unfinished run): its run.log says why this
            # run stopped
            log.error("refused: %s", exc, extra={"terminal": False})
        elif str(hydra_cfg.mode) == "RunMode.MULTIRUN":
            remove_empty_parents(run_dir, hydra_cfg.sweep.dir)
        else:
            rundirs.remove_made_parents()  # `outputs/runs/` when Hydra made it for this run
        rundirs.restore_earlier_config(run_dir, refused=True)  # the unfinished run's .hydra/
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        # the traceback goes to run.log only; the terminal gets guarded()'s one line (raised
        # here, since Hydra would print its own report of a failed job first)
        log.error("the run failed", exc_info=exc, extra={"terminal": False})
        guarded(_raise(exc))
    finally:
        logging.captureWarnings(False)
        if not refused:
            rundirs.restore_earlier_config(run_dir, refused=False)
    print(format_summary(result))
    if result.interrupted and str(hydra_cfg.mode) == "RunMode.MULTIRUN":
        # Ctrl-C in a job's last year: that run is complete, the sweep stops (exit 130)
        stop = KeyboardInterrupt()
        stop.written = run_dir
        raise stop
    return result.summary


def _raise(exc: BaseException):
    def reraise():
        raise exc

    return reraise


class TerminalFilter:
    """Keeps off the terminal the log records meant for run.log only (a traceback)."""

    def filter(self, record) -> bool:
        return getattr(record, "terminal", True)


def _explicit_keys(hydra_cfg: Any) -> list[str]:
    """The config keys the user set on the command line (`a.b=1`, `+a.b=1`, `group=x`)."""
    keys = []
    for item in hydra_cfg.overrides.task:
        key = str(item).split("=", 1)[0].lstrip("+~")
        keys.append(key)
    return keys


def _empty_logs(run_dir: str | os.PathLike) -> set[str]:
    from pathlib import Path

    try:
        return {p.name for p in Path(run_dir).glob("*.log") if p.is_file() and not p.stat().st_size}
    except OSError:
        return set()


def remove_rejected(run_dir: str | os.PathLike, own_logs: set[str] = frozenset()) -> bool:
    """Remove the directory Hydra made for a run refused before it wrote anything: one
    holding nothing but Hydra's `.hydra/` and log files that are empty or were empty when
    this job began (`own_logs`: this job's run.log, which may name what it loaded)."""
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
    for log_file in logs:
        if not log_file.is_file() or log_file.is_symlink():
            return False
        if log_file.stat().st_size and log_file.name not in own_logs:
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
    """Condense a Hydra/OmegaConf composition error into one line, with what is allowed."""
    from migsim.config import config_error_hint

    return config_error_hint(error_head(exc))


def error_head(exc: BaseException) -> str:
    """A Hydra/OmegaConf composition error's first line and its cause's, as one line."""
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
EXIT_BROKEN_PIPE = 141  # stdout's reader went away (128 + SIGPIPE, as the shell reports it)

_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


TRACEBACK_HINT = "set MIGSIM_DEBUG=1 (or HYDRA_FULL_ERROR=1) for the traceback"


def _debug() -> bool:
    """The user asked for full tracebacks (migsim's switch, or Hydra's)."""
    return any(os.environ.get(v, "") not in ("", "0") for v in ("MIGSIM_DEBUG", "HYDRA_FULL_ERROR"))


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
    if _raised_by_launcher(exc):
        text = " ".join(str(exc).split())[:200]
        return f"the launcher failed: {type(exc).__name__}: {text} (is it set up on this machine?)"
    return None


# a shipped launcher config whose plug-in is not installed: config -> pip package
LAUNCHER_PACKAGES = {
    "ray": "hydra-ray-launcher",
    "submitit_slurm": "hydra-submitit-launcher",
    "submitit_local": "hydra-submitit-launcher",
    "joblib": "hydra-joblib-launcher",
}


def _missing_launcher(exc: BaseException) -> str | None:
    """The line for a launcher config of a plug-in that is not installed (Hydra reports the
    config it cannot load, with its search path on the lines after)."""
    import re

    found = re.search(r"Could not load 'hydra/launcher/([\w-]+)'", str(exc))
    if not found:
        return None
    name = found.group(1)
    package = LAUNCHER_PACKAGES.get(name, f"the package providing hydra/launcher/{name}")
    return f"the launcher '{name}' is not installed (install {package} to use it)"


LAUNCHER_PATHS = ("/submitit/", "/hydra_plugins/", "/ray/", "/joblib/")


def _raised_by_launcher(exc: BaseException) -> bool:
    """The exception was raised inside a launcher package (submitit without SLURM, a Ray
    cluster that cannot be reached), not in migsim or its input."""
    tb, last = exc.__traceback__, ""
    while tb is not None:
        last, tb = tb.tb_frame.f_code.co_filename, tb.tb_next
    return any(part in last.replace("\\", "/") for part in LAUNCHER_PATHS)


def resume_command(checkpoint) -> str:
    """`migsim run resume=PATH` as a shell line that works as printed: a path with
    characters Hydra's grammar or the shell would read (a sweep job's `key=value`, a space)
    is quoted for Hydra, and the argument for the shell."""
    import re
    import shlex

    path = str(checkpoint)
    if re.fullmatch(r"[\w./+@:-]+", path):
        return f"migsim run resume={path}"
    from migsim.runtime.resume_config import hydra_quoted

    arg = "resume=" + hydra_quoted(path)
    if re.search(r'["$`\\!]', arg):
        return f"migsim run {shlex.quote(arg)}"
    return f'migsim run "{arg}"'


def guarded(fn) -> int:
    """Run `fn()`; every failure becomes one line on stderr and an exit code: 2 bad input,
    4 the environment (disk full, out of memory, a missing launcher), 130 Ctrl-C, 1 a bug
    (an unexpected exception: one line and a hint; MIGSIM_DEBUG=1 or HYDRA_FULL_ERROR=1
    also prints the traceback, and a run's run.log holds it)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        return fn() or 0
    except InputError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (HydraException, OmegaConfBaseException) as exc:
        launcher = _missing_launcher(exc)
        if launcher is not None:
            print(f"migsim: environment: {launcher}", file=sys.stderr)
            sys.exit(EXIT_ENVIRONMENT)
        print(f"migsim: config error: {one_line(exc)}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        where = getattr(exc, "checkpoint", None)
        note = f"; resume with: {resume_command(where)}" if where else ""
        if where and getattr(exc, "earlier", False):  # stopped mid-year: an earlier year's
            note = f"; its last checkpoint is {os.path.basename(str(where))}{note}"
        written = getattr(exc, "written", None)
        told = (
            f"the sweep stopped after {written}, written in full"
            if written
            else (f"tables of the interrupted run were not written{note}")
        )
        print(f"migsim: interrupted; {told}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except (SystemExit, GeneratorExit):
        raise
    except BrokenPipeError:
        # the reader went away (`migsim params | head`): nothing more to say, as other
        # command-line tools; stdout pointed at nothing so the exit's flush cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)
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
            f"with the command and its run.log; {TRACEBACK_HINT})",
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
    guarded(lambda: rundirs.check_argv(sys.argv[1:]))
    from migsim.runtime.sweep_check import check_jobs

    guarded(lambda: check_jobs(rundirs.run_args(sys.argv[1:])))  # every job before the first
    rundirs.keep_earlier_config(sys.argv[1:])
    from migsim.config import plugin_param_overrides

    prepared: list[str] = []
    guarded(lambda: prepared.extend(plugin_param_overrides(sys.argv[1:])))
    from migsim.runtime.resume_config import with_saved_overrides

    sys.argv = [sys.argv[0], *with_saved_overrides(prepared)]
    entry = hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")(_task)
    with errors_reach_migsim():
        guarded(entry)


@contextmanager
def errors_reach_migsim():
    """Let Hydra's errors (composition, launcher, the task's) reach `guarded`, which ends
    them with one line and an exit code, instead of Hydra's report of several lines and
    exit 1. Hydra's `run_and_report` is swapped for a plain call in this process only: the
    HYDRA_FULL_ERROR variable is left as the user set it (and is not passed to launched
    jobs)."""
    import hydra._internal.utils as hydra_utils

    original = hydra_utils.run_and_report
    hydra_utils.run_and_report = lambda func: func()
    try:
        yield
    finally:
        hydra_utils.run_and_report = original


if __name__ == "__main__":
    main()
