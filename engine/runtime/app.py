"""`migsim run`: one simulation run (or a Hydra sweep with -m) from the command line.

`run_simulation(cfg, run_dir)` (engine/runtime/runner.py) is the programmatic entry point
used by the Hydra task, the Python API and the tests. Bad input ends the process with one
line on stderr and exit code 2; Ctrl-C ends it with code 130 and leaves no table of the
interrupted run behind.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from omegaconf import DictConfig

from migsim.config import register
from migsim.core.errors import InputError
from migsim.core.resources import config_dir
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

# the assembly function under its former private name (engine/validate.py uses it)
_start = start_simulation


def _task(cfg: DictConfig) -> Any:
    from hydra.core.hydra_config import HydraConfig

    run_dir = HydraConfig.get().runtime.output_dir
    try:
        result = run_simulation(cfg, run_dir)
    except InputError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(format_summary(result))
    return result.summary


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


def guarded(fn) -> int:
    """Run `fn()`; bad input becomes one line on stderr and exit code 2."""
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
        sys.exit(130)


def main(argv: list[str] | None = None) -> None:
    """Entry point of `migsim run` and of `migsim run`."""
    import hydra

    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    # Hydra instantiates callbacks and launchers before the task: check their targets first.
    from migsim.runtime.trust import check_argv

    guarded(lambda: check_argv(sys.argv[1:], CONFIG_DIR))
    # Let composition errors reach us instead of Hydra's multi-line report with exit 1.
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    entry = hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")(_task)
    guarded(entry)


if __name__ == "__main__":
    main()
