"""The Python API: compose a config, run it, step through it, read and compare runs.

    import migsim
    result = migsim.run(["world=toy", "population.size=20000", "years=5"])
    result.regions            # polars DataFrame, one row per year and region

Everything here goes through the same assembly (`migsim.runtime.assemble`) and run loop
(`migsim.runtime.runner`) as `migsim run`, so a run from Python and one from the command line
with the same config give identical tables.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

from migsim.analysis.runs import Result, Tables, load_run
from migsim.runtime.resume_config import hydra_quoted, hydra_value, override_key

GROUPS = ("world", "population", "regime", "behaviour", "experiment")


def _override_strings(overrides: Any) -> tuple[list[str], dict]:
    """Hydra override strings, plus a dict of list and mapping values to merge afterwards
    (the override grammar is awkward for nested values given as Python objects)."""
    if overrides is None:
        return [], {}
    if isinstance(overrides, str):
        return [overrides], {}
    if not isinstance(overrides, Mapping):
        if not isinstance(overrides, Iterable):
            from migsim.core.errors import InputError

            raise InputError(
                "overrides", f"a {type(overrides).__name__} is not a list of overrides",
                "a list of strings such as 'world=toy', or a dict",
            )  # fmt: skip
        return [str(o) for o in overrides], {}
    strings, nested = [], {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and not (prefix in GROUPS and not value):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, (list, tuple)):
            nested[prefix] = list(value)
        elif isinstance(value, bool):
            strings.append(f"{prefix}={'true' if value else 'false'}")
        elif value is None:
            strings.append(f"{prefix}=null")
        elif isinstance(value, str) and prefix not in GROUPS:
            strings.append(f"{prefix}={hydra_quoted(value)}")
        else:
            strings.append(f"{prefix}={value}")

    for key, value in overrides.items():
        walk(str(key), value)
    return strings, nested


def compose(overrides: list[str] | Mapping | None = None):
    """The run config for `overrides` (Hydra override strings such as `"world=toy"`, or a
    dict such as `{"world": "toy", "population": {"size": 20_000}}`), composed from the
    shipped configs and validated: a bad value raises `migsim.core.errors.InputError` with
    the same one-line message `migsim run` prints."""
    from hydra import compose as hydra_compose
    from hydra.errors import HydraException
    from omegaconf import OmegaConf, open_dict
    from omegaconf.errors import OmegaConfBaseException

    from migsim.config import plugin_param_overrides, register, validate
    from migsim.runtime.resume_config import with_saved_overrides

    register()
    strings, nested = _override_strings(overrides)
    # `resume=PATH` takes the checkpoint's overrides, as `migsim run resume=PATH` does
    strings = plugin_param_overrides(with_saved_overrides(strings))
    try:
        if _inside_migsim_app():  # inside `migsim run`: compose from its state (--config-dir)
            cfg = hydra_compose("config", overrides=strings)
        else:
            with _shipped_configs():
                cfg = hydra_compose("config", overrides=strings)
    except (HydraException, OmegaConfBaseException) as exc:
        raise _composition_error(exc) from None
    except ValueError as exc:  # a config group given a number (`experiment=inf`)
        raise group_value_error(strings, exc) from None
    if nested:
        with open_dict(cfg):
            for key, value in nested.items():
                try:
                    OmegaConf.update(cfg, key, value, merge=False)
                except (OmegaConfBaseException, ValueError, TypeError) as exc:
                    from migsim.core.errors import InputError

                    problem = " ".join(str(exc).split("\n")[0].split())
                    raise InputError(
                        key, f"{value!r} cannot be set ({problem})", "a value of its type "
                        "(`migsim params`); a list only where the parameter is a list",
                    ) from None  # fmt: skip
    validate(cfg)
    return cfg


def _inside_migsim_app() -> bool:
    """Whether Hydra's global state is migsim's own (`migsim run` and its callbacks), whose
    search path holds migsim's config tree; Hydra initialised by the caller for configs of
    their own is left alone, and migsim composes from its shipped configs."""
    from hydra.core.global_hydra import GlobalHydra

    from migsim.core.resources import config_dir

    hydra = GlobalHydra.instance()
    if not hydra.is_initialized():
        return False
    try:
        sources = hydra.config_loader().get_sources()
    except Exception:  # noqa: BLE001  (a state migsim cannot read is not migsim's)
        return False
    mine = config_dir().resolve()
    return any(
        (s.scheme() == "file" and Path(s.path).resolve() == mine)
        or (s.scheme() == "pkg" and s.path.replace("/", ".") == "migsim.configs")
        for s in sources
    )


@contextmanager
def _shipped_configs() -> Iterator[None]:
    """Hydra initialised on migsim's config tree for the block; Hydra's global state of the
    caller (initialised for configs of their own, or not at all) is put back after it."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.singleton import Singleton

    from migsim.core.resources import config_dir

    callers = Singleton._instances.pop(GlobalHydra, None)
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            yield
    finally:
        if callers is not None:
            Singleton._instances[GlobalHydra] = callers


