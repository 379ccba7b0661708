"""Behaviour plug-ins: how researchers replace parts of the decision model, and the checks
that run before any work.

A researcher can, without editing migsim:
1. replace the cell-level utility: `utility(ctx: CellContext) -> ndarray (R, 2, 2, B, R)`
   (plain Python/NumPy; entry [o, s, g, b, o] is the stay utility);
2. add an individual term: a numba-jitted function
   `term(age, sex, skill, wealth, productivity, years_abroad, origin, params) -> float`
   returning a shift of the log-odds of moving (params: float64 array from the config);
3. replace the decision kernel: a numba-jitted function
   `kernel(key, year, n, people, cells, levers, tallies, params)` taking the bundles of
   `migsim.kernels.bundles` and the float64 params array (rules in the README, "Writing a
   behaviour plug-in").
A plug-in is a `Behaviour` object found through the entry-point group `migsim.behaviours`
(`behaviour.plugin=NAME`) or a dotted path `package.module:attribute` (naming the module
opts in to importing it). The object must be a `Behaviour` instance: migsim never calls what a
config names to find out.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.model.choice import CellContext

ENTRY_POINT_GROUP = "migsim.behaviours"
KERNEL_SIGNATURE = (
    "kernel(key, year, n, people, cells, levers, tallies, params), numba-jitted "
    "(bundles of migsim.kernels.bundles)"
)
KERNEL_ARGUMENTS = ("key", "year", "n", "people", "cells", "levers", "tallies", "params")


@dataclass
class Behaviour:
    """A behaviour plug-in. Every part is optional: what is None keeps the default."""

    name: str
    utility: Callable[[CellContext], np.ndarray] | None = None
    individual_term: Callable | None = None  # numba-jitted, see module docstring
    kernel: Callable | None = None  # numba-jitted, KERNEL_SIGNATURE
    description: str = ""


DEFAULT = Behaviour("nested_logit", description="built-in nested logit (docs/model.md §3)")


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """Names of installed behaviour plug-ins plus the built-in one."""
    return ["nested_logit", *sorted(_entry_points())]


def load_behaviour(conf: Any) -> Behaviour:
    """Resolve `behaviour.plugin` to a checked Behaviour (entry point name or module:attribute).

    Every problem (unknown name, import failure, wrong object, an individual term that does
    not compile for migsim's argument types, a kernel with the wrong number of arguments,
    non-numeric params) is an InputError naming the plug-in, raised before any work is done.
    """
    plugin = str(conf.plugin or "").strip()
    params = _term_params(conf)
    if not plugin or plugin == DEFAULT.name:
        return DEFAULT
    where = f"behaviour.plugin={plugin}"
    if ":" in plugin:
        module_name, _, attr = plugin.partition(":")
        if not module_name or not attr:
            raise InputError(
                where,
                "is not of the form package.module:attribute",
                "an entry point of group migsim.behaviours or package.module:attribute",
            )
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(
                where,
                f"cannot be imported ({_first_line(exc)})",
                "an entry point of group migsim.behaviours or package.module:attribute",
            ) from None
        except Exception as exc:  # noqa: BLE001  (the plug-in module fails on import)
            raise InputError(
                where, f"failed to import ({type(exc).__name__}: {_first_line(exc)})"
            ) from None
    else:
        eps = _entry_points()
        if plugin not in eps:
            raise InputError(where, "is not an installed behaviour plug-in", ", ".join(available()))
        try:
            obj = eps[plugin].load()
        except Exception as exc:  # noqa: BLE001  (a broken third-party package)
            raise InputError(
                where, f"failed to load ({type(exc).__name__}: {_first_line(exc)})"
            ) from None
    if not isinstance(obj, Behaviour):  # never called: a plug-in is an object, not a factory
        if _is_jitted(obj):
            raise InputError(
                where,
                "is a numba function, not a migsim Behaviour",
                "wrap it: Behaviour(name, individual_term=f) or Behaviour(name, kernel=f)",
            )
        raise InputError(
            where,
            f"is a {type(obj).__name__}, not a migsim Behaviour (migsim does not call it)",
            "a migsim.model.plugins.Behaviour object (module-level Behaviour(...))",
        )
    if not obj.name:
        obj = replace(obj, name=plugin)
    elif obj.name != plugin:  # messages name both the Behaviour and what the user typed
        obj = replace(obj, name=f"{obj.name} ({plugin})")
    check_behaviour(obj, params)
    return obj


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _is_jitted(obj: Any) -> bool:
    from numba.core.dispatcher import Dispatcher  # numba only when a plug-in is used

    return isinstance(obj, Dispatcher)


def _term_params(conf: Any) -> np.ndarray:
    """`behaviour.params` as the float64 array an individual term receives ([0.0] if empty).

    The same construction as engine/steps/migration.py (MigrationStep.term_params); values must be
    finite numbers because that array is built for every run.
    """
    raw = conf.get("params") if hasattr(conf, "get") else getattr(conf, "params", None)
    values = []
    for key, value in dict(raw or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, str) or not np.isfinite(number):
            raise InputError(
                f"behaviour.params.{key}",
                f"{value!r} is not a finite number",
                "numbers; an individual term receives them in order as params[0], params[1], ...",
            )
        values.append(number)
    return np.asarray(values or [0.0], dtype=np.float64)


# Argument types of an individual term as the decision kernel calls it (the People dtypes).
_TERM_SAMPLE = {
    "age": np.uint8(30),
    "sex": np.uint8(0),
    "skill": np.uint8(1),
    "wealth": np.float32(1e4),
    "productivity": 1.0,
    "years_abroad": np.uint8(0),
    "origin": np.uint16(0),
}
TERM_SIGNATURE = (
    "term(age, sex, skill, wealth, productivity, years_abroad, origin, params) "
    "-> float, numba-jitted"
)


def check_behaviour(behaviour: Behaviour, params: np.ndarray | None = None) -> None:
    """Check a plug-in's parts before a run: what can go wrong is reported in one line.

    The individual term is compiled here for the argument types the kernel passes (the
    compiled version is reused by the kernel) and called once on a sample person; a kernel
    is compiled for migsim's bundles and called once with no people.
    """
    where = f"behaviour plug-in '{behaviour.name}'"
    if behaviour.utility is not None and not callable(behaviour.utility):
        raise InputError(
            where,
            f"utility is a {type(behaviour.utility).__name__}",
            "a function utility(ctx: CellContext) -> ndarray (R, 2, 2, B, R)",
        )
    term = behaviour.individual_term
    if term is not None:
        if not _is_jitted(term):
            raise InputError(
                where, "individual_term is not numba-jitted", "@numba.njit " + TERM_SIGNATURE
            )
        if params is None:
            params = np.zeros(1)
        try:
            value = term(*_TERM_SAMPLE.values(), np.ascontiguousarray(params, dtype=np.float64))
        except Exception as exc:  # noqa: BLE001  (numba typing errors and the term's own)
            raise InputError(
                where,
                f"individual_term fails for a sample person "
                f"({type(exc).__name__}: {_numba_reason(exc)})",
                TERM_SIGNATURE,
            ) from None
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            raise InputError(
                where, f"individual_term returned {type(value).__name__}", TERM_SIGNATURE
            )
        if np.isnan(value):
            raise InputError(
                where,
                "individual_term returned NaN for a sample person "
                f"({', '.join(f'{k}={v}' for k, v in _TERM_SAMPLE.items())})",
                "a finite shift of the log-odds of moving (or +/-inf)",
            )
    if behaviour.kernel is not None:
        _check_kernel(where, behaviour.kernel, params)


def _check_kernel(where: str, kernel: Any, params: np.ndarray | None) -> None:
    """A kernel must be jitted, take the eight arguments of KERNEL_SIGNATURE and compile
    for the bundles migsim passes: it is called once on a two-region sample with no people
    (n = 0), which compiles it for those types (numba reuses that compilation in the run)."""
    import inspect

    if not _is_jitted(kernel):
        raise InputError(where, "kernel is not numba-jitted", "@numba.njit " + KERNEL_SIGNATURE)
    got = inspect.signature(kernel.py_func).parameters.values()
    variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in got)
    if len(got) != len(KERNEL_ARGUMENTS) and not variadic:
        raise InputError(
            where,
            f"kernel takes {len(got)} arguments",
            f"the {len(KERNEL_ARGUMENTS)} arguments {KERNEL_SIGNATURE}",
        )
    from migsim.kernels.bundles import sample_bundles

    people, cells, levers, tallies = sample_bundles()
    if params is None:
        params = np.zeros(1)
    try:
        kernel(
            np.uint64(1),
            1,
            0,
            people,
            cells,
            levers,
            tallies,
            np.ascontiguousarray(params, dtype=np.float64),
        )
    except Exception as exc:  # noqa: BLE001  (numba typing errors and the kernel's own)
        raise InputError(
            where,
            f"kernel fails on migsim's bundles ({type(exc).__name__}: {_numba_reason(exc)})",
            KERNEL_SIGNATURE,
        ) from None


def _numba_reason(exc: BaseException) -> str:
    """The informative line of a (multi-line) numba error."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("Failed in nopython", "During:", "File "))]
    text = lines[0] if lines else type(exc).__name__
    return text[:300]


def check_utility(name: str, V: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A plug-in's utility must be a finite float array of the expected shape."""
    if not isinstance(V, np.ndarray):
        raise InputError(
            f"behaviour plug-in '{name}'",
            f"utility returned {type(V).__name__}",
            f"a NumPy array of shape {shape}",
        )
    if V.dtype.kind not in "fiu":
        raise InputError(
            f"behaviour plug-in '{name}'",
            f"utility has dtype {V.dtype}",
            "a real-valued (float) array",
        )
    if V.shape != shape:
        raise InputError(
            f"behaviour plug-in '{name}'",
            f"utility has shape {V.shape}",
            f"shape {shape} [origin, skill, sex, age band, destination]",
        )
    if not np.isfinite(V).all():
        bad = "NaN" if np.isnan(V).any() else "infinite values"
        raise InputError(
            f"behaviour plug-in '{name}'", f"utility contains {bad}", "finite utilities"
        )
    return V.astype(np.float64, copy=False)
