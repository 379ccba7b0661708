"""What migsim lets a config call: the allow-list of Hydra targets, checked before Hydra runs.

Hydra instantiates `hydra.callbacks`, `hydra.launcher` and `hydra.sweeper` (and the logging
config's handler classes) before migsim's task starts, so `migsim run` checks them first:
in the command-line overrides and in the composed config. A `_target_` (or a logging
`()` / `class`) that is not on the allow-list ends the run with one line and exit code 2.

A user's own callback is allowed with `MIGSIM_ALLOW_TARGETS=pkg.mod.Class,other.mod.Class`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from migsim.core.errors import InputError

ALLOW_ENV = "MIGSIM_ALLOW_TARGETS"

# migsim's own callbacks (configs/config.yaml) and the documented launchers and sweeper
# (configs/hydra/launcher/*.yaml, Hydra's defaults).
ALLOWED_TARGETS = (
    "migsim.runtime.callbacks.CompareCallback",
    "migsim.runtime.callbacks.RunDirParents",
    "migsim.runtime.callbacks.SweepLayout",
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_aws_launcher.RayAWSLauncher",
)
# The parts of the Hydra config whose targets Hydra instantiates.
CHECKED = ("hydra.callbacks", "hydra.launcher", "hydra.sweeper")
LOGGING = ("hydra.job_logging", "hydra.hydra_logging")
# logging.config.dictConfig calls `()` factories and `class` handlers/formatters
LOGGING_PREFIXES = ("logging.", "colorlog.")
LOGGING_OWN = ("migsim.runtime.app.TerminalFilter",)  # configs/hydra/job_logging/migsim.yaml


def allowed_targets() -> tuple[str, ...]:
    extra = [t.strip() for t in os.environ.get(ALLOW_ENV, "").split(",") if t.strip()]
    return ALLOWED_TARGETS + tuple(extra)


def _refuse(where: str, target: Any, logging_key: bool = False) -> None:
    if logging_key:
        allowed = "classes of the logging module"
    else:
        allowed = ", ".join(ALLOWED_TARGETS) + f" (add your own with {ALLOW_ENV}=pkg.mod.Class)"
    raise InputError(where, f"{target!r} is not an allowed target", allowed)


def check_node(path: str, node: Any) -> None:
    """Walk `node` (found at dotted `path`) and refuse any target that is not allowed."""
    in_logging = path.startswith(LOGGING)
    checked = in_logging or path.startswith(CHECKED)
    if isinstance(node, Mapping):
        for key, value in node.items():
            check_node(f"{path}.{key}" if path else str(key), value)
        return
    if isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            check_node(f"{path}[{i}]", value)
        return
    if not checked and not path.endswith("_target_"):
        return
    leaf = path.rsplit(".", 1)[-1]
    if leaf in ("_target_", "_partial_target_"):
        if not checked:
            return
        if str(node) not in allowed_targets():
            _refuse(path, node)
    elif in_logging and leaf in ("()", "class"):
        own = str(node) in LOGGING_OWN
        if (
            not own
            and not str(node).startswith(LOGGING_PREFIXES)
            and str(node) not in allowed_targets()
        ):
            _refuse(path, node, logging_key=True)


def check_overrides(overrides: Iterable[str]) -> None:
    """Check command-line overrides (`key=value`, `+key=value`, `++key=value`)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except Exception:  # noqa: BLE001  (Hydra reports malformed overrides itself)
        return
    for override in parsed:
        key = override.key_or_group
        if override.is_sweep_override():
            if key.startswith(CHECKED + LOGGING) and any(
                "_target_" in str(v) or "()" in str(v) or "class" in str(v)
                for v in override.sweep_string_iterator()
            ):
                raise InputError(key, "cannot be swept", "one value")
            continue
        if override.is_delete():
            continue
        value = override.value()
        check_node(key.replace("/", "."), value)


def check_argv(argv: list[str], config_dir: str) -> None:
    """Check `migsim run` arguments before Hydra instantiates anything they name."""
    from hydra._internal.utils import get_args_parser

    args, _ = get_args_parser().parse_known_args(argv)
    if getattr(args, "experimental_rerun", None):
        raise InputError(
            "--experimental-rerun", "loads a pickled config", "a run from configs and overrides"
        )
    overrides = list(args.overrides or [])
    check_overrides(overrides)
    _check_composed(args, overrides, config_dir)


def _check_composed(args: Any, overrides: list[str], config_dir: str) -> None:
    """Compose the config as Hydra will (sweeps left out) and check its hydra node."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        plain = [o.input_line for o in parsed if not o.is_sweep_override()]
    except Exception:  # noqa: BLE001
        return
    if args.config_dir:
        plain.append(f"hydra.searchpath=[file://{os.path.abspath(args.config_dir)}]")
    if GlobalHydra.instance().is_initialized():
        return
    try:
        with initialize_config_dir(config_dir=config_dir, version_base="1.3"):
            cfg = compose(
                config_name=args.config_name or "config",
                overrides=plain,
                return_hydra_config=True,
            )
    except ValueError as exc:  # a config group given a number: Hydra's report is a traceback
        from migsim.api import group_value_error

        raise group_value_error(plain, exc) from None
    except Exception:  # noqa: BLE001  (Hydra reports composition errors itself)
        return
    node = OmegaConf.to_container(cfg.hydra, resolve=False)
    check_node("hydra", node)