def _composition_error(exc: BaseException):
    """A Hydra/OmegaConf composition error (a value of the wrong type, an unknown group
    option) as the one-line InputError naming the override."""
    import re

    from migsim.config import config_error_allowed
    from migsim.core.errors import InputError
    from migsim.runtime.app import error_head

    text = error_head(exc)
    allowed = config_error_allowed(text)
    found = re.match(r"Error merging override \+*([^=\s]+)=(.*?): (.*)", text)
    if found:
        key, value, problem = found.groups()
        if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]  # a text value from a dict, quoted for Hydra
        allowed = allowed or "a value of its type (`migsim params`)"
        return InputError(key, f"'{value}': {problem}", allowed)
    return InputError("config", text, allowed)


def group_value_error(overrides: list[str], exc: BaseException):
    """The InputError for Hydra's ValueError on a config group given a number or null
    (`experiment=inf`): one line naming the group, as for an unknown option."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from migsim.core.errors import InputError

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:  # noqa: BLE001  (the ValueError is then reported as it is)
        parsed = []
    for override in parsed:
        if override.key_or_group in GROUPS and not isinstance(override.value(), (str, list)):
            value = (override.input_line or "").split("=", 1)[-1]
            group = override.key_or_group
            return InputError(group, f"'{value}' is not a config", f"a name in configs/{group}/")
    return InputError("config", " ".join(str(exc).split()))


def _config(cfg_or_overrides: Any):
    from omegaconf import DictConfig

    if isinstance(cfg_or_overrides, DictConfig):
        from migsim.config import validate

        validate(cfg_or_overrides)
        return cfg_or_overrides
    return compose(cfg_or_overrides)


def run(
    overrides: list[str] | Mapping | None = None,
    *,
    config: Any = None,
    out: str | Path | None = None,
    progress: bool | None = None,
) -> Result:
    """Run one simulation and return its `Result` (tables as polars frames, manifest).

    `overrides`: config overrides as Hydra strings or a dict (see `compose`); `config`: an
    already composed config instead (then `overrides` must be None). Nothing is written
    unless `out` names a directory, which then becomes the usual run directory (tables,
    manifest.json, and the config under .hydra/). `progress` shows a bar over years; left
    None, there is one only when the overrides set `progress=true` (the config's default,
    true for `migsim run`, is not taken from Python)."""
    from omegaconf import OmegaConf

    from migsim.core.errors import InputError
    from migsim.runtime.app import remove_rejected
    from migsim.runtime.runner import simulate

    if config is not None and overrides is not None:
        raise TypeError("pass either overrides or config, not both")
    cfg = _config(config if config is not None else overrides)
    strings, nested = _override_strings(overrides) if config is None else ([], {})
    strings += [f"{k}={hydra_value(v)}" for k, v in nested.items()]
    if progress is None:  # an explicit progress=... among the overrides, else no bar
        given = any(override_key(s) == "progress" for s in strings)
        progress = bool(cfg.progress) if given else False
    run_dir = None
    if out is not None:
        from migsim.runtime.rundirs import new_run_dir, note_missing_parents

        note_missing_parents(out)  # those a refused run removes again
        run_dir = new_run_dir(out, "out")
        hydra_dir = run_dir / ".hydra"
        hydra_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(cfg, hydra_dir / "config.yaml")
        OmegaConf.save(OmegaConf.create(strings), hydra_dir / "overrides.yaml")
    from migsim.runtime.resume_config import API_OVERRIDES, with_saved_overrides

    # the overrides a checkpoint of this run records, for `resume=` from Python or the CLI
    token = API_OVERRIDES.set(with_saved_overrides(strings) if config is None else None)
    try:
        done = simulate(cfg, run_dir, progress)
    except InputError:
        if run_dir is not None and remove_rejected(run_dir):
            # refused before it started: no run directory, as from the CLI, nor the parents
            # made for it
            from migsim.runtime.rundirs import remove_made_parents

            remove_made_parents()
        raise
    finally:
        API_OVERRIDES.reset(token)
    return Result(Tables(done.tables), done.manifest, run_dir, cfg, done.people, strings)


def build_simulation(cfg_or_overrides: Any = None):
    """A `Simulation` in its base year, steps built and the base year recorded, for
    step-by-step use: `sim.step()` advances one year, `sim.year` is the year reached and
    `sim.tables()` the tables so far. The argument is a composed config or overrides."""
    from migsim.core.threads import set_threads
    from migsim.runtime.assemble import start_simulation

    cfg = _config(cfg_or_overrides)
    set_threads(cfg.threads)
    return start_simulation(cfg)


def compare(runs: Any, baseline: str = "status_quo"):
    """Tidy comparison (polars DataFrame: regime, variant, seed, year, measure, scope, value,
    baseline, change, change_pct, unit; the final simulated year of each run) of runs against
    the `baseline` regime with the same seed and variant. `runs`: a directory holding run
    directories (a sweep), or a list of `Result`s and run paths."""
    from migsim.analysis.compare import compare as compare_dir
    from migsim.core.errors import InputError

    if isinstance(runs, (str, Path)):
        return compare_dir(runs, baseline)
    results = _as_results(runs)
    if not results:
        raise InputError("compare", "no runs given", "a list of Results or run paths")
    with tempfile.TemporaryDirectory(prefix="migsim-compare-") as tmp:
        names = {}
        for i, item in enumerate(results):
            item.save(Path(tmp) / f"{i:04d}")
            names[str(Path(tmp) / f"{i:04d}")] = str(item.run_dir or f"runs[{i}]")
        try:
            return compare_dir(tmp, baseline)
        except InputError as exc:  # name the runs as the caller knows them, not the copies
            raise _relabelled(exc, tmp, names) from None


def _relabelled(exc, tmp: str, names: dict[str, str]):
    """`exc` (an InputError about the temporary copies of `compare`'s runs) naming the
    runs as given: runs[i] or their directories, the baseline argument without dashes."""
    from migsim.core.errors import InputError

    def text(value: str | None) -> str | None:
        if value is None:
            return None
        for copy, name in sorted(names.items(), reverse=True):
            value = value.replace(copy, name)
        return value.replace(f" under '{tmp}'", " among the runs given")

    where = "baseline" if exc.where == "--baseline" else text(exc.where)
    return InputError(where, text(exc.problem), text(exc.allowed))


def _as_results(runs: Any) -> list[Result]:
    from migsim.core.errors import InputError

    if isinstance(runs, Result) or not isinstance(runs, Iterable):
        raise InputError(
            "compare", f"{type(runs).__name__} is not a list of runs", "a list of Results or "
            "run paths (with a baseline run), or a sweep directory",
        )  # fmt: skip
    results = []
    for i, item in enumerate(runs):
        if not isinstance(item, (Result, str, PathLike)):
            raise InputError(
                f"runs[{i}]", f"a {type(item).__name__} is not a run",
                "a Result or the path of a run directory",
            )  # fmt: skip
        results.append(item if isinstance(item, Result) else load_run(item))
    return results


def parameters() -> list[dict]:
    """Every declared run parameter: dotted name, default, allowed values and meaning."""
    from migsim.config import parameters as declared

    return declared()
